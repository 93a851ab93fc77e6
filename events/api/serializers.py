"""API representations. Related records are written by their public key and read back as small objects
(events.api.fields); nested parts (stops, parties, positions, participants) are written with their parent
through the service functions, so the API keeps the same rules as the admin and the database."""

from rest_framework import serializers

from events import services
from events.api.fields import (
    AgreementField,
    AgreementRef,
    CountryField,
    CountryRef,
    OfficialField,
    SectorField,
    SourceRef,
    StopField,
    TripField,
)
from events.api.strict import StrictCharField, StrictModelSerializer, StrictURLField, StrictUUIDField
from events.models import (
    Agreement,
    AgreementParty,
    Citation,
    Country,
    Deletion,
    Event,
    EventParticipant,
    Official,
    PartyAction,
    Position,
    Sector,
    Source,
    Stop,
    Trip,
)


def dated(name: str) -> list[str]:
    """The five API fields of one uncertain date: text, precision, bounds and basis."""
    return [name, f"{name}_precision", f"{name}_earliest", f"{name}_latest", f"{name}_basis"]


class BlankAsNullMixin:
    """Stored as "" when unknown, shown (and accepted) as null."""

    def to_representation(self, value):
        return None if value in ("", None) else super().to_representation(value)

    def validate_empty_values(self, data):
        if data is None:
            return True, ""
        return super().validate_empty_values(data)


class UncertainDateTextField(BlankAsNullMixin, StrictCharField):
    """An uncertain date's EDTF text; null when unknown."""


class PrecisionField(BlankAsNullMixin, serializers.ChoiceField):
    """An uncertain date's precision, derived from its text; null when unknown."""


class OptionalURLField(BlankAsNullMixin, StrictURLField):
    """A URL that may be unknown: null, never an empty string."""


class UncertainDatesMixin:
    """Unknown dates as null: the EDTF text and its precision (their bounds are null already)."""

    def build_standard_field(self, field_name, model_field):
        field_class, kwargs = super().build_standard_field(field_name, model_field)
        dates = getattr(self.Meta.model, "uncertain_dates", ())
        if field_name in dates:
            return UncertainDateTextField, {**kwargs, "allow_null": True, "allow_blank": True}
        if field_name.endswith("_precision") and field_name.removesuffix("_precision") in dates:
            return PrecisionField, {
                "choices": kwargs["choices"],
                "read_only": True,
                "allow_null": True,
                "help_text": kwargs.get("help_text"),
            }
        return field_class, kwargs


class CitationSerializer(serializers.ModelSerializer):
    source = SourceRef(read_only=True)

    class Meta:
        model = Citation
        fields = ["id", "source", "field", "excerpt", "start", "end", "stated_value", "note"]
        read_only_fields = fields


class RecordSerializer(UncertainDatesMixin, StrictModelSerializer):
    """A domain record: its citations and the fields on which its sources disagree."""

    citations = CitationSerializer(many=True, read_only=True, help_text="Sources supporting this record.")
    disputed_fields = serializers.ListField(
        child=serializers.CharField(),
        read_only=True,
        help_text="Fields for which the citations state more than one value (conflicting reports).",
    )

    def create(self, validated_data):
        return self.write(self.Meta.model(), validated_data)

    def update(self, instance, validated_data):
        return self.write(instance, validated_data)

    def write(self, instance, validated_data):
        raise NotImplementedError

    @property
    def user(self):
        """The authenticated writer, recorded in the change history."""
        request = self.context.get("request")
        return request.user if request is not None else None


class CountrySerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="country-detail", lookup_field="iso3")
    relations = serializers.HyperlinkedIdentityField(
        view_name="country-relations", lookup_field="iso3", help_text="This country's partners (dyads)."
    )

    class Meta:
        model = Country
        fields = [
            "iso3",
            "iso2",
            "numeric",
            "name",
            "iso_name",
            "official_name",
            "region_code",
            "region",
            "subregion_code",
            "subregion",
            "intermediate_region_code",
            "intermediate_region",
            "url",
            "relations",
        ]


class SectorSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="sector-detail", lookup_field="slug")

    class Meta:
        model = Sector
        fields = ["slug", "name", "description", "url"]


class PositionSerializer(RecordSerializer):
    id = StrictUUIDField(required=False, help_text="An existing position to update; omit to add one.")
    country = CountryField(help_text="The country served (ISO alpha-3).")

    class Meta:
        model = Position
        fields = ["id", "title", "country", *dated("start"), *dated("end"), "end_cause", "citations", "disputed_fields"]


class OfficialSerializer(RecordSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="official-detail", lookup_field="slug")
    positions = PositionSerializer(many=True, required=False, help_text="Positions held (the whole list).")

    class Meta:
        model = Official
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

    def write(self, instance, validated_data):
        positions = validated_data.pop("positions", None)
        return services.save_official(official=instance, fields=validated_data, positions=positions, user=self.user)


