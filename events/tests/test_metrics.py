"""Prometheus metrics (apikit/metrics.py): not public; requests counted and timed per route; every query counted,
the API's prepared statements included; cache hits and misses; under gunicorn, one scrape adds up the workers."""

import threading
import time

import psycopg
import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from events.tests.servers import Gunicorn, app_environment, migrated_server

TOKEN = "a-metrics-token-for-the-tests"


def sample(name: str, **labels) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_metrics_are_not_public(client, settings, db):
    settings.METRICS_TOKEN = TOKEN
    anonymous = client.get("/metrics")
    assert anonymous.status_code == 401
    assert anonymous["WWW-Authenticate"].startswith("Bearer")
    assert anonymous.json()["errors"][0]["code"] == "permission_denied"
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 403
    client.force_login(User.objects.create_user("reader", password="x-reader-pw"))
    assert client.get("/metrics").status_code == 403  # an account is not enough
    client.force_login(User.objects.create_user("staff", password="x-staff-pw", is_staff=True))
    assert client.get("/metrics").status_code == 200


def test_metrics_without_a_token_set_answer_no_bearer(client, settings, db):
    settings.METRICS_TOKEN = ""
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer anything").status_code == 403


def test_requests_per_route_and_every_query_counted(client, settings, db):
    settings.METRICS_TOKEN = TOKEN
    route = {"view": "source-list", "method": "GET"}
    requests_before = sample("django_http_requests_latency_seconds_by_view_method_count", **route)
    queries_before = sample("django_db_execute_total", alias="default", vendor="postgresql")
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/api/v1/sources/")
    assert response.status_code == 200 and response.json()["results"]
    assert sample("django_http_requests_latency_seconds_by_view_method_count", **route) == requests_before + 1
    assert sample("django_http_responses_total_by_status_view_method_total", status="200", **route) >= 1
    # the page's rows come from a prepared statement on psycopg's own cursor (apikit.db): counted like the others
    counted = sample("django_db_execute_total", alias="default", vendor="postgresql") - queries_before
    assert counted == len(queries.captured_queries)

    page = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert page.status_code == 200
    assert page["Content-Type"].startswith("text/plain")
    names = {family.name for family in text_string_to_metric_families(page.content.decode())}
    assert {"django_http_requests_latency_seconds_by_view_method", "django_db_execute", "django_cache_get"} <= names


def test_cache_hits_and_misses_counted_even_for_a_cached_zero(client, db):
    hits = sample("django_cache_get_hits_total", backend="locmem")
    misses = sample("django_cache_get_misses_total", backend="locmem")
    # a filter that matches nothing: the total (0) is cached by the first request and found by the second
    url = "/api/v1/agreements/?date_before=1000-01-01"
    assert client.get(url).json()["count"] == 0
    after_first = sample("django_cache_get_misses_total", backend="locmem")
    assert after_first > misses
    hits_after_first = sample("django_cache_get_hits_total", backend="locmem")
    assert client.get(url).json()["count"] == 0
    assert sample("django_cache_get_hits_total", backend="locmem") > hits_after_first >= hits
    assert sample("django_cache_get_misses_total", backend="locmem") == after_first


@pytest.fixture(scope="module")
def server():
    with migrated_server() as server:
        yield server


def scrape(app) -> dict:
    status, _, body = app.request("GET", "/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert status == 200, body
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(body.decode())
        for s in family.samples
    }


def test_one_scrape_adds_up_every_gunicorn_worker(server):
    app = Gunicorn(app_environment(DATABASE_URL=server.url("diplomacy"), METRICS_TOKEN=TOKEN), workers=2)
    answers = []
    try:
        with psycopg.connect(server.url("diplomacy")) as locker:
            # both requests wait on this lock at once, so each holds one of the two (sync) workers
            locker.execute("LOCK TABLE events_source IN ACCESS EXCLUSIVE MODE")
            threads = [
                threading.Thread(target=lambda: answers.append(app.request("GET", "/api/v1/sources/")[0]))
                for _ in range(2)
            ]
            for thread in threads:
                thread.start()
            waiting = "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = 'diplomacy'"
            deadline = time.monotonic() + 30
            while server.execute(waiting)[0][0] < 2:
                assert time.monotonic() < deadline, "the requests never reached the database"
                time.sleep(0.1)
        for thread in threads:
            thread.join(30)
        assert answers == [200, 200]
        metrics = scrape(app)
    finally:
        app.stop()
    route = (("method", "GET"), ("view", "source-list"))
    # one worker alone has served one of them: the page counts both
    assert metrics[("django_http_requests_latency_seconds_by_view_method_count", route)] == 2
    route = (("method", "GET"), ("transport", "http"), ("view", "source-list"))
    assert metrics[("django_http_requests_total_by_view_transport_method_total", route)] == 2


def test_metrics_can_be_turned_off(server):
    app = Gunicorn(app_environment(DATABASE_URL=server.url("diplomacy"), METRICS_ENABLED="false"), workers=1)
    try:
        assert app.request("GET", "/metrics")[0] == 404
        assert app.request("GET", "/api/v1/sources/")[0] == 200
    finally:
        app.stop()
