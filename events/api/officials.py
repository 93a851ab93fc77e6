"""Officials and the positions they held over time (Popolo memberships)."""

import datetime
from typing import ClassVar

import django_filters as filters
from django.db.models import QuerySet
from rest_framework import serializers

from apikit.filters import OrderingFilter
from apikit.schema import document
from apikit.serializers import RefField
from apikit.strict import StrictUUIDField
from events import services
from events.api.records import (
    ActorFilter,
    ActorFilterSetMixin,
    ChangedSinceFilter,
    DatasetFilterSetMixin,
    RecordSerializer,
    SearchFilterSet,
    WritableViewSet,
    dated,
    identifiers_field,
    updated_since_filter,
)
from events.models import Official, Position


class PositionSerializer(RecordSerializer):
    id = StrictUUIDField(required=False, help_text="An existing position to update; omit to add one.")
    country = RefField(
        "ActorSerializer", help_text="Whom the official represents (an actor's code: a country, or an organisation)."
    )
    posted_to = RefField(
        "ActorSerializer",
        many=True,
        required=False,
        help_text="Where the official is posted, for a position abroad (actors' codes: countries or organisations); "
        "several for a concurrent accreditation. Empty for a position at home.",
    )
    identifiers = identifiers_field()

    class Meta:
        model = Position
        fields = [
            "id",
            "title",
            "country",
            "posted_to",
            *dated("start"),
            *dated("end"),
            "end_cause",
            "appointed",
            "served",
            "identifiers",
            "citations",
            "disputed_fields",
        ]


class OfficialSerializer(RecordSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="official-detail", lookup_field="slug")
    positions = PositionSerializer(many=True, required=False, help_text="Positions held (the whole list).")
    identifiers = identifiers_field()

    class Meta:
        model = Official
        key = "slug"
        fields = [
            "slug",
            "name",
            "alternative_names",
            "wikidata_qid",
            "birth_date",
            "death_date",
            "positions",
            "identifiers",
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
            "birth_date",
            "death_date",
            ("positions", "positions.title"),
            ("position_countries", "positions.country"),
            ("posted_to", "positions.posted_to", "unique"),
            ("sources", "citations.source", "unique"),
            ("identifiers", "identifiers.qualified"),
            ("position_identifiers", "positions.identifiers.qualified", "unique"),
            "url",
            "updated_at",
        ]

    def write(self, instance, validated_data):
        positions = validated_data.pop("positions", None)
        return services.save_official(official=instance, fields=validated_data, positions=positions, user=self.user)


class OfficialFilterSet(DatasetFilterSetMixin, ActorFilterSetMixin, SearchFilterSet):
    """``country``, ``posted_to``, ``position`` and ``active_on`` apply to one and the same position."""

    reads = (
        Position,
        Position.posted_to.through,
    )

    identifier_parts: ClassVar[dict] = {Position: "official_id"}

    country = ActorFilter(
        method="filter_position", help_text="Code of the actor they held a position for (whom they represented)."
    )
    posted_to = ActorFilter(
        method="filter_position",
        help_text="Code of the actor (a country or an organisation) they were posted to; with active_on, who was "
        "posted there that day (posted_to=FRA&active_on=1950-01-01).",
    )
    position = filters.CharFilter(method="filter_position", help_text="Words in the title of a position they held.")
    active_on = filters.DateFilter(
        method="filter_position", help_text="A day within the bounds of a position they held (YYYY-MM-DD)."
    )
    ordering = OrderingFilter(fields=["name", "slug", "updated_at"], help_text="Sort by name, slug or updated_at.")
    updated_since = updated_since_filter()
    changed_since = ChangedSinceFilter()

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
            positions = positions.filter(country__in=self.actor_set("country", data["country"]))
        if data.get("posted_to"):
            posted = Position.posted_to.through.objects.filter(actor__in=self.actor_set("posted_to", data["posted_to"]))
            positions = positions.filter(pk__in=posted.values("position_id"))
        if data.get("position"):
            positions = positions.filter(title__icontains=data["position"])
        if any(data.get(name) for name in ("active_on", "country", "posted_to", "position")):
            queryset = queryset.filter(pk__in=positions.values("official_id"))
        return queryset


@document("officials", "official", "Officials and the positions they held over time.", writable=True)
class OfficialViewSet(WritableViewSet):
    queryset = Official.objects.all()
    serializer_class = OfficialSerializer
    filterset_class = OfficialFilterSet
    lookup_field = "slug"
