"""The Office of the Historian's chiefs of mission (pocom) -> officials and their positions abroad.

The rules (docs/importing.md explains them):

- **People** from ``people/<letter>/<id>.xml``: the slug is pocom's person id; the name is the first
  ``altname`` (else forename, surname and generation), the others kept as alternative names.
- **A chief of mission** (``missions-countries/*.xml``, ``missions-orgs/*.xml``) is a position: its role title
  (``roles-country-chiefs/``), representing the United States, posted to the territory of the time
  (``contemporary-territory-id`` at its start, ``events.actors``) or to the organisation of the mission.
- **Dates.** The start is the presentation of credentials (``started``); where none is given, the arrival,
  else the appointment (the note of the citation says which). The end is ``ended``. Notes qualify a date:
  "About", "On or shortly before", "on or about", "Soon after" make it approximate (EDTF ``~``). The end
  cause follows the end's note: "Died at post" -> died in office, "Presented recall" or "Transmitted recall"
  -> recalled, "Left post" -> term ended; other notes -> other.
- **Repeated ids** (``tr-2014-bass-01`` twice): each occurrence is its own position, told apart by the
  file and its place in it; each carries ``pocom:<id>`` with that as the note.
- Not yet: nominees who did not serve (``other-nominees``) and principal officers other than the secretary
  (``positions-principals``); concurrent appointments are the separate positions pocom gives them.
"""

from __future__ import annotations

import re
from xml.etree import ElementTree

from events.actors import Successions
from events.dates import UncertainDate
from events.importers.base import Archive, Provenance, Summary, Writer, element_spans, stable_id
from events.importers.travels import (
    OFFICIAL_FIELDS,
    POCOM,
    PRINCIPAL_FIELDS,
    _space,
    pocom_official,
    principal_position,
)
from events.models import Actor, ActorIdentifier, Official, Position

VERSION = 2  # 2: nominees, principal officers, appointment dates, birth and death years
SECRETARIES = "positions-principals/secretary.xml"
APPROXIMATE = re.compile(r"\b(about|on or shortly before|on or about|soon after|shortly)\b", re.IGNORECASE)
CAUSES = (
    (re.compile(r"died", re.IGNORECASE), "died_in_office"),
    (re.compile(r"recall", re.IGNORECASE), "recalled"),
    (re.compile(r"^left post", re.IGNORECASE), "term_ended"),
)


def qualified(date: str, note: str) -> tuple[str, bool]:
    """(EDTF text, whether it parses) for a pocom date and its note."""
    if not date:
        return "", True
    text = f"{date}~" if APPROXIMATE.search(note or "") else date
    try:
        return UncertainDate.parse(text).edtf, True
    except ValueError:
        return "", False


