"""Reading the API as analysts do: the user questions, every filter, pagination, CSV, errors, ETags."""

import csv
import io

import orjson
import pytest
import yaml
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apikit.checks import schema_shape
from events.models import Agreement, Deletion, Source, Trip
from events.tests.api import error_attrs, results

pytestmark = pytest.mark.django_db
V1 = "/api/v1"


def titles(response) -> set[str]:
    return {row["title"] for row in results(response)}


# -- the user questions -------------------------------------------------------------------------


def test_every_agreement_between_iran_and_venezuela(api):
    rows = results(api.get(f"{V1}/agreements/", {"party": ["IRN", "VEN"]}))
    assert {row["title"] for row in rows} == {
        "20-year Iran–Venezuela partnership agreement",
        "Cooperation agreements signed during Raisi's Latin American tour",
        "Documents signed in Caracas during Raisi's visit",
    }
    for row in rows:
        assert {"IRN", "VEN"} <= {party["country"]["iso3"] for party in row["parties"]}


def test_all_trips_raisi_led_in_2023_and_their_stops(api):
    rows = results(
        api.get(f"{V1}/trips/", {"traveler": "ebrahim-raisi", "date_after": "2023-01-01", "date_before": "2023-12-31"})
    )
    assert len(rows) == 1
    assert [(s["order"], s["country"]["iso3"], s["city"]) for s in rows[0]["stops"]] == [
        (1, "VEN", "Caracas"),
        (2, "NIC", "Managua"),
        (3, "CUB", "Havana"),
    ]
    assert (rows[0]["span_earliest"], rows[0]["span_latest"]) == ("2023-06-12", "2023-06-16")


def test_which_countries_irans_foreign_minister_visited_in_february_2023(api):
    officials = results(api.get(f"{V1}/officials/", {"country": "IRN", "position": "foreign affairs"}))
    assert [o["slug"] for o in officials] == ["hossein-amir-abdollahian"]
    trips = results(
        api.get(
            f"{V1}/trips/", {"traveler": officials[0]["slug"], "date_after": "2023-02-01", "date_before": "2023-02-28"}
        )
    )
    assert [stop["country"]["iso3"] for trip in trips for stop in trip["stops"]] == ["NIC", "VEN", "CUB"]


def test_agreements_in_mining_since_2023(api):
    assert titles(api.get(f"{V1}/agreements/", {"sector": "mining", "date_after": "2023-01-01"})) == {
        "Cooperation agreements signed during Raisi's Latin American tour"
    }
    # worth over a billion dollars: the 5 contracts are in the knowledge-based economy, not mining, and undated
    assert titles(api.get(f"{V1}/agreements/", {"min_value": "1000000000", "currency": "USD"})) == {
        "Contracts in the knowledge sectors"
    }
    assert not results(api.get(f"{V1}/agreements/", {"sector": "mining", "min_value": "1000000000"}))


def test_who_held_a_position_for_iran_on_a_day(api):
    rows = results(api.get(f"{V1}/officials/", {"country": "IRN", "active_on": "2022-06-15"}))
    assert {row["slug"] for row in rows} == {"ebrahim-raisi", "hossein-amir-abdollahian"}
    assert not results(api.get(f"{V1}/officials/", {"country": "IRN", "active_on": "2024-06-01"}))


def test_country_and_date_filters_apply_to_the_same_position(api):
    # Maduro held a position for Venezuela; Raisi held one on 2024-05-01, but not for Venezuela.
    rows = results(api.get(f"{V1}/officials/", {"country": "VEN", "active_on": "2024-05-01"}))
    assert [row["slug"] for row in rows] == ["nicolas-maduro"]
    assert not results(api.get(f"{V1}/officials/", {"country": "VEN", "position": "minister"}))


def test_everything_that_changed_since_a_time(api):
    Trip.objects.filter(lead__slug="nicolas-maduro").update(updated_at="2030-01-01T00:00:00Z")
    rows = results(api.get(f"{V1}/trips/", {"updated_since": "2029-12-31T00:00:00Z"}))
    assert [row["lead"]["slug"] for row in rows] == ["nicolas-maduro"]


