"""The seed data: loading (idempotent, atomic, clear errors) and the facts it answers."""

import datetime
import io
import json
import shutil
from pathlib import Path

import pycountry
import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Sum

from events.dates import overlaps
from events.models import Actor, Agreement, Citation, Event, Official, Position, Source, Stop, Trip
from events.seed import FIXTURE_FILES, M49_FILE, SeedError, load_seed

pytestmark = pytest.mark.django_db

TOUR = "Ebrahim Raisi's tour of Venezuela, Nicaragua and Cuba"
TABLES = [
    "events_actor",
    "events_actoridentifier",
    "events_identifierscheme",
    "events_succession",
    "events_identifier",
    "events_position_posted_to",
    "events_sector",
    "events_source",
    "events_official",
    "events_position",
    "events_trip",
    "events_trip_members",
    "events_trip_invited_by",
    "events_stop",
    "events_agreement",
    "events_agreement_sectors",
    "events_agreementparty",
    "events_partyaction",
    "events_event",
    "events_event_sectors",
    "events_eventparticipant",
    "events_citation",
]


def snapshot() -> dict[str, list]:
    """Every row of every table with its xmin: any insert, update or delete changes it."""
    with connection.cursor() as cursor:
        state = {}
        for table in TABLES:
            cursor.execute(f"SELECT xmin::text, * FROM {table} ORDER BY 2")
            state[table] = cursor.fetchall()
        return state


# -- loading ------------------------------------------------------------------------------------


def test_second_load_changes_no_row():
    before = snapshot()
    report = load_seed()
    assert snapshot() == before
    assert not report.created and not report.updated
    assert report.unchanged["actors"] == Actor.objects.count()


def test_load_seed_command_reports_what_it_did():
    out = io.StringIO()
    call_command("load_seed", stdout=out)
    assert "created: none" in out.getvalue()
    assert "updated: none" in out.getvalue()
    assert "Seed data loaded." in out.getvalue()


@pytest.fixture
def broken_fixtures(tmp_path) -> Path:
    """A copy of fixtures/ to break; a new source is added first so a failure mid-load has written rows."""
    folder = tmp_path / "fixtures"
    shutil.copytree(settings.FIXTURES_DIR, folder)
    return folder


def edit(folder: Path, name: str, change) -> None:
    path = folder / name
    records = json.loads(path.read_text(encoding="utf-8"))
    change(records)
    path.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")


def add_new_source(records):
    records.insert(0, {"id": "00000000-0000-4000-8000-000000000001", "title": "A report that will be rolled back"})


def assert_load_fails_and_changes_nothing(folder: Path, *expected: str) -> None:
    before = snapshot()
    with pytest.raises(CommandError) as error:
        call_command("load_seed", fixtures_dir=folder)
    message = str(error.value)
    assert "the database is unchanged" in message
    for text in expected:
        assert text in message
    assert snapshot() == before
    assert not Source.objects.filter(title="A report that will be rolled back").exists()


def test_bad_json_aborts_naming_the_file(broken_fixtures):
    edit(broken_fixtures, "sources.json", add_new_source)
    (broken_fixtures / "events.json").write_text('[{"id": ', encoding="utf-8")
    assert_load_fails_and_changes_nothing(broken_fixtures, "events.json", "not valid JSON")


def test_unknown_country_code_aborts_naming_the_file_and_record(broken_fixtures):
    edit(broken_fixtures, "sources.json", add_new_source)

    def bad_country(trips):
        trips[0]["stops"][1]["country"] = "XNI"

    edit(broken_fixtures, "trips.json", bad_country)
    trip_id = json.loads((broken_fixtures / "trips.json").read_text())[0]["id"]
    assert_load_fails_and_changes_nothing(
        broken_fixtures, "trips.json", f"record {trip_id}", 'No actor with code "XNI"'
    )


