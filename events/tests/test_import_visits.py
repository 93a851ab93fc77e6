"""The visits importer (foreign leaders' visits to the United States) on the real, vendored archive."""

import datetime

import pytest

from events.importers.base import Summary, Writer, archive_for
from events.importers.visits import VISITS, VisitsImporter, description_dates, name_key, parse_visitor
from events.models import Citation, Identifier, Official, Source, Trip
from events.seed import DATA, read_csv
from events.tests.api import results

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def archive():
    return archive_for(VISITS)


def run(archive) -> Summary:
    summary = Summary()
    VisitsImporter(archive, summary, Writer(summary)).run()
    return summary


def trip_of(visit: str) -> Trip:
    return Trip.objects.get(pk=Identifier.objects.get(scheme="visits", value=visit).object_id)


@pytest.mark.parametrize(
    ("visitor", "people"),
    [
        ("Premier and Prince Sihanouk", [(["Premier", "Prince"], "Sihanouk")]),
        ("Premier & Prince Sihanouk", [(["Premier", "Prince"], "Sihanouk")]),
        (
            "President Andrzej Duda and Prime Minister Donald Tusk",
            [(["President"], "Andrzej Duda"), (["Prime Minister"], "Donald Tusk")],
        ),
        ("King Abdullah and Crown Prince Hussein", [(["King"], "Abdullah"), (["Crown Prince"], "Hussein")]),
        ("Prime Minster Mackenzie King", [(["Prime Minister"], "Mackenzie King")]),
        ("Prime MinisterHaidar al- Abadi", [(["Prime Minister"], "Haidar al- Abadi")]),
        ("Prime Minister-Prince Norodom Kantol", [(["Prime Minister", "Prince"], "Norodom Kantol")]),
        ("President- elect Ernesto Zedillo Ponce de Leon", [(["President-elect"], "Ernesto Zedillo Ponce de Leon")]),
        ("Valdas Adamkus", [([], "Valdas Adamkus")]),
        ("Regent Prince Abdul Ilah", [(["Regent", "Prince"], "Abdul Ilah")]),
    ],
)
def test_visitor_strings_name_people_with_their_titles(visitor, people):
    assert parse_visitor(visitor) == people


def test_dates_a_description_states():
    # Visit 2138 (King Kalakaua): the record says 1874-12-12..12-23; the description another span.
    stated = description_dates(
        "In U.S. November 29, 1874–February 2, 1875. Stops included New York City",
        datetime.date(1874, 12, 12),
        datetime.date(1874, 12, 23),
    )
    assert {k: d for k, (d, _) in stated.items()} == {
        "start": datetime.date(1874, 11, 29),
        "end": datetime.date(1875, 2, 2),
    }
    # Visit 2374: "Departed U.S. August 2", the year the record's (1958).
    stated = description_dates(
        "Official visit. Afterwards visited Hershey. Departed U.S. August 2.",
        datetime.date(1958, 7, 23),
        datetime.date(1958, 7, 26),
    )
    assert {k: d for k, (d, _) in stated.items()} == {"end": datetime.date(1958, 8, 2)}
    # A meeting inside the visit states no other start or end.
    assert description_dates("Met with President Reagan December 1.", datetime.date(1981, 11, 29), None) == {}


def test_visits_become_trips_to_the_united_states(archive, api):
    summary = run(archive)
    assert "3264 visits by" in summary.text()
    assert summary.counts["trips"]["created"] == 3264
    # Two leaders on one visit (3246): two travellers, the first leads.
    duda = trip_of("3246")
    assert (duda.lead.name, [m.name for m in duda.members.all()]) == ("Andrzej Duda", ["Donald Tusk"])
    assert (duda.origin.code, [(s.country.code, s.arrival, s.departure) for s in duda.stops.all()]) == (
        "POL",
        [("USA", "2024-03-12", "2024-03-12")],
    )
    # "Premier and Prince Sihanouk" (2376) is one person with both titles.
    sihanouk = trip_of("2376")
    assert (sihanouk.lead.name, sihanouk.members.count()) == ("Sihanouk", 0)
    assert {"Premier", "Prince"} <= set(sihanouk.lead.positions.values_list("title", flat=True))
    # One person for three spellings, each kept.
    netanyahu = Official.objects.get(slug="benjamin-netanyahu")
    assert sorted(netanyahu.alternative_names) == ["Benyamin Netanyahu", "Binyamin Netanyahu"]
    assert netanyahu.trips_led.count() == 29
    # A name that stands for two people: King Hussein, and Crown Prince Hussein in 2023.
    assert trip_of("3150").members.get().pk != trip_of("2381").lead.pk
    # The origin is the actor of the time; the label is kept where it differs.
    gorbachev = trip_of("671")
    assert gorbachev.origin.code == "SUN"
    assert gorbachev.citations.get(field="origin").stated_value == "U.S.S.R."
    # A typo'd country id (3099, "somoa") is corrected by a cited, curated row, its raw label kept.
    samoa = trip_of("3099")
    assert samoa.origin.code == "WSM"
    assert samoa.citations.get(field="origin").stated_value == "Somoa"
    # Dates the description states that differ from the record's: both kept, the field disputed.
    kalakaua = results(api.get("/api/v1/trips/", {"dataset": "visits", "q": "Kalakaua"}))
    assert [t["title"] for t in kalakaua] == [
        "King Kalakaua of Hawaii: visit to the United States (1874-12)",
        "King Kalakaua of Hawaii: visit to the United States (1881-09)",
    ]
    detail = api.get(f"/api/v1/trips/{kalakaua[0]['id']}/").json()
    assert (detail["start"], detail["end"]) == ("1874-12-12", "1874-12-23")
    assert set(detail["disputed_fields"]) >= {"start", "end"}
    stated = {c.stated_value for c in trip_of("2138").citations.filter(field="start")}
    assert stated == {"1874-12-12", "1874-11-29"}


def test_citations_quote_the_stored_file_and_a_second_run_writes_nothing(archive):
    run(archive)
    sources = {s.pk: s for s in Source.objects.filter(title__startswith="HistoryAtState/visits")}
    for source in sources.values():
        assert source.text.encode() == archive.files[source.title.partition(": ")[2]]
    imported = Citation.objects.filter(source__in=sources).values_list("source", "start", "end", "excerpt")
    assert len(imported) > 3264 * 3
    for source, start, end, excerpt in imported:
        assert sources[source].text[start:end] == excerpt
    assert run(archive).changed == 0


def test_curated_tables_name_only_what_the_data_has(archive):
    """Every spelling and homonym row names a visitor the archive has (no dead rows), in its country."""
    text = " ".join(archive.text(p) for p in archive.under("data/", ".xml"))
    for row in read_csv(DATA / "visitor-aliases.csv") + read_csv(DATA / "visitor-homonyms.csv"):
        name = row.get("spelling") or row["name"]
        assert name in text, name
        assert f'id="{row["country"]}"' in text
        assert name_key(name)