def test_irans_partners_with_agreements_and_visits(api):
    response = api.get(f"{V1}/countries/IRN/relations/")
    assert response.status_code == 200
    partners = {row["partner"]["iso3"]: row for row in response.json()}
    assert set(partners) == {"VEN", "NIC", "CUB"}
    venezuela = partners["VEN"]
    # 19 in Caracas (the tour's 35 is replaced by its Caracas breakdown for this pair) + the 20-year partnership
    assert venezuela["agreements"] == 20
    assert venezuela["agreement_records"] == 2
    assert (venezuela["trips_to_partner"], venezuela["trips_from_partner"]) == (2, 1)
    assert venezuela["events"] == 1
    assert (venezuela["first_date"], venezuela["last_date"]) == ("2022-06-01", "2023-06-16")
    assert partners["NIC"]["agreements"] == 3
    assert partners["CUB"]["agreements"] == 6


def test_relations_take_the_date_filters(api):
    partners = {
        r["partner"]["iso3"]: r for r in api.get(f"{V1}/countries/irn/relations/", {"date_before": "2022-12-31"}).json()
    }
    assert set(partners) == {"VEN"}
    assert (partners["VEN"]["agreements"], partners["VEN"]["trips_from_partner"]) == (1, 1)
    response = api.get(f"{V1}/countries/IRN/relations/", {"date_before": "not-a-date"})
    assert response.status_code == 400
    assert error_attrs(response) == ["date_before"]


# -- resources and representations ---------------------------------------------------------------


def test_root_lists_every_resource(api):
    body = api.get(f"{V1}/").json()
    assert set(body) == {
        "actors",
        "countries",
        "sectors",
        "officials",
        "trips",
        "agreements",
        "events",
        "sources",
        "deletions",
    }


def test_country_lookup_is_case_insensitive(api):
    for code in ("IRN", "irn", "Irn"):
        body = api.get(f"{V1}/countries/{code}/").json()
        assert (body["iso3"], body["region"], body["subregion"]) == ("IRN", "Asia", "Southern Asia")
    assert api.get(f"{V1}/countries/XXX/").status_code == 404


def test_agreement_shows_parties_sectors_parent_breakdowns_citations_and_disputes(api):
    caracas = Agreement.objects.get(signed_at__city="Caracas")
    body = api.get(f"{V1}/agreements/{caracas.pk}/").json()
    assert [p["country"]["iso3"] for p in body["parties"]] == ["IRN", "VEN"]
    assert body["parties"][0]["country"] == {
        "code": "IRN",
        "iso3": "IRN",
        "name": "Iran",
        "kind": "country",
        "url": "http://testserver/api/v1/actors/IRN/",
    }
    assert body["parent"]["quantity"] == 35
    assert body["quantity"] == 19 and isinstance(body["quantity"], int)
    assert body["disputed_fields"] == ["quantity"]
    stated = {c["source"]["publisher"]: c["stated_value"] for c in body["citations"] if c["field"] == "quantity"}
    assert stated["IFP News"] == 19 and stated["Orinoco Tribune"] == 25
    assert (body["signed"], body["signed_precision"], body["signed_earliest"], body["signed_latest"]) == (
        "2023-06-12",
        "day",
        "2023-06-12",
        "2023-06-12",
    )
    total = api.get(body["parent"]["url"]).json()
    assert {b["quantity"] for b in total["breakdowns"]} == {19, 3, 6}


def test_money_is_a_decimal_string_with_currency(api):
    contracts = Agreement.objects.get(kind="contract")
    body = api.get(f"{V1}/agreements/{contracts.pk}/").json()
    assert (body["value_amount"], body["value_currency"], body["quantity"]) == ("5000000000.00", "USD", 5)
    assert body["parties_complete"] is False


def test_unknown_dates_and_addresses_are_null(api):
    contracts = Agreement.objects.get(kind="contract")
    body = api.get(f"{V1}/agreements/{contracts.pk}/").json()
    assert [body[k] for k in ("signed", "signed_precision", "signed_earliest", "signed_latest")] == [None] * 4
    orinoco = Source.objects.get(publisher="Orinoco Tribune")
    assert api.get(f"{V1}/sources/{orinoco.pk}/").json()["document_url"] is None
    caracas = Agreement.objects.get(signed_at__city="Caracas")
    cited = {
        c["source"]["publisher"]: c["source"] for c in api.get(f"{V1}/agreements/{caracas.pk}/").json()["citations"]
    }
    assert cited["Orinoco Tribune"]["document_url"] is None
    assert cited["IFP News"]["document_url"].startswith("https://ifpnews.com/")


