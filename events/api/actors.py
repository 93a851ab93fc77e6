"""Actors: current and former countries, entities without ISO status and international organisations, with
their successions and identifiers. Reference data, read-only. ``/actors/`` holds every kind; ``/countries/``
keeps holding what it held before actors (the ISO 3166-1 countries and territories), for clients."""

import csv
import functools

import django_filters as filters
from django.db.models import Q
from rest_framework import serializers

from apikit.filters import FixedChoices, OrderingFilter
from apikit.schema import document
from apikit.serializers import NullableTextField, RefField, ResourceSerializer
from events.api.records import CitationSerializer, IdentifierSerializer, ReadViewSet, SearchFilterSet
from events.api.relations import RelationsMixin
from events.choices import ActorKind
from events.models import Actor, ActorIdentifier, Succession
from events.seed import M49_FILE


class ActorIdentifierSerializer(IdentifierSerializer):
    class Meta(IdentifierSerializer.Meta):
        model = ActorIdentifier


class SuccessionSerializer(ResourceSerializer):
    predecessor = RefField("ActorSerializer", read_only=True, help_text="The actor before.")
    successor = RefField("ActorSerializer", read_only=True, help_text="The actor after.")
    note = NullableTextField(read_only=True, help_text="What happened, in our words.")
    citations = CitationSerializer(many=True, read_only=True, help_text="The instrument that made it.")

    class Meta:
        model = Succession
        fields = ["predecessor", "successor", "date", "kind", "note", "citations"]
        read_only_fields = fields


class ActorSerializer(ResourceSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="actor-detail", lookup_field="code")
    relations = serializers.HyperlinkedIdentityField(
        view_name="actor-relations", lookup_field="code", help_text="This actor's partners (dyads)."
    )
    iso3 = NullableTextField(
        read_only=True,
        help_text="ISO 3166-1 alpha-3 code (ISO 3166-3 for a former country); null where ISO gives none "
        "(organisations, XKX...). Equal to code for every current country.",
    )
    iso2 = NullableTextField(read_only=True, help_text="ISO 3166-1 alpha-2 code; current countries only.")
    numeric = NullableTextField(read_only=True, help_text="ISO numeric code, where ISO gives one (not unique).")
    iso_former_code = NullableTextField(read_only=True, help_text="ISO 3166-3 four-letter code, e.g. SUHH.")
    predecessors = SuccessionSerializer(
        source="predecessor_links", many=True, read_only=True, help_text="Successions this actor followed."
    )
    successors = SuccessionSerializer(
        source="successor_links", many=True, read_only=True, help_text="Successions that followed this actor."
    )
    identifiers = ActorIdentifierSerializer(
        many=True, read_only=True, help_text="Its ids in named schemes, e.g. hsg:russia (Office of the Historian)."
    )

    class Meta:
        model = Actor
        key = "code"
        fields = [
            "code",
            "kind",
            "iso3",
            "iso2",
            "numeric",
            "iso_former_code",
            "name",
            "iso_name",
            "official_name",
            "alternative_names",
            "from_year",
            "until_year",
            "region_code",
            "region",
            "subregion_code",
            "subregion",
            "intermediate_region_code",
            "intermediate_region",
            "predecessors",
            "successors",
            "identifiers",
            "url",
            "relations",
        ]
        read_only_fields = fields
        brief_fields = ["code", "iso3", "name", "kind", "url"]
        # The 1.0 countries' columns first, in their order, then what actors add.
        csv_fields = [
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
            "code",
            "kind",
            "iso_former_code",
            "alternative_names",
            "from_year",
            "until_year",
            ("predecessors", "predecessors.predecessor"),
            ("successors", "successors.successor"),
            ("identifiers", "identifiers.qualified"),
        ]

    @classmethod
    def normalise_key(cls, value: str) -> str:
        return value.upper()  # irn is IRN


@functools.cache
def m49_choices(column: str) -> FixedChoices:
    with M49_FILE.open(encoding="utf-8", newline="") as handle:
        names = {row[column] for row in csv.DictReader(handle) if row[column]}
    return FixedChoices((name, name) for name in sorted(names))


class ActorFilterSet(SearchFilterSet):
    kind = filters.MultipleChoiceFilter(
        choices=ActorKind.choices, help_text="Kind of actor; repeat it for any of several kinds."
    )
    region = filters.ChoiceFilter(choices=m49_choices("region"), help_text="UN M49 region, e.g. Americas.")
    subregion = filters.ChoiceFilter(
        choices=m49_choices("subregion"), help_text="UN M49 sub-region, e.g. Latin America and the Caribbean."
    )
    existed_in = filters.NumberFilter(
        method="filter_existed_in", help_text="Actors that existed in this year (where their years are known)."
    )
    ordering = OrderingFilter(fields=["name", "code"], help_text="Sort by name or code (-field: descending).")

    class Meta:
        model = Actor
        fields = ["region", "subregion"]

    def filter_existed_in(self, queryset, name, value):
        year = int(value)
        return queryset.filter(Q(from_year__lte=year) | Q(from_year__isnull=True)).filter(
            Q(until_year__gte=year) | Q(until_year__isnull=True)
        )


class CountryFilterSet(ActorFilterSet):
    ordering = OrderingFilter(fields=["name", ("code", "iso3")], help_text="Sort by name or iso3 (-field: descending).")

    class Meta(ActorFilterSet.Meta):
        fields = ["region", "subregion"]


CountryFilterSet.base_filters.pop("kind")  # every row of /countries/ is a country


@document(
    "actors",
    "actor",
    "Everything that can be a party, a destination, an origin or a post: current countries and territories "
    "(ISO 3166-1), former countries (ISO 3166-3 codes, or project codes starting with X), entities without ISO "
    "status and international organisations, with their successions and identifiers. Reference data: read-only.",
)
class ActorViewSet(RelationsMixin, ReadViewSet):
    queryset = Actor.objects.all()
    serializer_class = ActorSerializer
    filterset_class = ActorFilterSet
    lookup_field = "code"

    def get_object(self):
        self.kwargs[self.lookup_field] = ActorSerializer.normalise_key(self.kwargs[self.lookup_field])  # irn is IRN
        return super().get_object()


@document(
    "countries",
    "country",
    "The ISO 3166-1 countries and territories with their UN M49 regions: the actors of kind country, at the "
    "addresses clients have used since 1.0 (every kind of actor is under /actors/). Reference data: read-only.",
)
class CountryViewSet(ActorViewSet):
    queryset = Actor.objects.filter(kind=ActorKind.COUNTRY)
    filterset_class = CountryFilterSet
    lookup_field = "iso3"
