"""Writing through the API: permissions, nested writes through the services, ETags, conflicts."""

import pytest
from django.contrib.auth.models import Permission
from django.core.cache import cache
from knox.crypto import hash_token
from knox.models import AuthToken
from rest_framework.test import APIClient

from events.models import Agreement, AgreementParty, Official, Source, Stop, Trip
from events.tests.api import error_attrs

pytestmark = pytest.mark.django_db
V1 = "/api/v1"


def new_agreement(**extra) -> dict:
    return {
        "title": "Memorandum on mining cooperation",
        "kind": "memorandum_of_understanding",
        "signed": "2023-06",
        "signed_basis": "stated",
        "sectors": ["mining"],
        "quantity": 1,
        "value_amount": "1500000.50",
        "value_currency": "USD",
        "parties": [
            {"country": "IRN", "signatory": "ebrahim-raisi", "actions": [{"action": "signed", "date": "2023-06-13"}]},
            {"country": "NIC", "actions": [{"action": "signed", "date": "2023-06-13"}]},
        ],
        **extra,
    }


# -- permissions ----------------------------------------------------------------------------------

WRITES = {
    "agreements": ("post", new_agreement()),
    "sources": ("post", {"title": "A new report", "kind": "news_report", "language": "en"}),
    "officials": ("post", {"slug": "new-envoy", "name": "New Envoy"}),
    "events": ("post", {"kind": "meeting", "title": "A meeting", "date": "2023"}),
    "trips": ("post", {"title": "A trip", "lead": "ebrahim-raisi", "origin": "IRN", "stops": [{"country": "CUB"}]}),
}


@pytest.mark.parametrize("resource", sorted(WRITES))
def test_anonymous_users_read_but_cannot_write(api, resource):
    assert api.get(f"{V1}/{resource}/").status_code == 200
    method, body = WRITES[resource]
    response = getattr(api, method)(f"{V1}/{resource}/", body, format="json")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


@pytest.mark.parametrize("resource", sorted(WRITES))
def test_users_without_the_model_permission_get_403(reader, resource):
    client = APIClient()
    client.force_authenticate(reader)
    method, body = WRITES[resource]
    assert getattr(client, method)(f"{V1}/{resource}/", body, format="json").status_code == 403


@pytest.mark.parametrize("resource", sorted(WRITES))
def test_users_with_the_add_permission_create(reader, resource):
    model = {
        "agreements": "agreement",
        "sources": "source",
        "officials": "official",
        "events": "event",
        "trips": "trip",
    }
    reader.user_permissions.add(Permission.objects.get(codename=f"add_{model[resource]}"))
    client = APIClient()
    client.force_authenticate(reader)
    method, body = WRITES[resource]
    response = getattr(client, method)(f"{V1}/{resource}/", body, format="json")
    assert response.status_code == 201, response.json()
    assert response["Location"] == response.json()["url"]
    # ... but not change or delete without those permissions
    url = response.json()["url"]
    assert client.patch(url, {}, format="json").status_code == 403
    assert client.delete(url).status_code == 403


def test_change_and_delete_need_their_permissions(reader):
    client = APIClient()
    client.force_authenticate(reader)
    source = Source.objects.create(title="Disposable")
    url = f"{V1}/sources/{source.pk}/"
    assert client.patch(url, {"title": "Changed"}, format="json").status_code == 403
    reader.user_permissions.add(Permission.objects.get(codename="change_source"))
    client.force_authenticate(reader)
    reader = type(reader).objects.get(pk=reader.pk)  # drop the permission cache
    client.force_authenticate(reader)
    assert client.patch(url, {"title": "Changed"}, format="json").status_code == 200
    assert client.delete(url).status_code == 403
    reader.user_permissions.add(Permission.objects.get(codename="delete_source"))
    client.force_authenticate(type(reader).objects.get(pk=reader.pk))
    assert client.delete(url).status_code == 204


@pytest.mark.parametrize("resource", ["countries", "sectors"])
def test_reference_data_is_read_only(curator_api, resource):
    assert curator_api.post(f"{V1}/{resource}/", {}, format="json").status_code == 405
    key = "IRN" if resource == "countries" else "mining"
    assert curator_api.delete(f"{V1}/{resource}/{key}/").status_code == 405