def test_month_precision_date_with_bounds(api):
    partnership = Agreement.objects.get(term_years=20)
    body = api.get(f"{V1}/agreements/{partnership.pk}/").json()
    assert {k: body[k] for k in ("signed", "signed_precision", "signed_earliest", "signed_latest", "signed_basis")} == {
        "signed": "2022-06",
        "signed_precision": "month",
        "signed_earliest": "2022-06-01",
        "signed_latest": "2022-06-30",
        "signed_basis": "inferred",
    }


def test_official_shows_positions_with_citations(api):
    body = api.get(f"{V1}/officials/ebrahim-raisi/").json()
    position = body["positions"][0]
    assert (position["title"], position["country"]["iso3"], position["end"], position["end_cause"]) == (
        "President",
        "IRN",
        "2024-05-19",
        "died_in_office",
    )
    assert position["citations"]


def test_sources_and_sectors_and_events(api):
    article = Source.objects.get(publisher="Al Mayadeen English")
    body = api.get(f"{V1}/sources/{article.pk}/").json()
    assert body["document_url"].startswith("https://english.almayadeen.net/")
    assert body["text"].startswith("Iran signed 35 accords")
    assert api.get(f"{V1}/sectors/nuclear-energy/").json()["name"] == "Nuclear energy"
    statement = results(api.get(f"{V1}/events/", {"q": "engineering manpower"}))
    assert len(statement) == 1
    assert "health" in {sector["slug"] for sector in statement[0]["sectors"]}
    assert statement[0]["participants"] == [
        {
            "official": {
                "slug": "ebrahim-raisi",
                "name": "Ebrahim Raisi",
                "url": "http://testserver/api/v1/officials/ebrahim-raisi/",
            },
            "country": {
                "code": "IRN",
                "iso3": "IRN",
                "name": "Iran",
                "kind": "country",
                "url": "http://testserver/api/v1/actors/IRN/",
            },
            "role": "speaker",
        }
    ]


# -- every filter: a match and a non-match -------------------------------------------------------


@pytest.mark.parametrize(
    ("resource", "params", "expected"),
    [
        (
            "agreements",
            {"party": "CUB"},
            {
                "Cooperation agreements signed during Raisi's Latin American tour",
                "Accords signed in Havana during Raisi's visit",
            },
        ),
        ("agreements", {"party": ["CUB", "VEN"]}, {"Cooperation agreements signed during Raisi's Latin American tour"}),
        ("agreements", {"party": "USA"}, set()),
        (
            "agreements",
            {"sector": ["health", "knowledge-based-economy"]},
            {"Memoranda of understanding signed in Managua during Raisi's visit", "Contracts in the knowledge sectors"},
        ),
        ("agreements", {"sector": "politics"}, set()),
        ("agreements", {"kind": "partnership"}, {"20-year Iran–Venezuela partnership agreement"}),
        ("agreements", {"kind": "treaty"}, set()),
        ("agreements", {"max_value": "10"}, set()),
        ("agreements", {"min_value": "10", "currency": "EUR"}, set()),
        ("agreements", {"q": "memoranda"}, {"Memoranda of understanding signed in Managua during Raisi's visit"}),
        ("agreements", {"q": "treaty"}, set()),
        (
            "agreements",
            {"date_after": "2022-06-15", "date_before": "2022-06-15"},
            {"20-year Iran–Venezuela partnership agreement"},
        ),
        ("agreements", {"date_before": "2022-05-31"}, set()),
        (
            "agreements",
            {"date_after": "2023-06-14", "date_before": "2023-06-14"},
            {
                "Cooperation agreements signed during Raisi's Latin American tour",
                "Memoranda of understanding signed in Managua during Raisi's visit",
            },
        ),
        ("events", {"kind": "announcement"}, {"Formation of a special working group for Latin American countries"}),
        ("events", {"kind": "other"}, set()),
        ("events", {"country": "NIC"}, {"Raisi meets senior officials of Venezuela, Nicaragua and Cuba"}),
        ("events", {"country": "USA"}, set()),
        ("events", {"participant": "nicolas-maduro"}, set()),
        (
            "events",
            {"date_after": "2023-06-16"},
            {
                "Formation of a special working group for Latin American countries",
                "Raisi reports 35 agreements signed on his tour, on his return to Tehran",
            },
        ),
        ("events", {"q": "imperialism"}, {"Raisi: opposing imperialism is common ground with Latin America"}),
        ("trips", {"origin": "VEN"}, {"Nicolás Maduro's visit to Tehran"}),
        ("trips", {"origin": "CUB"}, set()),
        (
            "trips",
            {"visited": ["NIC", "CUB"]},
            {
                "Ebrahim Raisi's tour of Venezuela, Nicaragua and Cuba",
                "Hossein Amir-Abdollahian's visit to Nicaragua and Venezuela",
            },
        ),
        ("trips", {"visited": ["IRN", "CUB"]}, set()),
        ("trips", {"traveler": "nicolas-maduro"}, {"Nicolás Maduro's visit to Tehran"}),
        ("trips", {"date_after": "2022-06-30", "date_before": "2022-06-30"}, {"Nicolás Maduro's visit to Tehran"}),
        ("trips", {"date_after": "2022-07-01", "date_before": "2022-12-31"}, set()),
        ("trips", {"q": "tehran"}, {"Nicolás Maduro's visit to Tehran"}),
    ],
)
def test_filters(api, resource, params, expected):
    assert titles(api.get(f"{V1}/{resource}/", params)) == expected


