"""API views: one ViewSet per resource. Reads are public; writes need the Django model permission."""

import contextlib
import copy
import hashlib
import itertools
import json

import orjson
from django.core.cache import cache
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.http import HttpResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import viewsets
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import JSONParser
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from events import filtersets, jsonsql, selectors, versions
from events.api import serializers
from events.api.csv import CSVRenderer, stream_csv
from events.api.errors import PreconditionFailed
from events.api.schema import document
from events.db import prepared
from events.models import Agreement, AgreementParty, Citation, Country, Deletion, Event, Official, Sector, Source, Trip


def citations_prefetch(prefix: str = "") -> Prefetch:
    return Prefetch(f"{prefix}citations", queryset=Citation.objects.select_related("source"))


def etag(data) -> str:
    digest = hashlib.sha256(json.dumps(data, sort_keys=True, cls=DjangoJSONEncoder).encode()).hexdigest()
    return f'"{digest[:32]}"'


CSV_CHUNK = 500  # rows read and built per query when streaming a CSV export


def batched(iterable, size: int):
    """itertools.batched (Python 3.12) for 3.11."""
    iterator = iter(iterable)
    while chunk := tuple(itertools.islice(iterator, size)):
        yield chunk


# Part of every list ETag: change it when a release changes what a list shows for the same data.
REPRESENTATION_VERSION = "1"


def list_etag(request, data_version: int) -> str:
    """A list's ETag without building the list: the same URL over the same data gives the same body."""
    key = f"{REPRESENTATION_VERSION}|{data_version}|{request.build_absolute_uri()}|{request.accepted_media_type}"
    return f'"{hashlib.sha256(key.encode()).hexdigest()[:32]}"'


def cached_count(queryset: QuerySet, request, data_version: int) -> int:
    """``queryset.count()``, counted once per filter and data version (any write gives a new version): the
    query string without the page parameters determines the filtered queryset."""
    filters = sorted((k, v) for k, v in request.query_params.lists() if k not in ("page", "page_size", "format"))
    key = f"count:{request.path}:{data_version}:{hashlib.sha256(repr(filters).encode()).hexdigest()}"
    return cache.get_or_set(key, queryset.count, timeout=None)


def etag_matches(header: str | None, tag: str, *, wildcard: bool = True) -> bool:
    """Whether an If-Match / If-None-Match header names ``tag`` (weak or strong: compression weakens ETags),
    or is ``*`` (unless ``wildcard`` is off)."""
    if not header:
        return False
    candidates = {candidate.strip().removeprefix("W/") for candidate in header.split(",")}
    return (wildcard and "*" in candidates) or tag in candidates


