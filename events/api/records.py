"""What every resource of this app shares: uncertain dates, citations, the filters of dated records, and the
viewsets bound to this app's data versions."""

import contextlib
import datetime
import re
from typing import ClassVar

import django_filters as filters
import pycountry
from django import forms
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.db.models import Max, Q, QuerySet
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apikit import viewsets
from apikit.filters import BooleanFilter, FilterSet, FixedChoices
from apikit.serializers import NullableChoiceField, NullableTextField, RefField, ResourceSerializer
from apikit.sqljson import content_type_sql
from apikit.sync import SyncStamps
from events.actors import with_predecessors
from events.dates import date_width, one_bound_only, overlaps
from events.importers import ARCHIVES
from events.models import Actor, ActorIdentifier, Citation, Identifier, Source, Succession
from events.search import search_query
from events.versions import data_versions

sync_stamps = SyncStamps("events")
CURRENCY_CHOICES = FixedChoices(sorted((c.alpha_3, c.alpha_3) for c in pycountry.currencies))


def dated(name: str) -> list[str]:
    """The API fields of one uncertain date: text, precision, bounds, basis and qualifier."""
    return [name, f"{name}_precision", f"{name}_earliest", f"{name}_latest", f"{name}_basis", f"{name}_qualifier"]


# -- serializers ---------------------------------------------------------------------------------------------


class DatedSerializer(ResourceSerializer):
    """Unknown dates as null: the EDTF text, its precision and its qualifier (their bounds are null already)."""

    def build_standard_field(self, field_name, model_field):
        field_class, kwargs = super().build_standard_field(field_name, model_field)
        dates = getattr(self.Meta.model, "uncertain_dates", ())
        if field_name in dates:
            return NullableTextField, {**kwargs, "allow_null": True, "allow_blank": True}
        derived = ("_precision", "_qualifier")
        if any(field_name.endswith(s) and field_name.removesuffix(s) in dates for s in derived):
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


def scheme_sql(builder, model, alias: str) -> str:
    return f"{alias}.scheme_id"


def qualified_sql(builder, model, alias: str) -> str:
    return f"({alias}.scheme_id || ':' || {alias}.value)"


class IdentifierSerializer(serializers.ModelSerializer):
    """One identifier in a named scheme (Popolo ``identifiers``)."""

    scheme = serializers.CharField(source="scheme_id", read_only=True, help_text="The scheme, e.g. pocom.")
    note = NullableTextField(read_only=True, help_text="What tells a repeated value apart, where it repeats.")
    qualified = serializers.SerializerMethodField(help_text="scheme:value, as ?identifier= takes it.")
    sql_fields = {"scheme": scheme_sql, "qualified": qualified_sql}

    class Meta:
        model = Identifier
        fields = ["scheme", "value", "note", "qualified"]
        read_only_fields = fields

    def get_qualified(self, identifier) -> str:
        return f"{identifier.scheme_id}:{identifier.value}"


def identifiers_field() -> IdentifierSerializer:
    return IdentifierSerializer(
        many=True,
        read_only=True,
        help_text="Its ids in named schemes (a dataset's id, a Wikidata QID); look one up with ?identifier=.",
    )


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
        help_text="Records created or changed at or after this time (ISO 8601). For incremental sync prefer "
        "changed_since: a write that commits late can carry an earlier time than one you have already seen.",
    )


class ChangedSinceFilter(filters.NumberFilter):
    """``changed_since=<watermark>``: rows written by a transaction at or above it (apikit.sync)."""

    field_class = forms.IntegerField

    def __init__(self, **kwargs):
        kwargs.setdefault(
            "help_text",
            "Records created or changed since the watermark a cursor page gave (its `watermark`): nothing written "
            "since is missed, even a write that committed late (some records may come again). See docs/api.md, "
            "Sync.",
        )
        super().__init__(min_value=0, **kwargs)
        schema = {"type": "integer", "format": "int64", "minimum": 0, "description": kwargs["help_text"]}
        extend_schema_field(schema)(self)

    def filter(self, queryset: QuerySet, value):
        if value is None:
            return queryset
        return sync_stamps.changed_since(queryset, int(value))


ACTOR_CODE = re.compile(r"^[A-Z][A-Z0-9]{1,11}$")
ACTOR_HELP = (
    "Code of an actor of any kind: a country (IRN), a former country (SUN), an entity (XKX) or an organisation (EU)."
)


def actor_ids(request) -> dict[str, int]:
    """Every actor's primary key by code, cached per data version."""
    version = data_versions.for_request(request)
    return cache.get_or_set(f"actor-ids:{version}", lambda: dict(Actor.objects.values_list("code", "pk")), timeout=None)


class ActorCodeField(forms.CharField):
    def clean(self, value):
        value = super().clean(value)
        if value and not ACTOR_CODE.match(value.strip().upper()):
            raise forms.ValidationError(
                '"%(value)s" is not an actor code. ' + ACTOR_HELP, code="invalid_choice", params={"value": value}
            )
        return value.strip().upper() if value else value


class ActorCodesField(forms.MultipleChoiceField):
    def to_python(self, value):
        return [item.strip().upper() for item in super().to_python(value)]

    def valid_value(self, value):
        return bool(ACTOR_CODE.match(value))

    default_error_messages = {"invalid_choice": f'"%(value)s" is not an actor code. {ACTOR_HELP}'}


class ActorFilter(filters.Filter):
    """One actor by code, of any kind (codes are not a closed list: curators add organisations)."""

    field_class = ActorCodeField


class ActorsFilter(filters.MultipleChoiceFilter):
    """Actors by code, repeated (party=IRN&party=VEN)."""

    field_class = ActorCodesField

    def __init__(self, *args, **kwargs):
        super().__init__(*args, choices=(), **kwargs)