def test_excerpt_not_in_its_source_aborts_naming_the_file_and_record(broken_fixtures):
    edit(broken_fixtures, "sources.json", add_new_source)

    def misquote(agreements):
        agreements[0]["citations"][0]["excerpt"] = "Tehran signed 36 cooperation agreements"

    edit(broken_fixtures, "agreements.json", misquote)
    record = json.loads((broken_fixtures / "agreements.json").read_text())[0]["id"]
    assert_load_fails_and_changes_nothing(
        broken_fixtures, "agreements.json", f"record {record}", "does not occur verbatim", "Tehran signed 36"
    )


def test_broken_rule_aborts(broken_fixtures):
    def one_party(agreements):
        partnership = next(a for a in agreements if a["kind"] == "partnership")
        partnership["parties"] = partnership["parties"][:1]
        partnership["parties"][0]["id"] = "00000000-0000-4000-8000-000000000002"  # a new party row, then the rule

    edit(broken_fixtures, "agreements.json", one_party)
    Agreement.objects.filter(kind="partnership").get().parties.all().delete()  # start from a fresh agreement
    before_parties = Agreement.objects.get(kind="partnership").parties.count()
    with pytest.raises(SeedError, match="at least two parties"):
        load_seed(broken_fixtures)
    assert Agreement.objects.get(kind="partnership").parties.count() == before_parties


def test_bad_field_value_is_reported_on_its_field(broken_fixtures):
    def bad_date(trips):
        trips[0]["stops"][0]["arrival"] = "June 12th"

    edit(broken_fixtures, "trips.json", bad_date)
    assert_load_fails_and_changes_nothing(broken_fixtures, "trips.json", "arrival:", "is not an EDTF level 1 date")


def test_missing_file_is_named(broken_fixtures):
    (broken_fixtures / "officials.json").unlink()
    assert_load_fails_and_changes_nothing(broken_fixtures, "officials.json", "file not found")


# -- provenance ---------------------------------------------------------------------------------


def fixture_citations():
    """Every citation written in the fixture files, with the file it is in."""

    def walk(node, name):
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "citations":
                    for citation in value:
                        yield name, citation
                else:
                    yield from walk(value, name)
        elif isinstance(node, list):
            for item in node:
                yield from walk(item, name)

    for name in FIXTURE_FILES:
        yield from walk(json.loads((settings.FIXTURES_DIR / name).read_text(encoding="utf-8")), name)


def test_every_fixture_excerpt_is_verbatim_in_its_stored_source():
    sources = json.loads((settings.FIXTURES_DIR / "sources.json").read_text(encoding="utf-8"))
    texts = {
        s["id"]: (settings.BASE_DIR / s["text_path"]).read_bytes().decode("utf-8") for s in sources if s["text_path"]
    }
    checked = 0
    for name, citation in fixture_citations():
        if citation["source"] in texts:
            assert citation["excerpt"], f"{name}: citation {citation['id']} of a stored source quotes nothing"
            assert citation["excerpt"] in texts[citation["source"]], f"{name}: citation {citation['id']}"
            checked += 1
        else:
            assert citation.get("note"), f"{name}: citation {citation['id']} of a source known by reference has no note"
    assert checked > 40


def test_stored_citations_point_at_their_excerpt():
    quoted = Citation.objects.exclude(excerpt="").select_related("source")
    assert quoted.count() > 40
    for citation in quoted:
        assert citation.source.text[citation.start : citation.end] == citation.excerpt


def test_seed_article_is_kept_byte_for_byte():
    article = Source.objects.get(publisher="Al Mayadeen English")
    stored = (settings.BASE_DIR / article.text_path).read_bytes()
    assert article.text.encode("utf-8") == stored
    assert not stored.endswith(b"\n")
    assert "Tehran\u2019s ties" in article.text  # the curly apostrophe is kept


def test_every_record_has_a_citation():
    for model in (Official, Position, Trip, Stop, Agreement, Event):
        uncited = [str(r) for r in model.objects.prefetch_related("citations") if not r.citations.all()]
        assert not uncited, f"{model.__name__} without a citation: {uncited}"


# -- countries ----------------------------------------------------------------------------------


