"""What every resource of this app shares: uncertain dates, citations, the filters of dated records, and the
viewsets bound to this app's data versions."""

import contextlib
import datetime

import django_filters as filters
import pycountry
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.db.models import Max, Q, QuerySet
from rest_framework import serializers

from apikit import viewsets
from apikit.filters import FilterSet, FixedChoices
from apikit.serializers import NullableChoiceField, NullableTextField, RefField, ResourceSerializer
from apikit.sqljson import content_type_sql
from events.dates import date_width, overlaps
from events.models import Citation, Source
from events.search import search_query
from events.versions import data_versions

COUNTRY_CHOICES = FixedChoices(sorted((c.alpha_3, c.alpha_3) for c in pycountry.countries))
CURRENCY_CHOICES = FixedChoices(sorted((c.alpha_3, c.alpha_3) for c in pycountry.currencies))


def dated(name: str) -> list[str]:
    """The five API fields of one uncertain date: text, precision, bounds and basis."""
    return [name, f"{name}_precision", f"{name}_earliest", f"{name}_latest", f"{name}_basis"]


# -- serializers ---------------------------------------------------------------------------------------------


class DatedSerializer(ResourceSerializer):
    """Unknown dates as null: the EDTF text and its precision (their bounds are null already)."""

    def build_standard_field(self, field_name, model_field):
        field_class, kwargs = super().build_standard_field(field_name, model_field)
        dates = getattr(self.Meta.model, "uncertain_dates", ())
        if field_name in dates:
            return NullableTextField, {**kwargs, "allow_null": True, "allow_blank": True}
        if field_name.endswith("_precision") and field_name.removesuffix("_precision") in dates:
            return NullableChoiceField, {
                "choices": kwargs["choices"],
                "read_only": True,
                "allow_null": True,
                "help_text": kwargs.get("help_text"),
            }
        return field_class, kwargs


class CitationSerializer(serializers.ModelSerializer):
    source = RefField("SourceSerializer", read_only=True)

    class Meta:
        model = Citation
        fields = ["id", "source", "field", "excerpt", "start", "end", "stated_value", "note"]
        read_only_fields = fields


def disputed_fields_sql(builder, model, alias: str) -> str:
    """Fields for which the citations state more than one distinct value (RecordModel.disputed_fields)."""
    content_type = content_type_sql(model)
    table = Citation._meta.db_table
    return (
        "(SELECT coalesce(json_agg(d.field ORDER BY d.field), '[]'::json) FROM ("
        f"SELECT dc.field FROM {table} dc WHERE dc.content_type_id = {content_type} AND dc.object_id = {alias}.id "
        "AND dc.field <> '' AND dc.stated_value IS NOT NULL AND dc.stated_value <> 'null'::jsonb "
        "GROUP BY dc.field HAVING count(DISTINCT dc.stated_value::text) > 1) d)"
    )


# Written through a service function (``write``), so the API keeps the same rules as the admin and the database.
class RecordSerializer(DatedSerializer):
    """A domain record: its citations and the fields on which its sources disagree."""

    citations = CitationSerializer(many=True, read_only=True, help_text="Sources supporting this record.")
    disputed_fields = serializers.ListField(
        child=serializers.CharField(),
        read_only=True,
        help_text="Fields for which the citations state more than one value (conflicting reports).",
    )
    sql_fields = {"disputed_fields": disputed_fields_sql}

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


# -- filters -------------------------------------------------------------------------------------------------


def updated_since_filter() -> filters.IsoDateTimeFilter:
    return filters.IsoDateTimeFilter(
        field_name="updated_at",
        lookup_expr="gte",
        help_text="Records created or changed at or after this time (ISO 8601), for incremental sync.",
    )


class SearchFilterSet(FilterSet):
    """``q``: full-text search, case- and accent-insensitive, with websearch syntax."""

    q = filters.CharFilter(
        method="filter_q",
        help_text='Full-text search, case- and accent-insensitive; websearch syntax ("a phrase", or, -word).',
    )

    def filter_q(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(search=search_query(value)) if value.strip() else queryset


class DatedFilterSet(SearchFilterSet):
    """Filters shared by the dated records (trips, agreements, events): date range, sync and provenance."""

    date_field = ""  # the uncertain date whose bounds the date range applies to

    date_after = filters.DateFilter(
        method="filter_date_after",
        help_text="Records whose date may fall on or after this day (its latest bound is on or after it). "
        "Undated records never match.",
    )
    date_before = filters.DateFilter(
        method="filter_date_before",
        help_text="Records whose date may fall on or before this day (its earliest bound is on or before it). "
        "Undated records never match.",
    )
    updated_since = updated_since_filter()
    source = filters.ModelChoiceFilter(
        queryset=Source.objects.all(),
        method="filter_source",
        help_text="Records that this source (UUID) supports with a citation.",
    )

    def filter_date_after(self, queryset: QuerySet, name: str, value: datetime.date) -> QuerySet:
        condition = overlaps(self.date_field, start=value)
        widest = self.widest_date(queryset.model)
        if widest is not None:
            # Implied by the overlap (a date spans at most ``widest``), and lets PostgreSQL start the list's
            # index on the earliest bound near ``value`` instead of reading every older row.
            with contextlib.suppress(OverflowError):
                condition &= Q(**{f"{self.date_field}_earliest__gte": value - widest})
        return queryset.filter(condition)

    def widest_date(self, model) -> datetime.timedelta | None:
        """The longest span of the date among the rows (an index on date_width answers it), per data version."""
        if self.date_field not in getattr(model, "uncertain_dates", ()):
            return None  # a trip's span is computed, not stored
        version = data_versions.for_request(self.request)
        return cache.get_or_set(
            f"widest:{model._meta.db_table}:{self.date_field}:{version}",
            lambda: model.objects.aggregate(widest=Max(date_width(self.date_field)))["widest"],
            timeout=None,
        )

    def filter_date_before(self, queryset: QuerySet, name: str, value: datetime.date) -> QuerySet:
        return queryset.filter(overlaps(self.date_field, end=value))

    def filter_source(self, queryset: QuerySet, name: str, value: Source) -> QuerySet:
        cited = Citation.objects.filter(source=value, content_type=ContentType.objects.get_for_model(queryset.model))
        return queryset.filter(pk__in=cited.values("object_id"))


# -- viewsets ------------------------------------------------------------------------------------------------


class ReadViewSet(viewsets.ReadViewSet):
    data_versions = data_versions


class WritableViewSet(viewsets.WritableViewSet):
    data_versions = data_versions


class ListViewSet(viewsets.ListViewSet):
    data_versions = data_versions
