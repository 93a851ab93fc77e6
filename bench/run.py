"""The benchmark runner: `make bench SCALE=S` (see docs/performance.md).

Loads the synthetic data of the scale (manage.py seed_bench) unless it is there already, serves the API
(diplomacy.wsgi) and the raw anchor (bench/anchor.py) under the same gunicorn settings, warms both up, then
runs wrk on each endpoint: three runs with 16 connections (throughput, p50, p99) and one with a single
connection (latency), each request drawing its URL at random (a Lua script) from a fixed, seeded list of
filter values. It counts SQL queries per request, measures the peak RSS of a worker streaming CSV exports of
two sizes, and writes bench/results/bench-<scale>.json and .md.

The API runs as in production: DEBUG off, throttling off, persistent database connections (both apps), the
full middleware stack. With DATABASE_URL unset, an embedded PostgreSQL in .pgdata-bench/ holds the data.
"""

import argparse
import datetime
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GIVEN_DATABASE_URL = bool(os.environ.get("DATABASE_URL"))
RESULTS = ROOT / "bench" / "results"
API_PORT, ANCHOR_PORT, CSV_PORT = 8731, 8732, 8733
WORKERS = 4
GUNICORN = ["-k", "sync", "--backlog", "256", "--timeout", "120", "--log-level", "warning"]

ENV = {
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": "benchmark-only-secret-key",
    "API_ANON_RATE": "off",
    "API_USER_RATE": "off",
    "DB_CONN_MAX_AGE": "600",
}
# What each endpoint measures; "paths" are drawn from at random by every request.
ENDPOINTS = {
    "agreements": "Agreements of a party in a date range (page 1, 50 rows)",
    "trips": "Trips by a traveler (page 1)",
    "officials": "Officials matching a full-text `q` (page 1)",
    "relations": "A country's relations (partners with counts)",
    "first_page": "All agreements, page 1",
    "deep_page": "All agreements, 10,000 rows in (page 201; the last page at scale XS)",
    "not_modified": "All agreements, page 1, If-None-Match with the current ETag (304)",
}
GOAL_LISTS = ("agreements", "trips", "officials")
# Cold runs: a write to the endpoint's table every COLD_INTERVAL seconds makes every cached total, relation and
# tag stale (in both apps), so each request is answered from scratch. Mixed runs: one write per second to a
# table no list below embeds or filters on, while the readers run warm.
COLD_TABLE = {"agreements": "events_agreement", "trips": "events_trip", "officials": "events_official"}
# Relations are read from the dyads, which change only with what a record contributes to a pair: the cold
# writes there change the quantity of an agreement with two parties or more (one up, then back down).
COLD_TABLE["relations"] = "events_agreement"
COLD_FLIPS = {"relations"}
FLIPPED_ROW = "SELECT agreement_id FROM events_agreementparty GROUP BY 1 HAVING count(*) > 1 ORDER BY 1 LIMIT 1"
COLD_INTERVAL = 0.02
MIXED_TABLE = "events_event"

LUA = """
local paths = {%(paths)s}
local inm = %(inm)s
local counter = 0
setup = function(thread)
  thread:set("seed", counter)
  counter = counter + 1
end
init = function(args)
  math.randomseed(1000 + seed)
  if inm ~= "" then wrk.headers["If-None-Match"] = inm end
end
request = function()
  return wrk.format("GET", paths[math.random(#paths)])
end
done = function(summary, latency, requests)
  io.write(string.format(
    'WRK {"requests": %%d, "duration_us": %%d, "bytes": %%d, "errors": %%d, "status_errors": %%d, ' ..
    '"p50_us": %%d, "p99_us": %%d}\\n',
    summary.requests, summary.duration, summary.bytes,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status, latency:percentile(50), latency:percentile(99)))
end
"""


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


def start_django(pgdata: str) -> None:
    """Django with the benchmark's settings and database (an embedded one in ``pgdata`` when DATABASE_URL is
    unset), migrated, with the static files a deployment has (WhiteNoise) and the seed."""
    os.environ.update(ENV)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "diplomacy.settings")
    if not os.environ.get("DATABASE_URL"):
        os.environ.setdefault("EMBEDDED_PGDATA", str(ROOT / pgdata))
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    call_command("load_seed", verbosity=0)


def setup_django(scale: str) -> str:
    """Django with the benchmark's database (started if embedded); the synthetic data of ``scale`` loaded."""
    start_django(".pgdata-bench")
    from django.conf import settings
    from django.core.management import call_command

    from bench import synthetic

    expected = synthetic.Generator(scale).size
    present = synthetic.present()
    if present["agreement"] != expected["agreements"] or present["official"] != expected["officials"]:
        log(f"loading synthetic data, scale {scale}")
        call_command("seed_bench", scale=scale)
    else:
        log(f"synthetic data of scale {scale} already loaded")
    return settings.DATABASE_URL  # the embedded server's, when DATABASE_URL was unset


