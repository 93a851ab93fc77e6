"""Viewsets assembled from DRF's mixins and hooks.

- Lists (``ListMixin``): paginated JSON whose rows PostgreSQL builds from the serializer (apikit.sqljson) in
  one prepared statement (for representations that nest related rows; flat ones are serialized), with a
  cheap ETag from the URL and the data version (304 before the filters run when it matches), exact totals
  cached per filter and data version; or every row as streamed CSV, built in SQL.
- Details and writes: DRF's mixins; ``finalize_response`` adds the ETag of the representation (and answers
  304 to a matching ``If-None-Match``); a write locks the row, checks ``If-Match`` against what it writes
  over, and answers with the record as a GET would show it.

A viewset sets ``data_versions`` (apikit.versions.DataVersions) for its app; the queryset's
``select_related``/``prefetch_related`` are derived from the serializer.
"""

import contextlib
import functools

import orjson
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.http import HttpResponse
from rest_framework import mixins, viewsets
from rest_framework.permissions import SAFE_METHODS
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from apikit import csv, sqlcsv, sqljson
from apikit.db import prepared, streamed
from apikit.errors import PreconditionFailed
from apikit.etags import cached_count, etag, etag_matches, list_etag
from apikit.serializers import fields_of, nested, with_prefetches
from apikit.versions import DataVersions

CSV_CHUNK = 2000  # lines sent per chunk of a CSV export


class ResourceViewSet(viewsets.GenericViewSet):
    data_versions: DataVersions
    csv_actions = ("list",)

    # The actions that show a record through the viewset's serializer. Lists are built by PostgreSQL, and other
    # actions (a country's relations) show something else: they fetch the record alone.
    record_actions = ("retrieve", "create", "update", "partial_update", "destroy")

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.action not in self.record_actions:
            return queryset
        return with_prefetches(queryset, self.get_serializer_class())

    def get_renderers(self):
        renderers = [JSONRenderer()]
        if self.action in self.csv_actions:
            renderers.append(csv.CSVRenderer())
        return renderers

    def handle_exception(self, exc):
        # Errors are JSON even when CSV was asked for.
        self.request.accepted_renderer, self.request.accepted_media_type = JSONRenderer(), "application/json"
        return super().handle_exception(exc)

    def wants_csv(self) -> bool:
        return getattr(self.request.accepted_renderer, "format", None) == "csv"

    def data_version(self) -> int:
        return self.data_versions.for_request(self.request)

    def not_modified(self, tag: str) -> Response:
        return Response(status=304, headers={"ETag": tag})

    def api_root(self) -> str:
        """What ``api.root`` stands for in the row SQL: the absolute URL of ``/``, without the slash."""
        return self.request.build_absolute_uri("/")[:-1]


class ListMixin:
    """Paginated JSON built by PostgreSQL, or every row as CSV (see the module docstring)."""

    def list(self, request, *args, **kwargs):
        if self.wants_csv():
            queryset = self.filter_queryset(self.get_queryset())
            self.paginator.check_parameters(request)  # not paginated, but a bad page or page_size is still a 400
            return self.csv_response(queryset)
        tag = list_etag(request, self.data_versions.for_request(request, self.etag_tables()))
        if_none_match = request.headers.get("If-None-Match")
        if etag_matches(if_none_match, tag, wildcard=False):
            # Before the filters: this URL was answered 200 with this tag over this very data, so its
            # parameters were valid then and still are (validation depends on nothing else).
            return self.not_modified(tag)
        queryset = self.filter_queryset(self.get_queryset())  # a bad parameter is a 400, even with "*"
        if etag_matches(if_none_match, tag):
            self.paginator.check_parameters(request)  # page and page_size too
            return self.not_modified(tag)
        response = self.get_paginated_response(self.paginate_queryset(queryset))
        response["ETag"] = tag
        return response

    def rows_in_sql(self) -> bool:
        return nests_rows(self.get_serializer_class())

    def etag_tables(self) -> frozenset[str]:
        """The tables a page of this list depends on: those its rows embed (named in the SQL that builds them)
        and those its filters read (``FilterSet.reads``). A write to any other table keeps its ETags."""
        return list_tables(type(self), self.get_serializer_class(), self.data_versions)

    def paginate_queryset(self, queryset):
        """The page's rows, or for rows built in SQL the page's primary keys, from their own query: planned with
        its filter values in view, so PostgreSQL knows, say, how many agreements Iran is party to (inside the
        prepared statement they would be parameters of a generic plan, 30x slower for a heavy country). The
        total is cached."""
        count = cached_count(queryset, self.request, self.data_versions)
        return self.paginator.paginate_queryset(queryset, self.request, self, count=count, keys_only=self.rows_in_sql())

    def get_paginated_response(self, page):
        if not self.rows_in_sql():
            return super().get_paginated_response(self.get_serializer(page, many=True).data)
        # the rows' JSON goes out as PostgreSQL wrote it, unparsed
        body = orjson.dumps(self.paginator.envelope(orjson.Fragment(self.rows_text(page))))
        return HttpResponse(body, content_type="application/json")

    def rows_text(self, ids) -> str:
        """The records as the serializer shows them, built by PostgreSQL in one prepared statement (planning
        takes longer than running it: 3-6 ms against 5-10 ms for 50 rows)."""
        return prepared(rows_statement(self.get_serializer_class()), [self.api_root(), list(ids)])[0]

    def csv_response(self, queryset):
        """Every row, streamed as PostgreSQL writes the CSV lines (apikit.sqlcsv): the export's cells are read
        from their columns, no representation is built."""
        serializer_class = self.get_serializer_class()
        sql, params = sqlcsv.export_sql(serializer_class, queryset, self.api_root())
        lines = streamed(sql, params, size=CSV_CHUNK)
        return csv.stream_lines(self.basename, csv.header(csv.columns(serializer_class)), lines)


