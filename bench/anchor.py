"""The raw anchor: a bare WSGI app, psycopg 3, one query per request, the page built by PostgreSQL (json_agg).

It answers the benchmark's URLs (bench/run.py) with the same filters, ordering, fields and envelope as the
API: agreements by ``party`` and ``date_after``/``date_before``, trips by ``traveler``, officials by ``q``,
``page``/``page_size`` on all three, a country's relations, and a 304 for a matching ``If-None-Match``.
The JSON of each row is the SQL the API itself uses, generated from the resources' serializers
(apikit.sqljson) once when the worker starts, so the rows are the API's byte for byte once parsed; the total is
counted in the same query, and the rows are built outside the OFFSET. Django is imported for that start-up only:
requests go through no Django code, no validation, permissions, schema or middleware: the floor the API is
measured against.

Run: DATABASE_URL=... gunicorn bench.anchor:app
"""

import hashlib
import os
import sys
from pathlib import Path
from urllib.parse import parse_qsl, urlencode

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def _row_sql() -> dict:
    """The SQL of each list's rows and of a country's relations, from the API's own declarations."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "diplomacy.settings")
    django.setup()
    from apikit.sqljson import RowSQL
    from events.api import agreements, officials, relations, trips

    return {
        "agreements": RowSQL(agreements.AgreementSerializer).element("r"),
        "trips": RowSQL(trips.TripSerializer).element("r"),
        "officials": RowSQL(officials.OfficialSerializer).element("r"),
        "relations": relations.relations_json_sql,
    }


_SQL = _row_sql()
PAGE_SIZE = 50
_connection: psycopg.Connection | None = None

LISTS = {
    # resource: (table, ordering, SQL JSON of row r)
    "agreements": ("events_agreement", "r.signed_earliest, r.title, r.id", _SQL["agreements"]),
    "trips": ("events_trip", "r.start_earliest, r.title, r.id", _SQL["trips"]),
    "officials": ("events_official", "r.name, r.slug", _SQL["officials"]),
}
VERSION = "(SELECT coalesce(max(version), 0) FROM events_table_version)"
WIDEST = "(SELECT coalesce(max(interval '1 day' * (signed_latest - signed_earliest)), '0 days') FROM events_agreement)"
_countries: dict[str, int] = {}


def country_ids() -> dict[str, int]:
    """ISO alpha-3 to id, read once per worker (reference data)."""
    if not _countries:
        _countries.update(connection().execute("SELECT code, id FROM events_actor").fetchall())
    return _countries


def connection() -> psycopg.Connection:
    global _connection
    if _connection is None or _connection.closed:
        _connection = psycopg.connect(os.environ["DATABASE_URL"], autocommit=True)
    return _connection


def conditions(resource: str, params: dict[str, str]) -> str:
    where = ["true"]
    if resource == "agreements":
        if "party" in params:
            # the country's id as a constant, as the API does: PostgreSQL then knows its share of the parties
            party_id = country_ids().get(params["party"], -1)
            parties = f"SELECT p.agreement_id FROM events_agreementparty p WHERE p.country_id = {party_id:d}"
            where.append(f"r.id IN ({parties})")
        if "date_after" in params or "date_before" in params:
            where.append("r.signed_earliest IS NOT NULL")
        if "date_after" in params:
            where.append("r.signed_latest >= %(date_after)s::date")
            # implied by the overlap, bounds the scan of the order index (as the API's filter does)
            where.append(f"r.signed_earliest >= (%(date_after)s::date - {WIDEST})::date")
        if "date_before" in params:
            where.append("r.signed_earliest <= %(date_before)s::date")
    elif resource == "trips" and "traveler" in params:
        where.append(
            "(r.lead_id = (SELECT id FROM events_official WHERE slug = %(traveler)s) OR r.id IN "
            "(SELECT m.trip_id FROM events_trip_members m JOIN events_official mo ON mo.id = m.official_id "
            "WHERE mo.slug = %(traveler)s))"
        )
    elif resource == "officials" and params.get("q", "").strip():
        where.append("r.search @@ websearch_to_tsquery('simple'::regconfig, events_search_fold(%(q)s))")
    return " AND ".join(where)


def list_page(resource: str, params: dict[str, str], url: str, api: str) -> tuple[bytes, int]:
    table, ordering, element = LISTS[resource]
    size = int(params.get("page_size", PAGE_SIZE))
    page = int(params.get("page", 1))
    where = conditions(resource, params)
    sql = f"""
        SELECT {VERSION}, (SELECT count(*) FROM {table} r WHERE {where}),
               (SELECT coalesce(json_agg({element} ORDER BY page.n), '[]'::json)::text
                FROM (SELECT %(api)s::text AS root) api,
                     (SELECT r.id, row_number() OVER (ORDER BY {ordering}) AS n FROM {table} r WHERE {where}
                      ORDER BY {ordering} LIMIT %(limit)s OFFSET %(offset)s) page
                JOIN {table} r ON r.id = page.id)
    """
    query = {**params, "api": api, "limit": size, "offset": (page - 1) * size}
    version, count, results = connection().execute(sql, query).fetchone()
    pages = max(1, -(-count // size))
    next_link = link(url, params, page + 1) if page < pages else None
    previous_link = link(url, params, page - 1) if page > 1 else None
    head = f'{{"count":{count},"next":{quote(next_link)},"previous":{quote(previous_link)},"results":'
    return head.encode() + results.encode() + b"}", version


def link(url: str, params: dict[str, str], page: int) -> str:
    rest = {key: value for key, value in params.items() if key != "page"}
    if page > 1:
        rest["page"] = str(page)
    return url + ("?" + urlencode(sorted(rest.items())) if rest else "")  # sorted, as DRF writes them


def quote(value: str | None) -> str:
    return "null" if value is None else '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def relations(iso3: str, params: dict[str, str], root: str) -> tuple[bytes, int]:
    dated = "date_after" in params or "date_before" in params
    with connection().cursor() as cursor:
        country = cursor.execute("SELECT id FROM events_actor WHERE code = %s", [iso3]).fetchone()
        query = {"country": [country[0]], "after": params.get("date_after"), "before": params.get("date_before")}
        body, version = cursor.execute(
            f"SELECT ({_SQL['relations'](dated)}), {VERSION}", {**query, "root": root}
        ).fetchone()
        return body.encode(), version


def app(environ, start_response):
    path = environ["PATH_INFO"]
    params = dict(parse_qsl(environ.get("QUERY_STRING", "")))
    host = environ.get("HTTP_HOST") or environ["SERVER_NAME"]
    base = f"{environ['wsgi.url_scheme']}://{host}"
    url, api = base + path, base  # the API root of the row SQL: the absolute URL of "/" without its slash
    parts = path.strip("/").split("/")  # api, v1, resource[, key, action]
    full_url = f"{url}?{environ.get('QUERY_STRING', '')}"
    if environ.get("HTTP_IF_NONE_MATCH"):
        tag = etag(connection().execute(VERSION).fetchone()[0], full_url)
        if tag in environ["HTTP_IF_NONE_MATCH"]:
            start_response("304 Not Modified", [("ETag", tag)])
            return [b""]
    if len(parts) == 3 and parts[2] in LISTS:
        body, version = list_page(parts[2], params, url, api)
    elif len(parts) == 5 and parts[2] == "countries" and parts[4] == "relations":
        body, version = relations(parts[3], params, api)
    else:
        start_response("404 Not Found", [("Content-Type", "application/json")])
        return [b'{"type":"client_error"}']
    headers = [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
    start_response("200 OK", [*headers, ("ETag", etag(version, full_url))])
    return [body]


def etag(version: int, url: str) -> str:
    return '"' + hashlib.sha256(f"{version}|{url}".encode()).hexdigest()[:32] + '"'
