"""Uncertain dates, written as EDTF (ISO 8601-2) level 1 text, plus level 2's unspecified digits.

A date may be known to the day (``2023-06-15``), the month (``2022-06``) or the year (``2023``),
or only as an interval whose ends are any of those (``2023-06-13/2023-06-14``). Unknown is
``None``. A date keeps its precision: "June 2022" is never padded to 2022-06-01. Its
``earliest`` and ``latest`` bounds are derived from the text and are what comparisons and range
queries use. EDTF level 1 adds, and this module accepts:

- ``?`` uncertain (``1897-05-15?``): the value may be wrong; the bounds stay those of what is written;
- ``~`` approximate (``1950-01~``): about this value; the bounds widen by ``APPROXIMATE_PADDING`` of its
  precision on each side (a day by 7 days, a month by a month, a year by a year);
- ``%`` both;
- unspecified digits ``X`` (``1964-XX-16``, ``19XX``; from level 2): the bounds span every value the digits
  allow, and the precision is ``unspecified``;
- interval ends that are open (``1950/..``, ``../1951``) or unknown (``1950/``, ``/1951``): that bound is null.

What it does not accept (a 400 in the API, named): seasons (``2023-21``), level 2's qualification of single
parts (``1897-05?-15``), sets (``[1950,1951]``) and anything malformed (``2010-XX-XX-``).

Parsing: plain ``YYYY[-MM[-DD]]`` (with a qualifier) is parsed here, without the ``edtf`` library (a parse there
costs milliseconds); text with unspecified digits is checked and bounded with ``edtf``'s strict bounds. The
library's fuzzy bounds (which widen ``?`` by more than a year) and its infinities for open ends are not used.

In a model, one uncertain date is six columns, declared with ``uncertain_date_fields`` and listed in
``uncertain_dates`` so that saving derives them::

    uncertain_dates = ("arrival",)
    (arrival, arrival_precision, arrival_earliest, arrival_latest, arrival_basis,
     arrival_qualifier) = uncertain_date_fields("Arrival")

``arrival`` is the EDTF text; precision, bounds and qualifier are derived from it whenever the row is cleaned
or saved; ``arrival_basis`` says whether a source stated it or a curator inferred it.
"""

from __future__ import annotations

import calendar
import datetime
import functools
import re
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.db import models

from events.choices import DateBasis, DatePrecision, DateQualifier

_PART = re.compile(r"^(?P<year>\d{4})(?:-(?P<month>\d{2})(?:-(?P<day>\d{2}))?)?(?P<qualifier>[?~%]?)$")
_UNSPECIFIED = re.compile(r"^(?:\d{4}|\d{3}X|\d{2}XX|\dXXX|XXXX)(?:-(?:\d{2}|XX)(?:-(?:\d{2}|XX))?)?[?~%]?$")
EDTF_HELP = (
    'EDTF level 1: "2023", "2022-06", "2023-06-15", "1897-05-15?" (uncertain), "1950-01~" (approximate), '
    '"1964-XX-16" (unspecified digits), or an interval "2023-06-12/2023-06-15" ("1950/.." open, "/1951" unknown '
    "start). Blank if unknown."
)
APPROXIMATE_PADDING = {
    DatePrecision.DAY: relativedelta(days=7),
    DatePrecision.MONTH: relativedelta(months=1),
    DatePrecision.YEAR: relativedelta(years=1),
}
_QUALIFIERS = {"?": DateQualifier.UNCERTAIN, "~": DateQualifier.APPROXIMATE, "%": DateQualifier.BOTH}
MAX_LENGTH = 50


@dataclass(frozen=True)
class UncertainDate:
    """One date at its known precision, with the first and last day it can be (null for an open or unknown
    interval end) and its EDTF qualifier, if any."""

    edtf: str
    precision: str
    earliest: datetime.date | None
    latest: datetime.date | None
    qualifier: str = ""

    @classmethod
    def parse(cls, text: str) -> UncertainDate:
        """Parse EDTF level 1 text; raise ``ValueError`` with a readable message if it is not."""
        return _parse(text)

    def __str__(self) -> str:
        return self.edtf


