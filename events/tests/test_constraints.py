"""Each database constraint rejects a bad row, even when written past the model's validation."""

import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError

from events.models import (
    Actor,
    Agreement,
    AgreementParty,
    Citation,
    Event,
    EventParticipant,
    Official,
    Position,
    Source,
    Stop,
    Trip,
)

pytestmark = pytest.mark.django_db

TOUR = "Ebrahim Raisi's tour of Venezuela, Nicaragua and Cuba"
CARACAS_DOCS = "Documents signed in Caracas during Raisi's visit"


def rejects(write, constraint: str) -> None:
    """The write fails with an IntegrityError that names the constraint."""
    with pytest.raises(IntegrityError, match=constraint), transaction.atomic():
        write()


def update(queryset, **values):
    return lambda: queryset.update(**values)


def stop(order=1):
    return Stop.objects.filter(trip__title=TOUR, order=order)


def agreement(title=CARACAS_DOCS):
    return Agreement.objects.filter(title=title)


def test_stop_cannot_depart_before_it_arrives():
    rejects(
        update(stop(), departure="2023-06-11", departure_earliest="2023-06-11", departure_latest="2023-06-11"),
        "stop_departure_not_before_arrival",
    )


def test_stop_departing_within_the_arrival_month_is_allowed():
    # Bounds comparison: a departure on 2022-06-10 is not before an arrival known only as "2022-06".
    maduro = Stop.objects.filter(trip__title="Nicolás Maduro's visit to Tehran")
    maduro.update(departure="2022-06-10", departure_earliest="2022-06-10", departure_latest="2022-06-10")
    assert maduro.get().departure == "2022-06-10"


def test_stop_order_is_unique_within_a_trip_and_starts_at_one():
    rejects(update(stop(2), order=1), "stop_order_unique_per_trip")
    rejects(update(stop(1), order=0), "stop_order_positive")


def test_date_text_and_bounds_stay_together():
    rejects(update(stop(), arrival="2023-06-12", arrival_earliest=None), "stop_arrival_bounds_set")
    rejects(update(stop(), arrival="", arrival_precision="", arrival_earliest="2023-06-12"), "stop_arrival_bounds_set")
    rejects(
        update(stop(), arrival_earliest=datetime.date(2023, 6, 20), arrival_latest=datetime.date(2023, 6, 12)),
        "stop_arrival_bounds_ordered",
    )


def test_position_cannot_end_before_it_starts():
    raisi = Position.objects.filter(official__slug="ebrahim-raisi")
    rejects(
        update(raisi, end="2020", end_earliest="2020-01-01", end_latest="2020-12-31"), "position_end_not_before_start"
    )


def test_end_cause_needs_an_end():
    raisi = Position.objects.filter(official__slug="ebrahim-raisi")
    rejects(
        update(raisi, end="", end_precision="", end_earliest=None, end_latest=None, end_basis=""),
        "position_end_cause_needs_end",
    )


def test_agreement_quantity_is_at_least_one():
    rejects(update(agreement(), quantity=0), "agreement_quantity_positive")


def test_agreement_value_is_not_negative_and_has_a_currency():
    rejects(update(agreement(), value_amount=Decimal("-1"), value_currency="USD"), "agreement_value_not_negative")
    rejects(update(agreement(), value_amount=Decimal("10")), "agreement_value_has_currency")
    rejects(update(agreement(), value_currency="USD"), "agreement_value_has_currency")
    rejects(update(agreement(), value_amount=Decimal("10"), value_currency="usd"), "agreement_value_has_currency")


def test_agreement_term_is_at_least_a_year():
    rejects(update(agreement(), term_years=0), "agreement_term_positive")


def test_agreement_is_not_its_own_parent():
    caracas = agreement().get()
    rejects(update(agreement(), parent=caracas), "agreement_not_own_parent")


def test_a_country_is_a_party_only_once():
    caracas = agreement().get()
    rejects(
        lambda: AgreementParty.objects.create(agreement=caracas, country=Actor.objects.get(iso3="VEN")),
        "agreement_party_unique",
    )


def test_citation_needs_an_excerpt_or_a_note():
    rejects(update(Citation.objects.filter(excerpt=""), note=""), "citation_has_excerpt_or_note")


def test_citation_offsets_come_in_pairs_after_the_start():
    quoted = Citation.objects.exclude(start=None)
    rejects(update(quoted, end=None), "citation_offsets_valid")
    rejects(update(quoted, end=0, start=5), "citation_offsets_valid")


def test_a_stated_value_belongs_to_a_field():
    stated = Citation.objects.exclude(stated_value=None)
    rejects(update(stated, field=""), "citation_stated_value_needs_field")


def test_source_text_needs_its_path():
    rejects(update(Source.objects.exclude(text=""), text_path=""), "source_text_has_path")


def test_event_participant_is_an_official_or_a_country():
    event = Event.objects.first()
    rejects(lambda: EventParticipant.objects.create(event=event, role="host"), "event_participant_is_someone")


def test_event_participant_role_is_not_repeated():
    participant = EventParticipant.objects.filter(official__isnull=True).first()
    rejects(
        lambda: EventParticipant.objects.create(
            event=participant.event, country=participant.country, role=participant.role
        ),
        "event_participant_unique",
    )


def test_plover_mode_needs_a_type():
    rejects(update(Event.objects.filter(plover_type="CONSULT"), plover_type=""), "event_plover_mode_needs_type")


def test_country_codes_are_capital_letters():
    rejects(update(Actor.objects.filter(iso3="IRN"), iso3="irn"), "country_iso3_format")
    rejects(update(Actor.objects.filter(iso3="IRN"), iso2="ir"), "country_iso2_format")


def test_wikidata_qid_is_unique_when_given():
    Official.objects.filter(slug="ebrahim-raisi").update(wikidata_qid="Q5960")
    rejects(
        update(Official.objects.filter(slug="nicolas-maduro"), wikidata_qid="Q5960"), "official_wikidata_qid_unique"
    )
    Official.objects.filter(slug="nicolas-maduro").update(wikidata_qid="")  # blank for several is fine
    assert Official.objects.filter(wikidata_qid="").count() == 2


def test_countries_and_cited_sources_are_protected_from_deletion():
    with pytest.raises(ProtectedError):
        Actor.objects.get(iso3="VEN").delete()
    with pytest.raises(ProtectedError):
        Source.objects.get(publisher="EFE").delete()
    assert Actor.objects.filter(iso3="VEN").exists()


def test_trip_end_not_before_start():
    trip = Trip.objects.filter(title__startswith="Hossein")
    rejects(update(trip, end="2022", end_earliest="2022-01-01", end_latest="2022-12-31"), "trip_end_not_before_start")