class PocomImporter:
    def __init__(self, archive: Archive, summary: Summary, writer: Writer):
        self.archive, self.summary, self.writer = archive, summary, writer
        self.provenance = Provenance(POCOM, archive, writer)
        self.usa = Actor.objects.get(code="USA")

    def titles(self) -> dict[str, str]:
        titles = {}
        for path in self.archive.under("roles-country-chiefs/", ".xml"):
            role = ElementTree.fromstring(self.archive.text(path))
            titles[role.findtext("id")] = _space(role.findtext("names/singular"))
        return titles

    def run(self) -> None:
        hsg = {i.value: i.actor for i in ActorIdentifier.objects.filter(scheme="hsg").select_related("actor")}
        missions = {
            i.value: i.actor for i in ActorIdentifier.objects.filter(scheme="pocom-mission").select_related("actor")
        }
        successions = Successions()
        titles = self.titles()
        self.known = dict(Official.objects.values_list("slug", "pk"))
        people: dict[str, Official] = {}
        positions: list[Position] = []
        postings: list[tuple] = []
        identifiers: list[tuple] = []
        for path in self.archive.under("missions-countries/", ".xml") + self.archive.under("missions-orgs/", ".xml"):
            text = self.archive.text(path)
            root = ElementTree.fromstring(text)
            spans = iter(re.finditer(r"<chief>.*?</chief>", text, re.DOTALL))  # document order: chiefs, then nominees
            mission = root.findtext("id")
            for section, served in (("chiefs", True), ("other-nominees", False)):
                found = root.find(section)
                for place, element in enumerate([] if found is None else found.findall("chief")):
                    match = next(spans)
                    chief = element.findtext("id")
                    kind = "chief" if served else "nominee"
                    label = f"{path} {kind} {place + 1} ({chief})"
                    if path.startswith("missions-orgs/"):
                        named = missions.get(mission)
                        if named is None:
                            self.summary.skip(label, f'mission "{mission}" names no organisation actor')
                            continue
                    else:
                        named = hsg.get(element.findtext("contemporary-territory-id"))
                        if named is None:
                            reason = f'territory "{element.findtext("contemporary-territory-id")}" names no actor'
                            self.summary.skip(label, reason)
                            continue
                    person = element.findtext("person-id")
                    official = people.get(person) or pocom_official(self.archive, self.provenance, person, self.known)
                    if official is None:
                        self.summary.skip(label, f'person "{person}" has no file under people/')
                        continue
                    people[person] = official
                    dates = {
                        event: (_space(element.findtext(f"{event}/date")), _space(element.findtext(f"{event}/note")))
                        for event in ("appointed", "arrived", "started", "ended")
                    }
                    # A nominee never started: the appointment is kept, the start and end stay unknown.
                    events = ("started", "arrived", "appointed") if served else ()
                    start_event = next((e for e in events if dates[e][0]), None)
                    start, ok_start = qualified(*dates[start_event]) if start_event else ("", True)
                    end, ok_end = qualified(*dates["ended"]) if served else ("", True)
                    appointed, ok_appointed = qualified(*dates["appointed"])
                    bad = [
                        e
                        for ok, e in ((ok_start, start_event), (ok_end, "ended"), (ok_appointed, "appointed"))
                        if not ok
                    ]
                    when = start or appointed
                    day = UncertainDate.parse(when).earliest if when else None
                    actor = successions.actor_on(named, day)[0] if day else named
                    cause = ""
                    if end:
                        note = dates["ended"][1]
                        cause = next((c for pattern, c in CAUSES if pattern.search(note)), "other" if note else "")
                    position = Position(
                        id=stable_id("pocom", kind, path, place, chief),
                        official=official,
                        title=titles.get(element.findtext("role-title-id"), element.findtext("role-title-id")),
                        country=self.usa,
                        start=start,
                        start_basis="stated" if start else "",
                        end=end,
                        end_basis="stated" if end else "",
                        end_cause=cause,
                        appointed=appointed,
                        served=served,
                    )
                    for event in bad:
                        field = {"ended": "end", "appointed": "appointed"}.get(event, "start")
                        raw = dates[event][0]
                        self.provenance.keep_raw(position, path, match.span(), field, raw, label, event, f"{event}-raw")
                    self.unknown_if_reversed(position, path, match.span())
                    positions.append(position)
                    postings.append((position.pk, actor.pk))
                    identifiers.append((position.pk, chief, f"{path}, {kind} {place + 1}"))
                    if served:
                        note = f"Start: {start_event or 'none given'}." if start_event != "started" else ""
                    else:
                        note = "A nominee who did not serve (other-nominees)."
                    self.provenance.cite(position, path, match.span(), "chief", note=note)
                    self.summary.count("chiefs of mission" if served else "nominees who did not serve", "read")
        positions += self.principals(people, identifiers)
        self.provenance.write_sources()
        # An official another dataset (or the seed) already has keeps its name: the first to create it names it.
        new_people = [o for slug, o in people.items() if slug not in self.known]
        self.writer.upsert(Official, new_people, OFFICIAL_FIELDS)
        self.writer.upsert(Position, positions, [*PRINCIPAL_FIELDS, "end_cause", "served"])
        self.writer.link(Position.posted_to, postings, "postings")
        self.provenance.write_citations()
        self.writer.identifiers(Position, [(pk, "pocom", value, note) for pk, value, note in identifiers])

    def principals(self, people: dict[str, Official], identifiers: list[tuple]) -> list[Position]:
        """The principal officers of the Department (``positions-principals/*.xml``: the Secretary of State, the
        under and assistant secretaries, ...), each a position for the United States at home."""
        positions, seen = [], set()
        # The Secretary's file first (the travels importer reads it too): an id that repeats in another file
        # (secr-1861-sewa is in assistant-secretary.xml as well) is the Secretary's.
        paths = sorted(self.archive.under("positions-principals/", ".xml"), key=lambda p: p != SECRETARIES)
        for path in paths:
            text = self.archive.text(path)
            office = ElementTree.fromstring(text)
            title = _space(office.findtext("names/singular"))
            spans = element_spans(text, "principal")
            for element in office.iter("principal"):
                person, principal = element.findtext("person-id"), element.findtext("id")
                official = people.get(person) or pocom_official(self.archive, self.provenance, person, self.known)
                if official is None:
                    self.summary.skip(f"{path} {principal}", f'person "{person}" has no file under people/')
                    continue
                people[person] = official
                repeated = path if principal in seen else ""  # 14 ids are in two offices' files
                seen.add(principal)
                position = principal_position(element, official, title, self.usa, also_in=repeated)
                self.unknown_if_reversed(position, path, spans[principal])
                positions.append(position)
                identifiers.append((position.pk, principal, repeated))  # unique ids: no note, as travels writes them
                self.provenance.cite(position, path, spans[principal], "record")
                self.summary.count("principal officers", "read")
        return positions

    def unknown_if_reversed(self, position: Position, path: str, span: tuple[int, int]) -> None:
        """A position that ends before it starts (``positions-principals/assistant-secretary-second.xml``: started
        1886-07-27, ended 1886-07-22, appointed 1866-07-27) has one wrong date, and which is not known: both load as
        unknown, each kept as a cited stated value, and the record is listed."""
        if not (position.start and position.end):
            return
        if UncertainDate.parse(position.end).latest >= UncertainDate.parse(position.start).earliest:
            return
        for name in ("start", "end"):
            stated = getattr(position, name)
            self.provenance.cite(
                position,
                path,
                span,
                f"{name}-reversed",
                field=name,
                stated_value=stated,
                note=f"The record's {name} ({stated}) is unknown here: the end it gives ({position.end}) is before "
                f"its start ({position.start}).",
            )
            setattr(position, name, "")
            setattr(position, f"{name}_basis", "")
        position.end_cause = ""
        reason = "ends before it starts: both loaded as unknown, both cited"
        self.summary.flag(f"{path} {position.title}", "start and end", reason)
