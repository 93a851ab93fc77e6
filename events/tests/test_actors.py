"""Actors over time, with real records from ../shared/datasets (HistoryAtState travels and pocom, manytreaties).

Each record is transcribed from the dataset file named beside it, at the commit the datasets README gives;
nothing here is invented.
"""

import csv
import datetime
import io

import pytest
from django.db import IntegrityError, transaction

from events.actors import UnknownActor, resolve, resolve_label, with_predecessors
from events.models import Actor, ActorIdentifier, Agreement, Identifier, Official, Position
from events.tests.api import error_attrs, results

pytestmark = pytest.mark.django_db
V1 = "/api/v1"
day = datetime.date.fromisoformat


# -- resolution by date ----------------------------------------------------------------------------------


def test_the_ussr_label_resolves_by_the_date_not_the_label():
    # travels, secretary-travels/kissinger-henry-a.xml, id 1021: 1974-03-24/28, <country id="russia">U.S.S.R.
    kissinger = resolve("hsg", "russia", day("1974-03-24"))
    assert (kissinger.actor.code, kissinger.named.code) == ("SUN", "RUS")
    assert [(s.predecessor.code, s.successor.code, s.date) for s in kissinger.via] == [
        ("SUN", "RUS", day("1991-12-26"))
    ]
    assert resolve("hsg", "russia", day("1993-01-01")).actor.code == "RUS"
    # secretary-travels/baker-james-addison.xml, ids 459, 467, 469: labelled "U.S.S.R." after the USSR's end.
    for start in ("1992-01-27", "1992-02-14", "1992-02-16"):
        baker = resolve("hsg", "russia", day(start))
        assert (baker.actor.code, baker.changed) == ("RUS", False)
    # The day before and the day of the succession.
    assert resolve("hsg", "russia", day("1991-12-25")).actor.code == "SUN"
    assert resolve("hsg", "russia", day("1991-12-26")).actor.code == "RUS"


def test_an_absorption_is_not_followed_back():
    # Kissinger's other stop that day, id 1020: <country id="germany">Germany, Federal Republic of, Bonn.
    # Germany existed before the GDR joined it: the id stays Germany (DEU, the Federal Republic).
    assert resolve("hsg", "germany", day("1974-03-24")).actor.code == "DEU"
    assert resolve("hsg", "german-democratic-republic", day("1974-03-24")).actor.code == "DDR"
    # Before 1871 the id "germany" (pocom files Prussia's envoys under it) is Prussia.
    assert resolve("hsg", "germany", day("1800-01-01")).actor.code == "XPR"


def test_a_split_resolves_to_the_state_that_split_and_organisations_follow_their_succession():
    assert resolve("hsg", "czech-republic", day("1980-01-01")).actor.code == "CSK"
    assert resolve("hsg", "czech-republic", day("1993-01-01")).actor.code == "CZE"
    # manytreaties codes the European Community EUE in 1967 (DNK-EUE_1967N): the Community, not the Union.
    assert resolve("manytreaties", "EUE", day("1967-06-30")).actor.code == "EC"
    assert resolve("manytreaties", "EUE", day("2010-01-01")).actor.code == "EU"


def test_labels_resolve_by_name_and_unknown_ids_are_named():
    assert resolve_label("U.S.S.R.", day("1974-03-24")).actor.code == "SUN"
    assert resolve_label("Russian Federation", day("1974-03-24")).actor.code == "SUN"  # ISO's name of RUS
    assert resolve_label("Congo", day("2000-01-01")).actor.code == "COG"  # the name, not a part of another's
    with pytest.raises(UnknownActor, match='No actor is named "Atlantis"'):
        resolve_label("Atlantis", day("2000-01-01"))
    with pytest.raises(UnknownActor, match='"hsg:atlantis"'):
        resolve("hsg", "atlantis", day("1974-03-24"))


