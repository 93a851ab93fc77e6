"""Sources: the documents that state the facts, and what cites them."""

from rest_framework import serializers

from apikit.filters import OrderingFilter
from apikit.schema import document
from apikit.serializers import NullableURLField, ReadOnlyNullableURLField
from events import services
from events.api.records import (
    ChangedSinceFilter,
    RecordSerializer,
    SearchFilterSet,
    WritableViewSet,
    identifiers_field,
    updated_since_filter,
)
from events.models import Source


class SourceSerializer(RecordSerializer):
    identifiers = identifiers_field()
    url = serializers.HyperlinkedIdentityField(view_name="source-detail")
    document_url = NullableURLField(
        source="url", required=False, allow_null=True, allow_blank=True, help_text="Where it can be read, when known."
    )

    class Meta:
        model = Source
        fields = [
            "id",
            "title",
            "kind",
            "publisher",
            "document_url",
            "published",
            "language",
            "note",
            "text_path",
            "text",
            "identifiers",
            "citations",
            "disputed_fields",
            "url",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["text_path", "text"]
        brief_fields = ["id", "title", "publisher", "document_url", "url"]
        brief_extra = {
            "document_url": ReadOnlyNullableURLField(
                source="url", read_only=True, help_text="Where the document can be read, when known."
            )
        }
        csv_exclude = ["text", "citations", "identifiers"]

    def write(self, instance, validated_data):
        return services.save_source(source=instance, fields=validated_data, user=self.user)


class SourceFilterSet(SearchFilterSet):
    updated_since = updated_since_filter()
    changed_since = ChangedSinceFilter()
    ordering = OrderingFilter(
        fields=["published", "title", "updated_at"], help_text="Sort by published, title or updated_at."
    )

    class Meta:
        model = Source
        fields = []


@document("sources", "source", "The documents that state the facts, and what cites them.", writable=True)
class SourceViewSet(WritableViewSet):
    queryset = Source.objects.all()
    serializer_class = SourceSerializer
    filterset_class = SourceFilterSet