@functools.cache
def list_tables(viewset_class, serializer_class, data_versions) -> frozenset[str]:
    model = serializer_class.Meta.model
    tables = {model._meta.db_table} | data_versions.tables_in(sqljson.RowSQL(serializer_class).element("r"))
    filterset = getattr(viewset_class, "filterset_class", None)
    if filterset is not None:
        tables |= filterset.tables_read()
    return frozenset(tables)


@functools.cache
def nests_rows(serializer_class) -> bool:
    """Whether a representation nests related rows: PostgreSQL then builds the list's rows (one statement instead
    of a query per relation); a flat one (countries, sectors) is one query either way, and the serializer's."""
    return any(nested(field)[0] is not None for field in fields_of(serializer_class).values())


@functools.cache
def rows_statement(serializer_class) -> str:
    """The statement that builds the rows of ``serializer_class`` for an array of ids."""
    return sqljson.page_sql(serializer_class.Meta.model, sqljson.RowSQL(serializer_class).element("r"))


class ConditionalRetrieveMixin(mixins.RetrieveModelMixin):
    """A detail with the ETag of its representation; 304 when ``If-None-Match`` names it."""

    def finalize_response(self, request, response, *args, **kwargs):
        if self.action in ("retrieve", "create", "update", "partial_update") and response.status_code in (200, 201):
            tag = etag(response.data)
            if self.action == "retrieve" and etag_matches(request.headers.get("If-None-Match"), tag):
                response = self.not_modified(tag)
            response["ETag"] = tag
        return super().finalize_response(request, response, *args, **kwargs)


class WriteMixin(mixins.CreateModelMixin, mixins.UpdateModelMixin, mixins.DestroyModelMixin):
    """Writes in one transaction: the row is locked until the write commits, so ``If-Match`` is checked
    against what is written over; the answer shows the record as a GET would (annotations included)."""

    @transaction.atomic
    def update(self, request, *args, **kwargs):
        return super().update(request, *args, **kwargs)

    @transaction.atomic
    def destroy(self, request, *args, **kwargs):
        return super().destroy(request, *args, **kwargs)

    def get_object(self):
        if self.request.method not in SAFE_METHODS:
            lookup = {self.lookup_field: self.kwargs[self.lookup_url_kwarg or self.lookup_field]}
            with contextlib.suppress(ValueError, DjangoValidationError):  # a malformed id: get_object answers 404
                list(self.get_queryset().model.objects.select_for_update().filter(**lookup).values_list("pk"))
        return super().get_object()

    def check_if_match(self, instance) -> None:
        header = self.request.headers.get("If-Match")
        if header and not etag_matches(header, etag(self.get_serializer(instance).data)):
            raise PreconditionFailed()

    def perform_create(self, serializer):
        self.saved(serializer)

    def perform_update(self, serializer):
        self.check_if_match(serializer.instance)  # after validation: a bad body is a 400 whatever the ETag
        self.saved(serializer)

    def saved(self, serializer) -> None:
        instance = serializer.save()
        serializer.instance = self.get_queryset().get(pk=instance.pk)  # as a GET would show it

    def get_success_headers(self, data):
        return {"Location": str(data["url"])}  # a Hyperlink (a str subclass): WSGI wants a plain str

    def perform_destroy(self, instance):
        self.check_if_match(instance)
        instance._history_user = self.request.user  # recorded in the change history
        instance.delete()


class ReadViewSet(ListMixin, ConditionalRetrieveMixin, ResourceViewSet):
    pass


class WritableViewSet(WriteMixin, ReadViewSet):
    pass


class ListViewSet(ListMixin, ResourceViewSet):
    pass
