"""Agreements with their parties (each with its dated actions), sectors, and breakdowns of totals."""

import django_filters as filters
import pycountry
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apikit.filters import FixedChoices, OrderingFilter
from apikit.schema import document
from apikit.serializers import RefField
from events import services
from events.api.records import (
    CURRENCY_CHOICES,
    ActorsFilter,
    DatedFilterSet,
    DatedSerializer,
    RecordSerializer,
    WritableViewSet,
    dated,
    identifiers_field,
)
from events.choices import AgreementKind
from events.models import Agreement, AgreementParty, Official, PartyAction, Sector, Stop, Trip


class PartyActionSerializer(DatedSerializer):
    class Meta:
        model = PartyAction
        fields = ["id", "action", *dated("date")]
        read_only_fields = ["id"]


class PartySerializer(RecordSerializer):
    country = RefField("ActorSerializer", help_text="The party (ISO alpha-3).")
    signatory = RefField(
        "OfficialSerializer", required=False, allow_null=True, help_text="Who signed for it (slug), where known."
    )
    actions = PartyActionSerializer(many=True, required=False, help_text="Its dated actions (the whole list).")

    class Meta:
        model = AgreementParty
        fields = ["id", "country", "signatory", "actions", "citations"]
        read_only_fields = ["id"]


class AgreementSerializer(RecordSerializer):
    identifiers = identifiers_field()
    url = serializers.HyperlinkedIdentityField(view_name="agreement-detail")
    signed_at = RefField(
        "StopSerializer", required=False, allow_null=True, help_text="Trip stop (UUID) during which it was signed."
    )
    sectors = RefField("SectorSerializer", many=True, required=False, help_text="Sectors it covers (slugs).")
    parent = RefField(
        "AgreementSerializer",
        required=False,
        allow_null=True,
        help_text="The total (UUID) this record breaks down, if it is a breakdown.",
    )
    breakdowns = RefField(
        "AgreementSerializer", many=True, read_only=True, help_text="Records that break this total down."
    )
    parties = PartySerializer(many=True, required=False, help_text="The parties (the whole list).")
    amends = RefField(
        "AgreementSerializer",
        required=False,
        allow_null=True,
        help_text="The agreement (UUID) this one amends, extends or is a protocol to.",
    )
    amendments = RefField("AgreementSerializer", many=True, read_only=True, help_text="Agreements that amend this one.")

    class Meta:
        model = Agreement
        fields = [
            "id",
            "title",
            "kind",
            "status",
            "description",
            "languages",
            *dated("signed"),
            "signed_at",
            *dated("entry_into_force"),
            *dated("end"),
            "ambit",
            "amends",
            "amendments",
            "parties",
            "parties_complete",
            "sectors",
            "term_years",
            "value_amount",
            "value_currency",
            "quantity",
            "parent",
            "breakdowns",
            "identifiers",
            "citations",
            "disputed_fields",
            "url",
            "created_at",
            "updated_at",
        ]
        brief_fields = ["id", "title", "quantity", "url"]
        csv_fields = [
            "id",
            "title",
            "kind",
            "status",
            *dated("signed"),
            ("parties", "parties.country"),
            "parties_complete",
            ("signatories", "parties.signatory"),
            "sectors",
            "quantity",
            "value_amount",
            "value_currency",
            "term_years",
            "parent",
            "signed_at",
            ("sources", "citations.source", "unique"),
            "disputed_fields",
            ("identifiers", "identifiers.qualified"),
            "url",
            "updated_at",
            "languages",
            *dated("entry_into_force"),
            *dated("end"),
            "ambit",
            "amends",
        ]

    def write(self, instance, validated_data):
        return services.save_agreement(
            agreement=instance,
            sectors=validated_data.pop("sectors", None),
            parties=validated_data.pop("parties", None),
            fields=validated_data,
            user=self.user,
        )


LANGUAGE_CHOICES = FixedChoices(sorted((c.alpha_2, c.alpha_2) for c in pycountry.languages if hasattr(c, "alpha_2")))


class SlugsFilter(filters.ModelMultipleChoiceFilter):
    """Several records by slug (one query validates them all), typed as strings in the schema."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        extend_schema_field({"type": "string", "description": self.extra.get("help_text", "")})(self)


class AgreementFilterSet(DatedFilterSet):
    reads = (
        AgreementParty,
        Agreement.sectors.through,
        Sector,
        Official,
        Stop,
        Trip,
    )
    date_field = "signed"

    party = ActorsFilter(
        method="filter_party",
        help_text="Code of a party (a country, a former country, an organisation); repeat it for agreements every "
        "one is party to (party=IRN&party=VEN). With include_predecessors=true, RUS also matches the Soviet Union.",
    )
    sector = SlugsFilter(
        queryset=Sector.objects.all(),
        to_field_name="slug",
        method="filter_sector",
        help_text="Sector slug; repeat it for agreements in any of them.",
    )
    kind = filters.ChoiceFilter(choices=AgreementKind.choices, help_text="Kind of agreement.")
    language = filters.ChoiceFilter(
        choices=LANGUAGE_CHOICES,
        method="filter_language",
        help_text="ISO 639-1 code of a language it has an authentic text in, e.g. es.",
    )
    signatory = filters.ModelChoiceFilter(
        queryset=Official.objects.all(),
        to_field_name="slug",
        method="filter_signatory",
        help_text="Slug of an official who signed for a party.",
    )
    trip = filters.ModelChoiceFilter(
        queryset=Trip.objects.all(), field_name="signed_at__trip", help_text="Trip (UUID) during which it was signed."
    )
    min_value = filters.NumberFilter(
        field_name="value_amount", lookup_expr="gte", help_text="Monetary value at least this (in its own currency)."
    )
    max_value = filters.NumberFilter(
        field_name="value_amount", lookup_expr="lte", help_text="Monetary value at most this (in its own currency)."
    )
    currency = filters.ChoiceFilter(
        choices=CURRENCY_CHOICES, field_name="value_currency", help_text="ISO 4217 code of the value's currency."
    )
    ordering = OrderingFilter(
        fields=[("signed_earliest", "date"), "title", "quantity", "value_amount", "updated_at"],
        help_text="Sort by date, title, quantity, value_amount or updated_at.",
    )

    class Meta:
        model = Agreement
        fields = []

    # Filters through related rows use IN (subquery), never a join: no duplicate rows, so no DISTINCT.

    def filter_sector(self, queryset: QuerySet, name: str, value: QuerySet | list) -> QuerySet:
        if value.query.is_empty() if isinstance(value, QuerySet) else not value:  # no sector asked for
            return queryset
        linked = Agreement.sectors.through.objects.filter(sector__in=value).values("agreement_id")
        return queryset.filter(pk__in=linked)

    def filter_language(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(languages__contains=[value])

    def filter_signatory(self, queryset: QuerySet, name: str, value: Official) -> QuerySet:
        return queryset.filter(pk__in=AgreementParty.objects.filter(signatory=value).values("agreement_id"))

    def filter_party(self, queryset: QuerySet, name: str, value: list[str]) -> QuerySet:
        if not value:
            return queryset
        return queryset.between(*(self.actor_set(name, code) for code in value))


@document("agreements", "agreement", "Agreements with their parties, sectors and breakdowns.", writable=True)
class AgreementViewSet(WritableViewSet):
    queryset = Agreement.objects.all()
    serializer_class = AgreementSerializer
    filterset_class = AgreementFilterSet
