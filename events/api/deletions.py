"""Deletions: records deleted from the API's resources, for clients that sync."""

import django_filters as filters

from apikit.filters import FilterSet
from apikit.schema import document
from apikit.serializers import ResourceSerializer
from events.api.records import ChangedSinceFilter, ListViewSet
from events.models import Deletion
from events.signals import LOGGED


class DeletionSerializer(ResourceSerializer):
    class Meta:
        model = Deletion
        fields = ["resource", "record_id", "deleted_at"]


class DeletionFilterSet(FilterSet):
    since = filters.IsoDateTimeFilter(
        field_name="deleted_at", lookup_expr="gte", help_text="Deletions at or after this time (ISO 8601)."
    )
    changed_since = ChangedSinceFilter(
        help_text="Deletions since the watermark a cursor page gave (docs/api.md, Sync)."
    )
    resource = filters.ChoiceFilter(
        choices=sorted((resource, resource) for resource, _ in LOGGED.values()),
        help_text="Only deletions from this resource.",
    )

    class Meta:
        model = Deletion
        fields = []


@document("deletions", "deletion", "Records deleted from the API's resources, for clients that sync.", detail=False)
class DeletionViewSet(ListViewSet):
    queryset = Deletion.objects.all()
    serializer_class = DeletionSerializer
    filterset_class = DeletionFilterSet
