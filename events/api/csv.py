"""CSV exports of list endpoints: the same filters, every matching row (not paginated), streamed."""

import csv
from collections.abc import Callable, Iterable

from django.http import StreamingHttpResponse
from rest_framework.renderers import BaseRenderer

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


class _Echo:
    def write(self, value):
        return value


def stream_csv(filename: str, columns: dict[str, Callable], rows: Iterable) -> StreamingHttpResponse:
    """Stream ``rows`` as CSV: a header row, then one line per row with ``columns`` (header -> getter)."""
    writer = csv.writer(_Echo())

    def lines():
        yield writer.writerow(list(columns))
        for row in rows:
            yield writer.writerow([cell(get(row)) for get in columns.values()])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response