# The README's questions and three typical analyst queries, on the real datasets (--real).
REAL_QUERIES = {
    "README: Iran-Venezuela agreements": "/api/v1/agreements/?party=IRN&party=VEN",
    "README: Raisi's trips in 2023": "/api/v1/trips/?traveler=ebrahim-raisi&date_after=2023-01-01"
    "&date_before=2023-12-31",
    "README: who represented Iran on 2022-06-15": "/api/v1/officials/?country=IRN&active_on=2022-06-15",
    "README: Iran's relations (CSV)": "/api/v1/countries/IRN/relations/?format=csv",
    "README: mining agreements since 2023 (CSV)": "/api/v1/agreements/?sector=mining&date_after=2023-01-01&format=csv",
    "README: Russia's agreements with the USSR's": "/api/v1/agreements/?party=RUS&include_predecessors=true",
    "README: organisations": "/api/v1/actors/?kind=organisation",
    "README: Kissinger's trips in 1974": "/api/v1/trips/?traveler=kissinger-henry-a&date_after=1974-01-01"
    "&date_before=1974-12-31",
    "README: Iran-Russia agreements, USSR's included (CSV)": "/api/v1/agreements/?party=IRN&party=RUS"
    "&include_predecessors=true&format=csv",
    "README: the ambassador in Paris on 1950-01-01": "/api/v1/officials/?posted_to=FRA&active_on=1950-01-01",
    "README: trips to the USSR (CSV)": "/api/v1/trips/?visited=SUN&format=csv",
    "README: Israeli visits 2009-2012": "/api/v1/trips/?dataset=visits&origin=ISR&date_after=2009-01-01"
    "&date_before=2012-12-31",
    "README: agreements changed since a day": "/api/v1/agreements/?updated_since=2026-01-01T00:00:00Z",
    "README: deletions since a day": "/api/v1/deletions/?since=2026-01-01T00:00:00Z",
    "analyst: a person's journeys (Kissinger, all)": "/api/v1/trips/?traveler=kissinger-henry-a",
    "analyst: a country pair's treaties (France-UK)": "/api/v1/agreements/?party=FRA&party=GBR"
    "&include_predecessors=true",
    "analyst: who was posted to Iran on 1975-06-01": "/api/v1/officials/?posted_to=IRN&active_on=1975-06-01",
}


def setup_real() -> str:
    """Django with a database that holds the seed and the four real datasets (import_dataset all: skipped when
    nothing changed), and no synthetic data."""
    start_django(".pgdata-bench-real")
    from django.conf import settings
    from django.core.management import call_command

    from bench import synthetic

    if synthetic.present()["agreement"]:
        raise SystemExit("--real needs a database without synthetic data (seed_bench --clear, or another database)")
    log("importing the real datasets (skipped where unchanged)")
    call_command("import_dataset", "all", verbosity=0)
    return settings.DATABASE_URL


def real_queries(port: int, args) -> list[dict]:
    """p50 and p99 of each real-data question (one connection, then 16), and the API's queries per request."""
    results = []
    for name, path in REAL_QUERIES.items():
        status, _, body = fetch(port, path)
        assert status == 200, (path, status, body[:300])
        single = wrk(port, [path], seconds=args.seconds, connections=1)
        loaded = wrk(port, [path], seconds=args.seconds, connections=args.connections)
        results.append(
            {
                "question": name,
                "path": path,
                "bytes": len(body),
                "p50_ms": median_ms([single["p50_us"]]),
                "p99_ms": median_ms([single["p99_us"]]),
                "loaded_rps": round(loaded["rps"], 1),
                "loaded_p50_ms": median_ms([loaded["p50_us"]]),
                "loaded_p99_ms": median_ms([loaded["p99_us"]]),
                "queries": api_queries([path], {}),
            }
        )
        log(f"real: {name}: p50 {results[-1]['p50_ms']} ms, p99 {results[-1]['p99_ms']} ms")
    return results


def real_markdown(report: dict) -> str:
    m = report["machine"]
    lines = [
        f"## Real datasets ({report['rows']}), {report['date']}",
        "",
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gb']} GB; PostgreSQL {m['postgresql']}; gunicorn "
        f"{m['gunicorn']}; API cache: {m['cache']}. p50/p99 with one connection, then req/s, p50 and p99 with "
        f"{report['connections']} connections; runs of {report['seconds']} s, after one request.",
        "",
        "| question | URL | p50 | p99 | req/s (16) | p50 (16) | p99 (16) | queries | bytes |",
        "|---|---|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for q in report["queries"]:
        lines.append(
            f"| {q['question']} | `{q['path']}` | {q['p50_ms']:.1f} ms | {q['p99_ms']:.1f} ms | {q['loaded_rps']} | "
            f"{q['loaded_p50_ms']:.1f} ms | {q['loaded_p99_ms']:.1f} ms | {q['queries']:.0f} | {q['bytes']:,} |"
        )
    return "\n".join(lines) + "\n"


def main_real(args) -> None:
    database_url = setup_real()
    from events.models import Agreement, Official, Trip

    server = serve("diplomacy.wsgi", API_PORT, database_url)
    try:
        rows = f"{Agreement.objects.count():,} agreements, {Trip.objects.count():,} trips, "
        rows += f"{Official.objects.count():,} officials"
        report = {
            "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
            "machine": machine(),
            "rows": rows,
            "seconds": args.seconds,
            "connections": args.connections,
            "queries": real_queries(API_PORT, args),
        }
    finally:
        server.terminate()
        server.wait()
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "bench-real.json").write_text(json.dumps(report, indent=2) + "\n")
    (RESULTS / "bench-real.md").write_text(real_markdown(report))
    print(real_markdown(report))