def test_predecessors_of_an_actor():
    codes = lambda ids: set(Actor.objects.filter(pk__in=ids).values_list("code", flat=True))  # noqa: E731
    assert codes(with_predecessors([Actor.objects.get(code="RUS")])) == {"RUS", "SUN", "XRE"}
    assert codes(with_predecessors([Actor.objects.get(code="DEU")])) == {"DEU", "XPR"}  # the GDR joined it
    assert codes(with_predecessors([Actor.objects.get(code="SVK")])) == {"SVK", "CSK"}


# -- the actors resource -----------------------------------------------------------------------------------


def test_actors_hold_former_countries_entities_and_organisations(api):
    soviet = api.get(f"{V1}/actors/sun/").json()
    assert (soviet["kind"], soviet["iso3"], soviet["iso2"], soviet["iso_former_code"]) == (
        "former_country",
        "SUN",
        None,
        "SUHH",
    )
    assert (soviet["from_year"], soviet["until_year"]) == (1917, 1991)
    russia = next(s for s in soviet["successors"] if s["successor"]["code"] == "RUS")
    assert (russia["date"], russia["kind"]) == ("1991-12-26", "continuation")
    assert "142-N" in russia["citations"][0]["source"]["title"]
    eu = api.get(f"{V1}/actors/EU/").json()
    assert (eu["kind"], eu["iso3"], eu["numeric"]) == ("organisation", None, None)
    assert {"scheme": "manytreaties", "value": "EUE", "note": None, "qualified": "manytreaties:EUE"} in eu[
        "identifiers"
    ]
    kosovo = api.get(f"{V1}/actors/XKX/").json()
    assert (kosovo["kind"], kosovo["iso3"]) == ("entity", None)
    organisations = {a["code"] for a in results(api.get(f"{V1}/actors/", {"kind": "organisation", "page_size": 100}))}
    assert {"UN", "NATO", "OAS", "EU", "EC", "EFTA", "IAEA"} <= organisations
    assert [a["code"] for a in results(api.get(f"{V1}/actors/", {"identifier": "hsg:russia"}))] == ["RUS"]
    in_1980 = {a["code"] for a in results(api.get(f"{V1}/actors/", {"existed_in": 1980, "page_size": 500}))}
    assert {"SUN", "DDR", "CSK", "EC"} <= in_1980 and "EU" not in in_1980


def test_countries_keep_what_they_held(api):
    assert api.get(f"{V1}/countries/").json()["count"] == 249
    assert api.get(f"{V1}/countries/IRN/").json()["code"] == "IRN"
    assert api.get(f"{V1}/countries/SUN/").status_code == 404  # a former country is an actor, not a country
    assert api.get(f"{V1}/actors/SUN/").status_code == 200


# -- queries across succession, organisations as parties and posts ---------------------------------------


def agreement(curator_api, title: str, signed: str, parties: list[str], **fields) -> dict:
    response = curator_api.post(
        f"{V1}/agreements/",
        {"title": title, "kind": "agreement", "signed": signed, "parties": [{"country": c} for c in parties], **fields},
        format="json",
    )
    assert response.status_code == 201, response.content
    return response.json()


def test_a_party_filter_across_succession_is_off_by_default(api, curator_api):
    # manytreaties RUS-USA_1972A (GGO_agreements.csv row 1110), signed in Moscow on 1972-05-23. manytreaties
    # codes the USSR RUS; with RUS's stateID recorded, the date resolves the party to the Soviet Union.
    ActorIdentifier.objects.create(actor=Actor.objects.get(code="RUS"), scheme_id="manytreaties", value="RUS")
    assert resolve("manytreaties", "RUS", day("1972-05-23")).actor.code == "SUN"
    made = agreement(
        curator_api, "USA-USSR Bilateral Agreement On Environmental Protection", "1972-05-23", ["USA", "SUN"]
    )
    assert {p["country"]["kind"] for p in made["parties"]} == {"country", "former_country"}
    assert not [a for a in results(api.get(f"{V1}/agreements/", {"party": "RUS"})) if a["id"] == made["id"]]
    found = results(api.get(f"{V1}/agreements/", {"party": ["RUS", "USA"], "include_predecessors": "true"}))
    assert [a["id"] for a in found] == [made["id"]]
    assert [a["id"] for a in results(api.get(f"{V1}/agreements/", {"party": "SUN"}))] == [made["id"]]
    # Relations of Russia: the United States only through the Soviet Union's agreement.
    plain = {r["partner"]["code"] for r in api.get(f"{V1}/actors/RUS/relations/").json()}
    wide = {
        r["partner"]["code"] for r in api.get(f"{V1}/actors/RUS/relations/", {"include_predecessors": "true"}).json()
    }
    assert "USA" not in plain and "USA" in wide
    assert error_attrs(api.get(f"{V1}/agreements/", {"party": "ZZZ"})) == ["party"]


