import datetime

import pytest
from django.core.exceptions import ValidationError

from events.dates import UncertainDate, parse_or_none, validate_edtf
from events.models import Stop

D = datetime.date


@pytest.mark.parametrize(
    ("text", "precision", "earliest", "latest"),
    [
        ("2023-06-15", "day", D(2023, 6, 15), D(2023, 6, 15)),
        ("2022-06", "month", D(2022, 6, 1), D(2022, 6, 30)),
        ("2023", "year", D(2023, 1, 1), D(2023, 12, 31)),
        ("2023-12", "month", D(2023, 12, 1), D(2023, 12, 31)),
        ("2024-02", "month", D(2024, 2, 1), D(2024, 2, 29)),  # leap year
        ("2023-02", "month", D(2023, 2, 1), D(2023, 2, 28)),
        ("1900-02", "month", D(1900, 2, 1), D(1900, 2, 28)),  # divisible by 100: not a leap year
        ("2000-02", "month", D(2000, 2, 1), D(2000, 2, 29)),  # divisible by 400: a leap year
        ("2024-02-29", "day", D(2024, 2, 29), D(2024, 2, 29)),
        ("2023-06-12/2023-06-15", "interval", D(2023, 6, 12), D(2023, 6, 15)),
        ("2022/2023-06", "interval", D(2022, 1, 1), D(2023, 6, 30)),
        ("2023-06-13/2023-06-13", "interval", D(2023, 6, 13), D(2023, 6, 13)),
    ],
)
def test_parse_keeps_precision_and_derives_bounds(text, precision, earliest, latest):
    date = UncertainDate.parse(text)
    assert (date.edtf, date.precision, date.earliest, date.latest) == (text, precision, earliest, latest)
    assert str(UncertainDate.parse(str(date))) == text  # round-trips as EDTF text


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2023-02-29", "has no day 29: 2023-02 has 28 days"),
        ("2023-04-31", "has no day 31"),
        ("2023-13", "has no month 13"),
        ("2023-00", "has no month 00"),
        ("June 2022", "is not an EDTF level 1 date"),
        ("2023-6", "is not an EDTF level 1 date"),
        ("23", "is not an EDTF level 1 date"),
        ("2023-06-15/2023-06-12", "its end is before its start"),
        # manytreaties MOZ-SWZ_2002A, End: malformed upstream; never guessed.
        ("2010-XX-XX-", "is not an EDTF level 1 date"),
        # manytreaties GRC-LBN_2004P: malformed upstream.
        ("0014-022005", "is not an EDTF level 1 date"),
        # manytreaties writes ranges with "..", EDTF with "/" (WM04CP_1981R, Begin).
        ("1981-09..1981-10", 'write a range as an interval with "/"'),
        ("../..", "at least one end must be a date"),
        ("2023-21", "has no month 21"),  # a season: level 1 has them, this API does not
        ("1897-05?-15", "is not an EDTF level 1 date"),  # level 2's qualification of one part
        ("1964-XX-32", "not a valid date with unspecified digits"),
    ],
)
def test_invalid_text_is_rejected_with_a_readable_message(text, message):
    with pytest.raises(ValueError, match=message):
        UncertainDate.parse(text)
    with pytest.raises(ValidationError):
        validate_edtf(text)


def test_blank_is_unknown():
    assert parse_or_none("") is None
    assert parse_or_none("  ") is None
    assert parse_or_none(None) is None
    validate_edtf("")


@pytest.mark.django_db
def test_a_month_is_stored_as_a_month_never_padded_to_a_day():
    stop = Stop.objects.get(trip__title="Nicolás Maduro's visit to Tehran", order=1)
    stop.refresh_from_db()
    assert stop.arrival == "2022-06"
    assert stop.arrival_precision == "month"
    assert (stop.arrival_earliest, stop.arrival_latest) == (D(2022, 6, 1), D(2022, 6, 30))


@pytest.mark.django_db
def test_saving_new_text_rederives_the_bounds():
    stop = Stop.objects.get(trip__title="Nicolás Maduro's visit to Tehran", order=1)
    stop.arrival = "2022"
    stop.save()
    stop.refresh_from_db()
    assert (stop.arrival_precision, stop.arrival_earliest, stop.arrival_latest) == (
        "year",
        D(2022, 1, 1),
        D(2022, 12, 31),
    )
    stop.arrival = ""
    stop.save()
    stop.refresh_from_db()
    assert (stop.arrival_precision, stop.arrival_earliest, stop.arrival_latest) == ("", None, None)


@pytest.mark.django_db
def test_full_clean_reports_bad_date_text_on_its_field():
    stop = Stop.objects.get(trip__title="Nicolás Maduro's visit to Tehran", order=1)
    stop.arrival = "last June"
    with pytest.raises(ValidationError) as error:
        stop.full_clean()
    assert "arrival" in error.value.message_dict
    assert "is not an EDTF level 1 date" in error.value.message_dict["arrival"][0]


