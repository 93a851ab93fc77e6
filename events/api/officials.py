"""Officials and the positions they held over time (Popolo memberships)."""

import datetime

import django_filters as filters
from django.db.models import QuerySet
from rest_framework import serializers

from apikit.schema import document
from apikit.serializers import RefField
from apikit.strict import StrictUUIDField
from events import services
from events.api.records import (
    COUNTRY_CHOICES,
    RecordSerializer,
    SearchFilterSet,
    WritableViewSet,
    dated,
    updated_since_filter,
)
from events.models import Official, Position


class PositionSerializer(RecordSerializer):
    id = StrictUUIDField(required=False, help_text="An existing position to update; omit to add one.")
    country = RefField("CountrySerializer", help_text="The country served (ISO alpha-3).")

    class Meta:
        model = Position
        fields = ["id", "title", "country", *dated("start"), *dated("end"), "end_cause", "citations", "disputed_fields"]


class OfficialSerializer(RecordSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="official-detail", lookup_field="slug")
    positions = PositionSerializer(many=True, required=False, help_text="Positions held (the whole list).")

    class Meta:
        model = Official
        key = "slug"
        fields = [
            "slug",
            "name",
            "alternative_names",
            "wikidata_qid",
            "positions",
            "citations",
            "disputed_fields",
            "url",
            "created_at",
            "updated_at",
        ]
        brief_fields = ["slug", "name", "url"]
        csv_fields = [
            "slug",
            "name",
            "alternative_names",
            "wikidata_qid",
            ("positions", "positions.title"),
            ("position_countries", "positions.country"),
            ("sources", "citations.source", "unique"),
            "url",
            "updated_at",
        ]

    def write(self, instance, validated_data):
        positions = validated_data.pop("positions", None)
        return services.save_official(official=instance, fields=validated_data, positions=positions, user=self.user)


class OfficialFilterSet(SearchFilterSet):
    """``country``, ``position`` and ``active_on`` apply to one and the same position."""

    country = filters.ChoiceFilter(
        choices=COUNTRY_CHOICES,
        method="filter_position",
        help_text="ISO alpha-3 of a country they held a position for.",
    )
    position = filters.CharFilter(method="filter_position", help_text="Words in the title of a position they held.")
    active_on = filters.DateFilter(
        method="filter_position", help_text="A day within the bounds of a position they held (YYYY-MM-DD)."
    )
    ordering = filters.OrderingFilter(
        fields=["name", "slug", "updated_at"], help_text="Sort by name, slug or updated_at."
    )
    updated_since = updated_since_filter()

    class Meta:
        model = Official
        fields = []

    def filter_position(self, queryset: QuerySet, name: str, value: str | datetime.date) -> QuerySet:
        return queryset  # applied once for all three in filter_queryset

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        queryset = super().filter_queryset(queryset)
        data = self.form.cleaned_data
        positions = Position.objects.all()
        if data.get("active_on"):
            positions = positions.held_on(data["active_on"])
        if data.get("country"):
            positions = positions.filter(country__iso3=data["country"])
        if data.get("position"):
            positions = positions.filter(title__icontains=data["position"])
        if any(data.get(name) for name in ("active_on", "country", "position")):
            queryset = queryset.filter(pk__in=positions.values("official_id"))
        return queryset


@document("officials", "official", "Officials and the positions they held over time.", writable=True)
class OfficialViewSet(WritableViewSet):
    queryset = Official.objects.all()
    serializer_class = OfficialSerializer
    filterset_class = OfficialFilterSet
    lookup_field = "slug"