class StopSerializer(RecordSerializer):
    id = StrictUUIDField(required=False, help_text="An existing stop of this trip to update; omit to add one.")
    country = CountryField(help_text="Country visited (ISO alpha-3).")

    class Meta:
        model = Stop
        fields = ["id", "order", "country", "city", *dated("arrival"), *dated("departure"), "citations"]
        read_only_fields = ["order"]


class TripSerializer(RecordSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="trip-detail")
    lead = OfficialField(help_text="The official who led the trip (slug).")
    members = OfficialField(many=True, required=False, help_text="Other officials on the trip (slugs).")
    origin = CountryField(help_text="Country it set out from (ISO alpha-3).")
    invited_by = CountryField(many=True, required=False, help_text="Countries that invited it (ISO alpha-3).")
    span_earliest = serializers.DateField(
        read_only=True, help_text="First day of the trip: its own start, else its first stop's arrival."
    )
    span_latest = serializers.DateField(
        read_only=True, help_text="Last day of the trip: its own end, else its last stop's departure (or arrival)."
    )
    stops = StopSerializer(many=True, required=False, help_text="Stops in order (the whole list, numbered 1, 2...).")

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
            "citations",
            "disputed_fields",
            "url",
            "created_at",
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


class PartyActionSerializer(UncertainDatesMixin, StrictModelSerializer):
    class Meta:
        model = PartyAction
        fields = ["id", "action", *dated("date")]
        read_only_fields = ["id"]


class PartySerializer(RecordSerializer):
    country = CountryField(help_text="The party (ISO alpha-3).")
    signatory = OfficialField(required=False, allow_null=True, help_text="Who signed for it (slug), where known.")
    actions = PartyActionSerializer(many=True, required=False, help_text="Its dated actions (the whole list).")

    class Meta:
        model = AgreementParty
        fields = ["id", "country", "signatory", "actions", "citations"]
        read_only_fields = ["id"]


class AgreementSerializer(RecordSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="agreement-detail")
    signed_at = StopField(required=False, allow_null=True, help_text="Trip stop (UUID) during which it was signed.")
    sectors = SectorField(many=True, required=False, help_text="Sectors it covers (slugs).")
    parent = AgreementField(
        required=False, allow_null=True, help_text="The total (UUID) this record breaks down, if it is a breakdown."
    )
    breakdowns = AgreementRef(many=True, read_only=True, help_text="Records that break this total down.")
    parties = PartySerializer(many=True, required=False, help_text="The parties (the whole list).")

    class Meta:
        model = Agreement
        fields = [
            "id",
            "title",
            "kind",
            "status",
            "description",
            *dated("signed"),
            "signed_at",
            "parties",
            "parties_complete",
            "sectors",
            "term_years",
            "value_amount",
            "value_currency",
            "quantity",
            "parent",
            "breakdowns",
            "citations",
            "disputed_fields",
            "url",
            "created_at",
            "updated_at",
        ]

    def write(self, instance, validated_data):
        return services.save_agreement(
            agreement=instance,
            sectors=validated_data.pop("sectors", None),
            parties=validated_data.pop("parties", None),
            fields=validated_data,
            user=self.user,
        )


class ParticipantSerializer(StrictModelSerializer):
    official = OfficialField(required=False, allow_null=True, help_text="Official taking part (slug).")
    country = CountryField(required=False, allow_null=True, help_text="Country taking part (ISO alpha-3).")

    class Meta:
        model = EventParticipant
        fields = ["official", "country", "role"]


class EventSerializer(RecordSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="event-detail")
    trip = TripField(required=False, allow_null=True, help_text="Trip (UUID) during which it took place.")
    stop = StopField(required=False, allow_null=True, help_text="Trip stop (UUID) at which it took place.")
    sectors = SectorField(many=True, required=False, help_text="Fields of cooperation it concerns (slugs).")
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
            "citations",
            "disputed_fields",
            "url",
            "created_at",
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


class SourceSerializer(RecordSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="source-detail")
    document_url = OptionalURLField(
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
            "citations",
            "disputed_fields",
            "url",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["text_path", "text"]

    def write(self, instance, validated_data):
        return services.save_source(source=instance, fields=validated_data, user=self.user)


class DeletionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Deletion
        fields = ["resource", "record_id", "deleted_at"]


class RelationSerializer(serializers.Serializer):
    """One partner of a country, with what links them (see docs/api.md for the counting rule)."""

    partner = CountryRef(help_text="The partner country.")
    agreements = serializers.IntegerField(
        help_text="Documents signed by both (sum of quantity; a total is replaced by its breakdowns that both are "
        "party to, so no document is counted twice)."
    )
    agreement_records = serializers.IntegerField(help_text="Agreement records counted for the pair.")
    trips_to_partner = serializers.IntegerField(help_text="Trips from this country with a stop in the partner.")
    trips_from_partner = serializers.IntegerField(help_text="Trips from the partner with a stop in this country.")
    events = serializers.IntegerField(help_text="Events in which both countries take part.")
    first_date = serializers.DateField(allow_null=True, help_text="Earliest bound of the earliest of these.")
    last_date = serializers.DateField(allow_null=True, help_text="Latest bound of the latest of these.")