class ResourceViewSet(viewsets.GenericViewSet):
    """Lists, as paginated JSON with an ETag or as streamed CSV. ReadViewSet adds details, WritableViewSet writes
    (which honour If-Match)."""

    csv_columns: dict[str, str] = {}  # CSV header -> path in the JSON representation (see _getter)
    # (table, SQL JSON of its row ``r``): PostgreSQL builds the list page, the same objects as the serializer.
    page_json: tuple[str, str] | None = None

    def get_renderers(self):
        renderers = [JSONRenderer()]
        if self.action in ("list", "relations"):
            renderers.append(CSVRenderer())
        return renderers

    def handle_exception(self, exc):
        # Errors are JSON even when CSV was asked for.
        self.request.accepted_renderer, self.request.accepted_media_type = JSONRenderer(), "application/json"
        return super().handle_exception(exc)

    def wants_csv(self) -> bool:
        return getattr(self.request.accepted_renderer, "format", None) == "csv"

    def list(self, request, *args, **kwargs):
        if self.wants_csv():
            queryset = self.filter_queryset(self.get_queryset())
            self.paginator.check_parameters(request)  # not paginated, but a bad page or page_size is still a 400
            return self.csv_response(queryset)
        data_version = versions.request_data_version(request)
        tag = list_etag(request, data_version)
        if_none_match = request.headers.get("If-None-Match")
        if etag_matches(if_none_match, tag, wildcard=False):
            # Before the filters: this URL was answered 200 with this tag over this very data, so its
            # parameters were valid then and still are (validation depends on nothing else).
            return Response(status=304, headers={"ETag": tag})
        queryset = self.filter_queryset(self.get_queryset())  # a bad parameter is a 400, even with "*"
        if etag_matches(if_none_match, tag):
            return Response(status=304, headers={"ETag": tag})
        count = cached_count(queryset, request, data_version)
        if self.page_json is None:
            page = self.paginator.paginate_queryset(queryset, request, self, count=count)
            response = self.get_paginated_response(self.get_serializer(page, many=True).data)
        else:
            ids = self.paginator.paginate_queryset(
                queryset.prefetch_related(None).values_list("pk", flat=True), request, self, count=count
            )
            response = HttpResponse(
                # the rows' JSON goes out as PostgreSQL wrote it, unparsed
                orjson.dumps(self.paginator.envelope(orjson.Fragment(self.page_text(ids)))),
                content_type="application/json",
            )
        response["ETag"] = tag
        return response

    def page_results(self, ids) -> "list[dict]":
        return orjson.loads(self.page_text(ids))

    def page_text(self, ids) -> str:
        """The records as the serializer shows them, built by PostgreSQL in one prepared statement.

        The page's ids come first, from their own query: planned with its filter values in view, so
        PostgreSQL knows, say, how many agreements Iran is party to. Inside the prepared statement they
        would be parameters of a generic plan made for an average country, 30x slower for Iran."""
        table, element = self.page_json
        api_root = self.request.build_absolute_uri(reverse("api-root"))
        return prepared(jsonsql.page_sql(table, element), [api_root, list(ids)])[0]

    def csv_response(self, rows):
        columns = {header: _getter(path) for header, path in self.csv_columns.items()}
        if self.page_json is not None:  # PostgreSQL builds the rows, 500 at a time
            ids = rows.prefetch_related(None).values_list("pk", flat=True).iterator(chunk_size=CSV_CHUNK)
            items = (item for chunk in batched(ids, CSV_CHUNK) for item in self.page_results(list(chunk)))
            return stream_csv(self.basename, columns, items)
        serializer = self.get_serializer_class()
        context = self.csv_context()
        items = (serializer(row, context=context).data for row in rows.iterator(chunk_size=CSV_CHUNK))
        return stream_csv(self.basename, columns, items)

    def csv_context(self) -> dict:
        """Serializer context for CSV rows: links to records without the ``?format=csv`` of the request."""
        context = self.get_serializer_context()
        plain = copy.copy(self.request._request)
        plain.GET = plain.GET.copy()
        plain.GET.pop("format", None)
        context["request"] = Request(plain)
        return context

    def conditional(self, response: Response, *, data) -> Response:
        tag = etag(data)
        if etag_matches(self.request.headers.get("If-None-Match"), tag):
            return Response(status=304, headers={"ETag": tag})
        response["ETag"] = tag
        return response

    def check_if_match(self, instance) -> None:
        header = self.request.headers.get("If-Match")
        if header and not etag_matches(header, etag(self.get_serializer(instance).data)):
            raise PreconditionFailed()

    def respond_with(self, instance, status: int) -> Response:
        fresh = self.get_queryset().get(pk=instance.pk)  # annotations and prefetches, as a GET would show
        data = self.get_serializer(fresh).data
        headers = {"ETag": etag(data)}
        if status == 201:
            headers["Location"] = str(data["url"])  # a Hyperlink (a str subclass): WSGI wants a plain str
        return Response(data, status=status, headers=headers)


class ReadViewSet(ResourceViewSet):
    def retrieve(self, request, *args, **kwargs):
        data = self.get_serializer(self.get_object()).data
        return self.conditional(Response(data), data=data)


class WritableViewSet(ReadViewSet):
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return self.respond_with(serializer.save(), 201)

    @transaction.atomic
    def update(self, request, *args, partial=False, **kwargs):
        instance = self.get_locked_object()
        serializer = self.get_serializer(instance, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)  # a bad body is a 400 whatever the ETag
        self.check_if_match(instance)
        return self.respond_with(serializer.save(), 200)

    def partial_update(self, request, *args, **kwargs):
        return self.update(request, *args, partial=True, **kwargs)

    @transaction.atomic
    def destroy(self, request, *args, **kwargs):
        instance = self.get_locked_object()
        self.check_if_match(instance)
        instance._history_user = request.user  # recorded in the change history
        instance.delete()
        return Response(status=204)

    def get_locked_object(self):
        """The record, locked until the write commits, so that If-Match is checked against what is written over."""
        lookup = {self.lookup_field: self.kwargs[self.lookup_url_kwarg or self.lookup_field]}
        with contextlib.suppress(ValueError, DjangoValidationError):  # a malformed id: get_object answers 404
            list(self.get_queryset().model.objects.select_for_update().filter(**lookup).values_list("pk"))
        return self.get_object()