def test_token_authentication(curator):
    api = APIClient()
    response = api.post(f"{V1}/auth/token/", {"username": "curator", "password": "x-curator-pw"}, format="json")
    assert response.status_code == 200
    token = response.json()["token"]
    stored = AuthToken.objects.get(user=curator)  # a digest, not the token
    assert stored.digest == hash_token(token) and token not in (stored.digest, stored.token_key)
    assert stored.expiry.isoformat().replace("+00:00", "Z") == response.json()["expiry"]
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api.post(f"{V1}/sources/", {"title": "Via token"}, format="json").status_code == 201
    form = APIClient().post(
        f"{V1}/auth/token/", "username=curator&password=x-curator-pw", content_type="application/x-www-form-urlencoded"
    )
    assert form.status_code == 415  # JSON only
    wrong = APIClient().post(f"{V1}/auth/token/", {"username": "curator", "password": "nope"}, format="json")
    assert wrong.status_code == 400


# -- nested writes --------------------------------------------------------------------------------


def test_create_an_agreement_with_parties_actions_and_sectors(curator_api):
    response = curator_api.post(f"{V1}/agreements/", new_agreement(), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert [p["country"]["iso3"] for p in body["parties"]] == ["IRN", "NIC"]
    assert body["parties"][0]["signatory"]["slug"] == "ebrahim-raisi"
    assert body["parties"][0]["actions"][0]["date"] == "2023-06-13"
    assert [s["slug"] for s in body["sectors"]] == ["mining"]
    assert (body["signed_precision"], body["signed_earliest"], body["signed_latest"]) == (
        "month",
        "2023-06-01",
        "2023-06-30",
    )
    assert body["value_amount"] == "1500000.50"
    agreement = Agreement.objects.get(pk=body["id"])
    assert sorted(agreement.parties.values_list("country__code", flat=True)) == ["IRN", "NIC"]


def test_update_keeps_a_party_row_by_country_and_replaces_the_list(curator_api):
    created = curator_api.post(f"{V1}/agreements/", new_agreement(), format="json").json()
    iran_party = created["parties"][0]["id"]
    update = new_agreement(parties=[{"country": "IRN"}, {"country": "cub"}])
    body = curator_api.put(created["url"], update, format="json").json()
    assert [p["country"]["iso3"] for p in body["parties"]] == ["CUB", "IRN"]
    assert next(p for p in body["parties"] if p["country"]["iso3"] == "IRN")["id"] == iran_party
    assert not AgreementParty.objects.filter(agreement_id=created["id"], country__code="NIC").exists()


@pytest.mark.parametrize(
    ("change", "attr", "message"),
    [
        ({"parties": [{"country": "IRN"}]}, "parties", "at least two parties"),
        ({"parties": [{"country": "IRN"}, {"country": "IRN"}]}, "parties.1", "only once"),
        ({"parties": [{"country": "IRN"}, {"country": "XXX"}]}, "parties.1.country", 'No actor with code "XXX"'),
        ({"signed": "June 2023"}, "signed", "not an EDTF level 1 date"),
        ({"value_currency": "ABC"}, "value_currency", "not an ISO 4217 currency"),
        ({"value_currency": ""}, None, "currency"),
        ({"quantity": 0}, "quantity", "greater than or equal to 1"),
        ({"sectors": ["astrology"]}, "sectors", 'No sector with slug "astrology"'),
        ({"kind": "pact"}, "kind", "not a valid choice"),
        (
            {
                "parties": [
                    {"country": "IRN", "actions": [{"action": "signed", "date": "2023-02-30"}]},
                    {"country": "NIC"},
                ]
            },
            "parties.0.actions.0.date",
            "no day 30",
        ),
    ],
)
def test_invalid_agreements_are_400_with_field_paths_and_change_nothing(curator_api, change, attr, message):
    before = (Agreement.objects.count(), AgreementParty.objects.count())
    response = curator_api.post(f"{V1}/agreements/", new_agreement(**change), format="json")
    assert response.status_code == 400, response.json()
    errors = response.json()["errors"]
    assert any(e["attr"] == attr and message in e["detail"] for e in errors), errors
    assert (Agreement.objects.count(), AgreementParty.objects.count()) == before


def test_a_breakdown_must_point_to_a_total(curator_api):
    single = Agreement.objects.get(term_years=20)
    response = curator_api.post(f"{V1}/agreements/", new_agreement(parent=str(single.pk)), format="json")
    assert response.status_code == 400
    assert error_attrs(response) == ["parent"]


def test_create_a_trip_with_ordered_stops(curator_api):
    body = {
        "title": "Raisi's visit to Havana",
        "lead": "ebrahim-raisi",
        "origin": "IRN",
        "stops": [
            {"country": "VEN", "city": "Caracas", "arrival": "2024-01-02", "departure": "2024-01-03"},
            {"country": "CUB", "city": "Havana", "arrival": "2024-01"},
        ],
    }
    created = curator_api.post(f"{V1}/trips/", body, format="json")
    assert created.status_code == 201, created.json()
    trip = created.json()
    assert [(s["order"], s["country"]["iso3"]) for s in trip["stops"]] == [(1, "VEN"), (2, "CUB")]
    assert (trip["span_earliest"], trip["span_latest"]) == ("2024-01-02", "2024-01-31")
    # Reorder, keeping the Havana stop (by id) and dropping Caracas.
    havana = trip["stops"][1]["id"]
    body["stops"] = [{"id": havana, "country": "CUB", "city": "Havana", "arrival": "2024-01"}, {"country": "NIC"}]
    updated = curator_api.put(trip["url"], body, format="json").json()
    assert [(s["order"], s["country"]["iso3"], s["id"] == havana) for s in updated["stops"]] == [
        (1, "CUB", True),
        (2, "NIC", False),
    ]


def test_a_stop_that_departs_before_it_arrives_is_rejected_atomically(curator_api):
    trip = Trip.objects.get(lead__slug="nicolas-maduro")
    stops_before = list(Stop.objects.values_list("pk", "arrival", "departure"))
    body = {
        "title": "Changed title",
        "lead": "nicolas-maduro",
        "origin": "VEN",
        "stops": [{"country": "IRN", "city": "Tehran", "arrival": "2022-06-20", "departure": "2022-06-10"}],
    }
    response = curator_api.put(f"{V1}/trips/{trip.pk}/", body, format="json")
    assert response.status_code == 400
    assert any(
        e["attr"] == "stops.0" and "cannot depart before it arrives" in e["detail"] for e in response.json()["errors"]
    )
    assert list(Stop.objects.values_list("pk", "arrival", "departure")) == stops_before
    assert Trip.objects.get(pk=trip.pk).title == "Nicolás Maduro's visit to Tehran"


def test_stops_out_of_sequence_are_rejected(curator_api):
    body = {
        "title": "Back in time",
        "lead": "ebrahim-raisi",
        "origin": "IRN",
        "stops": [{"country": "VEN", "arrival": "2024-02-10"}, {"country": "CUB", "arrival": "2024-02-01"}],
    }
    response = curator_api.post(f"{V1}/trips/", body, format="json")
    assert response.status_code == 400
    assert error_attrs(response) == ["stops"]
    assert not Trip.objects.filter(title="Back in time").exists()


def test_an_official_with_positions(curator_api):
    body = {
        "slug": "new-minister",
        "name": "New Minister",
        "alternative_names": ["N. Minister"],
        "positions": [{"title": "Minister of Foreign Affairs", "country": "IRN", "start": "2024-05", "end": ""}],
    }
    created = curator_api.post(f"{V1}/officials/", body, format="json")
    assert created.status_code == 201, created.json()
    assert created["Location"].endswith("/api/v1/officials/new-minister/")
    holders = curator_api.get(f"{V1}/officials/", {"country": "IRN", "active_on": "2024-06-01"}).json()["results"]
    assert [o["slug"] for o in holders] == ["new-minister"]
    body["positions"][0]["end"] = "2023"
    response = curator_api.put(f"{V1}/officials/new-minister/", body, format="json")
    assert response.status_code == 400
    assert "positions.0" in error_attrs(response)


def test_a_clash_with_a_unique_rule_is_409(curator_api):
    response = curator_api.post(f"{V1}/officials/", {"slug": "ebrahim-raisi", "name": "Someone"}, format="json")
    assert response.status_code == 409
    assert error_attrs(response) == ["slug"]
    assert "already exists" in response.json()["errors"][0]["detail"]


def test_an_event_with_participants(curator_api):
    body = {
        "kind": "meeting",
        "title": "Talks in Caracas",
        "date": "2023-06-12",
        "cameo_code": "040",
        "plover_type": "CONSULT",
        "plover_mode": "visit",
        "participants": [{"official": "ebrahim-raisi", "role": "visitor"}, {"country": "VEN", "role": "host"}],
    }
    created = curator_api.post(f"{V1}/events/", body, format="json")
    assert created.status_code == 201, created.json()
    assert {(p["official"] and p["official"]["slug"], p["role"]) for p in created.json()["participants"]} == {
        ("ebrahim-raisi", "visitor"),
        (None, "host"),
    }
    body["participants"] = [{"role": "host"}]
    response = curator_api.put(created.json()["url"], body, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "participants.0"


# -- conditional writes, conflicts, bodies --------------------------------------------------------


def test_if_match_prevents_lost_updates(curator_api):
    source = Source.objects.create(title="Versioned")
    url = f"{V1}/sources/{source.pk}/"
    tag = curator_api.get(url)["ETag"]
    first = curator_api.patch(url, {"title": "First edit"}, format="json", HTTP_IF_MATCH=tag)
    assert first.status_code == 200
    assert first["ETag"] != tag
    stale = curator_api.patch(url, {"title": "Second edit"}, format="json", HTTP_IF_MATCH=tag)
    assert stale.status_code == 412
    assert stale.json()["errors"][0]["code"] == "precondition_failed"
    assert curator_api.delete(url, HTTP_IF_MATCH=tag).status_code == 412
    invalid = curator_api.patch(url, {"language": "not a code"}, format="json", HTTP_IF_MATCH=tag)
    assert invalid.status_code == 400  # a bad body is reported first, whatever the ETag
    assert Source.objects.get(pk=source.pk).title == "First edit"
    assert curator_api.delete(url, HTTP_IF_MATCH=first["ETag"]).status_code == 204


def test_changing_a_part_changes_the_parents_etag(curator_api):
    agreement = Agreement.objects.get(term_years=20)
    url = f"{V1}/agreements/{agreement.pk}/"
    tag = curator_api.get(url)["ETag"]
    party = agreement.parties.get(country__code="VEN")
    party.signatory = Official.objects.get(slug="nicolas-maduro")
    party.save()
    assert curator_api.patch(url, {"title": "x"}, format="json", HTTP_IF_MATCH=tag).status_code == 412


def test_deleting_a_referenced_record_is_409_naming_what_blocks_it(curator_api):
    article = Source.objects.get(publisher="Al Mayadeen English")
    response = curator_api.delete(f"{V1}/sources/{article.pk}/")
    assert response.status_code == 409
    assert "citation" in response.json()["errors"][0]["detail"]
    raisi = curator_api.delete(f"{V1}/officials/ebrahim-raisi/")
    assert raisi.status_code == 409
    assert Official.objects.filter(slug="ebrahim-raisi").exists()


def test_a_body_that_is_not_json_is_415(curator_api):
    response = curator_api.post(f"{V1}/sources/", "title=x", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 415
    assert response.json()["type"] == "client_error"
    broken = curator_api.post(f"{V1}/sources/", "{not json", content_type="application/json")
    assert broken.status_code == 400


def test_anonymous_throttling_answers_429_with_retry_after(api, settings):
    from rest_framework.throttling import AnonRateThrottle

    cache.clear()
    original = AnonRateThrottle.THROTTLE_RATES
    AnonRateThrottle.THROTTLE_RATES = {**original, "anon": "2/minute"}
    try:
        assert api.get(f"{V1}/sectors/").status_code == 200
        assert api.get(f"{V1}/sectors/").status_code == 200
        response = api.get(f"{V1}/sectors/")
        assert response.status_code == 429
        assert int(response["Retry-After"]) > 0
        assert response.json()["errors"][0]["code"] == "throttled"
    finally:
        AnonRateThrottle.THROTTLE_RATES = original
        cache.clear()


def test_api_changes_are_recorded_in_history_with_their_token_user(curator):
    _, token = AuthToken.objects.create(curator)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    created = client.post(
        f"{V1}/trips/",
        {"title": "Tracked", "lead": "ebrahim-raisi", "origin": "IRN", "stops": [{"country": "CUB"}]},
        format="json",
    ).json()
    client.patch(created["url"], {"title": "Tracked, renamed"}, format="json")
    trip = Trip.objects.get(pk=created["id"])
    history = list(trip.history.order_by("history_date"))
    assert [(h.history_type, h.title, h.history_user) for h in history] == [
        ("+", "Tracked", curator),
        ("~", "Tracked, renamed", curator),
    ]
    assert trip.stops.get().history.get().history_user == curator
    client.delete(created["url"])
    assert Trip.history.filter(id=created["id"], history_type="-").get().history_user == curator


def test_values_the_database_cannot_store_are_400_not_500(curator_api, api):
    body = {"title": "Nul", "lead": "ebrahim-raisi", "origin": "IRN", "members": ["a\x00b"]}
    response = curator_api.post(f"{V1}/trips/", body, format="json")
    assert response.status_code == 400
    assert error_attrs(response) == ["members.0"] or error_attrs(response) == ["members"]
    assert curator_api.post(f"{V1}/sources/", {"title": "a\x00b"}, format="json").status_code == 400
    assert api.get(f"{V1}/trips/", {"traveler": "a\x00b"}).status_code == 400
    assert api.get(f"{V1}/agreements/", {"q": "a\x00b"}).status_code == 400
    assert api.get(f"{V1}/officials/a%00b/").status_code in (400, 404)
    assert api.get(f"{V1}/agreements/", {"min_value": "1e400"}).status_code == 400


def test_location_header_is_a_plain_string(curator_api):
    response = curator_api.post(f"{V1}/sources/", {"title": "Located"}, format="json")
    assert type(response["Location"]) is str


@pytest.mark.parametrize(
    ("body", "attr"),
    [
        ({"slug": "typed", "name": 5}, "name"),
        ({"slug": "typed", "name": "Typed", "alternative_names": [1]}, "alternative_names.0"),
        ({"slug": "typed", "name": "Typed", "positions": [{"title": True, "country": "IRN"}]}, "positions.0.title"),
        ({"slug": 7, "name": "Typed"}, "slug"),
    ],
)
def test_json_types_are_not_coerced(curator_api, body, attr):
    response = curator_api.post(f"{V1}/officials/", body, format="json")
    assert response.status_code == 400
    assert attr in error_attrs(response)


def test_numbers_and_flags_must_have_their_json_types(curator_api):
    for change, attr in (
        ({"quantity": "3"}, "quantity"),
        ({"value_amount": 10, "value_currency": "USD"}, "value_amount"),
        ({"parties_complete": "false"}, "parties_complete"),
    ):
        response = curator_api.post(f"{V1}/agreements/", new_agreement(**change), format="json")
        assert response.status_code == 400, change
        assert attr in error_attrs(response)


def test_empty_strings_are_not_null(curator_api):
    agreement = Agreement.objects.get(term_years=20)
    url = f"{V1}/agreements/{agreement.pk}/"
    for change, attr in (({"signed_at": ""}, "signed_at"), ({"parent": ""}, "parent"), ({"sectors": [""]}, "sectors")):
        response = curator_api.patch(url, change, format="json")
        assert response.status_code == 400, change
        assert attr in error_attrs(response)[0]
    assert curator_api.patch(url, {"signed_at": None}, format="json").status_code == 200
    source = Source.objects.get(publisher="EFE")
    assert curator_api.patch(f"{V1}/sources/{source.pk}/", {"published": ""}, format="json").status_code == 400


def test_max_length_counts_the_text_as_sent(curator_api):
    too_long = "    " + "x" * 199  # 203 characters; 199 once stripped
    response = curator_api.post(f"{V1}/sources/", {"title": "Padded", "publisher": too_long}, format="json")
    assert response.status_code == 400
    assert error_attrs(response) == ["publisher"]
    kept = curator_api.post(f"{V1}/sources/", {"title": "  Padded  "}, format="json").json()
    assert kept["title"] == "  Padded  "
