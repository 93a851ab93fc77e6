"""The pocom importer (chiefs of mission) on the real, vendored archive."""

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
    found = results(api.get("/api/v1/officials/", {"posted_to": "FRA", "active_on": "1950-01-01"}))
    assert [o["slug"] for o in found] == ["bruce-david-kirkpatrick-este"]
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
