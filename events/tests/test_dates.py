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