def test_an_organisation_is_a_party(api, curator_api):
    # manytreaties DNK-EUE_1967N: two agreement rows share the treatyID (rows 880 and 881, herring and tuna).
    herring = agreement(
        curator_api,
        "Exchange Of Letters Constituting An Agreement Between Denmark And The European Community Concerning "
        "Concessions From The European Economic Community On Herring",
        "1967-06-30",
        ["DNK", "EC"],
    )
    tuna = agreement(
        curator_api,
        "Exchange Of Letters Constituting An Agreement Between Denmark And The European Community Concerning "
        "Concessions From The European Economic Community On Tuna",
        "1967-06-30",
        ["DNK", "EC"],
    )
    ec = next(p["country"] for p in herring["parties"] if p["country"]["code"] == "EC")
    assert (ec["kind"], ec["iso3"], ec["url"]) == ("organisation", None, "http://testserver/api/v1/actors/EC/")
    ids = {a["id"] for a in results(api.get(f"{V1}/agreements/", {"party": "EC"}))}
    assert ids == {herring["id"], tuna["id"]}
    assert not results(api.get(f"{V1}/agreements/", {"party": "EU"}))
    both = {a["id"] for a in results(api.get(f"{V1}/agreements/", {"party": "EU", "include_predecessors": "true"}))}
    assert both == {herring["id"], tuna["id"]}
    # The repeated upstream id: both records carry it (manytreaties is not a unique scheme), told apart by note.
    for record, row in ((herring, 880), (tuna, 881)):
        Identifier.objects.create(
            record=Agreement.objects.get(pk=record["id"]),
            scheme_id="manytreaties",
            value="DNK-EUE_1967N",
            note=f"derived/GGO_agreements.csv row {row}",
        )
    found = results(api.get(f"{V1}/agreements/", {"identifier": "manytreaties:DNK-EUE_1967N"}))
    assert {(a["id"], a["identifiers"][0]["note"]) for a in found} == {
        (herring["id"], "derived/GGO_agreements.csv row 880"),
        (tuna["id"], "derived/GGO_agreements.csv row 881"),
    }


