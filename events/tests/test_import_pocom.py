"""The pocom importer (chiefs of mission) on the real, vendored archive."""

import datetime

import pytest

from events.importers.base import Summary, Writer, archive_for
from events.importers.pocom import PocomImporter
from events.importers.travels import POCOM
from events.models import Identifier, Position
from events.tests.api import results

pytestmark = pytest.mark.django_db


def position(chief: str) -> list[Position]:
    ids = Identifier.objects.filter(scheme="pocom", value=chief).values("object_id")
    return list(Position.objects.filter(pk__in=ids).order_by("start_earliest"))


def test_chiefs_of_mission_posted_to_the_actor_of_the_time(api):
    summary = Summary()
    PocomImporter(archive_for(POCOM), summary, Writer(summary)).run()
    # missions-countries/france.xml, fr-1949-bruc-01: credentials 1949-05-17, "Left post on" 1952-03-10.
    (bruce,) = position("fr-1949-bruc-01")
    assert (bruce.official.slug, bruce.title, bruce.country.code) == (
        "bruce-david-kirkpatrick-este",
        "Ambassador Extraordinary and Plenipotentiary",
        "USA",
    )
    assert ([a.code for a in bruce.posted_to.all()], bruce.start, bruce.end, bruce.end_cause) == (
        ["FRA"],
        "1949-05-17",
        "1952-03-10",
        "term_ended",
    )
    assert bruce.appointed == "1949-05-09"  # kept apart from the start (credentials)
    assert (bruce.official.birth_date, bruce.official.death_date) == ("1898", "1977")
    found = results(api.get("/api/v1/officials/", {"posted_to": "FRA", "active_on": "1950-01-01"}))
    assert [o["slug"] for o in found] == ["bruce-david-kirkpatrick-este"]
    detail = api.get("/api/v1/officials/bruce-david-kirkpatrick-este/").json()
    assert (detail["birth_date"], detail["death_date"]) == ("1898", "1977")
    france = [p for p in detail["positions"] if [a["code"] for a in p["posted_to"]] == ["FRA"]]
    assert [(p["appointed"], p["start"], p["served"]) for p in france] == [("1949-05-09", "1949-05-17", True)]
    # el-salvador.xml, other-nominees: John Slidell, appointed 1853-03-29, never served: kept, never active.
    (slidell,) = position("sv-1853-slid-01")
    assert (slidell.served, slidell.appointed, slidell.start, [a.code for a in slidell.posted_to.all()]) == (
        False,
        "1853-03-29",
        "",
        ["SLV"],
    )
    assert not Position.objects.held_on(datetime.date(1853, 6, 1)).filter(pk=slidell.pk).exists()
    posted = results(api.get("/api/v1/officials/", {"posted_to": "SLV", "active_on": "1853-06-01"}))
    assert "slidell-john" not in [o["slug"] for o in posted]
    # positions-principals/administrator-aid.xml: a principal officer at home (no posting).
    (hamilton,) = position("aid-1961-hami")
    assert (hamilton.title, hamilton.country.code, hamilton.start, hamilton.end, hamilton.posted_to.count()) == (
        "Administrator of the Agency for International Development",
        "USA",
        "1961-09-30",
        "1962-12-07",
        0,
    )
    # positions-principals/second-assistant-secretary.xml ends before it starts: both dates unknown, both cited.
    (reversed_dates,) = Position.objects.filter(citations__stated_value="1886-07-22").distinct()
    assert (reversed_dates.start, reversed_dates.end) == ("", "")
    assert {c.stated_value for c in reversed_dates.citations.filter(field__in=["start", "end"])} == {
        "1886-07-27",
        "1886-07-22",
    }
    # argentina.xml, ar-1823-rodn-01: "Died at post on" 1824-06-10.
    (rodney,) = position("ar-1823-rodn-01")
    assert (rodney.end, rodney.end_cause) == ("1824-06-10", "died_in_office")
    # china.xml, cn-1843-cush-01: credentials "About" 1844-06-12: an approximate date.
    (cushing,) = position("cn-1843-cush-01")
    assert (cushing.start, cushing.start_qualifier) == ("1844-06-12~", "approximate")
    # missions-orgs/representative-to-un.xml, un-1945-stet: posted to the United Nations.
    (stettinius,) = position("un-1945-stet")
    assert [a.code for a in stettinius.posted_to.all()] == ["UN"]
    # turkey.xml lists tr-2014-bass-01 twice: two positions, each with the id, told apart by the note.
    twice = position("tr-2014-bass-01")
    assert len(twice) == 2
    notes = {i.note for p in twice for i in p.identifiers.all()}
    assert len(notes) == 2 and all(n.startswith("missions-countries/turkey.xml, chief ") for n in notes)
    # Every citation quotes its stored file verbatim.
    for citation in bruce.citations.all():
        assert citation.source.text[citation.start : citation.end] == citation.excerpt
    # A second run writes nothing.
    again = Summary()
    PocomImporter(archive_for(POCOM), again, Writer(again)).run()
    assert again.changed == 0
