"""Rules that span rows (services) and citation checks, as every write path sees them."""

import pytest
from django.core.exceptions import ValidationError

from events import services
from events.models import Actor, Agreement, AgreementParty, Citation, Source, Stop, Trip

pytestmark = pytest.mark.django_db

TOUR = "Ebrahim Raisi's tour of Venezuela, Nicaragua and Cuba"


def new_agreement(**fields) -> Agreement:
    fields = {"title": "Test agreement", "kind": "treaty", **fields}
    agreement = Agreement(**fields)
    agreement.full_clean()
    agreement.save()
    return agreement


def add_parties(agreement: Agreement, *codes: str) -> None:
    for code in codes:
        AgreementParty.objects.create(agreement=agreement, country=Actor.objects.get(iso3=code))


def test_an_agreement_needs_two_parties_unless_marked_incomplete():
    agreement = new_agreement()
    add_parties(agreement, "IRN")
    with pytest.raises(ValidationError) as error:
        services.validate_agreement(agreement)
    assert "at least two parties" in error.value.message_dict["parties"][0]
    assert "mark the party list incomplete" in error.value.message_dict["parties"][0]

    agreement.parties_complete = False
    agreement.save()
    services.validate_agreement(agreement)  # one named party, the others unnamed: allowed

    agreement.parties_complete = True
    agreement.save()
    add_parties(agreement, "VEN")
    services.validate_agreement(agreement)


def test_a_breakdown_points_to_a_total():
    total = Agreement.objects.get(quantity=35)
    caracas = Agreement.objects.get(signed_at__city="Caracas")

    single = Agreement.objects.get(term_years=20)
    caracas.parent = single
    with pytest.raises(ValidationError, match="stands for one document"):
        services.validate_breakdown(caracas)

    havana = Agreement.objects.get(signed_at__city="Havana")
    caracas.parent = havana
    with pytest.raises(ValidationError, match="is itself a breakdown"):
        services.validate_breakdown(caracas)

    caracas.parent = total
    caracas.quantity = 36
    with pytest.raises(ValidationError, match="cannot exceed its total of 35"):
        services.validate_breakdown(caracas)

    total.parent = Agreement.objects.get(kind="contract")
    with pytest.raises(ValidationError, match="A total with breakdowns cannot itself be a breakdown"):
        services.validate_breakdown(total)


def test_stops_begin_in_time_order():
    tour = Trip.objects.get(title=TOUR)
    services.validate_trip(tour)
    havana = tour.stops.get(order=3)
    havana.arrival = "2023-06-10"  # before Managua's arrival
    havana.departure = "2023-06-11"
    havana.save()
    with pytest.raises(ValidationError, match=r"Stop 3 \(2023-06-10\) arrives before stop 2 does"):
        services.validate_trip(tour)


# George H. W. Bush's journey of May 1989, as the Office of the Historian's travels dataset records it
# (HistoryAtState/travels, president-travels/bush-george-h-w.xml, ids 2325-2329): the Holy See audience
# falls inside the Rome stay, and each later stop begins on the day the one before ends.
BUSH_MAY_1989 = [
    {"country": "ITA", "city": "Rome, Nettuno", "arrival": "1989-05-26", "departure": "1989-05-28"},
    {"country": "VAT", "city": "", "arrival": "1989-05-27", "departure": "1989-05-27"},
    {"country": "BEL", "city": "Brussels", "arrival": "1989-05-28", "departure": "1989-05-30"},
    {"country": "DEU", "city": "Bonn, Mainz", "arrival": "1989-05-30", "departure": "1989-05-31"},
    {"country": "GBR", "city": "London", "arrival": "1989-05-31", "departure": "1989-06-02"},
]