def test_year_precision_overlaps_any_day_of_its_year(api):
    partnership = Agreement.objects.get(term_years=20)
    partnership.signed = "2022"
    partnership.save()
    assert titles(api.get(f"{V1}/agreements/", {"date_after": "2022-12-31", "date_before": "2022-12-31"})) == {
        partnership.title
    }
    assert partnership.title not in titles(api.get(f"{V1}/agreements/", {"date_after": "2023-01-01"}))


def test_undated_records_match_no_date_filter(api):
    wide = titles(api.get(f"{V1}/agreements/", {"date_after": "1900-01-01", "date_before": "2100-12-31"}))
    assert "Contracts in the knowledge sectors" not in wide


def test_source_filter(api):
    efe = Source.objects.get(publisher="EFE")
    assert titles(api.get(f"{V1}/agreements/", {"source": str(efe.pk)})) == {
        "Accords signed in Havana during Raisi's visit"
    }
    assert not results(api.get(f"{V1}/events/", {"source": str(efe.pk)}))


def test_official_search_is_case_and_accent_insensitive(api):
    for query in ("Nicolas Maduro", "nicolás", "MADURO"):
        assert [o["slug"] for o in results(api.get(f"{V1}/officials/", {"q": query}))] == ["nicolas-maduro"]
    assert [o["slug"] for o in results(api.get(f"{V1}/officials/", {"q": "raisi"}))] == ["ebrahim-raisi"]
    assert not results(api.get(f"{V1}/officials/", {"q": "putin"}))


def test_country_filters(api):
    rows = results(api.get(f"{V1}/countries/", {"subregion": "Latin America and the Caribbean", "q": "venezuela"}))
    assert [c["iso3"] for c in rows] == ["VEN"]
    assert not results(api.get(f"{V1}/countries/", {"region": "Europe", "q": "venezuela"}))


def test_ordering(api):
    rows = results(api.get(f"{V1}/agreements/", {"ordering": "-quantity"}))
    assert [r["quantity"] for r in rows] == sorted((r["quantity"] for r in rows), reverse=True)
    response = api.get(f"{V1}/agreements/", {"ordering": "colour"})
    assert response.status_code == 400 and error_attrs(response) == ["ordering"]


