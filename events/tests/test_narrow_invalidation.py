"""A list's cached total and ETag follow only the tables they depend on (apikit.viewsets.list_tables,
apikit.etags.cached_count): an event's edit keeps the agreements' ETags and totals, an official's or a source's
(embedded as signatory and citation) changes them. The tables each list declares its filters read are
checked against the SQL of every filter, so the declaration cannot fall behind the filters."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIRequestFactory

from events.api.urls import router
from events.models import Agreement, Event, Official, Source, Trip
from events.tests import factories as f
from events.versions import data_versions

pytestmark = pytest.mark.django_db
V1 = "/api/v1"


def samples() -> dict[str, str]:
    """A value for every filter parameter of every list (a new parameter without one fails the test below)."""
    official = Official.objects.filter(positions__isnull=False).first()
    return {
        "active_on": "2023-06-12",
        "changed_since": "1",
        "country": "IRN",
        "dataset": "travels",
        "date_after": "2023-01-01",
        "date_before": "2023-12-31",
        "existed_in": "1990",
        "identifier": "travels:2325",
        "include_predecessors": "true",
        "max_value": "100",
        "min_value": "1",
        "origin": "IRN",
        "participant": official.slug,
        "party": "IRN",
        "position": "president",
        "posted_to": "VEN",
        "q": "iran",
        "since": "2023-01-01T00:00:00Z",
        "sector": "energy",
        "signatory": official.slug,
        "source": str(Source.objects.first().pk),
        "traveler": official.slug,
        "trip": str(Trip.objects.first().pk),
        "updated_since": "2023-01-01T00:00:00Z",
        "visited": "VEN",
    }


def test_every_filter_reads_only_tables_its_list_declares():
    values = samples()
    checked = 0
    for prefix, viewset, _ in router.registry:
        filterset_class = getattr(viewset, "filterset_class", None)
        if filterset_class is None:
            continue
        view = viewset(action_map={"get": "list"}, format_kwarg=None, kwargs={}, args=())
        declared = view.etag_tables() if hasattr(view, "etag_tables") else None
        for name in filterset_class.base_filters:
            if name == "ordering":
                continue
            choices = filterset_class.base_filters[name].extra.get("choices")
            value = next(iter(choices))[0] if choices and name != "dataset" else values[name]
            request = view.initialize_request(APIRequestFactory().get(f"{V1}/{prefix}/", {name: value}))
            view.request = request
            with CaptureQueriesContext(connection) as validation:
                queryset = view.filter_queryset(view.get_queryset())
                sql, _ = queryset.query.sql_with_params()
            read = data_versions.tables_in(sql)
            read |= {t for query in validation.captured_queries for t in data_versions.tables_in(query["sql"])}
            read -= {data_versions.table}
            assert read <= declared, f"{prefix}?{name}={value} reads {sorted(read - declared)}, not declared"
            checked += 1
    assert checked > 60


def etag(api, path: str) -> str:
    response = api.get(path)
    assert response.status_code == 200, response.content
    return response["ETag"]


def test_an_events_edit_keeps_agreements_etags_and_totals_and_an_officials_edit_changes_them(api):
    path = f"{V1}/agreements/?party=IRN"
    before = etag(api, path)
    event = Event.objects.first()
    event.title += " (edited)"
    event.save()
    assert etag(api, path) == before, "an event is not part of any agreement"
    with CaptureQueriesContext(connection) as queries:
        api.get(path)
    assert not [q for q in queries.captured_queries if "__count" in q["sql"]], "the total stayed cached"
    assert etag(api, f"{V1}/events/") != etag(api, f"{V1}/events/?page_size=49")  # different URLs differ

    signatory = Official.objects.filter(signatures__isnull=False).first() or f.OfficialFactory()
    signatory.name += " (edited)"
    signatory.save()
    after_official = etag(api, path)
    assert after_official != before, "agreements show their signatories"
    source = Source.objects.first()
    source.title += " (edited)"
    source.save()
    assert etag(api, path) != after_official, "agreements show their sources"


def test_a_write_to_a_table_a_filter_reads_recounts_the_total(api):
    path = f"{V1}/agreements/?party=VEN&date_after=2023-01-01"
    first = api.get(path).json()["count"]
    agreement = f.AgreementFactory(signed="2023-06-13")
    f.PartyFactory(agreement=agreement, country=f.country("VEN"))
    assert api.get(path).json()["count"] == first + 1
    Agreement.objects.filter(pk=agreement.pk).delete()
    assert api.get(path).json()["count"] == first
