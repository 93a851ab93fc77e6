"""The travels importer on the real, vendored archive (datasets/historyatstate-travels.tar.xz)."""

import pytest

from events.importers.base import Summary, Writer, archive_for
from events.importers.travels import POCOM, TRAVELS, TravelsImporter
from events.models import Citation, Identifier, Official, Stop, Trip
from events.tests.api import results

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def archives():
    return archive_for(TRAVELS), archive_for(POCOM)


def run(archives) -> Summary:
    summary = Summary()
    TravelsImporter(*archives, summary, Writer(summary)).run()
    return summary


def stop_of(record: str) -> Stop:
    return Stop.objects.get(pk=Identifier.objects.get(scheme="travels", value=record).object_id)


def itinerary(trip: Trip) -> list[tuple[str, str, str, str]]:
    return [(s.country.code, s.city, s.arrival, s.departure) for s in trip.stops.order_by("order")]


def test_journeys_stops_people_and_places(archives, api):
    summary = run(archives)
    assert "4271 stop records form 1463 journeys" in summary.text()
    # Biden's June 2021 journey, ids 4113-4115: one trip, stops in order; Blinken went with him.
    biden = stop_of("4113").trip
    assert itinerary(biden) == [
        ("GBR", "London, Cornwall", "2021-06-09", "2021-06-13"),
        ("BEL", "Brussels", "2021-06-13", "2021-06-15"),
        ("CHE", "Geneva", "2021-06-15", "2021-06-16"),
    ]
    assert (biden.lead.slug, [m.slug for m in biden.members.all()]) == ("biden-joseph-r", ["blinken-antony-j"])
    # Blinken's own records of that journey share only Brussels (4023: same country and start as Biden's):
    # he is a member of Biden's trip for it, and his own trip keeps the rest (4008 London, 4009 Geneva).
    own = stop_of("4008").trip
    assert (own.lead.slug, [(code, arrival) for code, _, arrival, _ in itinerary(own)]) == (
        "blinken-antony-j",
        [("GBR", "2021-06-10"), ("CHE", "2021-06-16")],
    )
    shared = Identifier.objects.get(scheme="travels", value="4023")
    assert (shared.content_type.model, shared.object_id) == ("trip", biden.pk)
    # Bush, May 1989 (ids 2325-2329): the Holy See audience stays inside the Rome stay.
    bush = stop_of("2325").trip
    assert [(code, arrival) for code, _, arrival, _ in itinerary(bush)] == [
        ("ITA", "1989-05-26"),
        ("VAT", "1989-05-27"),
        ("BEL", "1989-05-28"),
        ("DEU", "1989-05-30"),
        ("GBR", "1989-05-31"),
    ]
    # Kissinger's "U.S.S.R." of 1974 is the Soviet Union; the label stays as the cited stated value.
    moscow = stop_of("1021")
    assert moscow.country.code == "SUN"
    stated = moscow.citations.get(field="country")
    assert stated.stated_value == "U.S.S.R." and "<id>1021</id>" in stated.excerpt
    # Baker's "U.S.S.R." of 1992 (ids 459, 467, 469) is Russia.
    assert {stop_of(i).country.code for i in ("459", "467", "469")} == {"RUS"}
    # Exact duplicates (Biden, ids 4118 and 4119, Glasgow) are one stop with both ids.
    assert stop_of("4118") == stop_of("4119")
    # People: a president with his terms, a secretary named from pocom with the Secretary of State position.
    kissinger = Official.objects.get(slug="kissinger-henry-a")
    assert kissinger.name == "Henry A. Kissinger"
    assert [(p.title, p.start, p.end) for p in kissinger.positions.all()] == [
        ("Secretary of State", "1973-09-22", "1977-01-20")
    ]
    assert api.get("/api/v1/trips/", {"identifier": "travels:4114"}).json()["results"][0]["id"] == str(biden.pk)
    assert str(biden.pk) in {
        t["id"]
        for t in results(
            api.get(
                "/api/v1/trips/",
                {"dataset": "travels", "page_size": 500, "date_after": "2021-06-01", "date_before": "2021-06-30"},
            )
        )
    }
    assert not results(api.get("/api/v1/trips/", {"dataset": "manytreaties"}))
    assert "kissinger-henry-a" in {
        o["slug"] for o in results(api.get("/api/v1/officials/", {"dataset": "pocom", "q": "kissinger"}))
    }
    found = results(api.get("/api/v1/trips/", {"visited": "SUN", "traveler": "kissinger-henry-a"}))
    assert str(moscow.trip_id) in {t["id"] for t in found}
    # Remarks that name a meeting become meetings on the stop's dates (Geneva, 4115); the summit sentence,
    # which names no "met with", does not.
    geneva = stop_of("4115")
    (meeting,) = geneva.events.all()
    assert (meeting.kind, meeting.date, meeting.date_basis, meeting.cameo_code) == (
        "meeting",
        "2021-06-15/2021-06-16",
        "inferred",
        "040",
    )
    assert meeting.description == "Met with President Guy Parmelin and Foreign Minister Ignazio Cassis."
    assert [(p.official.slug, p.role) for p in meeting.participants.all()] == [("biden-joseph-r", "visitor")]
    listed = results(api.get("/api/v1/events/", {"dataset": "travels", "q": "Parmelin"}))
    assert [e["id"] for e in listed] == [str(meeting.pk)]


def test_every_citation_quotes_its_stored_file_verbatim(archives):
    run(archives)
    imported = Citation.objects.filter(source__kind="dataset").select_related("source")
    assert imported.count() > 8000
    for citation in imported:
        assert citation.source.text[citation.start : citation.end] == citation.excerpt
        assert (
            citation.source.text.encode()
            == archives[0 if "travels" in citation.source.title else 1].files[citation.source.title.partition(": ")[2]]
        )


def test_a_second_run_writes_nothing_and_a_changed_record_changes_only_its_rows(archives):
    run(archives)
    assert run(archives).changed == 0
    travels, _ = archives
    path = "president-travels/biden-joseph-r.xml"
    original = travels.files[path]
    try:
        travels.files[path] = original.replace(b"<locale>Brussels</locale>", b"<locale>Brussels, Mons</locale>", 1)
        summary = run(archives)
    finally:
        travels.files[path] = original
    assert summary.counts["stops"]["updated"] == 1
    assert stop_of("4114").city == "Brussels, Mons"
    assert summary.counts["trips"]["updated"] == 0 and summary.counts["sources"]["updated"] == 1
    history = stop_of("4114").history.order_by("-history_date").first()
    assert history.history_type == "~"
