"""The API's prepared statements (apikit.db) survive from one request to the next with persistent connections
and with the pool (DB_POOL), as the server's own statement log shows: requests execute the statement by name on
server processes that earlier requests used, where it was prepared once. Persistent connections keep one
process per worker; the pool hands out any of its few connections. With a connection per request each request
has a new process, which prepares it again (the check tells the cases apart)."""

import re

import pytest

from events.tests.servers import Gunicorn, app_environment, migrated_server

REQUESTS = 8
# the data version, read by a prepared statement at the start of every API request
VERSION_READ = re.compile(r"^(\d+) LOG:  execute (\S+): SELECT coalesce\(json_object_agg\(name, version\)", re.M)


@pytest.fixture(scope="module")
def server():
    with migrated_server() as server:
        server.execute("ALTER SYSTEM SET log_statement = 'all'")
        server.execute("ALTER SYSTEM SET log_line_prefix = '%p '")
        server.execute("SELECT pg_reload_conf()")
        yield server


@pytest.mark.parametrize(
    ("connections", "most_processes"),
    [({"DB_CONN_MAX_AGE": "60"}, 1), ({"DB_POOL": "true", "DB_POOL_MAX_SIZE": "3"}, 3), ({}, REQUESTS)],
    ids=["persistent-connections", "pool", "connection-per-request"],
)
def test_prepared_statements_survive_between_requests(server, connections, most_processes):
    logged = len(VERSION_READ.findall(server.log()))
    app = Gunicorn(app_environment(DATABASE_URL=server.url("diplomacy"), **connections), workers=1)
    try:
        for _ in range(REQUESTS):
            assert app.request("GET", "/api/v1/sources/")[0] == 200
    finally:
        app.stop()
    executions = VERSION_READ.findall(server.log())[logged:]
    assert len(executions) == REQUESTS
    names = {name for _, name in executions}
    assert "<unnamed>" not in names  # a named (prepared) statement
    processes = {pid for pid, _ in executions}
    if most_processes < REQUESTS:  # reused: the statement prepared on each at most once
        assert len(processes) <= most_processes, executions
    else:
        assert len(processes) == REQUESTS, executions
