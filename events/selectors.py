"""Named reads that span several models."""

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Q

from events.dates import overlaps
from events.models import Agreement, Country, Event, Trip


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

    def span(self, earliest: datetime.date | None, latest: datetime.date | None) -> None:
        if earliest and (self.first_date is None or earliest < self.first_date):
            self.first_date = earliest
        if latest and (self.last_date is None or latest > self.last_date):
            self.last_date = latest


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
    found: dict[int, Relation] = {}

    def relation(partner: Country) -> Relation:
        if partner.pk not in found:
            found[partner.pk] = Relation(partner=partner)
        return found[partner.pk]

    agreements = Agreement.objects.between(country.iso3).prefetch_related("parties__country", "breakdowns__parties")
    if dated:
        agreements = agreements.filter(overlaps("signed", date_after, date_before))
    for agreement in agreements:
        partners = [p.country for p in agreement.parties.all() if p.country_id != country.pk]
        covered = defaultdict(bool)
        for breakdown in agreement.breakdowns.all():
            parties = {p.country_id for p in breakdown.parties.all()}
            if country.pk in parties:
                for partner_id in parties:
                    covered[partner_id] = True
        for partner in partners:
            if covered[partner.pk]:
                continue  # its breakdown for this pair counts instead
            row = relation(partner)
            row.agreements += agreement.quantity
            row.agreement_records += 1
            row.span(agreement.signed_earliest, agreement.signed_latest)

    trips = Trip.objects.with_span().filter(Q(origin=country) | Q(stops__country=country)).distinct()
    if dated:
        trips = trips.filter(overlaps("span", date_after, date_before))
    for trip in trips.prefetch_related("stops__country").select_related("origin"):
        if trip.origin_id == country.pk:
            for partner in {stop.country for stop in trip.stops.all() if stop.country_id != country.pk}:
                row = relation(partner)
                row.trips_to_partner += 1
                row.span(trip.span_earliest, trip.span_latest)
        elif any(stop.country_id == country.pk for stop in trip.stops.all()):
            row = relation(trip.origin)
            row.trips_from_partner += 1
            row.span(trip.span_earliest, trip.span_latest)

    events = Event.objects.filter(participants__country=country).distinct().prefetch_related("participants__country")
    if dated:
        events = events.filter(overlaps("date", date_after, date_before))
    for event in events:
        for partner in {p.country for p in event.participants.all() if p.country and p.country_id != country.pk}:
            row = relation(partner)
            row.events += 1
            row.span(event.date_earliest, event.date_latest)

    return sorted(
        found.values(), key=lambda r: (-r.agreements, -(r.trips_to_partner + r.trips_from_partner), r.partner.name)
    )
