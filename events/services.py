"""Writes that touch several rows, and the rules that span rows.

``save_agreement``, ``save_trip``, ``save_official``, ``save_event`` and ``save_source`` write a record
with its parts in one transaction (used by the API), validating every row and then the rules that span
rows. Nested lists (parties, stops, positions, participants) are replaced by one helper,
``replace_nested``, which the seed loader also uses (with its own row writer, which leaves unchanged rows
untouched and deletes nothing); the loader calls the same rules. The admin checks its forms with them
(``check_parties``, ``check_stop_sequence``, ``validate_breakdown``) before it saves. Every failure raises
``ValidationError`` keyed by the field at fault, nested paths such as ``stops.2.departure`` included, and the
transaction leaves nothing behind.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable

from django.core.exceptions import ValidationError
from django.db import models, transaction

from events.models import (
    Agreement,
    AgreementParty,
    Event,
    EventParticipant,
    Official,
    PartyAction,
    Position,
    Source,
    Stop,
    Trip,
)


def check_parties(countries: list[str], *, complete: bool) -> None:
    """Parties are distinct countries, at least two unless the list is marked incomplete (ISO3 codes)."""
    duplicates = sorted({c for c in countries if countries.count(c) > 1})
    if duplicates:
        raise ValidationError({"parties": f"A country is a party only once: {', '.join(duplicates)} appears twice."})
    if len(countries) < 2 and complete:
        raise ValidationError(
            {
                "parties": f"An agreement needs at least two parties; it has {len(countries)}. "
                "Where the sources leave the others unnamed, mark the party list incomplete."
            }
        )


def validate_agreement(agreement: Agreement) -> None:
    """Rules of an agreement that span rows: its parties and its place in a total."""
    check_parties(list(agreement.parties.values_list("country__code", flat=True)), complete=agreement.parties_complete)
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


def _field_errors(prefix: str, error: ValidationError) -> ValidationError:
    """Re-key a nested record's errors under its path, e.g. ``parties.1.country``."""
    if hasattr(error, "error_dict"):
        return ValidationError({f"{prefix}.{name}": messages for name, messages in error.message_dict.items()})
    return ValidationError({prefix: error.messages})


def _save(instance, prefix: str = "", user=None) -> None:
    """Validate (fields, model rules, constraints) and save one row; errors are keyed under ``prefix``.

    ``user`` is recorded as the author of the change in the record's history. (simple-history's middleware
    sees the session user only: DRF authenticates a token after it, so writers pass the user themselves.)
    """
    if user is not None and user.is_authenticated:
        instance._history_user = user
    try:
        instance.full_clean()
    except ValidationError as error:
        raise (_field_errors(prefix, error) if prefix else error) from None
    instance.save()


def _write(instance, fields: dict) -> None:
    for name, value in fields.items():
        setattr(instance, name, value)


def replace_nested(
    rows: models.QuerySet,
    items: list[dict],
    *,
    match: Callable[[dict], Hashable],
    key: Callable[[models.Model], Hashable] = lambda row: row.pk,
    save: Callable[[models.Model | None, dict, int], models.Model],
    delete_missing: bool = True,
) -> list[models.Model]:
    """Make the nested list ``rows`` (an agreement's parties, a trip's stops...) be ``items``.

    An item whose ``match`` equals the ``key`` of a current row is saved over it (keeping its id and its
    citations); ``save(row or None, item, index)`` writes one row (None: a new one) and returns it. Rows that
    no item matches are deleted, unless ``delete_missing`` is off (the seed loader adds and updates only)."""
    existing = {key(row): row for row in rows}
    saved = [save(existing.pop(match(item), None), dict(item), index) for index, item in enumerate(items)]
    if delete_missing and existing:
        rows.model.objects.filter(pk__in=[row.pk for row in existing.values()]).delete()
    return saved


def _nested_writer(model: type[models.Model], parent: dict, prefix: str, user, children=None):
    """``save`` for replace_nested: a row of ``model`` under ``parent`` (its foreign key), validated, with errors
    keyed ``prefix.index.field``. ``children`` is ``(key, write)``: the item's own nested list, written by
    ``write(row, items, index)`` once the row is saved."""

    def save(row, item, index):
        nested = item.pop(children[0], None) if children else None
        row = row or model(**parent)
        _write(row, item)
        _save(row, f"{prefix}.{index}", user=user)
        if nested is not None:
            children[1](row, nested, index)
        return row

    return save


