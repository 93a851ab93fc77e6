"""The dyads PostgreSQL keeps (events/dyads.py) give a country's relations the same numbers as computing them from
the records (the query the API ran before them): on the seed, on the factories' edge cases, through every kind of
write to the records and their parts, with predecessors, with date ranges, and on synthetic rows."""

import datetime

import orjson
import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Exists, OuterRef

from bench import synthetic
from events import dyads
from events.actors import with_predecessors
from events.api.relations import relations_json
from events.models import Actor, Agreement, AgreementParty, Dyad, DyadRecord, Event, EventParticipant, Stop, Trip
from events.seed import load_seed
from events.tests import factories as f
from events.tests.test_csv_export import _Quiet
from events.tests.test_representations import edge_records

pytestmark = pytest.mark.django_db
ROOT = "http://testserver"
RANGES = [
    {},
    {"date_after": datetime.date(2023, 6, 13)},
    {"date_before": datetime.date(2022, 12, 31)},
    {"date_after": datetime.date(2005, 1, 1), "date_before": datetime.date(2009, 12, 31)},
]


def assert_relations_true(actors=None, ranges=RANGES):
    """The stored dyads are what the records give, and every country's relations (each actor that has any, or
    ``actors``) read the same from them as from the records, in every date range and with predecessors."""
    found = dyads.differences()
    assert not any(found.values()), found
    if actors is None:
        linked = DyadRecord.objects.filter(actor=OuterRef("pk"))
        actors = list(Actor.objects.filter(Exists(linked)))
    assert actors
    for actor in actors:
        for group in ({actor.pk}, with_predecessors([actor])):
            for dates in ranges:
                kept = relations_json(group, ROOT, **dates)
                assert kept == relations_json(group, ROOT, source="records", **dates), (actor.code, group, dates)


def partners(actor: Actor, **dates) -> dict[str, dict]:
    return {row["partner"]["iso3"]: row for row in orjson.loads(relations_json([actor.pk], ROOT, **dates))}


def test_the_seed_reads_the_same_from_the_dyads():
    load_seed()
    assert_relations_true()
    # the tour's 35 is replaced, for Iran and Venezuela, by its Caracas breakdown's 19 (plus the partnership)
    assert partners(f.country("IRN"))["VEN"]["agreements"] == 20


def test_edge_records_read_the_same_from_the_dyads():
    edge_records()
    assert_relations_true()


