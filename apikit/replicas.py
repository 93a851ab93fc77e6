"""Reads from streaming replicas, with read-your-writes for the user who wrote.

The rule (docs/operations.md):

* A request reads from a replica only when it is a read (GET, HEAD, OPTIONS) under one of
  ``DATABASE_REPLICA_PATHS`` and its models belong to one of ``DATABASE_REPLICA_APPS``. Writes, the admin,
  accounts, tokens and sessions, management commands and everything inside a transaction use the primary.
* One database serves all of a request's reads, chosen at its first read, so the data, its version, its
  ETag and its cached totals all come from one state of the data.
* After an authenticated user's write request, the primary's WAL insert position is kept in the shared cache
  under that user (``DATABASE_READ_YOUR_WRITES_SECONDS``). That user's reads go to a replica only when it has
  replayed the WAL up to that position, else to the primary: a writer never reads older data than its write,
  whichever worker or app server answers. Anonymous clients cannot write; they get any replica within the lag.
* A replica that cannot be reached, is not in recovery (promoted), or lags more than
  ``DATABASE_REPLICA_MAX_LAG`` seconds is skipped (an unreachable one for ``DATABASE_REPLICA_RETRY`` seconds);
  with none left, the primary serves. The client sees no error.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import random
import time
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections

logger = logging.getLogger(__name__)

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

# What a replica says about itself: in recovery, how far it has replayed, and its lag in seconds (0 when it
# has replayed all it received: an idle primary sends nothing, which is not lag).
STATUS_SQL = """
SELECT pg_is_in_recovery(),
       pg_wal_lsn_diff(pg_last_wal_replay_lsn(), '0/0')::bigint,
       CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
            ELSE coalesce(extract(epoch FROM now() - pg_last_xact_replay_timestamp()), 0) END
"""
# The primary's WAL insert position: past the end of every transaction committed before it is read.
PRIMARY_POSITION_SQL = "SELECT pg_wal_lsn_diff(pg_current_wal_insert_lsn(), '0/0')::bigint"

_down_until: dict[str, float] = {}  # replicas found unreachable, per process
_request: contextvars.ContextVar[RequestRouting | None] = contextvars.ContextVar("replica_routing", default=None)


def replica_aliases() -> list[str]:
    return list(getattr(settings, "DATABASE_REPLICAS", []))


def served_by_name(alias: str) -> str:
    return "primary" if alias == DEFAULT_DB_ALIAS else alias


def writes_key(user_id) -> str:
    return f"replicas:written:{user_id}"


@dataclass
class RequestRouting:
    request: object
    alias: str | None = None
    candidates: list[str] = field(default_factory=list)

    def read_alias(self) -> str:
        if self.alias is None:
            self.alias = self.choose()
        return self.alias

    def choose(self) -> str:
        if not self.candidates:
            return DEFAULT_DB_ALIAS
        user = getattr(self.request, "user", None)
        written = None
        if user is not None and user.is_authenticated:
            written = cache.get(writes_key(user.pk))
        candidates = self.candidates[:]
        random.shuffle(candidates)
        for alias in candidates:
            if usable(alias, written):
                return alias
        return DEFAULT_DB_ALIAS


def status(alias: str) -> dict | None:
    """What replica ``alias`` says about itself, or None when it cannot be reached (then it is skipped for
    DATABASE_REPLICA_RETRY seconds)."""
    connection = connections[alias]
    try:
        with connection.cursor() as cursor:
            cursor.execute(STATUS_SQL)
            in_recovery, replayed, lag = cursor.fetchone()
    except DatabaseError as error:
        logger.warning("replica %s skipped: %s", alias, (str(error).strip().splitlines() or [repr(error)])[0])
        _down_until[alias] = time.monotonic() + settings.DATABASE_REPLICA_RETRY
        with contextlib.suppress(DatabaseError):
            connection.close()
        return None
    return {"in_recovery": in_recovery, "replayed": replayed, "lag_seconds": float(lag or 0)}


def usable(alias: str, written: int | None) -> bool:
    """Whether ``alias`` may serve a read that must see the primary's WAL up to ``written`` (None: any)."""
    if _down_until.get(alias, 0) > time.monotonic():
        return False
    state = status(alias)
    if state is None or not state["in_recovery"] or state["lag_seconds"] > settings.DATABASE_REPLICA_MAX_LAG:
        return False
    return written is None or (state["replayed"] is not None and state["replayed"] >= written)


def read_alias() -> str:
    """The database that serves reads here: the request's replica, or the primary (outside a request, inside
    a transaction, or when no replica may serve)."""
    routing = _request.get()
    if routing is None or connections[DEFAULT_DB_ALIAS].in_atomic_block:
        return DEFAULT_DB_ALIAS
    return routing.read_alias()


def read_connection():
    """The connection for raw SQL that reads data (prepared statements, CSV streams, version reads)."""
    return connections[read_alias()]


class ReplicaRouter:
    """Reads of the apps in DATABASE_REPLICA_APPS follow the request's read database; all else, the primary."""

    def db_for_read(self, model, **hints):
        if model._meta.app_label in settings.DATABASE_REPLICA_APPS:
            return read_alias()
        return DEFAULT_DB_ALIAS

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        return True  # every database holds the same data

    def allow_migrate(self, db, app_label, **hints):
        return db == DEFAULT_DB_ALIAS


class ReplicaMiddleware:
    """Marks a request that may read from a replica, keeps a writer's position, and names the database that
    served the request in a header when DATABASE_SERVED_BY_HEADER is on."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        candidates = []
        if request.method in SAFE_METHODS and request.path.startswith(tuple(settings.DATABASE_REPLICA_PATHS)):
            candidates = replica_aliases()
        routing = RequestRouting(request, candidates=candidates)
        token = _request.set(routing)
        try:
            response = self.get_response(request)
        finally:
            _request.reset(token)
        if request.method not in SAFE_METHODS and replica_aliases():
            remember_write(request)
        if settings.DATABASE_SERVED_BY_HEADER:
            response["X-Served-By"] = served_by_name(routing.alias or DEFAULT_DB_ALIAS)
        return response


def remember_write(request) -> None:
    """After an authenticated user's write: the primary's WAL position, which that user's reads must see."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return
    try:
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute(PRIMARY_POSITION_SQL)
            (position,) = cursor.fetchone()
    except DatabaseError:
        return  # the primary is gone: the write failed with it, and the error was answered already
    key = writes_key(user.pk)
    known = cache.get(key)
    cache.set(key, max(position, known or 0), settings.DATABASE_READ_YOUR_WRITES_SECONDS)