def url_lists(scale: str) -> dict[str, list[str]]:
    """The URLs each endpoint draws from: seeded, so every run and both apps get the same lists."""
    from bench import synthetic
    from events.models import Agreement, Official

    rng = random.Random(f"bench-urls-{scale}")
    heavy = synthetic.HEAVY[:10]
    agreements = []
    for _ in range(100):
        start = rng.randrange(1996, 2024)
        end = min(2025, start + rng.randrange(0, 5))
        agreements.append(
            f"/api/v1/agreements/?party={rng.choice(heavy)}&date_after={start}-01-01&date_before={end}-12-31"
        )
    travelers = list(Official.objects.filter(slug__startswith="bench-").order_by("slug").values_list("slug", flat=True))
    trips = [f"/api/v1/trips/?traveler={slug}" for slug in travelers[:100]]
    words = synthetic.FAMILY.split() + synthetic.GIVEN.split()
    officials = [f"/api/v1/officials/?q={word.lower()}" for word in words]
    pairs = zip(synthetic.GIVEN.split(), synthetic.FAMILY.split(), strict=False)
    officials += [f"/api/v1/officials/?q={given}+{family}" for given, family in pairs]
    relations = [f"/api/v1/countries/{iso3}/relations/" for iso3 in synthetic.HEAVY]
    return {
        "agreements": agreements,
        "trips": trips,
        "officials": officials,
        "relations": relations,
        "first_page": ["/api/v1/agreements/"],
        "deep_page": [f"/api/v1/agreements/?page={deep_page(Agreement.objects.count())}"],
        "not_modified": ["/api/v1/agreements/"],
    }


