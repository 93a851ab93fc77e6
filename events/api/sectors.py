"""Sectors: the controlled vocabulary of fields of cooperation. Reference data, read-only."""

from rest_framework import serializers

from apikit.filters import FilterSet, OrderingFilter
from apikit.schema import document
from apikit.serializers import ResourceSerializer
from events.api.records import ReadViewSet
from events.models import Sector


class SectorSerializer(ResourceSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="sector-detail", lookup_field="slug")

    class Meta:
        model = Sector
        key = "slug"
        fields = ["slug", "name", "description", "url"]
        brief_fields = ["slug", "name", "url"]


class SectorFilterSet(FilterSet):
    ordering = OrderingFilter(fields=["name", "slug"], help_text="Sort by name or slug.")

    class Meta:
        model = Sector
        fields = []


@document("sectors", "sector", "The controlled vocabulary of sectors. Reference data: read-only.")
class SectorViewSet(ReadViewSet):
    queryset = Sector.objects.all()
    serializer_class = SectorSerializer
    filterset_class = SectorFilterSet
    lookup_field = "slug"