def test_every_iso_country_is_loaded_with_its_m49_regions():
    assert Actor.objects.filter(kind="country").count() == len(pycountry.countries)
    venezuela = Actor.objects.get(iso3="VEN")
    assert (venezuela.iso2, venezuela.numeric, venezuela.name) == ("VE", "862", "Venezuela")
    assert (venezuela.region, venezuela.region_code) == ("Americas", "019")
    assert (venezuela.subregion, venezuela.subregion_code) == ("Latin America and the Caribbean", "419")
    assert (venezuela.intermediate_region, venezuela.intermediate_region_code) == ("South America", "005")
    iran = Actor.objects.get(iso3="IRN")
    assert (iran.region, iran.subregion, iran.subregion_code, iran.intermediate_region) == (
        "Asia",
        "Southern Asia",
        "034",
        "",
    )
    assert iran.official_name == "Islamic Republic of Iran"


def test_m49_file_covers_every_pycountry_country():
    codes = {line.split(",")[0] for line in M49_FILE.read_text(encoding="utf-8").splitlines()[1:]}
    assert codes == {c.alpha_3 for c in pycountry.countries}


# -- the seed's facts, asked as a user would --------------------------------------------------


def test_raisi_tour_stops_in_order():
    tour = Trip.objects.get(title=TOUR)
    stops = [(s.country.iso3, s.city, s.arrival, s.departure) for s in tour.stops.select_related("country")]
    assert stops == [
        ("VEN", "Caracas", "2023-06-12", "2023-06-13"),
        ("NIC", "Managua", "2023-06-13", "2023-06-14"),
        ("CUB", "Havana", "2023-06-14", "2023-06-15"),
    ]
    assert tour.lead.slug == "ebrahim-raisi"
    assert tour.origin.iso3 == "IRN"
    assert sorted(tour.invited_by.values_list("iso3", flat=True)) == ["CUB", "NIC", "VEN"]
    assert tour.end == "2023-06-16" and tour.end_basis == "inferred"


def test_trips_visiting_several_countries():
    both = Trip.objects.visiting("NIC", "VEN").values_list("lead__slug", flat=True)
    assert sorted(both) == ["ebrahim-raisi", "hossein-amir-abdollahian"]
    assert list(Trip.objects.visiting("IRN").values_list("lead__slug", flat=True)) == ["nicolas-maduro"]


def test_partnership_parties_and_month_precision():
    iran, venezuela = (Actor.objects.get(iso3=code).pk for code in ("IRN", "VEN"))
    partnership = Agreement.objects.between(iran, venezuela).get(term_years=20)
    assert sorted(partnership.parties.values_list("country__code", flat=True)) == ["IRN", "VEN"]
    assert (partnership.signed, partnership.signed_precision) == ("2022-06", "month")
    assert (partnership.signed_earliest, partnership.signed_latest) == (
        datetime.date(2022, 6, 1),
        datetime.date(2022, 6, 30),
    )
    assert partnership.signed_at.city == "Tehran"
    assert partnership.signed_at.trip.lead.slug == "nicolas-maduro"
    assert set(partnership.parties.values_list("actions__action", "actions__date")) == {("signed", "2022-06")}


def test_thirty_five_accords_are_one_record_with_breakdowns():
    total = Agreement.objects.get(quantity=35)
    assert Agreement.objects.filter(title=total.title).count() == 1
    assert sorted(total.sectors.values_list("slug", flat=True)) == ["mining", "nuclear-energy"]
    assert sorted(total.parties.values_list("country__code", flat=True)) == ["CUB", "IRN", "NIC", "VEN"]
    breakdowns = {b.signed_at.country.iso3: b.quantity for b in total.breakdowns.select_related("signed_at__country")}
    assert breakdowns == {"VEN": 19, "NIC": 3, "CUB": 6}
    assert total.signed_precision == "interval"


def test_totals_do_not_count_a_record_and_its_breakdowns_both():
    iran = Agreement.objects.between(Actor.objects.get(iso3="IRN").pk)
    assert iran.filter(parent__isnull=True).aggregate(n=Sum("quantity"))["n"] == 35 + 5 + 1
    assert iran.aggregate(n=Sum("quantity"))["n"] > 41  # what naive summing would say


