"""CSV exports computed in SQL (apikit.sqlcsv) give byte for byte the file that flattening each row's JSON
representation gives (the export before it, apikit.csv.Column and cell): on the seed, on the factories' edge
cases, on text that needs quoting or formula escaping, and on synthetic rows under the benchmark's filters."""

import csv
import io

import pytest

from apikit import csv as apikit_csv
from bench import synthetic
from events.api.urls import router
from events.tests import factories as f
from events.tests.test_representations import edge_records

pytestmark = pytest.mark.django_db
V1 = "/api/v1"


class _Echo:
    def write(self, value):
        return value


def flattened(api, path: str, serializer_class) -> bytes:
    """The export as it was built before: every row's JSON (from the paginated list), flattened by the
    columns' paths, each value through ``cell``, written by Python's csv module."""
    columns = apikit_csv.columns(serializer_class)
    writer = csv.writer(_Echo())
    lines = [writer.writerow([column.header for column in columns])]
    separator = "&" if "?" in path else "?"
    url = f"{path}{separator}page_size=500"
    while url:
        response = api.get(url)
        assert response.status_code == 200, response.content
        body = response.json()
        lines += [writer.writerow([apikit_csv.cell(column(row)) for column in columns]) for row in body["results"]]
        url = body["next"]
    return "".join(lines).encode()


def exported(api, path: str) -> bytes:
    separator = "&" if "?" in path else "?"
    response = api.get(f"{path}{separator}format=csv")
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    return b"".join(response.streaming_content)


def list_paths() -> dict[str, tuple[str, type]]:
    """Every list that exports CSV: its path and serializer, by URL prefix."""
    return {
        prefix: (f"{V1}/{prefix}/", viewset.serializer_class)
        for prefix, viewset, _ in router.registry
        if "list" in getattr(viewset, "csv_actions", ())
    }


def assert_same(api, path: str, serializer_class) -> bytes:
    new, old = exported(api, path), flattened(api, path, serializer_class)
    assert new.decode().splitlines() == old.decode().splitlines(), path  # a readable diff first
    assert new == old, path
    return new


def test_every_export_is_the_flattened_representation_on_the_seed_and_edge_cases(api):
    edge_records()
    paths = list_paths()
    assert {"agreements", "trips", "events", "officials", "sources", "actors", "countries", "sectors"} <= set(paths)
    for path, serializer_class in paths.values():
        body = assert_same(api, path, serializer_class)
        assert body.count(b"\r\n") > 1, path  # a header and rows


def test_quoting_and_formula_escaping_match_pythons_csv(api):
    tricky = [
        "=HYPERLINK(1)",
        "+1",
        "-2",
        "@SUM(A1)",
        "\tTab",
        "\rReturn",
        'Says "hello", twice',
        "Line one\nline two",
        "Plain",
    ]
    official = f.OfficialFactory(name="=cmd|' /C calc'!A0", alternative_names=["-minus", "a,b", 'q"q'])
    for title in tricky:
        agreement = f.AgreementFactory(title=title, signed="2023-06")
        f.PartyFactory(agreement=agreement, signatory=official)
        f.PartyFactory(agreement=agreement, country=f.country("CUB"))
        trip = f.TripFactory(lead=official, title=title, purpose=title)
        f.StopFactory(trip=trip, order=1, city=title)
        f.EventFactory(title=title, quote=title)
    paths = list_paths()
    for resource in ("agreements", "trips", "events", "officials"):
        assert_same(api, *paths[resource])
    rows = list(csv.DictReader(io.StringIO(exported(api, f"{V1}/agreements/?q=hyperlink").decode())))
    assert [row["title"] for row in rows] == ["'=HYPERLINK(1)"]
    assert rows[0]["signatories"] == official.slug


def test_exports_of_synthetic_rows_match_under_the_benchmarks_filters(api):
    synthetic.load("XS", progress_bar=lambda **kwargs: _Quiet())
    paths = list_paths()
    queries = {
        "agreements": [
            "",
            "party=IRN&date_after=2005-01-01&date_before=2009-12-31",
            "party=CHN&party=RUS",
            "date_before=1999-06-30",
            "ordering=-date",
            "ordering=value_amount",
        ],
        "trips": ["date_after=2010-01-01&date_before=2012-12-31", "traveler=bench-0000001"],
        "events": ["country=IRN"],
        "officials": ["q=bench"],
    }
    for resource, resource_queries in queries.items():
        path, serializer_class = paths[resource]
        for query in resource_queries:
            body = assert_same(api, f"{path}?{query}" if query else path, serializer_class)
            assert body.count(b"\r\n") > 5, (resource, query)


class _Quiet:
    def update(self, *args):
        pass

    def close(self):
        pass


def test_an_export_closed_early_is_cancelled_and_leaves_the_connection_usable(api, transactional_db, monkeypatch):
    """Outside a test's transaction, as in production (autocommit): the client goes away mid-export."""
    from django.db import connection

    from apikit import viewsets
    from events.models import Agreement
    from events.seed import load_seed

    load_seed()
    monkeypatch.setattr(viewsets, "CSV_CHUNK", 2)
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", None)  # persistent, as in production
    connection.close()
    response = api.get(f"{V1}/agreements/?format=csv")
    chunks = iter(response.streaming_content)
    assert next(chunks).startswith(b"id,title,")  # the header
    assert next(chunks).count(b"\r\n") == 2  # a chunk of rows: the export streams
    response.close()
    assert connection.connection.info.transaction_status.name == "IDLE"
    assert Agreement.objects.count() > 4
