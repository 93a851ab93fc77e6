"""Statements run as prepared statements, through psycopg's own cursor, on the database that serves the
request's reads (apikit.replicas)."""

import time

import psycopg

from apikit.metrics import count_query
from apikit.replicas import read_connection


def prepared(sql: str, params: list) -> tuple:
    """The first row of ``sql``, run as a prepared statement (once per connection) through psycopg's own
    cursor: PostgreSQL takes longer to plan the page-building statements than to run them (3-6 ms against
    5-10 ms for 50 rows). Django's cursors bind parameters on the client, so nothing of theirs is ever
    prepared. Logged and counted (Prometheus) like Django's own queries, so query counts stay true. psycopg's
    errors become Django's (a lost server is an OperationalError, answered 503), and Django learns of them,
    so it drops a broken connection at the end of the request."""
    connection = read_connection()
    connection.ensure_connection()
    started = time.monotonic()
    with connection.wrap_database_errors, psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(sql, params, prepare=True)
        row = cursor.fetchone()
    _record(connection, sql, started)
    return row


def streamed(sql: str, params: list, size: int = 2000):
    """The first column of every row of ``sql``, joined by ``size`` rows: PostgreSQL sends the rows in chunks as
    it makes them (no server-side cursor, nothing held in memory but a chunk), and a generator closed early
    cancels the statement. Logged and counted like Django's queries. The database is chosen now, while the request is
    being answered: the server reads the stream after the middleware has returned."""
    return _stream(read_connection(), sql, params, size)


def _stream(connection, sql: str, params: list, size: int):
    connection.ensure_connection()
    started = time.monotonic()
    with connection.wrap_database_errors, psycopg.Cursor(connection.connection) as cursor:
        chunk = []
        for (value,) in cursor.stream(sql, params, size=size):
            chunk.append(value)
            if len(chunk) == size:
                yield "".join(chunk)
                chunk = []
        if chunk:
            yield "".join(chunk)
    _record(connection, sql, started)


def _record(connection, sql: str, started: float) -> None:
    """Count the statement (Prometheus) and log it where Django logs its queries."""
    count_query(connection, started)
    if connection.queries_logged:
        connection.queries_log.append({"sql": sql, "time": f"{time.monotonic() - started:.3f}"})