@functools.lru_cache(maxsize=200_000)  # an import parses the same few thousand texts hundreds of thousands of times
def _parse(text: str) -> UncertainDate:
    text = text.strip()
    if ".." in text and "/" not in text:
        raise ValueError(
            f'"{text}" is not an EDTF date: write a range as an interval with "/", e.g. "1950-01/1951-02".'
        )
    if len(text) > MAX_LENGTH:
        raise ValueError(f"An EDTF date is at most {MAX_LENGTH} characters. {EDTF_HELP}")
    if "/" in text:
        start_text, _, end_text = text.partition("/")
        if "/" in end_text:
            raise ValueError(f'"{text}" is not an EDTF date: an interval has one "/". {EDTF_HELP}')
        start, end = _parse_end(start_text, text), _parse_end(end_text, text)
        if start is None and end is None:
            raise ValueError(f'"{text}" is not an EDTF interval: at least one end must be a date.')
        if start and end and end.latest < start.earliest:
            raise ValueError(f'"{text}" is not a valid interval: its end is before its start.')
        qualifier = _combine(start.qualifier if start else "", end.qualifier if end else "")
        return UncertainDate(
            text, DatePrecision.INTERVAL, start.earliest if start else None, end.latest if end else None, qualifier
        )
    return _parse_part(text, text)


def _combine(*qualifiers: str) -> str:
    uncertain = any(q in (DateQualifier.UNCERTAIN, DateQualifier.BOTH) for q in qualifiers)
    approximate = any(q in (DateQualifier.APPROXIMATE, DateQualifier.BOTH) for q in qualifiers)
    if uncertain and approximate:
        return DateQualifier.BOTH
    return DateQualifier.UNCERTAIN if uncertain else DateQualifier.APPROXIMATE if approximate else ""


def _parse_end(part: str, whole: str) -> UncertainDate | None:
    """One end of an interval: ``..`` (open) and the empty string (unknown) give None."""
    if part in ("", ".."):
        return None
    return _parse_part(part, whole)


def _parse_part(part: str, whole: str) -> UncertainDate:
    match = _PART.match(part)
    if match:
        earliest, latest, precision = _plain_bounds(match, whole)
    elif _UNSPECIFIED.match(part):
        earliest, latest = _unspecified_bounds(part.rstrip("?~%"), whole)
        precision = DatePrecision.UNSPECIFIED
    else:
        raise ValueError(f'"{whole}" is not an EDTF level 1 date. {EDTF_HELP}')
    qualifier = _QUALIFIERS.get(part[-1], "")
    if qualifier in (DateQualifier.APPROXIMATE, DateQualifier.BOTH) and precision in APPROXIMATE_PADDING:
        padding = APPROXIMATE_PADDING[precision]
        earliest, latest = earliest - padding, latest + padding
        if precision == DatePrecision.MONTH:  # the whole neighbouring month (Feb 28 + 1 month is Mar 31)
            latest = latest.replace(day=calendar.monthrange(latest.year, latest.month)[1])
    return UncertainDate(part, precision, earliest, latest, qualifier)


def _plain_bounds(match: re.Match, whole: str) -> tuple[datetime.date, datetime.date, str]:
    year = int(match["year"])
    if match["month"] is None:
        return datetime.date(year, 1, 1), datetime.date(year, 12, 31), DatePrecision.YEAR
    month = int(match["month"])
    if not 1 <= month <= 12:
        raise ValueError(f'"{whole}" has no month {month:02d}. {EDTF_HELP}')
    last_day = calendar.monthrange(year, month)[1]
    if match["day"] is None:
        return datetime.date(year, month, 1), datetime.date(year, month, last_day), DatePrecision.MONTH
    day = int(match["day"])
    if not 1 <= day <= last_day:
        raise ValueError(f'"{whole}" has no day {day:02d}: {year}-{month:02d} has {last_day} days.')
    exact = datetime.date(year, month, day)
    return exact, exact, DatePrecision.DAY


def _unspecified_bounds(part: str, whole: str) -> tuple[datetime.date, datetime.date]:
    """Strict bounds of text with unspecified digits, from the ``edtf`` library (level 2)."""
    import edtf  # imported here: it takes a while to import, and plain dates never need it
    import pyparsing

    try:
        parsed = edtf.parse_edtf(part)
        return edtf.struct_time_to_date(parsed.lower_strict()), edtf.struct_time_to_date(parsed.upper_strict())
    except (edtf.EDTFParseException, ValueError, OverflowError):
        raise ValueError(f'"{whole}" is not a valid date with unspecified digits. {EDTF_HELP}') from None
    finally:
        # edtf's grammar turns on pyparsing's packrat cache, which keeps the exceptions of the alternatives it
        # tried, their tracebacks, and through them every caller's frame (an import's whole working set).
        pyparsing.ParserElement.reset_cache()


