"""Reads from a real hot standby, with read-your-writes (apikit/replicas.py), proven through HTTP.

A primary and a standby made by pg_basebackup run on loopback; the app runs under gunicorn with both. With
replay paused on the standby, the writer reads its write back at once while another user, served by the
standby, does not see it until replay resumes: the test fails if every read went to the primary, and if the
writer's reads went to the standby. Not Django's test database: the servers are real and outside any test
transaction.
"""

import json
import shutil
import time

import pytest

from events.tests.servers import Gunicorn, Server, app_environment, manage, redis_url, workspace

PASSWORD = "a-long-test-password-1"


@pytest.fixture(scope="module")
def cluster():
    folder = workspace()
    primary = standby = app = None
    try:
        primary = Server(folder / "primary")
        primary.start()
        primary.execute("CREATE DATABASE diplomacy")
        env = app_environment(DATABASE_URL=primary.url("diplomacy"))
        manage(env, "migrate", "--noinput", "-v0")
        for username, role in (("writer", "curator"), ("reader", "viewer")):
            manage(
                {**env, "PASSWORD": PASSWORD}, "create_account", username, "--role", role, "--password-env", "PASSWORD"
            )
        standby = Server(folder / "standby", primary=primary)
        standby.start()
        cache = redis_url()
        app = Gunicorn(
            {
                **env,
                "DATABASE_REPLICA_URLS": standby.url("diplomacy"),
                "DATABASE_SERVED_BY_HEADER": "true",
                "DATABASE_REPLICA_RETRY": "1",
                # a cache shared by the workers when Redis answers; else one worker, its own cache
                **({"CACHE_URL": cache} if cache else {}),
            },
            workers=2 if cache else 1,
        )
        if cache:
            import redis

            redis.Redis.from_url(cache).flushdb()
        yield primary, standby, app
    finally:
        if app:
            app.stop()
        for server in (standby, primary):
            if server:
                server.stop("immediate")
        shutil.rmtree(folder, ignore_errors=True)


def token(app, username):
    body = json.dumps({"username": username, "password": PASSWORD}).encode()
    status, _, content = app.request("POST", "/api/v1/auth/token/", body=body)
    assert status == 200, content
    return json.loads(content)["token"]


def get(app, path, user_token=None):
    status, headers, content = app.request("GET", path, token=user_token)
    return status, headers["X-Served-By"], content


def wait_for(condition, seconds=30):
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)


def replayed_everything(primary, standby) -> bool:
    (position,) = primary.execute("SELECT pg_current_wal_insert_lsn()::text")[0]
    return standby.execute(f"SELECT pg_last_wal_replay_lsn() >= '{position}'::pg_lsn")[0][0]


def test_writer_reads_its_write_others_read_the_standby(cluster):
    primary, standby, app = cluster
    writer, reader = token(app, "writer"), token(app, "reader")

    # nobody has written: the standby serves every read
    for user_token in (None, reader, writer):
        status, served_by, _ = get(app, "/api/v1/sources/", user_token)
        assert (status, served_by) == (200, "replica1")

    standby.execute("SELECT pg_wal_replay_pause()")
    try:
        body = json.dumps({"title": "Written while the standby waits"}).encode()
        status, headers, content = app.request("POST", "/api/v1/sources/", token=writer, body=body)
        assert status == 201, content
        assert headers["X-Served-By"] == "primary"
        path = f"/api/v1/sources/{json.loads(content)['id']}/"

        # the writer reads it back at once, from the primary, in every worker (several reads)
        for _ in range(4):
            status, served_by, content = get(app, path, writer)
            assert (status, served_by) == (200, "primary"), content
            status, served_by, content = get(app, "/api/v1/sources/", writer)
            assert served_by == "primary"
            assert json.loads(content)["count"] == 1

        # another user and an anonymous client are served by the standby, which has not replayed it yet
        for user_token in (reader, None):
            status, served_by, _ = get(app, path, user_token)
            assert (status, served_by) == (404, "replica1")
            status, served_by, content = get(app, "/api/v1/sources/", user_token)
            assert (status, served_by, json.loads(content)["count"]) == (200, "replica1", 0)
    finally:
        standby.execute("SELECT pg_wal_replay_resume()")

    wait_for(lambda: replayed_everything(primary, standby))
    status, served_by, _ = get(app, path, reader)
    assert (status, served_by) == (200, "replica1")
    # the standby has replayed the write: the writer is back on it
    status, served_by, _ = get(app, path, writer)
    assert (status, served_by) == (200, "replica1")


def test_standby_stopped_reads_still_answer(cluster):
    _, standby, app = cluster
    reader = token(app, "reader")
    standby.stop("immediate")
    try:
        for user_token in (None, reader, None, reader):
            for path in ("/api/v1/sources/", "/api/v1/countries/", "/api/v1/agreements/?format=csv"):
                status, served_by, content = get(app, path, user_token)
                assert (status, served_by) == (200, "primary"), content
    finally:
        standby.start()
    wait_for(lambda: get(app, "/api/v1/sources/", reader)[1] == "replica1")


def test_a_standby_too_far_behind_is_skipped(cluster):
    primary, standby, _ = cluster
    env = app_environment(
        DATABASE_URL=primary.url("diplomacy"),
        DATABASE_REPLICA_URLS=standby.url("diplomacy"),
        DATABASE_SERVED_BY_HEADER="true",
        DATABASE_REPLICA_MAX_LAG="1",
    )
    app = Gunicorn(env, workers=1)
    try:
        reader, writer = token(app, "reader"), token(app, "writer")
        wait_for(lambda: replayed_everything(primary, standby))
        assert get(app, "/api/v1/countries/", reader)[:2] == (200, "replica1")
        standby.execute("SELECT pg_wal_replay_pause()")
        try:
            body = json.dumps({"title": "Written while the standby falls behind"}).encode()
            status, _, content = app.request("POST", "/api/v1/sources/", token=writer, body=body)
            assert status == 201, content
            path = f"/api/v1/sources/{json.loads(content)['id']}/"
            # the standby has received the write but not replayed it, for longer than the lag allowed
            behind = (
                "SELECT pg_last_wal_receive_lsn() > pg_last_wal_replay_lsn() "
                "AND now() - pg_last_xact_replay_timestamp() > interval '1.5 seconds'"
            )
            wait_for(lambda: standby.execute(behind)[0][0])
            # the reader wrote nothing, yet its reads go to the primary, which has the record
            status, served_by, content = get(app, path, reader)
            assert (status, served_by) == (200, "primary"), content
        finally:
            standby.execute("SELECT pg_wal_replay_resume()")
        wait_for(lambda: replayed_everything(primary, standby))
        wait_for(lambda: get(app, "/api/v1/countries/", reader)[1] == "replica1")
    finally:
        app.stop()
