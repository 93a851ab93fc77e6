"""Events: meetings, statements and announcements, with CAMEO and PLOVER codes."""

import django_filters as filters
from django.db.models import QuerySet
from rest_framework import serializers

from apikit.filters import OrderingFilter
from apikit.schema import document
from apikit.serializers import RefField
from apikit.strict import StrictModelSerializer
from events import services
from events.api.records import ActorFilter, DatedFilterSet, RecordSerializer, WritableViewSet, dated, identifiers_field
from events.choices import EventKind
from events.models import Event, EventParticipant, Official, Trip


class ParticipantSerializer(StrictModelSerializer):
    official = RefField("OfficialSerializer", required=False, allow_null=True, help_text="Official taking part (slug).")
    country = RefField("ActorSerializer", required=False, allow_null=True, help_text="Actor taking part (ISO alpha-3).")

    class Meta:
        model = EventParticipant
        fields = ["official", "country", "role"]


class EventSerializer(RecordSerializer):
    identifiers = identifiers_field()
    url = serializers.HyperlinkedIdentityField(view_name="event-detail")
    trip = RefField(
        "TripSerializer", required=False, allow_null=True, help_text="Trip (UUID) during which it took place."
    )
    stop = RefField(
        "StopSerializer", required=False, allow_null=True, help_text="Trip stop (UUID) at which it took place."
    )
    sectors = RefField(
        "SectorSerializer", many=True, required=False, help_text="Fields of cooperation it concerns (slugs)."
    )
    participants = ParticipantSerializer(many=True, required=False, help_text="Who took part (the whole list).")

    class Meta:
        model = Event
        fields = [
            "id",
            "kind",
            "title",
            "description",
            "quote",
            *dated("date"),
            "trip",
            "stop",
            "participants",
            "sectors",
            "cameo_code",
            "plover_type",
            "plover_mode",
            "identifiers",
            "citations",
            "disputed_fields",
            "url",
            "created_at",
            "updated_at",
        ]
        csv_fields = [
            "id",
            "kind",
            "title",
            *dated("date"),
            ("participants", "participants.official"),
            ("countries", "participants.country"),
            ("roles", "participants.role"),
            "quote",
            "sectors",
            "trip",
            "cameo_code",
            "plover_type",
            "plover_mode",
            ("sources", "citations.source", "unique"),
            ("identifiers", "identifiers.qualified"),
            "url",
            "updated_at",
        ]

    def write(self, instance, validated_data):
        return services.save_event(
            event=instance,
            sectors=validated_data.pop("sectors", None),
            participants=validated_data.pop("participants", None),
            fields=validated_data,
            user=self.user,
        )


class EventFilterSet(DatedFilterSet):
    reads = (
        EventParticipant,
        Official,
        Trip,
    )
    date_field = "date"

    kind = filters.ChoiceFilter(choices=EventKind.choices, help_text="Kind of event.")
    participant = filters.ModelChoiceFilter(
        queryset=Official.objects.all(),
        to_field_name="slug",
        field_name="participants__official",
        distinct=True,
        help_text="Slug of an official taking part.",
    )
    country = ActorFilter(
        method="filter_country", help_text="Code of an actor taking part (a country, an organisation)."
    )
    trip = filters.ModelChoiceFilter(queryset=Trip.objects.all(), help_text="Trip (UUID) during which it took place.")
    ordering = OrderingFilter(
        fields=[("date_earliest", "date"), "title", "updated_at"], help_text="Sort by date, title or updated_at."
    )

    class Meta:
        model = Event
        fields = []

    def filter_country(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        taking_part = EventParticipant.objects.filter(country__in=self.actor_set(name, value))
        return queryset.filter(pk__in=taking_part.values("event_id"))


@document("events", "event", "Meetings, statements and announcements, with CAMEO and PLOVER codes.", writable=True)
class EventViewSet(WritableViewSet):
    queryset = Event.objects.all()
    serializer_class = EventSerializer
    filterset_class = EventFilterSet