def test_every_kind_of_write_keeps_the_dyads_true():
    # countries the seed links to nobody, so the counts are this test's alone
    bra, arg, chl, per, col = (f.country(code) for code in ("BRA", "ARG", "CHL", "PER", "COL"))
    total = f.AgreementFactory(quantity=35, signed="2023-06")
    for country in (bra, arg, chl):
        f.PartyFactory(agreement=total, country=country)
    assert partners(bra)["ARG"]["agreements"] == 35
    assert_relations_true([bra, arg, chl])

    # a breakdown with both parties replaces the total for that pair only
    breakdown = f.AgreementFactory(quantity=19, signed="2023-06-12", parent=total)
    f.PartyFactory(agreement=breakdown, country=bra)
    f.PartyFactory(agreement=breakdown, country=arg)
    assert (partners(bra)["ARG"]["agreements"], partners(bra)["CHL"]["agreements"]) == (19, 35)
    assert_relations_true([bra, arg, chl])

    # its party changes: the total counts again for Venezuela, and is replaced for Cuba
    AgreementParty.objects.filter(agreement=breakdown, country=arg).update(country=chl)
    assert (partners(bra)["ARG"]["agreements"], partners(bra)["CHL"]["agreements"]) == (35, 19)
    assert_relations_true([bra, arg, chl])

    # it moves to another total, then loses its total
    other = f.AgreementFactory(quantity=2, signed="2019")
    for country in (bra, chl):
        f.PartyFactory(agreement=other, country=country)
    breakdown.parent = other
    breakdown.save()
    assert partners(bra)["CHL"]["agreements"] == 35 + 19
    breakdown.parent = None
    breakdown.save()
    assert partners(bra)["CHL"]["agreements"] == 35 + 19 + 2
    assert_relations_true([bra, arg, chl])

    # one statement over many rows: quantities and dates, as an import or psql would write them
    Agreement.objects.filter(pk__in=[total.pk, other.pk]).update(quantity=7)
    Agreement.objects.filter(pk=other.pk).update(
        signed="2001", signed_earliest="2001-01-01", signed_latest="2001-12-31"
    )
    assert partners(bra)["CHL"]["first_date"] == "2001-01-01"
    assert_relations_true([bra, arg, chl])

    # trips: stops added, moved and removed; the origin changed
    trip = f.TripFactory(origin=bra, start="2023-06-11/2023-06-16")
    f.StopFactory(trip=trip, order=1, country=arg)
    f.StopFactory(trip=trip, order=2, country=per)
    f.StopFactory(trip=trip, order=3, country=per)  # a second stop in the same country counts once
    spanless = f.TripFactory(origin=col)
    f.StopFactory(trip=spanless, order=1, country=bra, arrival="2024-02")
    assert partners(bra)["PER"]["trips_to_partner"] == 1
    assert (partners(bra)["COL"]["trips_from_partner"], partners(bra)["COL"]["last_date"]) == (1, "2024-02-29")
    Stop.objects.filter(trip=trip, order=1).update(country=chl)
    trip.origin = col
    trip.save()
    assert_relations_true([bra, arg, chl, per, col])
    Stop.objects.filter(trip=spanless).delete()
    assert "COL" not in partners(bra) or partners(bra)["COL"]["trips_from_partner"] == 0
    assert_relations_true([bra, arg, chl, per, col])

    # events: participants added and removed, one country twice, a participant without a country
    event = f.EventFactory(date="2023-06-12")
    f.ParticipantFactory(event=event, country=bra)
    f.ParticipantFactory(event=event, country=arg, role="visitor")
    f.ParticipantFactory(event=event, country=arg, official=f.OfficialFactory())
    f.ParticipantFactory(event=event, country=None, official=f.OfficialFactory())
    assert partners(bra)["ARG"]["events"] == 1
    EventParticipant.objects.filter(event=event, country=arg).delete()
    assert_relations_true([bra, arg, chl, per, col])

    # deletions: a record and everything it contributed
    Event.objects.filter(pk=event.pk).delete()
    Trip.objects.filter(pk=trip.pk).delete()
    Agreement.objects.filter(pk=breakdown.pk).delete()
    assert partners(bra)["ARG"]["agreements"] == 7
    Agreement.objects.filter(pk__in=[total.pk, other.pk]).delete()
    assert partners(bra) == {}
    assert not Dyad.objects.filter(actor=bra).exists() and not DyadRecord.objects.filter(actor=bra).exists()
    assert_relations_true([bra, arg, chl, per, col])


def test_records_with_many_countries_are_paired_when_read():
    """A treaty or summit with more than dyads.WIDE countries is kept as memberships (not n² pairs) and paired
    when relations are read: the same numbers, breakdowns included, and through a record growing wide."""
    codes = ["BRA", "ARG", "CHL", "PER", "COL", "ECU", "URY", "PRY", "BOL", "MEX", "GTM", "HND"]
    countries = [f.country(code) for code in codes]
    assert len(countries) > dyads.WIDE
    bra, arg, chl = countries[:3]
    treaty = f.AgreementFactory(quantity=2, signed="1999-05")
    for country in countries:
        f.PartyFactory(agreement=treaty, country=country)
    assert DyadRecord.objects.filter(record_id=treaty.pk).count() == len(countries)  # memberships, not pairs
    assert (partners(bra)["HND"]["agreements"], partners(bra)["HND"]["first_date"]) == (2, "1999-05-01")
    assert_relations_true(countries)

    # a bilateral breakdown replaces the wide total for its pair only; a wide breakdown of a narrow total too
    protocol = f.AgreementFactory(quantity=1, signed="2001", parent=treaty)
    for country in (bra, arg):
        f.PartyFactory(agreement=protocol, country=country)
    assert (partners(bra)["ARG"]["agreements"], partners(bra)["CHL"]["agreements"]) == (1, 2)
    small = f.AgreementFactory(quantity=5, signed="2003")
    for country in (bra, chl):
        f.PartyFactory(agreement=small, country=country)
    annex = f.AgreementFactory(quantity=1, signed="2003-02", parent=small)
    for country in countries:
        f.PartyFactory(agreement=annex, country=country)
    assert partners(bra)["CHL"]["agreements"] == 2 + 1  # the treaty, and the annex instead of the 5
    assert_relations_true(countries)

    # a narrow agreement that grows wide, then narrow again
    grows = f.AgreementFactory(quantity=4, signed="2010")
    for country in countries[:3]:
        f.PartyFactory(agreement=grows, country=country)
    for country in countries[3:]:
        f.PartyFactory(agreement=grows, country=country)
    assert not DyadRecord.objects.filter(record_id=grows.pk, link="A").exists()
    AgreementParty.objects.filter(agreement=grows, country__in=countries[3:]).delete()
    assert DyadRecord.objects.filter(record_id=grows.pk, link="A").count() == 6
    assert_relations_true(countries)

    # a summit, and one of its countries twice
    summit = f.EventFactory(date="2005-11")
    for country in countries:
        f.ParticipantFactory(event=summit, country=country)
    f.ParticipantFactory(event=summit, country=bra, official=f.OfficialFactory())
    assert partners(bra)["HND"]["events"] == 1
    assert_relations_true(countries)


