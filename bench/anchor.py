"""The raw anchor: a bare WSGI app, psycopg 3, the page built by PostgreSQL (json_agg), and the same derived
values the API keeps, kept the same way: the floor of the API's design, not of another design.

It answers the benchmark's URLs (bench/run.py) with the same filters, ordering, fields and envelope as the
API: agreements by ``party`` and ``date_after``/``date_before``, trips by ``traveler``, officials by ``q``,
``page``/``page_size`` on all three, a country's relations, and a 304 for a matching ``If-None-Match``.
The JSON of each row is the SQL the API itself uses, generated from the resources' serializers
(apikit.sqljson) once when the worker starts, so the rows are the API's byte for byte once parsed; the rows are
built outside the OFFSET.

Like the API it reads every table's data version first (one statement), keeps exact totals per filter and
version of the tables the list's filters read, relations per data version, and answers 304 to a tag made from
the URL and the version of the tables a page depends on; in a dict per worker, or in Redis when ``CACHE_URL``
is set (as the API's cache). A request is then one statement for the versions and one for the page (and its
total, counted in the same statement when it is not cached). Django is imported for that start-up only:
requests go through no Django code, no validation, permissions, schema or middleware.

Run: DATABASE_URL=... gunicorn bench.anchor:app
"""

import hashlib
import json
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
    from events.versions import data_versions

    serializers = {
        "agreements": agreements.AgreementSerializer,
        "trips": trips.TripSerializer,
        "officials": officials.OfficialSerializer,
    }
    rows = {name: RowSQL(serializer).element("r") for name, serializer in serializers.items()}
    return {
        **rows,
        "relations": relations.relations_json_sql,
        "tables": {
            **{name: set(data_versions.tables_in(sql)) for name, sql in rows.items()},
            "relations": set(data_versions.tables_in(relations.relations_json_sql(False))),
        },
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
# The tables each list's filters here read (its total's versions), and those its pages also embed (its tags').
FILTER_TABLES = {
    "agreements": {"events_agreement", "events_agreementparty", "events_actor"},
    "trips": {"events_trip", "events_trip_members", "events_official"},
    "officials": {"events_official"},
}
PAGE_TABLES = {name: FILTER_TABLES[name] | _SQL["tables"][name] for name in LISTS}
VERSION = "(SELECT coalesce(max(version), 0) FROM events_table_version)"
VERSIONS = "SELECT coalesce(json_object_agg(name, version), '{}')::text FROM events_table_version"
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


class Cache:
    """Derived values, kept forever under keys that carry the versions they were made from: a dict per worker,
    or Redis (``CACHE_URL``), shared by the workers as the API's cache is."""

    def __init__(self):
        url = os.environ.get("CACHE_URL", "").strip()
        self.local: dict[str, str] = {}
        self.redis = None
        if url:
            import redis

            self.redis = redis.Redis.from_url(url)

    def get(self, key: str) -> str | None:
        if self.redis is None:
            return self.local.get(key)
        value = self.redis.get(f"anchor:{key}")
        return None if value is None else value.decode()

    def set(self, key: str, value: str) -> None:
        if self.redis is None:
            self.local[key] = value
        else:
            self.redis.set(f"anchor:{key}", value)


cache = Cache()


def versions() -> dict[str, int]:
    return json.loads(connection().execute(VERSIONS).fetchone()[0])


def version_of(known: dict[str, int], tables) -> int:
    return max((known.get(table, 0) for table in tables), default=0)


def list_page(resource: str, params: dict[str, str], url: str, api: str, known: dict[str, int]) -> bytes:
    table, ordering, element = LISTS[resource]
    size = int(params.get("page_size", PAGE_SIZE))
    page = int(params.get("page", 1))
    where = conditions(resource, params)
    filters = sorted((k, v) for k, v in params.items() if k not in ("page", "page_size"))
    count_key = f"count:{resource}:{version_of(known, FILTER_TABLES[resource])}:{filters}"
    count = cache.get(count_key)
    total = "NULL" if count is not None else f"(SELECT count(*) FROM {table} r WHERE {where})"
    sql = f"""
        SELECT {total},
               (SELECT coalesce(json_agg({element} ORDER BY page.n), '[]'::json)::text
                FROM (SELECT %(api)s::text AS root) api,
                     (SELECT r.id, row_number() OVER (ORDER BY {ordering}) AS n FROM {table} r WHERE {where}
                      ORDER BY {ordering} LIMIT %(limit)s OFFSET %(offset)s) page
                JOIN {table} r ON r.id = page.id)
    """
    query = {**params, "api": api, "limit": size, "offset": (page - 1) * size}
    counted, results = connection().execute(sql, query).fetchone()
    if count is None:
        count = str(counted)
        cache.set(count_key, count)
    count = int(count)
    pages = max(1, -(-count // size))
    next_link = link(url, params, page + 1) if page < pages else None
    previous_link = link(url, params, page - 1) if page > 1 else None
    head = f'{{"count":{count},"next":{quote(next_link)},"previous":{quote(previous_link)},"results":'
    return head.encode() + results.encode() + b"}"


def link(url: str, params: dict[str, str], page: int) -> str:
    rest = {key: value for key, value in params.items() if key != "page"}
    if page > 1:
        rest["page"] = str(page)
    return url + ("?" + urlencode(sorted(rest.items())) if rest else "")  # sorted, as DRF writes them


def quote(value: str | None) -> str:
    return "null" if value is None else '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def relations(iso3: str, params: dict[str, str], root: str, version: int) -> bytes:
    dated = "date_after" in params or "date_before" in params
    key = f"relations:{version}:{iso3}:{sorted(params.items())}:{root}"
    body = cache.get(key)
    if body is None:
        with connection().cursor() as cursor:
            country = cursor.execute("SELECT id FROM events_actor WHERE code = %s", [iso3]).fetchone()
            query = {"country": [country[0]], "after": params.get("date_after"), "before": params.get("date_before")}
            body = cursor.execute(f"SELECT ({_SQL['relations'](dated)})", {**query, "root": root}).fetchone()[0]
        cache.set(key, body)
    return body.encode()


def app(environ, start_response):
    path = environ["PATH_INFO"]
    params = dict(parse_qsl(environ.get("QUERY_STRING", "")))
    host = environ.get("HTTP_HOST") or environ["SERVER_NAME"]
    base = f"{environ['wsgi.url_scheme']}://{host}"
    url, api = base + path, base  # the API root of the row SQL: the absolute URL of "/" without its slash
    parts = path.strip("/").split("/")  # api, v1, resource[, key, action]
    full_url = f"{url}?{environ.get('QUERY_STRING', '')}"
    known = versions()
    if len(parts) == 3 and parts[2] in LISTS:
        version = version_of(known, PAGE_TABLES[parts[2]])
    elif len(parts) == 5 and parts[2] == "countries" and parts[4] == "relations":
        version = version_of(known, _SQL["tables"]["relations"])  # the dyads: as the API keys them
    else:
        start_response("404 Not Found", [("Content-Type", "application/json")])
        return [b'{"type":"client_error"}']
    tag = etag(version, full_url)
    if tag in environ.get("HTTP_IF_NONE_MATCH", ""):
        start_response("304 Not Modified", [("ETag", tag)])
        return [b""]
    if parts[2] in LISTS:
        body = list_page(parts[2], params, url, api, known)
    else:
        body = relations(parts[3], params, api, version)
    headers = [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
    start_response("200 OK", [*headers, ("ETag", tag)])
    return [body]


def etag(version: int, url: str) -> str:
    return '"' + hashlib.sha256(f"{version}|{url}".encode()).hexdigest()[:32] + '"'
