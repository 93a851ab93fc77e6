"""Rules that span rows, and the writes that touch several rows.

Every write path (the seed loader now; the admin and the API later) calls these rules after writing
a record and its parts, inside the same transaction, so the same rules hold everywhere. Each rule
raises ``ValidationError`` naming the field at fault.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError

from events.models import Agreement, Trip


def validate_agreement(agreement: Agreement) -> None:
    """Rules of an agreement that span rows: its parties and its place in a total."""
    countries = list(agreement.parties.values_list("country__iso3", flat=True))
    duplicates = sorted({c for c in countries if countries.count(c) > 1})
    if duplicates:
        raise ValidationError({"parties": f"A country is a party only once: {', '.join(duplicates)} appears twice."})
    if len(countries) < 2 and agreement.parties_complete:
        raise ValidationError(
            {
                "parties": f"An agreement needs at least two parties; it has {len(countries)}. "
                "Where the sources leave the others unnamed, mark the party list incomplete."
            }
        )
    validate_breakdown(agreement)


def validate_breakdown(agreement: Agreement) -> None:
    """A breakdown points to a total of the same kind of thing: another agreement record that stands for
    several documents, is not itself a breakdown, and is not smaller than the breakdown. Reported counts
    need not add up (say so in a citation note)."""
    if agreement.breakdowns.exists() and agreement.parent_id:
        raise ValidationError({"parent": "A total with breakdowns cannot itself be a breakdown."})
    parent = agreement.parent
    if parent is None:
        return
    if parent.pk == agreement.pk:
        raise ValidationError({"parent": "An agreement cannot be a breakdown of itself."})
    if parent.parent_id is not None:
        raise ValidationError({"parent": f'"{parent}" is itself a breakdown; point to the total it belongs to.'})
    if parent.quantity < 2:
        raise ValidationError({"parent": f'"{parent}" stands for one document: it is not a total to break down.'})
    if agreement.quantity > parent.quantity:
        raise ValidationError(
            {"quantity": f"A breakdown of {agreement.quantity} cannot exceed its total of {parent.quantity}."}
        )


def validate_trip(trip: Trip) -> None:
    """Stops follow each other in time: a stop does not arrive before the previous one departs (on bounds)."""
    previous = None
    for stop in trip.stops.order_by("order"):
        if previous is not None:
            left = previous.departure_earliest or previous.arrival_earliest
            came = stop.arrival_latest or stop.departure_latest
            if left and came and came < left:
                raise ValidationError(
                    {
                        "stops": f"Stop {stop.order} ({stop.arrival or stop.departure}) comes before stop "
                        f"{previous.order} ends ({previous.departure or previous.arrival})."
                    }
                )
        previous = stop
