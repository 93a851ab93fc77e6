"""The manytreaties importer and the import command, on the real, vendored archive."""

import io

import pytest
from django.core.management import call_command

from events.importers import travels
from events.importers.base import Summary, Writer, archive_for
from events.importers.manytreaties import MANYTREATIES, ManytreatiesImporter
from events.models import Agreement, DatasetImport, Identifier
from events.tests.api import results

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def archive():
    return archive_for(MANYTREATIES)


def agreements(treaty: str) -> list[Agreement]:
    ids = Identifier.objects.filter(scheme="manytreaties", value=treaty).values("object_id")
    return list(Agreement.objects.filter(pk__in=ids).order_by("title"))


def test_agreements_parties_dates_and_repeated_ids(archive, api):
    summary = Summary()
    ManytreatiesImporter(archive, summary, Writer(summary)).run()
    assert "agreements made from party rows (treatyID without an agreement row): 339 noted" in summary.text()
    # A repeated treatyID (DNK-EUE_1967N, rows 880 and 881): two agreements, each with its parties.
    herring, tuna = agreements("DNK-EUE_1967N")
    assert "Herring" in herring.title and "Tuna" in tuna.title
    for agreement in (herring, tuna):
        parties = {p.country.code: p for p in agreement.parties.all()}
        assert set(parties) == {"DNK", "EC"}  # EUE in 1967: the European Community
        assert [(a.action, a.date) for a in parties["DNK"].actions.all()] == [
            ("signed", "1967-06-30"),
            ("ended", "1970-07-01"),
        ]
    # The USSR, coded RUS: the Soviet Union at the signature.
    (environment,) = [a for a in agreements("RUS-USA_1972A")]
    # RUS-USA_1972A has no party rows: an agreement without parties, its parties marked incomplete.
    assert environment.parties_complete is False
    soviet = Agreement.objects.filter(parties__country__code="SUN").count()
    assert soviet > 0 and not Agreement.objects.filter(parties__country__code="RUS", signed_latest__lt="1991-12-26")
    # An uncertain date kept: FRA-GBR_1802A's entry into force "1802-04-18?" (agreements table) and per party.
    (peace,) = agreements("FRA-GBR_1802A")
    assert {p.country.code for p in peace.parties.all()} == {"FRA", "GBR"}
    # A malformed date loads as unknown, its raw text cited (MOZ-SWZ_2002A's End, "2010-XX-XX-").
    (incomati,) = agreements("MOZ-SWZ_2002A")
    assert incomati.citations.get(field="end").stated_value == "2010-XX-XX-"
    # A multilateral treaty's parties, with their own dates, through the API.
    found = results(api.get("/api/v1/agreements/", {"identifier": "manytreaties:TR06RB_1961A"}))
    (columbia,) = found
    assert {p["country"]["code"] for p in columbia["parties"]} == {"CAN", "USA"}
    assert {a["date"] for p in columbia["parties"] for a in p["actions"]} >= {"1961-01-17", "1964-01-16"}
    # Iran and the Soviet Union (IRN-RUS_1927A, coded RUS): found for Russia only with its predecessors.
    (persia,) = agreements("IRN-RUS_1927A")
    assert {p.country.code for p in persia.parties.all()} == {"IRN", "SUN"}
    plain = {a["id"] for a in results(api.get("/api/v1/agreements/", {"party": ["IRN", "RUS"], "page_size": 500}))}
    wide = results(
        api.get("/api/v1/agreements/", {"party": ["IRN", "RUS"], "include_predecessors": "true", "page_size": 500})
    )
    assert str(persia.pk) not in plain and str(persia.pk) in {a["id"] for a in wide}
    # Entry into force, end, ambit and sectors (CAN-IND_1956A, "Nuclear Energy"), through the API.
    (reactor,) = [a for a in agreements("CAN-IND_1956A") if "Atomic Reactor" in a.title]
    detail = api.get(f"/api/v1/agreements/{reactor.pk}/").json()
    assert (detail["signed"], detail["entry_into_force"], detail["end"], detail["ambit"]) == (
        "1956-04-28",
        "1956-04-28",
        "1976-05-18",
        "bilateral",
    )
    assert [s["slug"] for s in detail["sectors"]] == ["nuclear-energy"]
    # An id "X:Y" links the amendment to the agreement it amends (CHE-FRA_1891P:CHE-FRA_1880A).
    (additional,) = agreements("CHE-FRA_1891P:CHE-FRA_1880A")
    (fishing,) = agreements("CHE-FRA_1880A")
    assert additional.amends == fishing
    assert [a["id"] for a in api.get(f"/api/v1/agreements/{fishing.pk}/").json()["amendments"]] == [str(additional.pk)]
    # Where the id names a treatyID several rows have, nothing is linked, and the summary lists it.
    assert "its id names MARPOL_1973A, which several rows have: not linked" in summary.text()


def test_the_command_skips_an_unchanged_archive_and_a_dry_run_writes_nothing():
    out = io.StringIO()
    call_command("import_dataset", "travels", "--dry-run", stdout=out)
    assert "Dry run: nothing was written." in out.getvalue()
    assert not DatasetImport.objects.exists() and not Identifier.objects.filter(scheme="travels").exists()
    call_command("import_dataset", "travels", stdout=io.StringIO())
    assert DatasetImport.objects.get(dataset="travels").importer_version == travels.VERSION
    again = io.StringIO()
    call_command("import_dataset", "travels", stdout=again)
    assert "travels: unchanged since" in again.getvalue()
    forced = io.StringIO()
    call_command("import_dataset", "travels", "--force", stdout=forced)
    assert "travels: 0 changed" in forced.getvalue()