def _getter(path: str):
    """``parties[].country.iso3``: follow keys, mapping over a list where a key ends in ``[]``; a path ending in
    ``|unique`` drops repeated values."""
    if path.endswith("|unique"):
        get_all = _getter(path.removesuffix("|unique"))
        return lambda data: list(dict.fromkeys(get_all(data)))

    def get(value, parts):
        if not parts or value is None:
            return value
        part, rest = parts[0], parts[1:]
        if part.endswith("[]"):
            return [get(item, rest) for item in value.get(part[:-2]) or []]
        return get(value.get(part), rest)

    parts = path.split(".")
    return lambda data: get(data, parts)


def dated_columns(name: str) -> dict[str, str]:
    return {field: field for field in serializers.dated(name)}


@document("countries", "country", "ISO 3166-1 countries with their UN M49 regions. Reference data: read-only.")
class CountryViewSet(ReadViewSet):
    queryset = Country.objects.all()
    serializer_class = serializers.CountrySerializer
    filterset_class = filtersets.CountryFilterSet
    lookup_field = "iso3"
    csv_columns = {name: name for name in serializers.CountrySerializer.Meta.fields if name != "relations"}
    extra_query_parameters = {"relations": ("date_after", "date_before")}

    def get_object(self):
        self.kwargs[self.lookup_field] = self.kwargs[self.lookup_field].upper()  # /countries/irn/ is IRN
        return super().get_object()

    @extend_schema(
        summary="A country's partners",
        description="Each partner country with the agreements, trips (each way) and events that link them, and "
        "the first and last dates among them. Agreements are counted in documents (sum of quantity) without "
        "counting a total and its breakdowns both: a total is replaced, for a pair, by its breakdowns that both "
        "countries are party to. `date_after`/`date_before` apply as on the lists. Not paginated: one row per "
        "partner. CSV with `?format=csv`.",
        parameters=[
            OpenApiParameter(
                "date_after", OpenApiTypes.DATE, description="Only records whose date may fall on or after this day."
            ),
            OpenApiParameter(
                "date_before", OpenApiTypes.DATE, description="Only records whose date may fall on or before this day."
            ),
        ],
        responses={
            (200, "application/json"): serializers.RelationSerializer(many=True),
            (200, "text/csv"): OpenApiTypes.STR,
        },
    )
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def relations(self, request, iso3=None):
        country = self.get_object()
        dates = filtersets.DateRangeForm(request.query_params)
        if not dates.is_valid():
            raise ValidationError(dates.errors)
        if self.wants_csv():
            rows = selectors.relations(country, **dates.cleaned_data)
            context = self.csv_context()
            columns = {header: _getter(path) for header, path in RELATION_CSV.items()}
            items = (serializers.RelationSerializer(row, context=context).data for row in rows)
            return stream_csv(f"relations-{country.iso3}", columns, items)
        tag = list_etag(request, versions.request_data_version(request))
        if etag_matches(request.headers.get("If-None-Match"), tag):
            return Response(status=304, headers={"ETag": tag})

        def render() -> bytes:
            rows = selectors.relations(country, **dates.cleaned_data)
            return JSONRenderer().render(
                serializers.RelationSerializer(rows, many=True, context=self.get_serializer_context()).data
            )

        body = cache.get_or_set(f"relations:{tag}", render, timeout=None)  # same URL, same data: same body
        response = HttpResponse(body, content_type="application/json")
        response["ETag"] = tag
        return response


RELATION_CSV = {
    "partner": "partner.iso3",
    "partner_name": "partner.name",
    **{name: name for name in ("agreements", "agreement_records", "trips_to_partner", "trips_from_partner", "events")},
    "first_date": "first_date",
    "last_date": "last_date",
}


@document("sectors", "sector", "The controlled vocabulary of sectors. Reference data: read-only.")
class SectorViewSet(ReadViewSet):
    queryset = Sector.objects.all()
    serializer_class = serializers.SectorSerializer
    filterset_class = filtersets.SectorFilterSet
    lookup_field = "slug"
    csv_columns = {name: name for name in serializers.SectorSerializer.Meta.fields}


@document("officials", "official", "Officials and the positions they held over time.", writable=True)
class OfficialViewSet(WritableViewSet):
    queryset = Official.objects.prefetch_related(
        "positions__country", citations_prefetch(), citations_prefetch("positions__")
    )
    serializer_class = serializers.OfficialSerializer
    filterset_class = filtersets.OfficialFilterSet
    page_json = ("events_official", jsonsql.official_json("r"))
    lookup_field = "slug"
    csv_columns = {
        "slug": "slug",
        "name": "name",
        "alternative_names": "alternative_names",
        "wikidata_qid": "wikidata_qid",
        "positions": "positions[].title",
        "position_countries": "positions[].country.iso3",
        "sources": "citations[].source.id|unique",
        "url": "url",
        "updated_at": "updated_at",
    }