def deep_page(rows: int, size: int = 50) -> int:
    """Page 201 (10,000 rows in), or the last full page where there are fewer rows (scale XS)."""
    return max(1, min(201, rows // size))


def serve(app: str, port: int, database_url: str, workers: int = WORKERS, env: dict | None = None) -> subprocess.Popen:
    env = {**os.environ, **ENV, "DATABASE_URL": database_url, **(env or {})}
    command = [sys.executable, "-m", "gunicorn", app, "-w", str(workers), "-b", f"127.0.0.1:{port}", *GUNICORN]
    process = subprocess.Popen(command, cwd=ROOT, env=env)
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/countries/IRN/relations/", timeout=30)
            return process
        except OSError:
            time.sleep(0.2)
    process.terminate()
    raise SystemExit(f"{app} did not start on port {port}")


def fetch(port: int, path: str, headers: dict | None = None) -> tuple[int, dict, bytes]:
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def prime(port: int, paths: list[str], inm: str) -> None:
    """Ask every URL often enough that each worker has seen it: the API's totals (and relations) are then
    cached for this data version, in each worker (or once, with CACHE_URL set), as in a long-running service."""
    from concurrent.futures import ThreadPoolExecutor

    headers = {"If-None-Match": inm} if inm else {}
    with ThreadPoolExecutor(max_workers=WORKERS * 2) as pool:
        list(pool.map(lambda path: fetch(port, path, headers), paths * WORKERS * 2))


def wrk(port: int, paths: list[str], *, seconds: float, connections: int, inm: str = "") -> dict:
    lua = LUA % {"paths": ", ".join(json.dumps(p) for p in paths), "inm": json.dumps(inm)}
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(lua)
    threads = min(2, connections)
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--timeout", "30s"]
    done = subprocess.run([*command, "-s", script.name, f"http://127.0.0.1:{port}"], capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"wrk failed: {done.stderr}{done.stdout}")
    output = done.stdout
    os.unlink(script.name)
    line = next(line for line in output.splitlines() if line.startswith("WRK "))
    result = json.loads(line[4:])
    if result["errors"] or result["status_errors"]:
        raise SystemExit(f"wrk saw errors on port {port} ({paths[0]}...): {result}")
    result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
    if not result["requests"]:  # no request finished within the run: wrk reports no latency
        result["p50_us"] = result["p99_us"] = None
    result["bytes_per_response"] = result["bytes"] / max(1, result["requests"])
    return result


def flip(db, row, number: int) -> None:
    """Write ``number`` of a series that changes pairs' counts: agreement ``row``'s quantity one up (even numbers),
    then back down (odd ones)."""
    db.execute("UPDATE events_agreement SET quantity = quantity + %s WHERE id = %s", [-1 if number % 2 else 1, row])


class Writer:
    """A write (``UPDATE table SET updated_at = updated_at`` of one row: the row keeps its values, the table gets
    a new data version) every ``interval`` seconds on its own connection, while a run goes on. With ``flips``,
    the writes are ``flip``'s instead (and leave the quantity as it was)."""

    def __init__(self, database_url: str, table: str, interval: float, flips: bool = False):
        import threading

        self.database_url, self.table, self.interval, self.flips = database_url, table, interval, flips
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.writes = 0

    def run(self):
        import psycopg

        with psycopg.connect(self.database_url, autocommit=True) as db:
            row_sql = FLIPPED_ROW if self.flips else f"SELECT id FROM {self.table} ORDER BY id LIMIT 1"
            row = db.execute(row_sql).fetchone()[0]
            while not self.stop.wait(self.interval):
                if self.flips:
                    flip(db, row, self.writes)
                else:
                    db.execute(f"UPDATE {self.table} SET updated_at = updated_at WHERE id = %s", [row])
                self.writes += 1
            if self.flips and self.writes % 2:
                flip(db, row, 1)  # back down

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join()


# Relations asked right after a write that changes a pair (the goal is Iran's; Russia's with its predecessors,
# the Soviet Union and the Russian Empire, is shown beside it)
COLD_RELATIONS = {
    "Iran": "/api/v1/countries/IRN/relations/",
    "Iran from 2020": "/api/v1/countries/IRN/relations/?date_after=2020-01-01",
    "Iran 2005-2009": "/api/v1/countries/IRN/relations/?date_after=2005-01-01&date_before=2009-12-31",
    "Russia with predecessors": "/api/v1/countries/RUS/relations/?include_predecessors=true",
}


def relations_cold(port: int, database_url: str, labels, rounds: int = 20) -> dict:
    """Relations (``COLD_RELATIONS``), each request right after a write that changes a pair's counts (an
    agreement's quantity one up, then back down), so no cached body or tag holds: the time a user waits after
    a curator's edit."""
    import psycopg

    found = {}
    with psycopg.connect(database_url, autocommit=True) as db:
        row = db.execute(FLIPPED_ROW).fetchone()[0]
        for label in labels:
            path, times = COLD_RELATIONS[label], []
            for number in range(rounds):
                flip(db, row, number)
                started = time.perf_counter()
                status, _, _ = fetch(port, path)
                times.append((time.perf_counter() - started) * 1000)
                assert status == 200, (path, status)
            if rounds % 2:
                flip(db, row, 1)  # back down
            times.sort()
            found[label] = {
                "path": path,
                "rounds": rounds,
                "p50_ms": round(statistics.median(times), 1),
                "p90_ms": round(times[int(0.9 * (rounds - 1))], 1),
                "max_ms": round(times[-1], 1),
            }
    return found


def measure(port: int, paths: list[str], args, inm: str) -> dict:
    """Three runs with ``args.connections`` (medians) and one with a single connection."""
    runs = [wrk(port, paths, seconds=args.seconds, connections=args.connections, inm=inm) for _ in range(args.runs)]
    single = wrk(port, paths, seconds=args.seconds, connections=1, inm=inm)
    return {
        "runs": runs,
        "rps": statistics.median(r["rps"] for r in runs),
        "p50_ms": median_ms(r["p50_us"] for r in runs),
        "p99_ms": median_ms(r["p99_us"] for r in runs),
        "single_p50_ms": median_ms([single["p50_us"]]),
        "single_rps": single["rps"],
    }


def api_queries(paths: list[str], headers: dict) -> float:
    """SQL queries per request of the API, in this process, each URL asked twice (the second is counted:
    a worker's steady state, with the list's total already counted for this data version)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="127.0.0.1")
    counts = []
    for path in paths[:20]:
        first = client.get(path)
        if headers:  # a conditional GET: the tag this client is given (the host is part of the URL it names)
            headers = {"If-None-Match": first["ETag"]}
        client.get(path, headers=headers)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path, headers=headers)
        assert response.status_code in (200, 304), (path, response.status_code)
        counts.append(len(queries))
    return statistics.mean(counts)


def csv_memory(database_url: str, scale_rows: int) -> list[dict]:
    """Peak RSS of a fresh single worker before and after streaming a CSV export of 10,000 and 100,000
    agreements (a tenth and all of them where there are fewer)."""
    from django.db import connection

    results = []
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM events_agreement WHERE signed_earliest IS NOT NULL")
        dated = cursor.fetchone()[0]
    large = min(100_000, scale_rows)
    for target in (max(1, large // 10), large):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT percentile_disc(%s) WITHIN GROUP (ORDER BY signed_earliest) FROM events_agreement "
                "WHERE signed_earliest IS NOT NULL",
                [min(1.0, target / dated)],
            )
            before = cursor.fetchone()[0]
        path = f"/api/v1/agreements/?format=csv&date_before={before}"
        server = serve("diplomacy.wsgi", CSV_PORT, database_url, workers=1)
        try:
            worker = next(iter(child_pids(server.pid)))
            fetch(CSV_PORT, "/api/v1/agreements/?format=csv&page_size=1&party=IRN&date_before=1996-01-31")
            baseline = peak_rss(worker)
            started = time.monotonic()
            status, _, body = fetch(CSV_PORT, path)
            elapsed = time.monotonic() - started
            assert status == 200, status
            rows = body.count(b"\n") - 1
            results.append(
                {
                    "path": path,
                    "rows": rows,
                    "seconds": round(elapsed, 2),
                    "rows_per_second": round(rows / elapsed),
                    "peak_rss_before_mb": round(baseline / 1024, 1),
                    "peak_rss_after_mb": round(peak_rss(worker) / 1024, 1),
                }
            )
        finally:
            server.terminate()
            server.wait()
    return results


# Exports measured against COPY of the same cells: (resource path, filter), at every scale.
CSV_EXPORTS = [
    ("/api/v1/agreements/", "party=IRN&date_after=2005-01-01&date_before=2009-12-31"),
    ("/api/v1/agreements/", "date_after=2020-01-01&date_before=2020-12-31"),
    ("/api/v1/trips/", "date_after=2015-01-01&date_before=2019-12-31"),
    ("/api/v1/trips/", "origin=IRN"),
    ("/api/v1/events/", "country=IRN&date_after=2010-01-01"),
    ("/api/v1/events/", "date_after=2024-01-01"),
]


def export_cells_sql(path: str, query: str, root: str) -> tuple[str, list]:
    """The SELECT of the cells the API's export of ``path?query`` writes (apikit.sqlcsv), built by the API's own
    view and filters: what ``COPY (...) TO STDOUT WITH CSV`` is given as the limit."""
    from django.test import RequestFactory
    from django.urls import resolve

    from apikit import sqlcsv

    viewset = resolve(path).func.cls
    view = viewset(action_map={"get": "list"}, format_kwarg=None, kwargs={}, args=())
    view.request = view.initialize_request(RequestFactory().get(f"{path}?{query}", HTTP_HOST="127.0.0.1"))
    queryset = view.filter_queryset(view.get_queryset())
    return sqlcsv.cells_sql(view.get_serializer_class(), queryset, root)


def csv_against_copy(port: int, database_url: str, runs: int = 3) -> list[dict]:
    """Each export of CSV_EXPORTS through the API (HTTP, the whole body read) and ``COPY`` of its cells on the
    same filter, ``runs`` times each in alternating order (warm: a first, cold run of each is reported apart)."""
    import psycopg

    results = []
    with psycopg.connect(database_url, autocommit=True) as db:

        def copy(sql: str, params: list) -> tuple[float, int, int]:
            started, size, lines = time.monotonic(), 0, 0
            with db.cursor() as cursor, cursor.copy(f"COPY ({sql}) TO STDOUT WITH CSV", params) as stream:
                for chunk in stream:
                    size += len(chunk)
                    lines += bytes(chunk).count(b"\n")
            return time.monotonic() - started, size, lines

        def export(url: str) -> tuple[float, int, int]:
            started = time.monotonic()
            status, _, body = fetch(port, url)
            assert status == 200, (url, status)
            return time.monotonic() - started, len(body), body.count(b"\r\n") - 1

        for path, query in CSV_EXPORTS:
            url = f"{path}?{query}&format=csv"
            sql, params = export_cells_sql(path, query, f"http://127.0.0.1:{port}")
            first_api, first_copy = export(url), copy(sql, params)
            api_times, copy_times = [], []
            for run in range(runs):
                order = [("api", export), ("copy", copy)] if run % 2 == 0 else [("copy", copy), ("api", export)]
                for name, measure in order:
                    seconds = (measure(url) if name == "api" else measure(sql, params))[0]
                    (api_times if name == "api" else copy_times).append(seconds)
            api_s, copy_s = statistics.median(api_times), statistics.median(copy_times)
            rows = first_api[2]
            results.append(
                {
                    "path": f"{path}?{query}",
                    "rows": rows,
                    "api_seconds": round(api_s, 3),
                    "copy_seconds": round(copy_s, 3),
                    "api_rows_per_second": round(rows / api_s),
                    "copy_rows_per_second": round(rows / copy_s),
                    "ratio": round(copy_s / api_s, 2),  # the API's speed as a share of COPY's
                    "first_api_seconds": round(first_api[0], 3),
                    "first_copy_seconds": round(first_copy[0], 3),
                    "api_bytes": first_api[1],
                    "copy_bytes": first_copy[1],
                }
            )
            log(f"CSV {path}?{query}: {rows:,} rows, API {api_s:.2f} s, COPY {copy_s:.2f} s")
    return results


def child_pids(pid: int) -> list[int]:
    for _ in range(50):
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        if children:
            return [int(child) for child in children]
        time.sleep(0.1)
    raise SystemExit("no gunicorn worker found")


def peak_rss(pid: int) -> int:
    """VmHWM: the process's peak resident set size so far, in kB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise SystemExit("no VmHWM")


def machine() -> dict:
    import django
    import psycopg
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        server_version = cursor.fetchone()[0]
    cpuinfo = Path("/proc/cpuinfo").read_text().splitlines()
    cpu = next((line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")), "?")
    meminfo = Path("/proc/meminfo").read_text().splitlines()
    memory = next(int(line.split()[1]) for line in meminfo if line.startswith("MemTotal"))
    wrk_version = subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.splitlines()[0]
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": round(memory / 1024 / 1024, 1),
        "os": platform.platform(),
        "python": platform.python_version(),
        "django": django.get_version(),
        "psycopg": psycopg.__version__,
        "postgresql": server_version,
        "database": "DATABASE_URL" if GIVEN_DATABASE_URL else "embedded (.pgdata-bench)",
        "wrk": wrk_version,
        "gunicorn": f"{WORKERS} sync workers",
        "cache": os.environ.get("CACHE_URL") or "in-process (LocMemCache), one per worker",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="S", choices=["XS", "S", "M", "L"])
    parser.add_argument("--seconds", type=int, default=10, help="Length of each wrk run (default 10).")
    parser.add_argument("--warmup", type=int, default=3, help="Warm-up per endpoint and app (default 3 s).")
    parser.add_argument("--runs", type=int, default=3, help="Runs with 16 connections per endpoint (default 3).")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--only", nargs="*", choices=list(ENDPOINTS), help="Only these endpoints.")
    parser.add_argument("--merge", action="store_true", help="With --only: keep the other endpoints' results.")
    parser.add_argument("--csv", action="store_true", help="With --only: measure the CSV exports too.")
    parser.add_argument("--real", action="store_true", help="The real datasets' questions instead (bench-real.md).")
    parser.add_argument(
        "--connection-modes",
        action="store_true",
        help="The API with a connection per request, persistent connections and the pool (connections-<scale>.md).",
    )
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed: apt-get install wrk")
    if args.real:
        return main_real(args)
    if args.connection_modes:
        return main_connections(args)

    database_url = setup_django(args.scale)
    from bench import synthetic

    lists = url_lists(args.scale)
    apps = {"api": API_PORT, "anchor": ANCHOR_PORT}
    servers = [
        serve("diplomacy.wsgi", API_PORT, database_url),
        serve("bench.anchor:app", ANCHOR_PORT, database_url),
    ]
    report: dict = {
        "scale": args.scale,
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "settings": {
            "seconds": args.seconds,
            "runs": args.runs,
            "connections": args.connections,
            "warmup": args.warmup,
            "threads": 2,
        },
        "rows": synthetic.present(),
        "endpoints": {},
    }
    earlier = RESULTS / f"bench-{args.scale}.json"
    if args.only and args.merge and earlier.exists():  # add to (or redo part of) an earlier run's results
        previous = json.loads(earlier.read_text())
        report["endpoints"] = previous["endpoints"]
        report["csv"] = previous.get("csv", [])
    try:
        for endpoint in args.only or ENDPOINTS:
            paths = lists[endpoint]
            entry = {"description": ENDPOINTS[endpoint], "distinct_urls": len(paths), "example": paths[0]}
            for app, port in apps.items():
                inm = ""
                if endpoint == "not_modified":
                    _, headers, _ = fetch(port, paths[0])
                    inm = headers["ETag"]
                    assert fetch(port, paths[0], {"If-None-Match": inm})[0] == 304, f"{app} does not answer 304"
                prime(port, paths, inm)  # both keep totals, relations and tags per data version
                log(f"{endpoint}: {app} warm-up")
                wrk(port, paths, seconds=args.warmup, connections=args.connections, inm=inm)
                warm = measure(port, paths, args, inm)
                log(f"{endpoint}: {app} warm: {warm['rps']:.0f} req/s, 1-conn p50 {warm['single_p50_ms']} ms")
                _, _, body = fetch(port, paths[0], {"If-None-Match": inm} if inm else {})
                entry[app] = {
                    **warm,
                    "body_bytes": len(body),
                    "wire_bytes_per_response": round(statistics.mean(r["bytes_per_response"] for r in warm["runs"])),
                }
                if endpoint in COLD_TABLE:
                    flips = endpoint in COLD_FLIPS
                    with Writer(database_url, COLD_TABLE[endpoint], COLD_INTERVAL, flips) as writer:
                        cold = measure(port, paths, args, inm)
                    cold["writes"] = f"{writer.writes} to {writer.table}" + (" (quantity +1/-1)" if flips else "")
                    entry[app]["cold"] = cold
                    log(f"{endpoint}: {app} cold: {cold['rps']:.0f} req/s, 1-conn p50 {cold['single_p50_ms']} ms")
                if endpoint == "relations":
                    # the anchor knows no predecessors
                    labels = [label for label in COLD_RELATIONS if app == "api" or "predecessors" not in label]
                    entry[app]["relations_cold"] = relations_cold(port, database_url, labels)
                    log(f"relations: {app} after a write: {entry[app]['relations_cold']}")
                if endpoint in GOAL_LISTS:
                    prime(port, paths, inm)  # warm again after the cold run's writes
                    with Writer(database_url, MIXED_TABLE, 1.0) as writer:
                        mixed = wrk(port, paths, seconds=args.seconds, connections=args.connections, inm=inm)
                    entry[app]["mixed"] = {**mixed, "writes": f"{writer.writes} to {writer.table}"}
                    log(f"{endpoint}: {app} mixed: {mixed['rps']:.0f} req/s with {writer.writes} writes")
            entry["api"]["queries"] = api_queries(paths, {"If-None-Match": ""} if endpoint == "not_modified" else {})
            entry["anchor"]["queries"] = 2 if endpoint == "relations" else 1  # bench/anchor.py: by construction
            entry["ratio_rps"] = ratio(entry["api"]["rps"], entry["anchor"]["rps"])
            entry["ratio_single_p50"] = ratio(entry["api"]["single_p50_ms"], entry["anchor"]["single_p50_ms"])
            if "cold" in entry["api"]:
                api, anchor = entry["api"]["cold"], entry["anchor"]["cold"]
                entry["cold_ratio_rps"] = ratio(api["rps"], anchor["rps"])
                entry["cold_ratio_single_p50"] = ratio(api["single_p50_ms"], anchor["single_p50_ms"])
            report["endpoints"][endpoint] = entry
            write(report, args.scale)  # what is measured so far survives an interrupted run
    finally:
        for server in servers:
            server.terminate()
            server.wait()
    if not args.only or args.csv:
        log("CSV exports against COPY of the same cells")
        server = serve("diplomacy.wsgi", CSV_PORT, database_url)
        try:
            report["csv_copy"] = csv_against_copy(CSV_PORT, database_url)
        finally:
            server.terminate()
            server.wait()
        write(report, args.scale)
        log("CSV exports: peak RSS of one worker")
        report["csv"] = csv_memory(database_url, scale_rows=synthetic.Generator(args.scale).size["agreements"])
    stem = write(report, args.scale)
    print(markdown(report))
    log(f"written {stem}.json and {stem}.md")


# --connection-modes: the API under each way of holding database connections (docs/performance.md, "Connections").
CONNECTION_MODES = {
    "per-request": {"DB_CONN_MAX_AGE": "0"},
    "persistent": {"DB_CONN_MAX_AGE": "600"},
    "pool": {"DB_CONN_MAX_AGE": "0", "DB_POOL": "true"},
}
CONNECTION_ENDPOINTS = ("first_page", "agreements", "not_modified", "relations")


def main_connections(args) -> None:
    database_url = setup_django(args.scale)
    import psycopg

    lists = url_lists(args.scale)
    report: dict = {
        "scale": args.scale,
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "settings": {"seconds": args.seconds, "runs": args.runs, "connections": args.connections},
        "modes": {},
    }
    for mode, env in CONNECTION_MODES.items():
        server = serve("diplomacy.wsgi", API_PORT, database_url, env=env)
        results = report["modes"][mode] = {"env": env, "endpoints": {}}
        try:
            for endpoint in args.only or CONNECTION_ENDPOINTS:
                paths, inm = lists[endpoint], ""
                if endpoint == "not_modified":
                    inm = fetch(API_PORT, paths[0])[1]["ETag"]
                prime(API_PORT, paths, inm)
                wrk(API_PORT, paths, seconds=args.warmup, connections=args.connections, inm=inm)
                result = measure(API_PORT, paths, args, inm)
                results["endpoints"][endpoint] = result
                log(f"{mode}: {endpoint}: {result['rps']:.0f} req/s, 1-conn p50 {result['single_p50_ms']} ms")
            with psycopg.connect(database_url) as db:
                sql = (
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND pid <> pg_backend_pid()"
                )
                results["server_connections"] = db.execute(sql).fetchone()[0]
        finally:
            server.terminate()
            server.wait()
    RESULTS.mkdir(exist_ok=True)
    stem = RESULTS / f"connections-{args.scale}"
    stem.with_suffix(".json").write_text(json.dumps(report, indent=2) + "\n")
    stem.with_suffix(".md").write_text(connections_markdown(report))
    print(connections_markdown(report))
    log(f"written {stem}.json and {stem}.md")


def connections_markdown(report: dict) -> str:
    m, s = report["machine"], report["settings"]
    modes = list(report["modes"])
    lines = [
        f"# Database connections, scale {report['scale']} ({report['date']})",
        "",
        f"Machine: {m['cpu']}, {m['cores']} cores; PostgreSQL {m['postgresql']}; gunicorn {m['gunicorn']}; "
        f"API cache: {m['cache']}. req/s, p50 and p99 with {s['connections']} connections (median of {s['runs']} "
        f"runs of {s['seconds']} s), then p50 with one connection.",
        "",
        "| endpoint | " + " | ".join(modes) + " |",
        "|---|" + "---|" * len(modes),
    ]
    endpoints = report["modes"][modes[0]]["endpoints"]
    for endpoint in endpoints:
        cells = []
        for mode in modes:
            r = report["modes"][mode]["endpoints"][endpoint]
            cells.append(
                f"{r['rps']:.0f} req/s, p50 {r['p50_ms']} / p99 {r['p99_ms']} ms; 1 conn {r['single_p50_ms']} ms"
            )
        lines.append(f"| {endpoint} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "Server connections held after the runs: "
        + ", ".join(f"{mode} {report['modes'][mode]['server_connections']}" for mode in modes),
        "",
    ]
    return "\n".join(lines)


def write(report: dict, scale: str) -> Path:
    report["goals"] = goals(report)
    RESULTS.mkdir(exist_ok=True)
    stem = RESULTS / f"bench-{scale}"
    stem.with_suffix(".json").write_text(json.dumps(report, indent=2) + "\n")
    stem.with_suffix(".md").write_text(markdown(report))
    return stem


def median_ms(values) -> float | None:
    """Median of microsecond figures, in ms; None when no request finished (see wrk())."""
    known = [v for v in values if v is not None]
    return statistics.median(known) / 1000 if known else None


def ratio(a: float | None, b: float | None) -> float | None:
    """a / b; None when nothing of b finished (b is the anchor's, or page 1's), infinite when nothing of a did."""
    if not b:
        return None
    return float("inf") if a is None else a / b


def goals(report: dict) -> list[dict]:
    found = report["endpoints"]
    checks = []
    for name in GOAL_LISTS:
        if name in found:
            entry = found[name]
            checks.append(goal(f"{name}: req/s at least 50% of the anchor's (warm)", entry["ratio_rps"], ">=", 0.5))
            checks.append(goal(f"{name}: single-connection p50 at most 2x (warm)", entry["ratio_single_p50"], "<=", 2))
            if "cold_ratio_rps" in entry:
                checks.append(
                    goal(f"{name}: req/s at least 50% of the anchor's (cold)", entry["cold_ratio_rps"], ">=", 0.5)
                )
                checks.append(
                    goal(f"{name}: single-connection p50 at most 2x (cold)", entry["cold_ratio_single_p50"], "<=", 2)
                )
    for label, figures in found.get("relations", {}).get("api", {}).get("relations_cold", {}).items():
        if label.startswith("Iran"):
            checks.append(
                goal(
                    f"relations, cold ({label}): slowest of {figures['rounds']} (ms)",
                    figures["max_ms"],
                    "<=",
                    500,
                )
            )
    if "first_page" in found and "deep_page" in found:
        first, deep = found["first_page"]["api"], found["deep_page"]["api"]
        checks.append(
            goal("deep page p50 within 1.5x of page 1", ratio(deep["single_p50_ms"], first["single_p50_ms"]), "<=", 1.5)
        )
    if "first_page" in found and "not_modified" in found:
        cheaper = ratio(found["not_modified"]["api"]["rps"], found["first_page"]["api"]["rps"])
        checks.append(goal("304 at least 3x cheaper than the 200 (req/s)", cheaper, ">=", 3))
    for export in report.get("csv_copy", []):
        checks.append(goal(f"CSV {export['path']}: speed as a share of COPY's", export["ratio"], ">=", 0.5))
    if len(report.get("csv", [])) == 2:
        small, large = report["csv"]
        growth = large["peak_rss_after_mb"] - small["peak_rss_after_mb"]
        checks.append(
            goal(f"CSV peak RSS growth from {small['rows']:,} to {large['rows']:,} rows (MB)", growth, "<=", 10)
        )
    return checks


def goal(name: str, value: float | None, op: str, bound: float) -> dict:
    if value is None:  # the anchor finished no request (see ratio): the API is ahead, with no figure to compare
        return {"goal": name, "value": None, "bound": f"{op} {bound}", "met": True}
    met = value >= bound if op == ">=" else value <= bound
    return {"goal": name, "value": round(value, 2), "bound": f"{op} {bound}", "met": met}


def markdown(report: dict) -> str:
    m = report["machine"]
    s = report["settings"]
    lines = [
        f"## Scale {report['scale']} ({report['rows']['agreement']:,} synthetic agreements), {report['date']}",
        "",
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gb']} GB; {m['os']}; PostgreSQL {m['postgresql']}; "
        f"Python {m['python']}, Django {m['django']}; gunicorn {m['gunicorn']} per app; API cache: {m['cache']}; "
        f"{m['wrk']}, {s['threads']} threads, {s['connections']} connections, {s['runs']} runs of {s['seconds']} s "
        f"after a {s['warmup']} s warm-up (medians shown), then one run with 1 connection.",
        "",
        "| endpoint | API req/s | anchor req/s | API/anchor | API p50 | anchor p50 | API p99 | anchor p99 "
        "| 1-conn p50 API | 1-conn p50 anchor | ratio | bytes API | bytes anchor | queries API | queries anchor |",
        "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]

    def ms(value):
        return "none finished" if value is None else f"{value:.1f} ms"

    def num(value, digits=2):
        return "n/a" if value is None else f"{value:.{digits}f}"

    for name, e in report["endpoints"].items():
        a, r = e["api"], e["anchor"]
        lines.append(
            f"| {name} | {a['rps']:.0f} | {num(r['rps'], 1)} | {num(e['ratio_rps'])} | {ms(a['p50_ms'])} | "
            f"{ms(r['p50_ms'])} | {ms(a['p99_ms'])} | {ms(r['p99_ms'])} | {ms(a['single_p50_ms'])} | "
            f"{ms(r['single_p50_ms'])} | {num(e['ratio_single_p50'])} | {a['body_bytes']:,} | {r['body_bytes']:,} | "
            f"{a['queries']:.1f} | {r['queries']} |"
        )
    cold = {name: e for name, e in report["endpoints"].items() if "cold" in e["api"]}
    if cold:
        lines += [
            "",
            f"Cold: each request misses every cache (a write to the endpoint's table every {COLD_INTERVAL} s). "
            f"Mixed: warm, with one write per second to {MIXED_TABLE} (no list here embeds or filters on it).",
            "",
            "| endpoint | cold API req/s | cold anchor req/s | ratio | cold 1-conn p50 API | anchor | ratio "
            "| cold writes | mixed API req/s | mixed anchor req/s | warm API req/s |",
            "|---|--:|--:|--:|--:|--:|--:|---|--:|--:|--:|",
        ]
        for name, e in cold.items():
            a, r = e["api"], e["anchor"]
            mixed_api = f"{a['mixed']['rps']:.0f}" if "mixed" in a else "n/a"
            mixed_anchor = f"{r['mixed']['rps']:.1f}" if "mixed" in r else "n/a"
            lines.append(
                f"| {name} | {a['cold']['rps']:.0f} | {num(r['cold']['rps'], 1)} | {num(e['cold_ratio_rps'])} | "
                f"{ms(a['cold']['single_p50_ms'])} | {ms(r['cold']['single_p50_ms'])} | "
                f"{num(e['cold_ratio_single_p50'])} | {a['cold']['writes']} | {mixed_api} | {mixed_anchor} | "
                f"{a['rps']:.0f} |"
            )
    relations = report["endpoints"].get("relations", {})
    if "relations_cold" in relations.get("api", {}):
        lines += [
            "",
            "Relations on a cold cache: each request right after a write that changes a pair's counts "
            "(single connection; the anchor knows no predecessors):",
            "",
            "| request | rounds | API p50 | API p90 | API slowest | anchor p50 | anchor slowest |",
            "|---|--:|--:|--:|--:|--:|--:|",
        ]
        for label, a in relations["api"]["relations_cold"].items():
            r = relations["anchor"].get("relations_cold", {}).get(label, {})
            lines.append(
                f"| {label} (`{a['path']}`) | {a['rounds']} | {ms(a['p50_ms'])} | {ms(a['p90_ms'])} | "
                f"{ms(a['max_ms'])} | {ms(r.get('p50_ms'))} | {ms(r.get('max_ms'))} |"
            )
    if report.get("csv"):
        lines += ["", "CSV export, one fresh worker (peak RSS = VmHWM):", ""]
        lines += ["| rows | seconds | rows/s | peak RSS before | peak RSS after |", "|--:|--:|--:|--:|--:|"]
        for c in report["csv"]:
            lines.append(
                f"| {c['rows']:,} | {c['seconds']} | {c['rows_per_second']:,} | {c['peak_rss_before_mb']} MB "
                f"| {c['peak_rss_after_mb']} MB |"
            )
    if report.get("csv_copy"):
        lines += ["", "CSV exports against `COPY (the same cells) TO STDOUT WITH CSV` (medians of 3, alternating; "]
        lines[-1] += "first = the first run of each, apart):"
        lines += [
            "",
            "| export | rows | API s | COPY s | API rows/s | COPY rows/s | API/COPY speed | first API s "
            "| first COPY s |",
            "|---|--:|--:|--:|--:|--:|--:|--:|--:|",
        ]
        for c in report["csv_copy"]:
            lines.append(
                f"| `{c['path']}` | {c['rows']:,} | {c['api_seconds']} | {c['copy_seconds']} | "
                f"{c['api_rows_per_second']:,} | {c['copy_rows_per_second']:,} | {c['ratio']} | "
                f"{c['first_api_seconds']} | {c['first_copy_seconds']} |"
            )
    lines += ["", "| goal | measured | bound | met |", "|---|--:|--:|---|"]
    for g in report["goals"]:
        value = "anchor: none finished" if g["value"] is None else g["value"]
        lines.append(f"| {g['goal']} | {value} | {g['bound']} | {'yes' if g['met'] else '**no**'} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
