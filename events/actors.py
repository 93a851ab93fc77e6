"""The actor of the time: what a dataset's id or label names on a given day.

Datasets name places with modern ids and labels of their time: the Office of the Historian's travels give the
id ``russia`` with the label "U.S.S.R." for Kissinger's stop of 1974-03-24, and for Baker's stops of 1992
(after the USSR's end). The rule, in one place:

1. The id names an actor through an identifier (``hsg:russia`` is Russia, RUS); a label is only a fallback,
   matched against actors' names and alternative names, when no id is given.
2. **The date wins over the label.** From that actor, walk back through its successions dated after the day
   (data/successions.csv, one day each, with a source): a continuation first (Russia continues the USSR), else
   the state it was formed from by dissolution or secession (Czechia from Czechoslovakia). An absorption is not
   followed back: Germany existed before the GDR joined it, so ``germany`` in 1975 stays Germany.
3. The label is not discarded: importers keep it as the cited stated value of the field.

So ``resolve("hsg", "russia", 1974-03-24)`` is the Soviet Union and ``resolve("hsg", "russia", 1993-01-01)``
Russia; Baker's "U.S.S.R." of 1992 resolves to Russia.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Q

from events.choices import SuccessionKind
from events.models import Actor, ActorIdentifier, Succession
from events.search import fold

FOLLOWED = (SuccessionKind.CONTINUATION, SuccessionKind.DISSOLUTION, SuccessionKind.SECESSION)


class UnknownActor(LookupError):
    """No actor has this id (or label)."""


@dataclass(frozen=True)
class Resolution:
    actor: Actor  # the actor of the time
    named: Actor  # the actor the id names today
    via: tuple[Succession, ...]  # the successions walked back, nearest first

    @property
    def changed(self) -> bool:
        return self.actor != self.named


class Successions:
    """Every succession a resolution may walk, read once (importers resolve thousands of records)."""

    def __init__(self):
        self.into: dict[int, list[Succession]] = {}
        for link in Succession.objects.filter(kind__in=FOLLOWED).select_related("predecessor", "successor"):
            self.into.setdefault(link.successor_id, []).append(link)

    def actor_on(self, actor: Actor, day: datetime.date) -> tuple[Actor, tuple[Succession, ...]]:
        """The actor that ``actor`` was on ``day``, and the successions walked back to reach it."""
        via: list[Succession] = []
        seen = {actor.pk}
        while True:
            links = [link for link in self.into.get(actor.pk, ()) if link.date > day]
            # A continuation first; among the others, the latest (the nearest step back).
            link = next((s for s in links if s.kind == SuccessionKind.CONTINUATION), None) or (
                max(links, key=lambda s: s.date, default=None)
            )
            if link is None or link.predecessor_id in seen:
                return actor, tuple(via)
            via.append(link)
            seen.add(link.predecessor_id)
            actor = link.predecessor


def actor_on(actor: Actor, day: datetime.date) -> tuple[Actor, tuple[Succession, ...]]:
    """The actor that ``actor`` was on ``day``, and the successions walked back to reach it."""
    return Successions().actor_on(actor, day)


def resolve(scheme: str, value: str, day: datetime.date) -> Resolution:
    """The actor of the time that ``scheme:value`` names on ``day`` (see the module docstring)."""
    identifier = ActorIdentifier.objects.filter(scheme__slug=scheme, value=value).select_related("actor").first()
    if identifier is None:
        raise UnknownActor(f'No actor has the identifier "{scheme}:{value}".')
    actor, via = actor_on(identifier.actor, day)
    return Resolution(actor, identifier.actor, via)


def resolve_label(label: str, day: datetime.date) -> Resolution:
    """The actor of the time a label names (by code, name or alternative name, accents and case folded), where
    a dataset gives no id. A label that names several actors is refused rather than guessed."""
    label = label.strip()
    exact = Q(code=label.upper()) | Q(name__iexact=label) | Q(alternative_names__contains=[label])
    candidates = list(Actor.objects.filter(exact))
    if not candidates:  # the names folded: case and accents aside ("Cote d'Ivoire", "u.s.s.r.")
        folded = fold(label)
        names = Actor.objects.values_list("pk", "name", "iso_name", "official_name", "alternative_names")
        keys = [pk for pk, *texts, others in names if folded in {fold(t) for t in (*texts, *others) if t}]
        candidates = list(Actor.objects.filter(pk__in=keys))
    distinct = {a.pk: a for a in candidates}
    if not distinct:
        raise UnknownActor(f'No actor is named "{label}".')
    if len(distinct) > 1:
        raise UnknownActor(f'"{label}" names several actors: {", ".join(sorted(a.code for a in distinct.values()))}.')
    named = next(iter(distinct.values()))
    actor, via = actor_on(named, day)
    return Resolution(actor, named, via)


def with_predecessors(actors) -> set[int]:
    """Primary keys of the actors and of every actor they continue or were formed from (for
    ``include_predecessors``): Russia's include the Soviet Union's, and through it the Russian Empire's."""
    found: set[int] = set()
    frontier = {a.pk if isinstance(a, Actor) else a for a in actors}
    while frontier:
        found |= frontier
        frontier = (
            set(
                Succession.objects.filter(successor__in=frontier, kind__in=FOLLOWED).values_list(
                    "predecessor_id", flat=True
                )
            )
            - found
        )
    return found