@document("trips", "trip", "Journeys by officials, with their ordered stops.", writable=True)
class TripViewSet(WritableViewSet):
    queryset = (
        Trip.objects.with_span()
        .select_related("lead", "origin")
        .prefetch_related(
            "members", "invited_by", "stops__country", citations_prefetch(), citations_prefetch("stops__")
        )
    )
    serializer_class = serializers.TripSerializer
    filterset_class = filtersets.TripFilterSet
    page_json = ("events_trip", jsonsql.trip_json("r"))
    csv_columns = {
        "id": "id",
        "title": "title",
        "lead": "lead.slug",
        "members": "members[].slug",
        "origin": "origin.iso3",
        "stops": "stops[].country.iso3",
        "stop_cities": "stops[].city",
        "span_earliest": "span_earliest",
        "span_latest": "span_latest",
        **dated_columns("start"),
        **dated_columns("end"),
        "invited_by": "invited_by[].iso3",
        "purpose": "purpose",
        "sources": "citations[].source.id|unique",
        "disputed_fields": "disputed_fields",
        "url": "url",
        "updated_at": "updated_at",
    }


@document("agreements", "agreement", "Agreements with their parties, sectors and breakdowns.", writable=True)
class AgreementViewSet(WritableViewSet):
    queryset = Agreement.objects.select_related("signed_at__country", "signed_at__trip", "parent").prefetch_related(
        "sectors",
        "breakdowns",
        Prefetch(
            "parties",
            queryset=AgreementParty.objects.select_related("country", "signatory").prefetch_related(
                "actions", citations_prefetch()
            ),
        ),
        citations_prefetch(),
    )
    serializer_class = serializers.AgreementSerializer
    filterset_class = filtersets.AgreementFilterSet
    page_json = ("events_agreement", jsonsql.agreement_json("r"))
    csv_columns = {
        "id": "id",
        "title": "title",
        "kind": "kind",
        "status": "status",
        **dated_columns("signed"),
        "parties": "parties[].country.iso3",
        "parties_complete": "parties_complete",
        "signatories": "parties[].signatory.slug",
        "sectors": "sectors[].slug",
        "quantity": "quantity",
        "value_amount": "value_amount",
        "value_currency": "value_currency",
        "term_years": "term_years",
        "parent": "parent.id",
        "signed_at": "signed_at.id",
        "sources": "citations[].source.id|unique",
        "disputed_fields": "disputed_fields",
        "url": "url",
        "updated_at": "updated_at",
    }


@document("events", "event", "Meetings, statements and announcements, with CAMEO and PLOVER codes.", writable=True)
class EventViewSet(WritableViewSet):
    queryset = Event.objects.select_related("trip", "stop__country", "stop__trip").prefetch_related(
        "sectors", "participants__official", "participants__country", citations_prefetch()
    )
    serializer_class = serializers.EventSerializer
    filterset_class = filtersets.EventFilterSet
    csv_columns = {
        "id": "id",
        "kind": "kind",
        "title": "title",
        **dated_columns("date"),
        "participants": "participants[].official.slug",
        "countries": "participants[].country.iso3",
        "roles": "participants[].role",
        "quote": "quote",
        "sectors": "sectors[].slug",
        "trip": "trip.id",
        "cameo_code": "cameo_code",
        "plover_type": "plover_type",
        "plover_mode": "plover_mode",
        "sources": "citations[].source.id|unique",
        "url": "url",
        "updated_at": "updated_at",
    }


@document("sources", "source", "The documents that state the facts, and what cites them.", writable=True)
class SourceViewSet(WritableViewSet):
    queryset = Source.objects.prefetch_related(citations_prefetch())
    serializer_class = serializers.SourceSerializer
    filterset_class = filtersets.SourceFilterSet
    csv_columns = {name: name for name in serializers.SourceSerializer.Meta.fields if name not in ("text", "citations")}


@document("deletions", "deletion", "Records deleted from the API's resources, for clients that sync.", detail=False)
class DeletionViewSet(ResourceViewSet):
    queryset = Deletion.objects.all()
    serializer_class = serializers.DeletionSerializer
    filterset_class = filtersets.DeletionFilterSet
    csv_columns = {name: name for name in serializers.DeletionSerializer.Meta.fields}


@extend_schema(
    summary="Get an API token",
    description="Exchange a username and password (JSON) for the user's API token. Send it as "
    "`Authorization: Token <key>`. Administrators can also issue one with `manage.py drf_create_token <username>`.",
)
class TokenView(ObtainAuthToken):
    """Exchange a username and password (JSON) for an API token."""

    parser_classes = [JSONParser]
    renderer_classes = [JSONRenderer]
    permission_classes = [AllowAny]