# -- errors ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "params", "attr"),
    [
        ("agreements", {"partyy": "IRN"}, "partyy"),
        ("agreements", {"date_after": "2023-13-01"}, "date_after"),
        ("agreements", {"party": "XXX"}, "party"),
        ("agreements", {"include_predecessors": "maybe"}, "include_predecessors"),
        ("officials", {"country": "%s"}, "country"),  # a "%" in a value is quoted, never formatted
        ("officials", {"posted_to": "not a code"}, "posted_to"),
        ("sources", {"ordering": ","}, "ordering"),
        ("agreements", {"identifier": "pocom"}, "identifier"),
        ("agreements", {"sector": "astrology"}, "sector"),
        ("agreements", {"signatory": "nobody"}, "signatory"),
        ("agreements", {"kind": "pact"}, "kind"),
        ("agreements", {"min_value": "a lot"}, "min_value"),
        ("agreements", {"updated_since": "yesterday"}, "updated_since"),
        ("agreements", {"source": "not-a-uuid"}, "source"),
        ("agreements", {"page_size": "0"}, "page_size"),
        ("agreements", {"page_size": "501"}, "page_size"),
        ("agreements", {"page_size": "ten"}, "page_size"),
        ("trips", {"visited": "Narnia"}, "visited"),
        ("trips", {"traveler": "nobody"}, "traveler"),
        ("officials", {"active_on": "2023-02-30"}, "active_on"),
        ("events", {"trip": "00000000-0000-4000-8000-000000000000"}, "trip"),
        ("countries", {"region": "Atlantis"}, "region"),
        ("deletions", {"since": "last week"}, "since"),
    ],
)
def test_bad_parameters_are_400_naming_the_parameter(api, url, params, attr):
    response = api.get(f"{V1}/{url}/", params)
    assert response.status_code == 400
    assert attr in error_attrs(response)


def test_empty_and_repeated_values_are_400(api):
    for params in (
        {"party": ""},
        {"kind": ""},
        {"date_after": ""},
        {"ordering": ""},
        {"page_size": ["1", "2"]},
        {"kind": ["treaty", "contract"]},
    ):
        response = api.get(f"{V1}/agreements/", params)
        assert response.status_code == 400, params
        assert error_attrs(response) == list(params)
    assert api.get(f"{V1}/countries/IRN/relations/", {"date_before": ""}).status_code == 400
    assert error_attrs(api.get(f"{V1}/actors/RUS/relations/", {"include_predecessors": "null"})) == [
        "include_predecessors"
    ]
    assert api.get(f"{V1}/agreements/", {"q": ""}).status_code == 200  # a search for nothing
    assert api.get(f"{V1}/agreements/", {"party": ["IRN", "VEN"]}).status_code == 200  # repeatable


def test_csv_still_checks_page_and_page_size(api):
    assert api.get(f"{V1}/sectors/", {"format": "csv", "page_size": "0"}).status_code == 400
    assert api.get(f"{V1}/sectors/", {"format": "csv", "page": "#"}).status_code == 400
    assert api.get(f"{V1}/sectors/", {"format": "csv", "page": "2"}).status_code == 200


def test_unknown_parameter_lists_the_accepted_ones(api):
    body = api.get(f"{V1}/agreements/", {"partyy": "IRN"}).json()
    assert body["errors"][0]["code"] == "unknown_parameter"
    detail = body["errors"][0]["detail"]
    assert "party" in detail and "page_size" in detail and "format" in detail and "ordering" in detail


def test_unknown_records_are_404_json(api):
    response = api.get(f"{V1}/agreements/00000000-0000-4000-8000-000000000000/")
    assert response.status_code == 404
    assert response.json()["type"] == "client_error"
    assert api.get(f"{V1}/officials/nobody/").status_code == 404


# -- pagination -----------------------------------------------------------------------------------


def test_pagination_follows_next_to_the_end_with_an_exact_count(api):
    url, seen, count = f"{V1}/countries/?page_size=100", [], None
    while url:
        body = api.get(url).json()
        count = body["count"]
        seen += [c["iso3"] for c in body["results"]]
        url = body["next"]
    assert count == len(seen) == len(set(seen)) == 249
    last = api.get(f"{V1}/countries/", {"page_size": 100, "page": 3}).json()
    assert last["next"] is None and last["previous"]
    assert api.get(f"{V1}/countries/", {"page_size": 100, "page": 4}).status_code == 404


def test_default_page_size_is_50(api):
    body = api.get(f"{V1}/countries/").json()
    assert len(body["results"]) == 50 and body["count"] == 249


# -- CSV -------------------------------------------------------------------------------------------


def read_csv(response) -> list[dict]:
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    text = b"".join(response.streaming_content).decode("utf-8")
    return list(csv.DictReader(io.StringIO(text)))


