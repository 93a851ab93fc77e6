"""One FilterSet per API resource. Repeated parameters carry several values (``?party=IRN&party=VEN``).

Values are validated before any row is read: ISO codes and enum values against fixed choices (no
query), slugs and ids with one query per parameter.
"""

import contextlib
import copy
import csv
import datetime
import functools

import django_filters as filters
import pycountry
from django import forms
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.db.models import BooleanField, Max, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.http import QueryDict
from django.utils.choices import BaseChoiceIterator
from drf_spectacular.utils import extend_schema_field

from events import versions
from events.choices import AgreementKind, EventKind
from events.dates import date_width, overlaps
from events.models import (
    Agreement,
    AgreementParty,
    Citation,
    Country,
    Deletion,
    Event,
    Official,
    Position,
    Sector,
    Source,
    Trip,
)
from events.search import search_query
from events.seed import M49_FILE


class FixedChoices(BaseChoiceIterator):
    """A long, fixed list of choices that is never copied. A FilterSet deep-copies its filters, and its form
    its fields, on every request: copying the 249 countries and 180 currencies cost 4 ms a request."""

    def __init__(self, choices):
        self.choices = list(choices)

    def __iter__(self):
        return iter(self.choices)

    def __len__(self):
        return len(self.choices)

    def __deepcopy__(self, memo):
        return self


COUNTRY_CHOICES = FixedChoices(sorted((c.alpha_3, c.alpha_3) for c in pycountry.countries))
CURRENCY_CHOICES = FixedChoices(sorted((c.alpha_3, c.alpha_3) for c in pycountry.currencies))


@functools.cache
def m49_choices(column: str) -> FixedChoices:
    with M49_FILE.open(encoding="utf-8", newline="") as handle:
        names = {row[column] for row in csv.DictReader(handle) if row[column]}
    return FixedChoices((name, name) for name in sorted(names))


class FilterSet(filters.FilterSet):
    """django-filter's FilterSet, built once per class instead of once per request.

    django-filter deep-copies every filter (their querysets included) and builds a new form class, with new
    form fields, for each request: 2.4 ms of a 3.7 ms conditional GET. Here each request gets shallow copies
    of the filters (bound to it as before) and an instance of a form class made once; the form still copies
    its fields, as every Django form does.
    """

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None):
        if queryset is None:
            queryset = self._meta.model._default_manager.all()
        self.is_bound = data is not None
        self.data = data or QueryDict()
        self.queryset = queryset
        self.request = request
        self.form_prefix = prefix
        self.filters = {}
        for name, base in self.base_filters.items():
            filter_ = copy.copy(base)
            filter_.model = queryset.model
            filter_.parent = self
            if base.method is not None:
                filter_.method = base.method  # a FilterMethod bound to this copy, not to the class's filter
            self.filters[name] = filter_

    def get_form_class(self):
        cls = type(self)
        if "_form_class" not in cls.__dict__:
            for filter_ in cls.base_filters.values():
                filter_.model = cls._meta.model  # for the field's label
            fields = {name: filter_.field for name, filter_ in cls.base_filters.items()}
            cls._form_class = type(f"{cls.__name__}Form", (cls._meta.form,), fields)
        return cls._form_class


def country_ids(codes: list[str], data_version: int) -> list[int | None]:
    """The primary keys of countries by ISO alpha-3 code (None where absent), cached per data version."""
    known = cache.get_or_set(
        f"country-ids:{data_version}", lambda: dict(Country.objects.values_list("iso3", "pk")), timeout=None
    )
    return [known.get(code) for code in codes]


