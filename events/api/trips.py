"""Trips: journeys by officials, with their ordered stops."""

from typing import ClassVar

import django_filters as filters
from django.db.models import BooleanField, Q, QuerySet
from django.db.models.expressions import RawSQL
from rest_framework import serializers

from apikit.filters import OrderingFilter
from apikit.schema import document
from apikit.serializers import RefField
from apikit.strict import StrictUUIDField
from events import services
from events.api.records import (
    ActorFilter,
    ActorsFilter,
    DatedFilterSet,
    RecordSerializer,
    WritableViewSet,
    dated,
    identifiers_field,
)
from events.models import Official, Stop, Trip
from events.models.trips import span_sql


class StopSerializer(RecordSerializer):
    identifiers = identifiers_field()
    id = StrictUUIDField(required=False, help_text="An existing stop of this trip to update; omit to add one.")
    country = RefField("ActorSerializer", help_text="Actor visited (ISO alpha-3).")

    class Meta:
        model = Stop
        fields = ["id", "order", "country", "city", *dated("arrival"), *dated("departure"), "identifiers", "citations"]
        read_only_fields = ["order"]
        brief_fields = ["id", "order", "country", "city", "trip"]
        brief_extra = {"trip": serializers.HyperlinkedRelatedField(view_name="trip-detail", read_only=True)}


class TripSerializer(RecordSerializer):
    identifiers = identifiers_field()
    url = serializers.HyperlinkedIdentityField(view_name="trip-detail")
    lead = RefField("OfficialSerializer", help_text="The official who led the trip (slug).")
    members = RefField(
        "OfficialSerializer", many=True, required=False, help_text="Other officials on the trip (slugs)."
    )
    origin = RefField("ActorSerializer", help_text="Actor it set out from (ISO alpha-3).")
    invited_by = RefField(
        "ActorSerializer", many=True, required=False, help_text="Countries that invited it (ISO alpha-3)."
    )
    span_earliest = serializers.DateField(
        read_only=True, help_text="First day of the trip: its own start, else its first stop's arrival."
    )
    span_latest = serializers.DateField(
        read_only=True, help_text="Last day of the trip: its own end, else its last stop's departure (or arrival)."
    )
    stops = StopSerializer(many=True, required=False, help_text="Stops in order (the whole list, numbered 1, 2...).")
    sql_fields = {
        **RecordSerializer.sql_fields,
        "span_earliest": lambda builder, model, alias: span_sql(alias)[0],
        "span_latest": lambda builder, model, alias: span_sql(alias)[1],
    }

    class Meta:
        model = Trip
        fields = [
            "id",
            "title",
            "lead",
            "members",
            "origin",
            "purpose",
            "invited_by",
            "invitation",
            *dated("start"),
            *dated("end"),
            "span_earliest",
            "span_latest",
            "stops",
            "identifiers",
            "citations",
            "disputed_fields",
            "url",
            "created_at",
            "updated_at",
        ]
        brief_fields = ["id", "title", "url"]
        csv_fields = [
            "id",
            "title",
            "lead",
            "members",
            "origin",
            ("stops", "stops.country"),
            ("stop_cities", "stops.city"),
            "span_earliest",
            "span_latest",
            *dated("start"),
            *dated("end"),
            "invited_by",
            "purpose",
            ("sources", "citations.source", "unique"),
            "disputed_fields",
            ("identifiers", "identifiers.qualified"),
            ("stop_identifiers", "stops.identifiers.qualified", "unique"),
            "url",
            "updated_at",
        ]

    def write(self, instance, validated_data):
        return services.save_trip(
            trip=instance,
            members=validated_data.pop("members", None),
            invited_by=validated_data.pop("invited_by", None),
            stops=validated_data.pop("stops", None),
            fields=validated_data,
            user=self.user,
        )


class TripFilterSet(DatedFilterSet):
    reads = (
        Stop,
        Official,
        Trip.members.through,
    )
    date_field = "span"
    identifier_parts: ClassVar[dict] = {Stop: "trip_id"}  # a travels id names a stop

    traveler = filters.ModelChoiceFilter(
        queryset=Official.objects.all(),
        to_field_name="slug",
        method="filter_traveler",
        help_text="Slug of an official who led or joined the trip.",
    )
    origin = ActorFilter(method="filter_origin", help_text="Code of the actor it set out from, e.g. IRN.")
    visited = ActorsFilter(
        method="filter_visited",
        help_text="Code of an actor with a stop (a country, or an organisation's seat); repeat it for trips that "
        "visited all of them.",
    )
    ordering = OrderingFilter(
        fields=[("span_earliest", "date"), "title", "updated_at"], help_text="Sort by date, title or updated_at."
    )

    class Meta:
        model = Trip
        fields = []

    def filter_traveler(self, queryset: QuerySet, name: str, value: Official) -> QuerySet:
        # Led or joined. "id = ANY(ARRAY(subquery))" is computed once, so PostgreSQL ORs two index scans;
        # "lead = x OR id IN (subquery)" would read every trip.
        joined = RawSQL(
            f'"{Trip._meta.db_table}"."id" = ANY(ARRAY(SELECT trip_id FROM {Trip.members.through._meta.db_table} '
            "WHERE official_id = %s))",
            [value.pk],
            output_field=BooleanField(),
        )
        return queryset.filter(Q(lead=value) | Q(joined))

    def filter_origin(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(origin__in=self.actor_set(name, value))

    def filter_visited(self, queryset: QuerySet, name: str, value: list[str]) -> QuerySet:
        return queryset.visiting(*(self.actor_set(name, code) for code in value)) if value else queryset


@document("trips", "trip", "Journeys by officials, with their ordered stops.", writable=True)
class TripViewSet(WritableViewSet):
    queryset = Trip.objects.with_span()
    serializer_class = TripSerializer
    filterset_class = TripFilterSet