def parse_or_none(text: str | None) -> UncertainDate | None:
    """``None`` for blank text, else the parsed date."""
    if text is None or not text.strip():
        return None
    return UncertainDate.parse(text)


def validate_edtf(value: str) -> None:
    """Model-field validator: blank or EDTF level 1 (see the module docstring)."""
    try:
        parse_or_none(value)
    except ValueError as error:
        raise ValidationError(str(error), code="invalid_date") from error


def uncertain_date_fields(label: str) -> tuple[models.Field, ...]:
    """The five fields of one uncertain date, to unpack in a model's body (see the module docstring)."""
    lower = label.lower()
    return (
        models.CharField(
            label, max_length=MAX_LENGTH, blank=True, default="", validators=[validate_edtf], help_text=EDTF_HELP
        ),
        models.CharField(
            f"{label} precision",
            max_length=12,
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
        models.CharField(
            f"{label} qualifier",
            max_length=21,
            choices=DateQualifier.choices,
            blank=True,
            default="",
            editable=False,
            help_text=f"EDTF qualifier of {lower} (? uncertain, ~ approximate, % both), derived from its text; blank "
            "when it has none. An interval has the qualifiers of either end.",
        ),
    )


def derived_fields(name: str) -> list[str]:
    """The columns derived from the uncertain date ``name``'s text (sync_uncertain_dates writes them)."""
    return [f"{name}_precision", f"{name}_earliest", f"{name}_latest", f"{name}_qualifier"]


def sync_uncertain_dates(instance: models.Model) -> None:
    """Derive the precision and bounds of every uncertain date of ``instance`` from its text."""
    for name in getattr(instance, "uncertain_dates", ()):
        parsed = parse_or_none(getattr(instance, name))
        setattr(instance, name, parsed.edtf if parsed else "")
        setattr(instance, f"{name}_precision", parsed.precision if parsed else "")
        setattr(instance, f"{name}_earliest", parsed.earliest if parsed else None)
        setattr(instance, f"{name}_latest", parsed.latest if parsed else None)
        setattr(instance, f"{name}_qualifier", parsed.qualifier if parsed else "")


def bounds_constraints(model_name: str, name: str) -> list[models.BaseConstraint]:
    """Database checks that keep one uncertain date's derived columns consistent."""
    # A known date has both bounds; an interval may lack one (its open or unknown end).
    both = models.Q(**{f"{name}_earliest__isnull": False, f"{name}_latest__isnull": False})
    either = models.Q(**{f"{name}_earliest__isnull": False}) | models.Q(**{f"{name}_latest__isnull": False})
    known = (
        (both | (either & models.Q(**{f"{name}_precision": DatePrecision.INTERVAL})))
        & ~models.Q(**{name: ""})
        & ~models.Q(**{f"{name}_precision": ""})
    )
    unknown = models.Q(
        **{
            name: "",
            f"{name}_precision": "",
            f"{name}_qualifier": "",
            f"{name}_earliest__isnull": True,
            f"{name}_latest__isnull": True,
        }
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


def overlaps(
    name: str, start: datetime.date | None = None, end: datetime.date | None = None, open_ends: bool = True
) -> models.Q:
    """Q for "``name`` may fall within [start, end]": its bounds overlap the range. An unknown date matches
    nothing; an interval's open or unknown end (a null bound) reaches any day on its side. Without
    ``open_ends`` (no row has one: see ``one_bound_only``), the bounds are plain ranges, which PostgreSQL reads
    from an index (the ORs with IS NULL that open ends need keep it from doing so)."""
    if not open_ends:
        q = models.Q(**{f"{name}_earliest__isnull": False})
        if start is not None:
            q &= models.Q(**{f"{name}_latest__gte": start})
        if end is not None:
            q &= models.Q(**{f"{name}_earliest__lte": end})
        return q
    q = models.Q(**{f"{name}_earliest__isnull": False}) | models.Q(**{f"{name}_latest__isnull": False})
    if start is not None:
        q &= models.Q(**{f"{name}_latest__gte": start}) | models.Q(**{f"{name}_latest__isnull": True})
    if end is not None:
        q &= models.Q(**{f"{name}_earliest__lte": end}) | models.Q(**{f"{name}_earliest__isnull": True})
    return q


def one_bound_only(name: str) -> models.Q:
    """Q for the rows whose date ``name`` has exactly one known bound (an interval with an open or unknown end)."""
    earliest, latest = f"{name}_earliest__isnull", f"{name}_latest__isnull"
    return models.Q(**{earliest: True, latest: False}) | models.Q(**{earliest: False, latest: True})