# Dates of real records from manytreaties (derived/GGO_agreements.csv, column and treatyID named).
@pytest.mark.parametrize(
    ("text", "precision", "qualifier", "earliest", "latest"),
    [
        # FRA-GBR_1802A, Force: uncertain keeps the bounds of what is written.
        ("1802-04-18?", "day", "uncertain", D(1802, 4, 18), D(1802, 4, 18)),
        # SCIRWM_1960E12:INTRRW_1937A, Force: approximate widens a day by 7 days each side.
        ("1961-01-26~", "day", "approximate", D(1961, 1, 19), D(1961, 2, 2)),
        ("1950-01~", "month", "approximate", D(1949, 12, 1), D(1950, 2, 28)),
        ("1950~", "year", "approximate", D(1949, 1, 1), D(1951, 12, 31)),
        ("1950%", "year", "uncertain_approximate", D(1949, 1, 1), D(1951, 12, 31)),
        # TR06RB_1961A, Force: unspecified month.
        ("1964-XX-16", "unspecified", "", D(1964, 1, 16), D(1964, 12, 16)),
        ("196X", "unspecified", "", D(1960, 1, 1), D(1969, 12, 31)),
        ("1964-02-XX", "unspecified", "", D(1964, 2, 1), D(1964, 2, 29)),
        # WM04CP_1981R, Begin "1981-09..1981-10", written in EDTF.
        ("1981-09/1981-10", "interval", "", D(1981, 9, 1), D(1981, 10, 31)),
        ("1950-01-15?/1951-02~", "interval", "uncertain_approximate", D(1950, 1, 15), D(1951, 3, 31)),
        # Open ("..") and unknown ("") ends: a null bound.
        ("1950/..", "interval", "", D(1950, 1, 1), None),
        ("../1951", "interval", "", None, D(1951, 12, 31)),
        ("1950/", "interval", "", D(1950, 1, 1), None),
        ("/1951-06", "interval", "", None, D(1951, 6, 30)),
    ],
)
def test_edtf_level_1_bounds_are_set_by_our_rules(text, precision, qualifier, earliest, latest):
    date = UncertainDate.parse(text)
    assert (date.edtf, date.precision, date.qualifier, date.earliest, date.latest) == (
        text,
        precision,
        qualifier,
        earliest,
        latest,
    )


@pytest.mark.django_db
def test_qualified_dates_through_the_api(curator_api):
    from events.tests.api import error_attrs, results

    # manytreaties TR06RB_1961A: the Columbia River Basin treaty, CAN and USA, signed 1961-01-17, in force
    # "1964-XX-16" (parties table: StateForce 1964-01-16).
    body = {
        "title": "Treaty Relating To Cooperative Development Of The Water Resources Of The Columbia River Basin",
        "kind": "treaty",
        "signed": "1961-01-17",
        "parties": [
            {"country": "CAN", "actions": [{"action": "entered_into_force", "date": "1964-XX-16"}]},
            {"country": "USA", "actions": [{"action": "entered_into_force", "date": "1964-XX-16"}]},
        ],
    }
    created = curator_api.post("/api/v1/agreements/", body, format="json")
    assert created.status_code == 201, created.content
    action = created.json()["parties"][0]["actions"][0]
    assert (action["date"], action["date_precision"], action["date_earliest"], action["date_latest"]) == (
        "1964-XX-16",
        "unspecified",
        "1964-01-16",
        "1964-12-16",
    )
    assert action["date_qualifier"] is None
    agreement = created.json()["id"]
    # FRA-GBR_1802A's uncertain day, then an open interval: the date filters use the bounds; an open end reaches on.
    patched = curator_api.patch(f"/api/v1/agreements/{agreement}/", {"signed": "1961-01-17?"}, format="json")
    assert (patched.json()["signed_qualifier"], patched.json()["signed_latest"]) == ("uncertain", "1961-01-17")
    patched = curator_api.patch(f"/api/v1/agreements/{agreement}/", {"signed": "1961/.."}, format="json")
    assert (patched.json()["signed_earliest"], patched.json()["signed_latest"]) == ("1961-01-01", None)
    ids = [a["id"] for a in results(curator_api.get("/api/v1/agreements/", {"date_after": "2030-01-01"}))]
    assert agreement in ids
    ids = [a["id"] for a in results(curator_api.get("/api/v1/agreements/", {"date_before": "1960-12-31"}))]
    assert agreement not in ids
    # MOZ-SWZ_2002A's malformed end date is a 400 naming the field, and nothing changes.
    refused = curator_api.patch(f"/api/v1/agreements/{agreement}/", {"signed": "2010-XX-XX-"}, format="json")
    assert refused.status_code == 400 and error_attrs(refused) == ["signed"]
    assert curator_api.get(f"/api/v1/agreements/{agreement}/").json()["signed"] == "1961/.."


def test_date_filters_are_plain_ranges_until_a_date_has_one_bound_only(db, api):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from events.models import Agreement
    from events.tests import factories as f

    def count_sql(path: str) -> str:
        with CaptureQueriesContext(connection) as queries:
            response = api.get(path)
        assert response.status_code == 200, response.content
        return next(q["sql"] for q in queries.captured_queries if "__count" in q["sql"])

    Agreement.objects.filter(pk__in=Agreement.objects.filter(_one_bound("signed")).values("pk")).delete()
    path = "/api/v1/agreements/?date_after=2023-06-01&date_before=2023-06-30"
    assert '"signed_latest" IS NULL' not in count_sql(path)  # a range PostgreSQL reads from the order index
    before = api.get(path).json()["count"]
    open_end = f.AgreementFactory(signed="2023-06-12/..")
    assert open_end.signed_earliest is not None and open_end.signed_latest is None
    assert '"signed_latest" IS NULL' in count_sql(path)
    assert api.get(path).json()["count"] == before + 1


def _one_bound(name: str):
    from events.dates import one_bound_only

    return one_bound_only(name)