def test_csv_export_is_flat_filtered_and_not_paginated(api):
    rows = read_csv(api.get(f"{V1}/agreements/", {"format": "csv", "party": ["IRN", "VEN"]}))
    assert len(rows) == 3
    partnership = next(r for r in rows if r["term_years"] == "20")
    assert partnership["parties"] == "IRN;VEN"
    assert partnership["signed"] == "2022-06" and partnership["signed_precision"] == "month"
    assert partnership["url"].endswith(f"/api/v1/agreements/{partnership['id']}/")  # no ?format=csv
    countries = read_csv(api.get(f"{V1}/countries/", {"format": "csv"}))
    assert len(countries) == 249  # every row, not one page


def test_csv_by_accept_header(api):
    rows = read_csv(api.get(f"{V1}/trips/", HTTP_ACCEPT="text/csv"))
    assert {r["stops"] for r in rows} == {"VEN;NIC;CUB", "NIC;VEN;CUB", "IRN"}


def test_csv_escapes_formulas(api):
    Source.objects.filter(publisher="EFE").update(title='=HYPERLINK("http://evil")', publisher="+EFE")
    rows = read_csv(api.get(f"{V1}/sources/", {"format": "csv", "q": "efe"}))
    assert rows[0]["title"] == '\'=HYPERLINK("http://evil")'
    assert rows[0]["publisher"] == "'+EFE"


def test_csv_errors_are_json(api):
    response = api.get(f"{V1}/agreements/", {"format": "csv", "party": "XXX"})
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert error_attrs(response) == ["party"]


def test_relations_as_csv(api):
    rows = read_csv(api.get(f"{V1}/countries/IRN/relations/", {"format": "csv"}))
    assert {r["partner"]: r["agreements"] for r in rows} == {"VEN": "20", "NIC": "3", "CUB": "6"}


# -- ETags ----------------------------------------------------------------------------------------


def test_get_honours_if_none_match(api):
    trip = Trip.objects.get(lead__slug="nicolas-maduro")
    first = api.get(f"{V1}/trips/{trip.pk}/")
    tag = first["ETag"]
    assert tag
    assert api.get(f"{V1}/trips/{trip.pk}/", HTTP_IF_NONE_MATCH=tag).status_code == 304
    assert api.get(f"{V1}/trips/{trip.pk}/", HTTP_IF_NONE_MATCH=f"W/{tag}").status_code == 304
    stop = trip.stops.get()
    stop.city = "Teheran"
    stop.save()  # a change to an embedded stop changes the trip's ETag
    again = api.get(f"{V1}/trips/{trip.pk}/", HTTP_IF_NONE_MATCH=tag)
    assert again.status_code == 200 and again["ETag"] != tag


def test_lists_have_etags_too(api):
    tag = api.get(f"{V1}/events/")["ETag"]
    assert api.get(f"{V1}/events/", HTTP_IF_NONE_MATCH=tag).status_code == 304


def test_a_list_is_not_modified_for_one_small_query_and_modified_by_any_write(api, curator_api):
    url = f"{V1}/agreements/?party=IRN&sector=mining"
    tag = api.get(url)["ETag"]
    with CaptureQueriesContext(connection) as queries:
        assert api.get(url, HTTP_IF_NONE_MATCH=tag).status_code == 304
    assert len(queries) == 1  # the data version: no filter, no count, no rows
    official = curator_api.get(f"{V1}/officials/nicolas-maduro/").json()
    assert curator_api.patch(f"{V1}/officials/nicolas-maduro/", {"name": official["name"] + " M."}).status_code == 200
    again = api.get(url, HTTP_IF_NONE_MATCH=tag)
    assert again.status_code == 200 and again["ETag"] != tag
    # "*" names no URL's tag: the parameters are checked first
    assert api.get(f"{V1}/agreements/?party=XXX", HTTP_IF_NONE_MATCH="*").status_code == 400
    assert api.get(f"{V1}/sources/?page=null", HTTP_IF_NONE_MATCH="*").status_code == 400  # found by schemathesis
    assert api.get(url, HTTP_IF_NONE_MATCH="*").status_code == 304


# -- deletions ------------------------------------------------------------------------------------


def test_deletions_are_listed_since_a_time(api, curator_api):
    event = results(api.get(f"{V1}/events/", {"kind": "announcement"}))[0]
    assert curator_api.delete(f"{V1}/events/{event['id']}/").status_code == 204
    rows = results(api.get(f"{V1}/deletions/", {"since": "2000-01-01T00:00:00Z"}))
    assert [(r["resource"], r["record_id"]) for r in rows] == [("events", event["id"])]
    assert not results(api.get(f"{V1}/deletions/", {"since": "2999-01-01T00:00:00Z"}))
    assert Deletion.objects.count() == 1


