"""Countries: ISO 3166-1 with their UN M49 regions. Reference data, read-only."""

import csv
import functools

import django_filters as filters
from rest_framework import serializers

from apikit.filters import FixedChoices
from apikit.schema import document
from apikit.serializers import ResourceSerializer
from events.api.records import ReadViewSet, SearchFilterSet
from events.api.relations import RelationsMixin
from events.models import Country
from events.seed import M49_FILE


class CountrySerializer(ResourceSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="country-detail", lookup_field="iso3")
    relations = serializers.HyperlinkedIdentityField(
        view_name="country-relations", lookup_field="iso3", help_text="This country's partners (dyads)."
    )

    class Meta:
        model = Country
        key = "iso3"
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
        brief_fields = ["iso3", "name", "url"]
        csv_exclude = ["relations"]

    @classmethod
    def normalise_key(cls, value: str) -> str:
        return value.upper()  # irn is IRN


@functools.cache
def m49_choices(column: str) -> FixedChoices:
    with M49_FILE.open(encoding="utf-8", newline="") as handle:
        names = {row[column] for row in csv.DictReader(handle) if row[column]}
    return FixedChoices((name, name) for name in sorted(names))


class CountryFilterSet(SearchFilterSet):
    region = filters.ChoiceFilter(choices=m49_choices("region"), help_text="UN M49 region, e.g. Americas.")
    subregion = filters.ChoiceFilter(
        choices=m49_choices("subregion"), help_text="UN M49 sub-region, e.g. Latin America and the Caribbean."
    )
    ordering = filters.OrderingFilter(fields=["name", "iso3"], help_text="Sort by name or iso3 (-field: descending).")

    class Meta:
        model = Country
        fields = ["region", "subregion"]


@document("countries", "country", "ISO 3166-1 countries with their UN M49 regions. Reference data: read-only.")
class CountryViewSet(RelationsMixin, ReadViewSet):
    queryset = Country.objects.all()
    serializer_class = CountrySerializer
    filterset_class = CountryFilterSet
    lookup_field = "iso3"

    def get_object(self):
        self.kwargs[self.lookup_field] = CountrySerializer.normalise_key(self.kwargs[self.lookup_field])
        return super().get_object()