def test_a_real_journey_with_overlapping_stops_is_accepted_in_order(curator_api):
    from events.tests.factories import OfficialFactory

    bush = OfficialFactory(name="George H.W. Bush", slug="george-h-w-bush")
    trip = {"title": "Bush's European journey, May 1989", "lead": bush.slug, "origin": "USA"}
    created = curator_api.post("/api/v1/trips/", {**trip, "stops": BUSH_MAY_1989}, format="json")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert [(s["order"], s["country"]["iso3"]) for s in body["stops"]] == [
        (1, "ITA"),
        (2, "VAT"),
        (3, "BEL"),
        (4, "DEU"),
        (5, "GBR"),
    ]
    assert (body["span_earliest"], body["span_latest"]) == ("1989-05-26", "1989-06-02")

    out_of_order = [BUSH_MAY_1989[2], BUSH_MAY_1989[0], *BUSH_MAY_1989[3:]]  # Brussels listed before Rome
    refused = curator_api.post("/api/v1/trips/", {**trip, "stops": out_of_order}, format="json")
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["attr"] == "stops"
    assert "Stop 2 (1989-05-26) arrives before stop 1 does (1989-05-28)" in refused.json()["errors"][0]["detail"]

    backwards = [{**BUSH_MAY_1989[0], "departure": "1989-05-25"}]  # a departure before its arrival
    refused = curator_api.post("/api/v1/trips/", {**trip, "stops": backwards}, format="json")
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["attr"].startswith("stops.0")


def test_uncertain_stop_dates_are_compared_on_bounds():
    trip = Trip.objects.get(lead__slug="hossein-amir-abdollahian")
    Stop.objects.filter(trip=trip, order=2).update(arrival="2023-02", arrival_earliest="2023-02-01")
    services.validate_trip(trip)  # "February" may well be after 2023-02-01


def cite(excerpt: str, **fields) -> Citation:
    article = Source.objects.get(publisher="Al Mayadeen English")
    trip = Trip.objects.get(title=TOUR)
    citation = Citation(record=trip, source=article, excerpt=excerpt, **fields)
    citation.full_clean()
    citation.save()
    return citation


def test_an_excerpt_must_occur_verbatim_in_its_stored_source():
    with pytest.raises(ValidationError) as error:
        cite("Raisi left Havana on Friday")
    assert "does not occur verbatim" in error.value.message_dict["excerpt"][0]


def test_an_excerpt_gets_its_offsets_in_code_points():
    citation = cite("Tehran’s ties")
    text = citation.source.text
    assert text[citation.start : citation.end] == "Tehran’s ties"
    assert len(text.encode("utf-8")) > len(text)  # offsets are code points, not bytes


def test_an_excerpt_found_twice_needs_its_offset():
    with pytest.raises(ValidationError, match="occurs more than once"):
        cite("During this tour")
    article = Source.objects.get(publisher="Al Mayadeen English").text
    second = article.index("During this tour", article.index("During this tour") + 1)
    assert cite("During this tour", start=second).start == second


def test_a_stored_source_must_be_quoted():
    article = Source.objects.get(publisher="Al Mayadeen English")
    citation = Citation(record=Trip.objects.get(title=TOUR), source=article, note="Our summary only.")
    with pytest.raises(ValidationError, match="quote the supporting excerpt"):
        citation.save()


def test_a_cited_field_must_exist():
    with pytest.raises(ValidationError) as error:
        cite("namely Venezuela, Nicaragua, and Cuba", field="colour")
    assert 'has no field "colour"' in error.value.message_dict["field"][0]


def test_currency_and_language_codes_are_checked_with_iso_data():
    agreement = Agreement(title="x", kind="treaty", value_amount=1, value_currency="XYZ")
    with pytest.raises(ValidationError) as error:
        agreement.full_clean()
    assert "not an ISO 4217 currency code" in error.value.message_dict["value_currency"][0]
    source = Source(title="x", language="xx")
    with pytest.raises(ValidationError) as error:
        source.full_clean()
    assert "not an ISO 639-1 language code" in error.value.message_dict["language"][0]