# -- query counts ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "resource", ["actors", "countries", "sectors", "officials", "trips", "agreements", "events", "sources", "deletions"]
)
def test_list_query_count_does_not_grow_with_the_page(api, resource):
    def count(page_size: int, *, cached: bool) -> int:
        if not cached:
            cache.clear()  # the total is counted again
        with CaptureQueriesContext(connection) as queries:
            assert api.get(f"{V1}/{resource}/", {"page_size": page_size}).status_code == 200
        return len(queries)

    cold = count(1, cached=False)
    assert count(50, cached=False) == cold
    # data version, total, then the page: its rows (flat lists), or its ids and the rows PostgreSQL builds
    assert cold <= 4
    assert count(1, cached=True) == count(50, cached=True) == cold - 1  # the total is counted once per data version


def test_filter_validation_costs_at_most_one_query_per_parameter(api):
    filters = {"party": ["IRN", "VEN", "CUB"], "sector": ["mining", "health", "energy"]}
    for _ in range(2):  # the second time, as a worker answers most requests: totals and country ids cached
        with CaptureQueriesContext(connection) as plain:
            api.get(f"{V1}/agreements/")
        with CaptureQueriesContext(connection) as filtered:
            api.get(f"{V1}/agreements/", filters)
    assert len(filtered) <= len(plain) + 1  # the three sector slugs in one query; ISO codes need none


def test_malformed_ids_and_unknown_urls_are_json_404(api):
    for url in (f"{V1}/agreements/not-a-uuid/", f"{V1}/countries/IRNX/", f"{V1}/no-such-resource/"):
        response = api.get(url)
        assert response.status_code == 404, url
        assert response.json()["type"] == "client_error"


@pytest.mark.parametrize("debug", [False, True])
def test_unknown_api_urls_are_json_404_whatever_debug_says(api, settings, debug):
    settings.DEBUG = debug  # Django answers its HTML debug page when DEBUG is on, ignoring handler404
    for method, url in (("delete", f"{V1}/trips/C%21.R/"), ("get", f"{V1}/no-such-resource/"), ("get", "/api/x")):
        response = getattr(api, method)(url)
        assert response.status_code == 404, url
        assert response["Content-Type"] == "application/json"
        assert response.json()["errors"][0]["code"] == "not_found"
    assert api.get(f"{V1}/agreements").status_code == 301  # a missing final slash is still redirected
    assert "text/html" in api.get("/no-such-page/")["Content-Type"]  # outside the API: HTML


def test_json_is_compressed_when_the_client_accepts_it(api):
    response = api.get(f"{V1}/countries/", HTTP_ACCEPT_ENCODING="gzip")
    assert response["Content-Encoding"] == "gzip"
    assert response["Content-Type"] == "application/json"


def test_cross_origin_requests_from_allowed_origins(api, settings):
    settings.CORS_ALLOWED_ORIGINS = ["https://analyst.example.org"]
    allowed = api.get(f"{V1}/sectors/", HTTP_ORIGIN="https://analyst.example.org")
    assert allowed["Access-Control-Allow-Origin"] == "https://analyst.example.org"
    other = api.get(f"{V1}/sectors/", HTTP_ORIGIN="https://elsewhere.example.com")
    assert "Access-Control-Allow-Origin" not in other


def test_api_docs_are_served_without_a_cdn(client):
    for url in ("/api/docs/", "/api/redoc/"):
        page = client.get(url).content.decode()
        assert "cdn.jsdelivr.net" not in page and "unpkg.com" not in page
        assert "https://" not in page  # no third party at all: fonts.googleapis.com was one
        assert "/static/drf_spectacular_sidecar/" in page
    assert client.get("/api/schema/?format=json").json()["info"]["title"] == "Diplomatic event database API"


