"""Uncertain dates, written as EDTF level 0 (ISO 8601-2) text.

A date may be known to the day (``2023-06-15``), the month (``2022-06``) or the year (``2023``),
or only as an interval whose ends are any of those (``2023-06-13/2023-06-14``). Unknown is
``None``. A date keeps its precision: "June 2022" is never padded to 2022-06-01. Its
``earliest`` and ``latest`` bounds are derived from the text and are what comparisons and range
queries use.

In a model, one uncertain date is five columns, declared with ``uncertain_date_fields`` and listed in
``uncertain_dates`` so that saving derives them::

    uncertain_dates = ("arrival",)
    arrival, arrival_precision, arrival_earliest, arrival_latest, arrival_basis = uncertain_date_fields("Arrival")

``arrival`` is the EDTF text; precision and bounds are derived from it whenever the row is cleaned or
saved; ``arrival_basis`` says whether a source stated it or a curator inferred it.
"""

from __future__ import annotations

import calendar
import datetime
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import models

from events.choices import DateBasis, DatePrecision

_PART = re.compile(r"^(?P<year>\d{4})(?:-(?P<month>\d{2})(?:-(?P<day>\d{2}))?)?$")
EDTF_HELP = 'EDTF level 0: "2023", "2022-06", "2023-06-15", or an interval "2023-06-12/2023-06-15". Blank if unknown.'


@dataclass(frozen=True)
class UncertainDate:
    """One date at its known precision, with the first and last day it can be."""

    edtf: str
    precision: str
    earliest: datetime.date
    latest: datetime.date

    @classmethod
    def parse(cls, text: str) -> UncertainDate:
        """Parse EDTF level 0 text; raise ``ValueError`` with a readable message if it is not."""
        text = text.strip()
        if "/" in text:
            start_text, _, end_text = text.partition("/")
            start, end = _parse_part(start_text, text), _parse_part(end_text, text)
            if end[1] < start[0]:
                raise ValueError(f'"{text}" is not a valid interval: its end is before its start.')
            return cls(f"{start[2]}/{end[2]}", DatePrecision.INTERVAL, start[0], end[1])
        earliest, latest, edtf, precision = _parse_part(text, text)
        return cls(edtf, precision, earliest, latest)

    def __str__(self) -> str:
        return self.edtf


def _parse_part(part: str, whole: str) -> tuple[datetime.date, datetime.date, str, str]:
    match = _PART.match(part)
    if not match:
        raise ValueError(f'"{whole}" is not an EDTF level 0 date. {EDTF_HELP}')
    year = int(match["year"])
    if match["month"] is None:
        return datetime.date(year, 1, 1), datetime.date(year, 12, 31), part, DatePrecision.YEAR
    month = int(match["month"])
    if not 1 <= month <= 12:
        raise ValueError(f'"{whole}" has no month {month:02d}. {EDTF_HELP}')
    last_day = calendar.monthrange(year, month)[1]
    if match["day"] is None:
        return datetime.date(year, month, 1), datetime.date(year, month, last_day), part, DatePrecision.MONTH
    day = int(match["day"])
    if not 1 <= day <= last_day:
        raise ValueError(f'"{whole}" has no day {day:02d}: {year}-{month:02d} has {last_day} days.')
    exact = datetime.date(year, month, day)
    return exact, exact, part, DatePrecision.DAY


def parse_or_none(text: str | None) -> UncertainDate | None:
    """``None`` for blank text, else the parsed date."""
    if text is None or not text.strip():
        return None
    return UncertainDate.parse(text)


def validate_edtf(value: str) -> None:
    """Model-field validator: blank or EDTF level 0."""
    try:
        parse_or_none(value)
    except ValueError as error:
        raise ValidationError(str(error), code="invalid_date") from error


def uncertain_date_fields(label: str) -> tuple[models.Field, ...]:
    """The five fields of one uncertain date, to unpack in a model's body (see the module docstring)."""
    lower = label.lower()
    return (
        models.CharField(label, max_length=21, blank=True, default="", validators=[validate_edtf], help_text=EDTF_HELP),
        models.CharField(
            f"{label} precision",
            max_length=8,
            choices=DatePrecision.choices,
            blank=True,
            default="",
            editable=False,
            help_text=f"Precision of {lower}, derived from its text; blank when unknown.",
        ),
        models.DateField(
            f"{label} (earliest)",
            null=True,
            blank=True,
            editable=False,
            help_text=f"First day {lower} can be, derived from its text.",
        ),
        models.DateField(
            f"{label} (latest)",
            null=True,
            blank=True,
            editable=False,
            help_text=f"Last day {lower} can be, derived from its text.",
        ),
        models.CharField(
            f"{label} basis",
            max_length=8,
            choices=DateBasis.choices,
            blank=True,
            default="",
            help_text=f"Whether a source states {lower} as given, or it was inferred (say how in a citation).",
        ),
    )


def sync_uncertain_dates(instance: models.Model) -> None:
    """Derive the precision and bounds of every uncertain date of ``instance`` from its text."""
    for name in getattr(instance, "uncertain_dates", ()):
        parsed = parse_or_none(getattr(instance, name))
        setattr(instance, name, parsed.edtf if parsed else "")
        setattr(instance, f"{name}_precision", parsed.precision if parsed else "")
        setattr(instance, f"{name}_earliest", parsed.earliest if parsed else None)
        setattr(instance, f"{name}_latest", parsed.latest if parsed else None)


def bounds_constraints(model_name: str, name: str) -> list[models.BaseConstraint]:
    """Database checks that keep one uncertain date's derived columns consistent."""
    known = (
        models.Q(**{f"{name}_earliest__isnull": False, f"{name}_latest__isnull": False})
        & ~models.Q(**{name: ""})
        & ~models.Q(**{f"{name}_precision": ""})
    )
    unknown = models.Q(
        **{name: "", f"{name}_precision": "", f"{name}_earliest__isnull": True, f"{name}_latest__isnull": True}
    )
    return [
        models.CheckConstraint(
            condition=known | unknown,
            name=f"{model_name}_{name}_bounds_set",
            violation_error_message=f"{name}: text, precision and bounds must be all set or all blank.",
        ),
        models.CheckConstraint(
            condition=models.Q(**{f"{name}_earliest__lte": models.F(f"{name}_latest")})
            | models.Q(**{f"{name}_earliest__isnull": True}),
            name=f"{model_name}_{name}_bounds_ordered",
            violation_error_message=f"{name}: the earliest bound must not be after the latest.",
        ),
    ]


def not_before(later: str, earlier: str) -> models.Q:
    """Q for "``later`` is not before ``earlier``" on bounds: later's latest >= earlier's earliest.

    Holds when either date is unknown.
    """
    return (
        models.Q(**{f"{later}_latest__gte": models.F(f"{earlier}_earliest")})
        | models.Q(**{f"{later}_latest__isnull": True})
        | models.Q(**{f"{earlier}_earliest__isnull": True})
    )


def date_width(name: str) -> models.Expression:
    """How long the uncertain date ``name`` may span: its latest bound minus its earliest (an interval)."""
    return models.F(f"{name}_latest") - models.F(f"{name}_earliest")


def overlaps(name: str, start: datetime.date | None = None, end: datetime.date | None = None) -> models.Q:
    """Q for "``name`` may fall within [start, end]": its bounds overlap the range. Null matches nothing."""
    q = models.Q(**{f"{name}_earliest__isnull": False})
    if start is not None:
        q &= models.Q(**{f"{name}_latest__gte": start})
    if end is not None:
        q &= models.Q(**{f"{name}_earliest__lte": end})
    return q