def test_predecessors_count_a_record_once_and_a_total_as_the_group_sees_it():
    """The Soviet Union's records count as Russia's with ``include_predecessors``; a record with both counts once,
    and a breakdown signed by the Soviet Union replaces Russia's total for the pair."""
    rus, sun, usa = f.country("RUS"), f.actor("SUN"), f.country("USA")
    assert with_predecessors([rus]) >= {rus.pk, sun.pk}
    both = f.AgreementFactory(quantity=3, signed="1991")
    for country in (rus, sun, usa):
        f.PartyFactory(agreement=both, country=country)
    total = f.AgreementFactory(quantity=10, signed="1990")
    for country in (rus, usa):
        f.PartyFactory(agreement=total, country=country)
    breakdown = f.AgreementFactory(quantity=4, signed="1990-05", parent=total)
    for country in (sun, usa):
        f.PartyFactory(agreement=breakdown, country=country)
    trip = f.TripFactory(origin=usa)
    f.StopFactory(trip=trip, order=1, country=rus, arrival="1991-12")
    f.StopFactory(trip=trip, order=2, country=sun, arrival="1991-12")
    event = f.EventFactory(date="1991")
    for country in (rus, sun, usa):
        f.ParticipantFactory(event=event, country=country)
    wide = f.AgreementFactory(quantity=1, signed="1975")  # both of them, and more than WIDE others
    others = [f.country(code) for code in ("FRA", "DEU", "ITA", "ESP", "PRT", "BEL", "NLD", "LUX", "DNK", "NOR")]
    for country in (rus, sun, usa, *others):
        f.PartyFactory(agreement=wide, country=country)
    group = with_predecessors([rus])
    rows = {row["partner"]["iso3"]: row for row in orjson.loads(relations_json(group, ROOT))}
    assert (rows["USA"]["agreements"], rows["USA"]["agreement_records"]) == (3 + 4 + 1, 3)
    assert (rows["USA"]["trips_from_partner"], rows["USA"]["events"]) == (1, 1)
    assert rows["NOR"]["agreements"] == 1
    assert partners(rus)["USA"]["agreements"] == 3 + 10 + 1  # alone, Russia's total is not replaced
    assert_relations_true([rus, sun, usa, others[0]])


def test_a_rebuild_and_its_check():
    edge_records()
    Dyad.objects.filter(actor=f.country("IRN")).update(agreements=999)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {DyadRecord._meta.db_table} WHERE link = 'E'")  # totals follow the rows
    found = dyads.differences()
    assert found[f"{dyads.RECORDS} missing"] > 0 and found[f"{dyads.DYADS} not due"] > 0
    with pytest.raises(Exception, match="differ from the records"):
        call_command("rebuild_dyads", "--check", verbosity=0)
    call_command("rebuild_dyads", verbosity=0)
    assert_relations_true()


def test_relations_of_synthetic_rows_read_the_same_from_the_dyads():
    synthetic.load("XS", progress_bar=lambda **kwargs: _Quiet())
    heavy = list(Actor.objects.filter(code__in=synthetic.HEAVY[:6]))
    assert_relations_true(heavy)
    assert sum(row["agreements"] for row in partners(f.country("IRN")).values()) > 500  # not a trivial case


def test_an_edit_that_changes_no_pair_keeps_the_relations_tag(api, curator_api):
    edge_records()
    url = "/api/v1/countries/IRN/relations/"
    tag = api.get(url)["ETag"]
    agreement = Agreement.objects.filter(parties__country__iso3="IRN").first()
    response = curator_api.patch(
        f"/api/v1/agreements/{agreement.pk}/",
        {"title": "Renamed"},
        format="json",
        HTTP_IF_MATCH=api.get(f"/api/v1/agreements/{agreement.pk}/")["ETag"],
    )
    assert response.status_code == 200, response.content
    assert api.get(url, HTTP_IF_NONE_MATCH=tag).status_code == 304
    f.PartyFactory(agreement=agreement, country=f.country("NIC"))
    changed = api.get(url, HTTP_IF_NONE_MATCH=tag)
    assert changed.status_code == 200
    assert "NIC" in {row["partner"]["iso3"] for row in changed.json()}
