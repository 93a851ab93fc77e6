"""`make backup` and `make restore FILE=...` on the suite's own server (PostgreSQL 18 embedded, or the machine's
15): a database restored into a fresh one serves the same lists, with the same list and record ETags.

The databases are real and committed (not the test transaction): the seed is loaded into a new database on the
same server, backed up, restored into another, and both are served by gunicorn and compared through HTTP.
"""

import json
import os
import subprocess
import uuid
from urllib.parse import urlsplit

import psycopg
import pytest
from django.conf import settings

from events.tests.servers import Gunicorn, app_environment, manage

PATHS = [
    "/api/v1/agreements/",
    "/api/v1/agreements/?format=csv",
    "/api/v1/trips/",
    "/api/v1/events/",
    "/api/v1/officials/",
    "/api/v1/sources/",
    "/api/v1/countries/?page_size=300",
    "/api/v1/countries/IRN/relations/",
]


def url(database: str) -> str:
    return urlsplit(settings.DATABASE_URL)._replace(path=f"/{database}").geturl()


def make(target: str, database: str, file) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["make", "-s", target, f"FILE={file}"],
        cwd=settings.BASE_DIR,
        env=app_environment(DATABASE_URL=url(database), MAKEFLAGS=""),
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture
def databases():
    names = [f"dipl_backup_{uuid.uuid4().hex[:8]}_{role}" for role in ("live", "restored")]
    with psycopg.connect(url("postgres"), autocommit=True) as connection:
        for name in names:
            connection.execute(f"CREATE DATABASE {name}")
    yield names
    with psycopg.connect(url("postgres"), autocommit=True) as connection:
        for name in names:
            connection.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def served(database: str) -> dict:
    """Status, ETag and body of every path, and the ETag of every record on the lists' first pages."""
    app = Gunicorn(app_environment(DATABASE_URL=url(database)), workers=1)
    seen = {}
    try:
        for path in PATHS:
            status, headers, body = app.request("GET", path, headers={"Host": "localhost"})
            seen[path] = (status, headers["ETag"], body)
            if path.endswith("/") and "results" in (page := json.loads(body)):
                for record in page["results"]:
                    if record.get("url"):
                        record_path = urlsplit(record["url"]).path
                        status, headers, _ = app.request("GET", record_path, headers={"Host": "localhost"})
                        seen[record_path] = (status, headers["ETag"])
    finally:
        app.stop()
    return seen


def test_restore_serves_the_same_lists_and_etags(databases, tmp_path):
    live, restored = databases
    env = app_environment(DATABASE_URL=url(live))
    manage(env, "migrate", "--noinput", "-v0")
    manage(env, "load_seed", "-v0")
    archive = tmp_path / "live.dump"

    result = make("backup", live, archive)
    assert result.returncode == 0, result.stderr
    assert archive.stat().st_size > 0
    assert not list(tmp_path.glob("*.partial"))

    result = make("restore", restored, archive)
    assert result.returncode == 0, result.stderr

    before, after = served(live), served(restored)
    assert set(before) == set(after)
    assert len(before) > len(PATHS) + 10  # records of several lists were compared
    for path in before:
        assert before[path][0] == 200, path
        assert after[path] == before[path], path

    # a second restore into the now full database is refused and changes nothing
    result = make("restore", restored, archive)
    assert result.returncode != 0
    assert "is not empty" in result.stderr
    assert served(restored) == after


def test_a_broken_archive_restores_nothing(databases, tmp_path):
    live, restored = databases
    env = app_environment(DATABASE_URL=url(live))
    manage(env, "migrate", "--noinput", "-v0")
    archive = tmp_path / "live.dump"
    assert make("backup", live, archive).returncode == 0
    broken = tmp_path / "broken.dump"
    broken.write_bytes(archive.read_bytes()[: os.path.getsize(archive) * 2 // 3])

    result = make("restore", restored, broken)
    assert result.returncode != 0
    assert "pg_restore failed" in result.stderr
    with psycopg.connect(url(restored)) as connection:
        tables = connection.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").fetchone()[0]
    assert tables == 0