@transaction.atomic
def save_agreement(
    *, agreement: Agreement, fields: dict, sectors=None, parties: list[dict] | None = None, user=None
) -> Agreement:
    """Create or update an agreement with its sectors and parties, then check the rules that span rows.

    ``parties`` (when given) is the whole list: ``{"country": Actor, "signatory": Official | None,
    "actions": [{"action": ..., "date": ..., "date_basis": ...}]}``. A party is matched to the existing
    row of the same country (keeping its id and citations); parties and actions not listed are deleted.
    """
    _write(agreement, fields)
    _save(agreement, user=user)
    if sectors is not None:
        agreement.sectors.set(sectors)
    if parties is not None:

        def actions(party, items, index):
            replace_nested(
                party.actions.all(),
                items,
                key=lambda action: action.action,
                match=lambda item: item["action"],
                save=_nested_writer(PartyAction, {"party": party}, f"parties.{index}.actions", user),
            )

        replace_nested(
            agreement.parties.all(),
            parties,
            key=lambda party: party.country_id,
            match=lambda item: item["country"].pk,
            save=_nested_writer(AgreementParty, {"agreement": agreement}, "parties", user, ("actions", actions)),
        )
    validate_agreement(agreement)
    return agreement


@transaction.atomic
def save_trip(
    *, trip: Trip, fields: dict, members=None, invited_by=None, stops: list[dict] | None = None, user=None
) -> Trip:
    """Create or update a trip with its ordered stops (numbered in list order), then check their sequence.

    ``stops`` (when given) is the whole list; a stop with the ``id`` of an existing stop of this trip is
    updated (keeping its citations), others are created, and stops not listed are deleted.
    """
    _write(trip, fields)
    _save(trip, user=user)
    if members is not None:
        trip.members.set(members)
    if invited_by is not None:
        trip.invited_by.set(invited_by)
    if stops is not None:
        # Move the current stops out of the way first, so renumbering never collides with the unique order.
        trip.stops.update(order=models.F("order") + 10000)
        numbered = [{**stop, "order": index + 1} for index, stop in enumerate(stops)]
        replace_nested(
            trip.stops.all(), numbered, match=_listed_id, save=_nested_writer(Stop, {"trip": trip}, "stops", user)
        )
    validate_trip(trip)
    return trip


def _listed_id(item: dict):
    return item.pop("id", None)


@transaction.atomic
def save_official(*, official: Official, fields: dict, positions: list[dict] | None = None, user=None) -> Official:
    """Create or update an official with the positions they held (the whole list, matched by ``id``)."""
    _write(official, fields)
    _save(official, user=user)
    if positions is not None:

        def post(position: Position, actors: list, index: int) -> None:
            position.posted_to.set(actors)

        writer = _nested_writer(Position, {"official": official}, "positions", user, children=("posted_to", post))
        replace_nested(official.positions.all(), positions, match=_listed_id, save=writer)
    return official


@transaction.atomic
def save_event(*, event: Event, fields: dict, sectors=None, participants: list[dict] | None = None, user=None) -> Event:
    """Create or update an event with its participants (the whole list, matched by official, country and role)."""
    _write(event, fields)
    _save(event, user=user)
    if sectors is not None:
        event.sectors.set(sectors)
    if participants is not None:

        def who(official, country, role):
            return (official and official.pk, country and country.pk, role)

        replace_nested(
            event.participants.all(),
            participants,
            key=lambda p: (p.official_id, p.country_id, p.role),
            match=lambda item: who(item.get("official"), item.get("country"), item["role"]),
            save=_nested_writer(EventParticipant, {"event": event}, "participants", user),
        )
    return event


@transaction.atomic
def save_source(*, source: Source, fields: dict, user=None) -> Source:
    """Create or update a source (its stored text comes only from seeds/, through the seed loader)."""
    _write(source, fields)
    _save(source, user=user)
    return source


def validate_trip(trip: Trip) -> None:
    """Rules of a trip that span rows: its stops follow each other in time."""
    check_stop_sequence(trip.stops.order_by("order"))


def check_stop_sequence(stops) -> None:
    """Stops, in order, begin in time order: no stop arrives before the previous one arrived (compared on
    bounds, so uncertain dates pass when they may be in order).

    A stop may begin before the previous one ends, because real journeys overlap: Bush's audience at the Holy
    See on 1989-05-27 fell inside his Rome stay of 05-26 to 05-28 (travels ids 2325-2326), and one day often
    holds two countries. A departure before its own arrival is refused by the database (per stop)."""
    previous = None
    for stop in stops:
        if previous is not None:
            previous_arrived = previous.arrival_earliest  # unknown: any order may be right
            arrived_by = stop.arrival_latest or stop.departure_latest  # it had arrived by its departure
            if previous_arrived and arrived_by and arrived_by < previous_arrived:
                raise ValidationError(
                    {
                        "stops": f"Stop {stop.order} ({stop.arrival or stop.departure}) arrives before stop "
                        f"{previous.order} does ({previous.arrival}): list the stops in the order they began."
                    }
                )
        previous = stop