def official(curator_api, slug: str, name: str, positions: list[dict]) -> dict:
    response = curator_api.post(f"{V1}/officials/", {"slug": slug, "name": name, "positions": positions}, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def test_positions_abroad_posted_to_a_country_an_organisation_or_several(api, curator_api):
    # pocom missions-countries/france.xml, fr-1949-bruc-01: David K. E. Bruce, ambassador-e-p, credentials
    # 1949-05-17, left post 1952-03-10.
    official(
        curator_api,
        "bruce-david-kirkpatrick-este",
        "David Kirkpatrick Este Bruce",
        [
            {
                "title": "Ambassador Extraordinary and Plenipotentiary",
                "country": "USA",
                "posted_to": ["FRA"],
                "start": "1949-05-17",
                "end": "1952-03-10",
            }
        ],
    )
    # missions-orgs/representative-to-un.xml, un-1945-stet: Edward Reilly Stettinius, credentials (a letter of
    # designation) 1946-01-17, ended 1946-06-03.
    official(
        curator_api,
        "stettinius-edward-reilly",
        "Edward Reilly Stettinius",
        [
            {
                "title": "Representative to the United Nations",
                "country": "USA",
                "posted_to": ["UN"],
                "start": "1946-01-17",
                "end": "1946-06-03",
            }
        ],
    )
    # concurrent-appointments/1977-orti-01.xml: Francis Vincent Ortiz, resident at Barbados, accredited to
    # Barbados and Grenada (bb-1977-orti-01, gd-1977-orti-01), both 1977-07-29 to 1979-05-15.
    ortiz = official(
        curator_api,
        "ortiz-francis-vincent",
        "Francis Vincent Ortiz",
        [
            {
                "title": "Ambassador Extraordinary and Plenipotentiary",
                "country": "USA",
                "posted_to": ["BRB", "GRD"],
                "start": "1977-07-29",
                "end": "1979-05-15",
            }
        ],
    )
    assert [a["code"] for a in ortiz["positions"][0]["posted_to"]] == ["BRB", "GRD"]

    def posted(code: str, on: str) -> list[str]:
        return [o["slug"] for o in results(api.get(f"{V1}/officials/", {"posted_to": code, "active_on": on}))]

    assert posted("FRA", "1950-01-01") == ["bruce-david-kirkpatrick-este"]
    assert posted("FRA", "1953-01-01") == []
    assert posted("UN", "1946-03-01") == ["stettinius-edward-reilly"]
    assert posted("GRD", "1978-01-01") == posted("BRB", "1978-01-01") == ["ortiz-francis-vincent"]
    assert posted("GRD", "1980-01-01") == []
    # Representing the United States is not being posted there.
    assert posted("USA", "1950-01-01") == []
    response = api.get(f"{V1}/officials/", {"posted_to": "GRD", "format": "csv"})
    csv_text = b"".join(response.streaming_content).decode()
    assert "BRB;GRD" in csv_text


def test_identifiers_are_looked_up_and_repeats_told_apart(api, curator_api):
    # pocom missions-countries/belize.xml uses bz-1983-barn-01 twice: Malcolm R. Barnebey as chargé d'affaires ad
    # interim (1981-10-29 to 1983-06-23), then as ambassador (credentials 1983-06-23, left post 1985-07-10).
    barnebey = official(
        curator_api,
        "barnebey-malcolm-r",
        "Malcolm R. Barnebey",
        [
            {
                "title": "Chargé d'Affaires ad interim",
                "country": "USA",
                "posted_to": ["BLZ"],
                "start": "1981-10-29",
                "end": "1983-06-23",
            },
            {
                "title": "Ambassador Extraordinary and Plenipotentiary",
                "country": "USA",
                "posted_to": ["BLZ"],
                "start": "1983-06-23",
                "end": "1985-07-10",
            },
        ],
    )
    for item, role in zip(barnebey["positions"], ("charge-daffaires-ad-interim", "ambassador-e-p"), strict=True):
        position = Position.objects.get(pk=item["id"])
        Identifier.objects.create(record=position, scheme_id="pocom", value="bz-1983-barn-01", note=f"as {role}")
    found = results(api.get(f"{V1}/officials/", {"identifier": "pocom:bz-1983-barn-01"}))
    assert [o["slug"] for o in found] == ["barnebey-malcolm-r"]
    response = api.get(f"{V1}/officials/", {"identifier": "pocom:bz-1983-barn-01", "format": "csv"})
    header, row = csv.reader(io.StringIO(b"".join(response.streaming_content).decode()))
    assert dict(zip(header, row, strict=True))["position_identifiers"] == "pocom:bz-1983-barn-01"
    assert [(p["title"], p["identifiers"][0]["note"]) for p in found[0]["positions"]] == [
        ("Chargé d'Affaires ad interim", "as charge-daffaires-ad-interim"),
        ("Ambassador Extraordinary and Plenipotentiary", "as ambassador-e-p"),
    ]
    # travels ids are unique: a second record with the same value is refused by the database.
    raisi = Official.objects.get(slug="ebrahim-raisi")
    Identifier.objects.create(record=raisi, scheme_id="travels", value="2325")
    with pytest.raises(IntegrityError), transaction.atomic():
        Identifier.objects.create(record=Official.objects.get(slug="nicolas-maduro"), scheme_id="travels", value="2325")
    assert error_attrs(api.get(f"{V1}/officials/", {"identifier": "no-scheme-here"})) == ["identifier"]
    assert results(api.get(f"{V1}/trips/", {"identifier": "travels:999999"})) == []
