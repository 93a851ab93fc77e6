"""CSV exports of list endpoints: the same filters, every matching row (not paginated), streamed.

The columns come from the serializer (``Meta.csv_fields``, else its fields minus ``Meta.csv_exclude``). A
column names a field, or a path through nested fields (``("parties", "parties.country")``); a path that ends
at a reference gives the reference's public key (``IRN``, a slug, an id), a path through a list gives every
value, joined with ``;`` (``unique`` drops repeated ones).
"""

import csv
import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.http import StreamingHttpResponse
from rest_framework.renderers import BaseRenderer

from apikit.serializers import fields_of, nested

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class CSVRenderer(BaseRenderer):
    """Declares text/csv for content negotiation (``?format=csv`` or ``Accept: text/csv``). The list views
    stream the body themselves; this renders only what they do not (nothing, in practice)."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return b""


def cell(value) -> str:
    """One CSV cell: lists joined with ";", None empty, and text a spreadsheet would run as a formula escaped."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        value = ";".join(cell(item) for item in value if item is not None)
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


@dataclass(frozen=True)
class Column:
    header: str
    path: list[str]  # keys in the JSON representation; a key ending in "[]" maps over a list
    unique: bool = False

    def __call__(self, data):
        values = _follow(data, self.path)
        if self.unique:  # a list under a list (each position's postings) is flattened first
            flat = [v for value in values for v in (value if isinstance(value, list) else [value])]
            return list(dict.fromkeys(flat))
        return values


def _follow(value, parts: list[str]):
    if not parts or value is None:
        return value
    part, rest = parts[0], parts[1:]
    if part.endswith("[]"):
        return [_follow(item, rest) for item in value.get(part[:-2]) or []]
    return _follow(value.get(part), rest)


class ColumnError(Exception):
    """A CSV column names a field the serializer does not have."""


@functools.cache
def columns(serializer_class) -> tuple[Column, ...]:
    """The CSV columns declared by ``serializer_class``, resolved once per process (DRF builds every nested
    serializer's fields on the way: 0.35 s for agreements)."""
    return declared_columns(serializer_class)


def declared_columns(serializer_class) -> tuple[Column, ...]:
    """The CSV columns declared by ``serializer_class`` (see the module docstring), resolved now (the system
    check reads the declarations as they are)."""
    meta = serializer_class.Meta
    declared = getattr(meta, "csv_fields", None)
    if declared is None:
        excluded = set(getattr(meta, "csv_exclude", ()))
        declared = [name for name in meta.fields if name not in excluded]
    result = []
    for entry in declared:
        header, path, *options = (entry, entry) if isinstance(entry, str) else entry
        result.append(Column(header, resolve(serializer_class, path), unique="unique" in options))
    return tuple(result)


def resolve(serializer, dotted: str) -> list[str]:
    """``parties.country`` -> ``["parties[]", "country", "iso3"]``: the keys to follow in a representation."""
    keys = []
    for name in dotted.split("."):
        fields = fields_of(serializer)
        if name not in fields:
            raise ColumnError(
                f'"{dotted}": {getattr(serializer, "__name__", type(serializer).__name__)} has no field "{name}".'
            )
        child, many = nested(fields[name])
        keys.append(f"{name}[]" if many else name)
        serializer = child
    if serializer is not None:  # a reference: its public key
        resource = getattr(serializer, "resource", None)
        if resource is None:
            raise ColumnError(f'"{dotted}" ends at an object that is not a reference: name one of its fields.')
        keys.append(resource.key_name())
    return keys


class _Echo:
    def write(self, value):
        return value


def header(columns: list) -> str:
    return csv.writer(_Echo()).writerow([column.header for column in columns])


def stream_csv(filename: str, columns: list[Callable], rows: Iterable) -> StreamingHttpResponse:
    """Stream ``rows`` (representations) as CSV: a header row, then one line per row."""
    writer = csv.writer(_Echo())
    lines = (writer.writerow([cell(column(row)) for column in columns]) for row in rows)
    return stream_lines(filename, header(columns), lines)


def stream_lines(filename: str, header_line: str, lines: Iterable[str]) -> StreamingHttpResponse:
    """Stream CSV: ``header_line``, then ``lines`` (each ends with its line break; a chunk may hold several)."""

    def chunks():
        yield header_line
        yield from lines

    response = StreamingHttpResponse(chunks(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response
