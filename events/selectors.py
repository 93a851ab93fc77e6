"""Named reads that span several models."""

import datetime
from dataclasses import dataclass

from django.db import connection

from events import jsonsql
from events.models import Country


@dataclass
class Relation:
    """What links a country to one partner."""

    partner: Country
    agreements: int = 0
    agreement_records: int = 0
    trips_to_partner: int = 0
    trips_from_partner: int = 0
    events: int = 0
    first_date: datetime.date | None = None
    last_date: datetime.date | None = None


def relations(
    country: Country, date_after: datetime.date | None = None, date_before: datetime.date | None = None
) -> list[Relation]:
    """Every partner of ``country`` with the agreements, trips (each way) and events that link them.

    Counting agreements without counting a document twice: a record counts for a pair when both countries are
    among its parties, except a total that has a breakdown to which both are parties; the breakdowns count
    instead. So Iran-Venezuela counts the 19 documents of Caracas, not also the tour's 35.
    Dates filter as on the lists: a record counts when its date's bounds overlap the range.
    """
    dated = date_after is not None or date_before is not None
    with connection.cursor() as cursor:
        cursor.execute(
            jsonsql.relations_sql(dated), {"country": country.pk, "after": date_after, "before": date_before}
        )
        rows = cursor.fetchall()
    partners = Country.objects.in_bulk([row[0] for row in rows])
    return [Relation(partners[row[0]], *row[1:]) for row in rows]