def test_conflicting_counts_are_kept_side_by_side():
    caracas = Agreement.objects.get(signed_at__city="Caracas")
    assert caracas.disputed_fields() == ["quantity"]
    stated = {(c.source.publisher, c.stated_value) for c in caracas.citations.filter(field="quantity", source__url="")}
    assert ("Orinoco Tribune", 25) in stated
    assert caracas.citations.get(source__publisher="IFP News").stated_value == 19
    assert caracas.quantity == 19  # the curator's preferred value
    managua = Agreement.objects.get(signed_at__city="Managua")
    assert managua.disputed_fields() == ["quantity"]
    assert Agreement.objects.get(signed_at__city="Havana").disputed_fields() == []


def test_contracts_without_named_counterparty_are_marked_incomplete():
    contracts = Agreement.objects.get(kind="contract")
    assert (contracts.quantity, contracts.value_amount, contracts.value_currency) == (5, 5_000_000_000, "USD")
    assert list(contracts.parties.values_list("country__code", flat=True)) == ["IRN"]
    assert contracts.parties_complete is False
    assert contracts.parent is None
    assert contracts.signed == ""


def test_foreign_minister_on_a_day_is_one_query(django_assert_num_queries):
    with django_assert_num_queries(1):
        holders = list(
            Position.objects.held_on(datetime.date(2023, 2, 1))
            .filter(country__code="IRN", title="Minister of Foreign Affairs")
            .values_list("official__name", flat=True)
        )
    assert holders == ["Hossein Amir-Abdollahian"]
    assert not Position.objects.held_on(datetime.date(2024, 6, 1)).filter(country__code="IRN").exists()
    venezuela = Position.objects.held_on(datetime.date(2022, 6, 15)).filter(country__code="VEN")
    assert list(venezuela.values_list("official__slug", flat=True)) == ["nicolas-maduro"]


def test_date_range_queries_match_overlapping_bounds_and_never_null():
    # A month-precision date matches a range that starts inside it.
    june_2022 = Agreement.objects.filter(overlaps("signed", start=datetime.date(2022, 6, 15)))
    assert june_2022.filter(term_years=20).exists()
    assert not Agreement.objects.filter(overlaps("signed", end=datetime.date(2022, 5, 31))).exists()
    # The undated contracts match no date query, however wide.
    wide = Agreement.objects.filter(overlaps("signed", datetime.date(1900, 1, 1), datetime.date(2100, 1, 1)))
    assert not wide.filter(kind="contract").exists()


def test_statements_keep_quotes_and_their_own_sectors():
    areas = Event.objects.get(title="Raisi names Iran's areas of cooperation with Latin America")
    assert sorted(areas.sectors.values_list("slug", flat=True)) == [
        "economy-and-trade",
        "energy",
        "health",
        "politics",
        "science-and-technology",
        "technical-and-engineering-services",
    ]
    assert areas.participants.get().official.slug == "ebrahim-raisi"
    article = Source.objects.get(publisher="Al Mayadeen English").text
    for event in Event.objects.exclude(quote=""):
        assert event.quote in article
    working_group = Event.objects.get(kind="announcement")
    assert working_group.date == "2023-06-16" and working_group.date_basis == "inferred"


def test_only_officials_the_sources_name():
    assert sorted(Official.objects.values_list("slug", flat=True)) == [
        "ebrahim-raisi",
        "hossein-amir-abdollahian",
        "nicolas-maduro",
    ]
    maduro = Official.objects.get(slug="nicolas-maduro")
    assert maduro.alternative_names == ["Nicolas Maduro"]
    assert maduro.citations.filter(field="alternative_names").exists()


def test_unknown_field_aborts_naming_the_file_and_record(broken_fixtures):
    def typo(trips):
        trips[0]["colour"] = "blue"

    edit(broken_fixtures, "trips.json", typo)
    trip_id = json.loads((broken_fixtures / "trips.json").read_text())[0]["id"]
    assert_load_fails_and_changes_nothing(broken_fixtures, "trips.json", f"record {trip_id}", "colour")