def test_signatory_trip_and_participant_filters_match(api):
    from events.models import AgreementParty, Event, Official

    maduro = Official.objects.get(slug="nicolas-maduro")
    AgreementParty.objects.filter(agreement__term_years=20, country__code="VEN").update(signatory=maduro)
    assert titles(api.get(f"{V1}/agreements/", {"signatory": "nicolas-maduro"})) == {
        "20-year Iran–Venezuela partnership agreement"
    }
    assert not results(api.get(f"{V1}/agreements/", {"signatory": "ebrahim-raisi"}))

    tour = Trip.objects.get(lead__slug="ebrahim-raisi")
    signed_on_tour = titles(api.get(f"{V1}/agreements/", {"trip": str(tour.pk)}))
    assert signed_on_tour == {
        "Documents signed in Caracas during Raisi's visit",
        "Memoranda of understanding signed in Managua during Raisi's visit",
        "Accords signed in Havana during Raisi's visit",
    }
    other = Trip.objects.get(lead__slug="hossein-amir-abdollahian")
    assert not results(api.get(f"{V1}/agreements/", {"trip": str(other.pk)}))
    assert len(results(api.get(f"{V1}/events/", {"trip": str(tour.pk)}))) == Event.objects.filter(trip=tour).count() > 0
    assert not results(api.get(f"{V1}/events/", {"trip": str(other.pk)}))
    assert len(results(api.get(f"{V1}/events/", {"participant": "ebrahim-raisi"}))) == Event.objects.count()


def test_value_range_filters_match(api):
    assert titles(api.get(f"{V1}/agreements/", {"max_value": "5000000000", "min_value": "5000000000"})) == {
        "Contracts in the knowledge sectors"
    }
    assert not results(api.get(f"{V1}/agreements/", {"max_value": "4999999999.99"}))


def test_deletion_resource_filter(api):
    Deletion.objects.create(resource="trips", record_id="x")
    Deletion.objects.create(resource="events", record_id="y")
    assert [d["record_id"] for d in results(api.get(f"{V1}/deletions/", {"resource": "trips"}))] == ["x"]


def golden_components() -> dict:
    """The committed contract (openapi.yaml): CI fails when the schema the app serves differs from it."""
    with (settings.BASE_DIR / "openapi.yaml").open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)["components"]["schemas"]


def assert_shape(data: dict, shape: dict, where: str) -> None:
    """The keys of ``data``, in order and in every nested object and list, are the component's."""
    assert list(data) == list(shape), where
    for key, sub in shape.items():
        value = data[key]
        if isinstance(sub, dict) and value is not None:
            assert_shape(value, sub, f"{where}.{key}")
        elif isinstance(sub, list):
            for item in value:
                assert_shape(item, sub[0], f"{where}.{key}[]")


GOLDEN = {
    "countries": "Actor",
    "actors": "Actor",
    "sectors": "Sector",
    "officials": "Official",
    "trips": "Trip",
    "agreements": "Agreement",
    "events": "Event",
    "sources": "Source",
    "deletions": "Deletion",
}


@pytest.mark.parametrize("resource", sorted(GOLDEN))
def test_golden_shape_of_each_resource(api, curator_api, resource):
    """The shape generated clients depend on, as openapi.yaml pins it: field names and order, nested parts
    included, the same in lists and details."""
    if resource == "deletions":
        Deletion.objects.create(resource="trips", record_id="x")
    shape = schema_shape(golden_components()[GOLDEN[resource]], golden_components())
    for row in results(api.get(f"{V1}/{resource}/", {"page_size": 500})):
        assert_shape(row, shape, resource)
        if "url" in row:
            assert_shape(api.get(row["url"]).json(), shape, f"{resource} detail")


def test_golden_shape_covers_the_nested_parts():
    """The seed has a record with every nested part, so the golden test above walks into each."""
    agreement = Agreement.objects.get(kind="partnership")
    assert agreement.parties.filter(actions__isnull=False).exists() and agreement.citations.exists()
    assert Trip.objects.filter(stops__isnull=False, citations__isnull=False).exists()


@pytest.mark.parametrize("resource", sorted(set(GOLDEN) - {"deletions"}))
def test_every_seed_record_reads_the_same_in_its_list_and_its_detail(api, resource):
    """List rows come from PostgreSQL, details from the serializer: on the real records, they agree."""
    rows = results(api.get(f"{V1}/{resource}/", {"page_size": 500}))
    assert rows
    for row in rows[:60]:  # the seed's records, and the first 60 of the 249 countries
        detail = api.get(row["url"])
        assert detail.status_code == 200
        assert orjson.dumps(detail.json()) == orjson.dumps(row), row["url"]
