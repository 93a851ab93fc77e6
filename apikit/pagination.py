"""Pages of a list: by number (``page``), or by cursor (``cursor``), a position in the list's order.

A cursor page holds the rows after (or before) the last (first) row of the page it came from, in the list's
ordering with the primary key as its last term: a keyset, so it costs the same at any depth, and rows written
meanwhile neither shift nor repeat the rows still to come. The cursor is opaque (base64 of JSON): the position,
its direction, the ordering it belongs to and the sync watermark (apikit.sync) of the walk's first page, which
every page of the walk shows as ``watermark``. A walk starts with ``cursor=first``.
"""

import base64
import binascii
import datetime
import decimal
import json
import uuid

from django.core.paginator import InvalidPage
from django.db.models import Q
from rest_framework import pagination
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from apikit import sync

FIRST = "first"


def _plain(value):
    """A sort value as JSON keeps it exactly (ISO dates and times with microseconds, decimals as text)."""
    if isinstance(value, datetime.date | datetime.datetime):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    return value


class PageNumberPagination(pagination.PageNumberPagination):
    """``{count, next, previous, results}`` with an exact count; cursor pages add ``watermark``. Clients follow
    ``next`` and ``previous`` as opaque links. ``page_size`` is 1 to 500 (default 50); anything else is a 400, a
    page past the end a 404."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
    cursor_query_param = "cursor"

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        try:
            size = int(raw)
        except ValueError:
            size = 0
        if not 1 <= size <= self.max_page_size:
            raise ValidationError(
                {self.page_size_query_param: [f"Expected a whole number from 1 to {self.max_page_size}, got {raw!r}."]}
            )
        return size

    def paginate_queryset(self, queryset, request, view=None, count: int | None = None, keys_only: bool = False):
        """DRF's, with the total passed in when it is known (a cached count) instead of counted again; the
        primary keys only with ``keys_only``. A cursor page when the request names a cursor."""
        self.request = request
        self.cursor = None
        if self.cursor_query_param in request.query_params:
            return self.paginate_by_cursor(queryset, request, count, keys_only)
        if keys_only:
            queryset = queryset.values_list("pk", flat=True)
        paginator = self.django_paginator_class(queryset, self.get_page_size(request))
        if count is not None:
            paginator.count = count  # a cached_property: the instance attribute stands in for it
        page_number = self.get_page_number(request, paginator)
        try:
            self.page = paginator.page(page_number)
        except InvalidPage as exc:
            raise NotFound(self.invalid_page_message.format(page_number=page_number, message=str(exc))) from exc
        return list(self.page)

    def envelope(self, results) -> dict:
        """The page as the response shows it (what get_paginated_response wraps)."""
        if self.cursor is not None:
            return {
                "count": self.count,
                "next": self.cursor_link(self.next_position),
                "previous": self.cursor_link(self.previous_position),
                "watermark": str(self.cursor["w"]),
                "results": results,
            }
        return {
            "count": self.page.paginator.count,
            "next": self.get_next_link(),
            "previous": self.get_previous_link(),
            "results": results,
        }

    def get_paginated_response(self, data):
        return Response(self.envelope(data))

    # -- cursor pages ----------------------------------------------------------------------------------------

    def paginate_by_cursor(self, queryset, request, count, keys_only: bool):
        if self.page_query_param in request.query_params:
            raise ValidationError({self.cursor_query_param: ["Give a cursor or a page number, not both."]})
        size = self.get_page_size(request)
        terms = self.sort_terms(queryset)
        names = [name for name, _ in terms]
        raw = request.query_params[self.cursor_query_param]
        if raw == FIRST:
            self.cursor = {"o": names, "w": sync.watermark(), "p": None, "b": False}
        else:
            self.cursor = self.decode(raw, names)
        backwards = self.cursor["b"]
        order = [f"-{name}" if descending != backwards else name for name, descending in terms]
        parts = [
            queryset.filter(segment).order_by(*order).values_list(*names, "pk")[: size + 1]
            for segment in self.segments(terms, self.cursor["p"], backwards)
        ]
        rows = list((parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0])[: size + 1])
        more = len(rows) > size
        rows = rows[:size]
        if backwards:
            rows.reverse()
        positions = [[_plain(value) for value in row[: len(names)]] for row in rows]
        started = self.cursor["p"] is not None
        self.next_position = (positions[-1], False) if rows and (more if not backwards else True) else None
        self.previous_position = (positions[0], True) if rows and (more if backwards else started) else None
        self.count = count if count is not None else queryset.count()
        keys = [row[-1] for row in rows]
        if keys_only:
            return keys
        found = queryset.in_bulk(keys)  # the view's queryset: its annotations too
        return [found[key] for key in keys]

    def sort_terms(self, queryset) -> list[tuple[str, bool]]:
        """(field, descending) of the queryset's ordering, ending with the primary key."""
        model = queryset.model
        terms = []
        concrete = {f.name: f.attname for f in model._meta.concrete_fields}
        for term in queryset.query.order_by or model._meta.ordering:
            name = term.lstrip("-") if isinstance(term, str) else None
            name = model._meta.pk.name if name == "pk" else name
            column = concrete.get(name) or (name if name in queryset.query.annotations else None)
            if column is None:
                raise ValidationError(
                    {self.cursor_query_param: [f"This ordering ({term}) cannot be used with a cursor."]}
                )
            terms.append((column, term.startswith("-")))
        if model._meta.pk.attname not in [name for name, _ in terms]:
            terms.append((model._meta.pk.attname, False))
        return terms

    @staticmethod
    def segments(terms, position, backwards: bool) -> list[Q]:
        """The rows after ``position`` in the order of ``terms`` (before it, ``backwards``), as conditions in that
        order: rows equal on the first terms and beyond on the next, deepest first, nulls apart (PostgreSQL puts
        them last in ascending order, first in descending order). Each is one range of the list's index, and
        PostgreSQL reads the next only while the page is not full."""
        if position is None:
            return [Q()]
        segments = []
        for index in reversed(range(len(terms))):
            prefix = Q()
            for (name, _), value in zip(terms[:index], position[:index], strict=True):
                prefix &= Q(**{f"{name}__isnull": True}) if value is None else Q(**{name: value})
            (name, descending), value = terms[index], position[index]
            ascending = descending == backwards  # the direction of travel along this term
            if value is None:
                if not ascending:  # nulls come first: every value is beyond them
                    segments.append(prefix & Q(**{f"{name}__isnull": False}))
                continue
            segments.append(prefix & Q(**{f"{name}__gt" if ascending else f"{name}__lt": value}))
            if ascending:  # nulls come last
                segments.append(prefix & Q(**{f"{name}__isnull": True}))
        return segments

    def decode(self, raw: str, names: list[str]) -> dict:
        try:
            cursor = json.loads(base64.urlsafe_b64decode(raw.encode() + b"=" * (-len(raw) % 4)))
            valid = (
                isinstance(cursor, dict)
                and isinstance(cursor.get("p"), list)
                and isinstance(cursor.get("w"), int)
                and isinstance(cursor.get("b"), bool)
                and len(cursor["p"]) == len(names)
            )
        except (binascii.Error, ValueError, UnicodeDecodeError):
            valid = False
        if not valid:
            raise ValidationError(
                {self.cursor_query_param: ["Not a cursor of this list: follow next or previous, or start with first."]}
            )
        if cursor.get("o") != names:
            raise ValidationError({self.cursor_query_param: ["This cursor belongs to another ordering of the list."]})
        return cursor

    def cursor_link(self, position) -> str | None:
        if position is None:
            return None
        values, backwards = position
        token = {"o": self.cursor["o"], "w": self.cursor["w"], "p": values, "b": backwards}
        encoded = base64.urlsafe_b64encode(json.dumps(token, separators=(",", ":")).encode()).decode().rstrip("=")
        url = remove_query_param(self.request.build_absolute_uri(), self.page_query_param)
        return replace_query_param(url, self.cursor_query_param, encoded)

    def check_parameters(self, request) -> None:
        """Validate ``page`` and ``page_size`` where they are not used (a CSV export is not paginated)."""
        self.get_page_size(request)
        raw = request.query_params.get(self.page_query_param)
        if raw is not None and (not raw.isdigit() or int(raw) < 1):
            raise ValidationError({self.page_query_param: [f"Expected a page number from 1, got {raw!r}."]})

    def get_paginated_response_schema(self, schema):
        paginated = super().get_paginated_response_schema(schema)
        properties = paginated["properties"]
        properties["watermark"] = {
            "type": "string",
            "description": "Cursor pages only: the sync watermark of the walk (the same on each of its pages); "
            "pass it as changed_since to get what changed since the walk began.",
            "example": "7503",
        }
        paginated["properties"] = {
            key: properties[key] for key in ("count", "next", "previous", "watermark", "results")
        }
        paginated["x-optional"] = ["watermark"]  # apikit.schema.require_response_fields
        return paginated

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        parameters.append(
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": "A cursor page: `first` starts a walk, then follow `next` or `previous` (opaque). "
                "Stable under concurrent writes and as fast at any depth; not with `page`.",
                "schema": {"type": "string"},
            }
        )
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"].update({"minimum": 1, "maximum": self.max_page_size, "default": self.page_size})
                parameter["description"] = f"Results per page, 1 to {self.max_page_size} (default {self.page_size})."
            if parameter["name"] == self.page_query_param:
                parameter["schema"]["minimum"] = 1
                parameter["description"] = "Page number; a page past the end is a 404. Prefer following `next`."
        return parameters