class SlugsFilter(filters.ModelMultipleChoiceFilter):
    """Several records by slug (one query validates them all), typed as strings in the schema."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        extend_schema_field({"type": "string", "description": self.extra.get("help_text", "")})(self)


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


class RecordFilterSet(SearchFilterSet):
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
        version = versions.request_data_version(self.request)
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


class CountryFilterSet(SearchFilterSet):
    region = filters.ChoiceFilter(choices=m49_choices("region"), help_text="UN M49 region, e.g. Americas.")
    subregion = filters.ChoiceFilter(
        choices=m49_choices("subregion"), help_text="UN M49 sub-region, e.g. Latin America and the Caribbean."
    )
    ordering = filters.OrderingFilter(fields=["name", "iso3"], help_text="Sort by name or iso3 (-field: descending).")

    class Meta:
        model = Country
        fields = ["region", "subregion"]


class SectorFilterSet(FilterSet):
    ordering = filters.OrderingFilter(fields=["name", "slug"], help_text="Sort by name or slug.")

    class Meta:
        model = Sector
        fields = []


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


class TripFilterSet(RecordFilterSet):
    date_field = "span"

    traveler = filters.ModelChoiceFilter(
        queryset=Official.objects.all(),
        to_field_name="slug",
        method="filter_traveler",
        help_text="Slug of an official who led or joined the trip.",
    )
    origin = filters.ChoiceFilter(
        choices=COUNTRY_CHOICES, field_name="origin__iso3", help_text="ISO alpha-3 of the country it set out from."
    )
    visited = filters.MultipleChoiceFilter(
        choices=COUNTRY_CHOICES,
        method="filter_visited",
        help_text="ISO alpha-3 of a country with a stop; repeat it for trips that visited all of them.",
    )
    ordering = filters.OrderingFilter(
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

    def filter_visited(self, queryset: QuerySet, name: str, value: list[str]) -> QuerySet:
        return queryset.visiting(*value) if value else queryset


class AgreementFilterSet(RecordFilterSet):
    date_field = "signed"

    party = filters.MultipleChoiceFilter(
        choices=COUNTRY_CHOICES,
        method="filter_party",
        help_text="ISO alpha-3 of a party; repeat it for agreements every one is party to (party=IRN&party=VEN).",
    )
    sector = SlugsFilter(
        queryset=Sector.objects.all(),
        to_field_name="slug",
        method="filter_sector",
        help_text="Sector slug; repeat it for agreements in any of them.",
    )
    kind = filters.ChoiceFilter(choices=AgreementKind.choices, help_text="Kind of agreement.")
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
    ordering = filters.OrderingFilter(
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

    def filter_signatory(self, queryset: QuerySet, name: str, value: Official) -> QuerySet:
        return queryset.filter(pk__in=AgreementParty.objects.filter(signatory=value).values("agreement_id"))

    def filter_party(self, queryset: QuerySet, name: str, value: list[str]) -> QuerySet:
        if not value:
            return queryset
        ids = country_ids(value, versions.request_data_version(self.request))
        if None in ids:  # a valid ISO code without a country row: nothing is party to it
            return queryset.none()
        return queryset.between_ids(*ids)


class EventFilterSet(RecordFilterSet):
    date_field = "date"

    kind = filters.ChoiceFilter(choices=EventKind.choices, help_text="Kind of event.")
    participant = filters.ModelChoiceFilter(
        queryset=Official.objects.all(),
        to_field_name="slug",
        field_name="participants__official",
        distinct=True,
        help_text="Slug of an official taking part.",
    )
    country = filters.ChoiceFilter(
        choices=COUNTRY_CHOICES,
        field_name="participants__country__iso3",
        distinct=True,
        help_text="ISO alpha-3 of a country taking part.",
    )
    trip = filters.ModelChoiceFilter(queryset=Trip.objects.all(), help_text="Trip (UUID) during which it took place.")
    ordering = filters.OrderingFilter(
        fields=[("date_earliest", "date"), "title", "updated_at"], help_text="Sort by date, title or updated_at."
    )

    class Meta:
        model = Event
        fields = []


class SourceFilterSet(SearchFilterSet):
    updated_since = updated_since_filter()
    ordering = filters.OrderingFilter(
        fields=["published", "title", "updated_at"], help_text="Sort by published, title or updated_at."
    )

    class Meta:
        model = Source
        fields = []


class DeletionFilterSet(FilterSet):
    since = filters.IsoDateTimeFilter(
        field_name="deleted_at", lookup_expr="gte", help_text="Deletions at or after this time (ISO 8601)."
    )
    resource = filters.ChoiceFilter(
        choices=[(r, r) for r in ("agreements", "events", "officials", "sources", "trips")],
        help_text="Only deletions from this resource.",
    )

    class Meta:
        model = Deletion
        fields = []


class DateRangeForm(forms.Form):
    """The date range of a country's relations (same meaning as date_after/date_before on the lists)."""

    date_after = forms.DateField(required=False)
    date_before = forms.DateField(required=False)
