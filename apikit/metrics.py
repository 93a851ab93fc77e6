"""Prometheus metrics (django-prometheus): requests and latencies per route, database queries, cache hits.

django-prometheus counts the requests (its two middlewares, labelled by the route's view name) and every query
run through Django's cursors (its database backend). Two things it does not see are counted here with its own
metrics, so dashboards built for it read them the same way:

- the API's prepared and streamed statements (apikit.db), which run on psycopg's own cursor: ``count_query``;
- cache reads. Its Redis backend needs django-redis, and its cache backends take a cached 0 or empty value
  for a miss; ``RedisCache`` and ``LocMemCache`` here count Django's own backends, hits and misses by a
  sentinel.

Under gunicorn the workers write their metrics to PROMETHEUS_MULTIPROC_DIR (gunicorn.conf.py sets it up) and
one scrape adds up every worker's. The page is not public: ``metrics`` answers a staff user's session or the
bearer token METRICS_TOKEN, nobody else."""

import hmac
import time

from django.conf import settings
from django.core.cache.backends import locmem, redis
from django.http import JsonResponse
from django_prometheus.cache.metrics import (
    django_cache_get_total,
    django_cache_hits_total,
    django_cache_misses_total,
)
from django_prometheus.db import execute_total, query_duration_seconds
from django_prometheus.exports import ExportToDjangoView

_MISSING = object()


class CountedGets:
    """Counts every ``get`` (and so every ``get_or_set``) as a hit or a miss, labelled with ``metrics_backend``."""

    metrics_backend = ""

    def get(self, key, default=None, version=None):
        django_cache_get_total.labels(backend=self.metrics_backend).inc()
        value = super().get(key, _MISSING, version=version)
        if value is _MISSING:
            django_cache_misses_total.labels(backend=self.metrics_backend).inc()
            return default
        django_cache_hits_total.labels(backend=self.metrics_backend).inc()
        return value


class RedisCache(CountedGets, redis.RedisCache):
    metrics_backend = "redis"


class LocMemCache(CountedGets, locmem.LocMemCache):
    metrics_backend = "locmem"


def count_query(connection, started: float) -> None:
    """Count a statement run outside Django's cursors, as django-prometheus counts the others."""
    labels = {"alias": connection.alias, "vendor": connection.vendor}
    execute_total.labels(**labels).inc()
    query_duration_seconds.labels(**labels).observe(time.monotonic() - started)


def metrics(request):
    """The Prometheus page, for a staff user's session or ``Authorization: Bearer <METRICS_TOKEN>``."""
    token = settings.METRICS_TOKEN
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if token and scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode()):
        return ExportToDjangoView(request)
    if request.user.is_authenticated and request.user.is_staff:
        return ExportToDjangoView(request)
    detail = "Metrics need a staff user's session or the bearer token set in METRICS_TOKEN."
    body = {"type": "client_error", "errors": [{"code": "permission_denied", "detail": detail, "attr": None}]}
    response = JsonResponse(body, status=403 if given or request.user.is_authenticated else 401)
    if response.status_code == 401:
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
    return response