class ActorFilterSetMixin(FilterSet):
    """``include_predecessors``: an actor filter also matches the actors it continues or was formed from."""

    reads = (
        Actor,
        Succession,
    )

    include_predecessors = BooleanFilter(
        method="filter_nothing",
        help_text="With an actor filter (party, country, visited...): also match the actors it continues or was "
        "formed from (RUS also matches the Soviet Union's records, CZE Czechoslovakia's). Off by default.",
    )

    def filter_nothing(self, queryset: QuerySet, name: str, value) -> QuerySet:
        return queryset  # read by actor_set

    def actor_set(self, name: str, code: str) -> set[int]:
        """Primary keys matched by ``code`` given for the parameter ``name`` (with predecessors if asked)."""
        actor_id = actor_ids(self.request).get(code)
        if actor_id is None:
            raise serializers.ValidationError({name: [f'No actor has the code "{code}". {ACTOR_HELP}']})
        if self.form.cleaned_data.get("include_predecessors"):
            return with_predecessors([actor_id])
        return {actor_id}


def content_type(model) -> ContentType:
    return ContentType.objects.get_for_model(model)


class IdentifierFilterSetMixin(FilterSet):
    """``identifier=scheme:value``: records carrying that identifier (or whose parts do, ``identifier_parts``:
    part model -> the field naming its record)."""

    reads = (
        Identifier,
        ActorIdentifier,
    )

    identifier_parts: ClassVar[dict] = {}

    identifier = filters.CharFilter(
        method="filter_identifier",
        help_text="An identifier in a named scheme, scheme:value, e.g. pocom:fr-1778-fran-01 or travels:2325. A "
        "scheme whose values repeat upstream may match several records.",
    )

    def filter_identifier(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        scheme, separator, identifier = value.partition(":")
        if not separator or not scheme or not identifier:
            raise serializers.ValidationError({name: ['Give scheme:value, e.g. "pocom:fr-1778-fran-01".']})
        if queryset.model is Actor:
            return queryset.filter(
                pk__in=ActorIdentifier.objects.filter(scheme=scheme, value=identifier).values("actor")
            )
        matching = Identifier.objects.filter(scheme=scheme, value=identifier)
        condition = Q(pk__in=matching.filter(content_type=content_type(queryset.model)).values("object_id"))
        # An identifier of a part names its record too: a pocom chief id is on a position, a travels id on a stop.
        for part, parent in self.identifier_parts.items():
            parts = part.objects.filter(pk__in=matching.filter(content_type=content_type(part)).values("object_id"))
            condition |= Q(pk__in=parts.values(parent))
        return queryset.filter(condition)


class SearchFilterSet(IdentifierFilterSetMixin, FilterSet):
    """``q``: full-text search, case- and accent-insensitive, with websearch syntax."""

    q = filters.CharFilter(
        method="filter_q",
        help_text='Full-text search, case- and accent-insensitive; websearch syntax ("a phrase", or, -word).',
    )

    def filter_q(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(search=search_query(value)) if value.strip() else queryset


class DatasetFilterSetMixin(FilterSet):
    """``dataset``: records that an imported dataset supports."""

    reads = (
        Source,
        Citation,
    )

    dataset = filters.ChoiceFilter(
        choices=FixedChoices((name, name) for name in ARCHIVES),
        method="filter_dataset",
        help_text="Records that an imported dataset supports (a citation of one of its files).",
    )

    def filter_dataset(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        sources = Source.objects.filter(text_path__startswith=f"datasets/{ARCHIVES[value]}#")
        cited = Citation.objects.filter(source__in=sources, content_type=content_type(queryset.model))
        return queryset.filter(pk__in=cited.values("object_id"))


class DatedFilterSet(DatasetFilterSetMixin, ActorFilterSetMixin, SearchFilterSet):
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
    changed_since = ChangedSinceFilter()
    source = filters.ModelChoiceFilter(
        queryset=Source.objects.all(),
        method="filter_source",
        help_text="Records that this source (UUID) supports with a citation.",
    )

    def filter_date_after(self, queryset: QuerySet, name: str, value: datetime.date) -> QuerySet:
        open_ends = self.open_ends(queryset.model)
        condition = overlaps(self.date_field, start=value, open_ends=open_ends)
        widest = self.widest_date(queryset.model)
        if widest is not None:
            # Implied by the overlap (a date spans at most ``widest``), and lets PostgreSQL start the list's
            # index on the earliest bound near ``value`` instead of reading every older row.
            with contextlib.suppress(OverflowError):
                bound = Q(**{f"{self.date_field}_earliest__gte": value - widest})
                if open_ends:  # an interval's open end has no width
                    bound |= Q(**{f"{self.date_field}_earliest__isnull": True})
                    bound |= Q(**{f"{self.date_field}_latest__isnull": True})
                condition &= bound
        return queryset.filter(condition)

    def open_ends(self, model) -> bool:
        """Whether any row's date has one bound only, per version of the table (an index on those rows answers
        it): without such rows the date filters are plain ranges that PostgreSQL reads from the list's index."""
        if self.date_field not in getattr(model, "uncertain_dates", ()):
            return True  # a trip's span is computed, not stored
        table = model._meta.db_table
        version = data_versions.for_request(self.request, [table])
        return cache.get_or_set(
            f"open-ends:{table}:{self.date_field}:{version}",
            lambda: model.objects.filter(one_bound_only(self.date_field)).exists(),
            timeout=None,
        )

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
        return queryset.filter(overlaps(self.date_field, end=value, open_ends=self.open_ends(queryset.model)))

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
