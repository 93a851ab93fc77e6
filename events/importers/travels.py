"""The Office of the Historian's travels of presidents and secretaries of state -> trips with their stops.

The rules (docs/importing.md explains them with examples):

- **Journeys.** A person's stop records, in order of start date (then end date, then id), form one journey
  while each record starts at most one day after the latest end so far; a longer gap starts a new journey.
- **Duplicates.** Records of one person with the same country, dates and locale are one stop citing each
  record (Biden, ids 4118 and 4119).
- **Travelling with the president.** A secretary's record with the same country and start date as a
  president's record is a stop of the president's trip: the secretary becomes a member of that trip and the
  record is cited on the membership. A secretary's journey whose every record is so shared is no trip of its
  own; one that shares only some has its own trip of the remaining stops (and is a member of the president's
  trip as well). Nothing is dropped.
- **Places.** The country is the actor of the time (``events.actors``: ``russia`` in 1974 is the Soviet
  Union); the dataset's label is kept as the citation's stated value where it differs from the actor's
  name. The locale is the stop's city (several places stay as written). Remarks are the trip's purpose.
- **People.** Presidents from ``presidents/presidents.xml`` (position President, took and left office);
  secretaries from pocom (names from ``people/``, position Secretary of State from
  ``positions-principals/secretary.xml``).
- **Ids.** Each stop carries ``travels:<id>`` for every record it stands for.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from xml.etree import ElementTree

from django.db.models import F

from events.actors import Successions
from events.importers import ARCHIVES
from events.importers.base import Archive, Dataset, Provenance, Summary, Writer, element_spans, person_id, stable_id
from events.models import Actor, ActorIdentifier, Event, EventParticipant, Official, Position, Stop, Trip

TRAVELS = Dataset(
    name="travels",
    archive=ARCHIVES["travels"],
    repository="HistoryAtState/travels",
    commit="3170c773f22c99dadc8ec93da070f8ff6259d6d8",
    publisher="Office of the Historian, U.S. Department of State",
    license="Public domain in the United States (a work of the US government); CC0 1.0 worldwide.",
)
POCOM = Dataset(
    name="pocom",
    archive=ARCHIVES["pocom"],
    repository="HistoryAtState/pocom",
    commit="44d2226df6b26f8f5807215ec40e3a6c4d706bbb",
    publisher="Office of the Historian, U.S. Department of State",
    license=TRAVELS.license,
)
VERSION = 4  # 4: meetings from remarks; 3: appointment dates, birth and death years; 2: officials' ids from
# their slug alone, shared with pocom
GAP = datetime.timedelta(days=1)
# Remarks split into sentences (not after "U.S.", "Mr." or an initial); a sentence names a meeting when it says
# someone "met with" or had an "audience with" someone.
SENTENCE = re.compile(r"(?<=[.;])(?<!U\.S\.)(?<!Mr\.)(?<!Dr\.)(?<!St\.)(?<!\b[A-Z]\.)\s+(?=[A-Z])")
MEETING = re.compile(r"\b(?:[Mm]et|[Aa]udience)(?: privately| separately| briefly)? with\b")


def _space(text: str | None) -> str:
    return re.sub(r"\s+", " ", text or "").strip()


def pocom_official(archive: Archive, provenance: Provenance, slug: str, known: dict) -> Official | None:
    """The official pocom's ``people/<letter>/<slug>.xml`` describes, cited; None when pocom has no such file.
    The name is the first ``altname`` (else forename, surname and generation); the other forms are kept as
    alternative names."""
    path = f"people/{slug[0]}/{slug}.xml"
    if path not in archive.files:
        return None
    text = archive.text(path)
    names = ElementTree.fromstring(text).find("persName")
    forename, surname = _space(names.findtext("forename")), _space(names.findtext("surname"))
    generation = _space(names.findtext("genName"))
    altnames = [_space(a.text) for a in names.iter("altname") if _space(a.text)]
    full = " ".join(part for part in (forename, surname, generation) if part)
    name = altnames[0] if altnames else full
    person = ElementTree.fromstring(text)
    official = Official(
        id=person_id(slug, known),
        slug=slug,
        name=name[:200],
        alternative_names=[n for n in dict.fromkeys([full, *altnames]) if n != name],
        birth_date=_year(person.findtext("birth")),
        death_date=_year(person.findtext("death")),
    )
    provenance.cite(official, path, (text.index("<person"), len(text.rstrip())), "person")
    return official


def _year(text: str | None) -> str:
    """A birth or death year as pocom and presidents.xml write it (four digits), else unknown."""
    text = _space(text)
    return text if re.fullmatch(r"\d{4}", text) else ""


OFFICIAL_FIELDS = ["slug", "name", "alternative_names", "birth_date", "death_date"]


def principal_position(
    element: ElementTree.Element, official: Official, title: str, usa: Actor, also_in: str = ""
) -> Position:
    """A principal officer of the Department of State (``positions-principals/*.xml``): start when the officer
    started (else when appointed), the appointment kept as its own date, the end when it ended. ``also_in`` tells
    apart an id that an earlier file has too (its path)."""
    appointed, started = element.findtext("appointed/date") or "", element.findtext("started/date") or ""
    ended = element.findtext("ended/date") or ""
    return Position(
        id=stable_id("pocom", "principal", element.findtext("id"), *([also_in] if also_in else [])),
        official=official,
        title=title,
        country=usa,
        start=started or appointed,
        start_basis="stated" if started or appointed else "",
        end=ended,
        end_basis="stated" if ended else "",
        appointed=appointed,
    )


PRINCIPAL_FIELDS = ["official", "title", "country", "start", "start_basis", "end", "end_basis", "appointed"]


@dataclass
class Record:
    id: str
    role: str
    who: str
    name: str
    start: datetime.date
    end: datetime.date
    hsg: str
    label: str
    locale: str
    remarks: str
    path: str
    span: tuple[int, int]
    actor: Actor | None = None


@dataclass
class Journey:
    who: str
    records: list[Record]
    stops: list[list[Record]] = field(default_factory=list)  # each stop: the records it stands for
    members: dict[str, list[Record]] = field(default_factory=dict)  # secretary slug -> their shared records

    @property
    def key(self) -> str:
        return self.records[0].id


class TravelsImporter:
    def __init__(self, travels: Archive, pocom: Archive, summary: Summary, writer: Writer):
        self.travels, self.pocom = travels, pocom
        self.summary, self.writer = summary, writer
        self.provenance = Provenance(TRAVELS, travels, writer)
        self.pocom_provenance = Provenance(POCOM, pocom, writer)
        self.usa = Actor.objects.get(code="USA")

    # -- reading --------------------------------------------------------------------------------------------

    def records(self) -> list[Record]:
        by_hsg = {i.value: i.actor for i in ActorIdentifier.objects.filter(scheme="hsg").select_related("actor")}
        successions = Successions()
        records = []
        for path in self.travels.under("president-travels/", ".xml") + self.travels.under("secretary-travels/", ".xml"):
            text = self.travels.text(path)
            spans = element_spans(text, "trip")
            for element in ElementTree.fromstring(text).iter("trip"):
                country = element.find("country")
                record = Record(
                    id=element.findtext("id"),
                    role=element.get("role"),
                    who=element.get("who"),
                    name=_space(element.findtext("name")),
                    start=datetime.date.fromisoformat(element.findtext("start-date")),
                    end=datetime.date.fromisoformat(element.findtext("end-date")),
                    hsg=country.get("id"),
                    label=_space(country.text),
                    locale=_space(element.findtext("locale")),
                    remarks=_space(element.findtext("remarks")),
                    path=path,
                    span=spans[element.findtext("id")],
                )
                named = by_hsg.get(record.hsg)
                if named is None:
                    self.summary.skip(f"travels {record.id}", f'unknown country id "{record.hsg}"')
                    continue
                record.actor, _ = successions.actor_on(named, record.start)
                records.append(record)
        return records

    # -- grouping -------------------------------------------------------------------------------------------

    @staticmethod
    def journeys(records: list[Record]) -> list[Journey]:
        by_person: dict[str, list[Record]] = {}
        for record in records:
            by_person.setdefault(record.who, []).append(record)
        journeys = []
        for who, own in sorted(by_person.items()):
            own.sort(key=lambda r: (r.start, r.end, int(r.id)))
            current: list[Record] = []
            latest = None
            for record in own:
                if current and record.start > latest + GAP:
                    journeys.append(Journey(who, current))
                    current = []
                current.append(record)
                latest = record.end if not latest or len(current) == 1 else max(latest, record.end)
            if current:
                journeys.append(Journey(who, current))
        return journeys

    @staticmethod
    def stops_of(records: list[Record]) -> list[list[Record]]:
        """Records in order, exact duplicates (country, dates, locale) collapsed into one stop."""
        stops: dict[tuple, list[Record]] = {}
        for record in records:
            stops.setdefault((record.actor.pk, record.start, record.end, record.locale), []).append(record)
        return list(stops.values())

    def plan(self, records: list[Record]) -> list[Journey]:
        journeys = self.journeys(records)
        self.summary.notes.append(
            f"{len(records)} stop records form {len(journeys)} journeys (a gap of at most a day within one)"
        )
        presidential = [j for j in journeys if j.records[0].role == "president"]
        at = {}  # (actor, start) -> the president's journey with a stop there
        for journey in presidential:
            for record in journey.records:
                at.setdefault((record.actor.pk, record.start), journey)
        planned = []
        for journey in journeys:
            if journey.records[0].role == "president":
                planned.append(journey)
                continue
            own = []
            for record in journey.records:
                host = at.get((record.actor.pk, record.start))
                if host is None:
                    own.append(record)
                else:
                    host.members.setdefault(journey.who, []).append(record)
            if own:
                planned.append(Journey(journey.who, own))
            shared = len(journey.records) - len(own)
            if shared and own:
                self.summary.count("secretaries' journeys", "shared in part with a president (own trip and member)")
            elif shared:
                self.summary.count("secretaries' journeys", "made with a president (member only)")
            else:
                self.summary.count("secretaries' journeys", "alone (own trip)")
        for journey in planned:
            journey.stops = self.stops_of(journey.records)
        return planned

    # -- people ---------------------------------------------------------------------------------------------

    def people(self, slugs: set[str]) -> dict[str, Official]:
        self.known = dict(Official.objects.filter(slug__in=slugs).values_list("slug", "pk"))
        officials: dict[str, Official] = {}
        positions: list[Position] = []
        presidents_path = "presidents/presidents.xml"
        text = self.travels.text(presidents_path)
        spans = [m.span() for m in re.finditer(r"<president\b[^>]*>.*?</president>", text, re.DOTALL)]
        for element, span in zip(ElementTree.fromstring(text).iter("president"), spans, strict=True):
            slug = element.findtext("id")
            if slug not in slugs:
                continue
            official = officials.setdefault(
                slug,
                Official(
                    id=person_id(slug, self.known),
                    slug=slug,
                    name=_space(element.findtext("name")),
                    birth_date=_year(element.findtext("birth-year")),
                    death_date=_year(element.findtext("death-year")),
                ),
            )
            self.provenance.cite(official, presidents_path, span, f"president-{element.get('n')}")
            position = Position(
                id=stable_id("travels", "president", element.get("n")),
                official=official,
                title="President",
                country=self.usa,
                start=element.findtext("took-office-date") or "",
                start_basis="stated",
                end=element.findtext("left-office-date") or "",
                end_basis="stated" if element.findtext("left-office-date") else "",
            )
            self.provenance.cite(position, presidents_path, span, "record")
            positions.append(position)
        secretaries_path = "positions-principals/secretary.xml"
        text = self.pocom.text(secretaries_path)
        principal_spans = element_spans(text, "principal")
        for element in ElementTree.fromstring(text).iter("principal"):
            slug = element.findtext("person-id")
            if slug not in slugs:
                continue
            official = officials.get(slug) or pocom_official(self.pocom, self.pocom_provenance, slug, self.known)
            if official is None:
                continue  # listed below as a traveller pocom does not describe
            officials[slug] = official
            principal = element.findtext("id")
            position = principal_position(element, official, "Secretary of State", self.usa)
            self.pocom_provenance.cite(position, secretaries_path, principal_spans[principal], "record")
            positions.append(position)
            self.identifiers.append((Position, position.pk, "pocom", principal))
        missing = slugs - set(officials)
        for slug in sorted(missing):
            self.summary.skip(slug, "a traveller in neither presidents.xml nor pocom's secretaries")
        self.writer.upsert(Official, list(officials.values()), OFFICIAL_FIELDS)
        self.writer.upsert(Position, positions, PRINCIPAL_FIELDS)
        return officials

    # -- writing --------------------------------------------------------------------------------------------

    def meetings(self, record: Record, official: Official, trip: Trip, stop: Stop | None) -> None:
        """A meeting event per sentence of the remarks that names one ("Met with ...", "Audience with ..."): its
        title and description the sentence as written, on the stop's dates (the text gives no day: the date is the
        stop's span, inferred), the traveller its visitor. Who was met stays in the words: names are not resolved."""
        sentences = [t.strip() for t in SENTENCE.split(record.remarks) if MEETING.search(t)]
        for n, sentence in enumerate(sentences, start=1):
            days = record.start.isoformat() if record.start == record.end else f"{record.start}/{record.end}"
            event = Event(
                id=stable_id("travels", "meeting", record.id, n),
                kind="meeting",
                title=f"{official.name}: {sentence}"[:300],
                description=sentence,
                date=days,
                date_basis="inferred",
                trip=trip,
                stop=stop,
                cameo_code="040",
                plover_type="CONSULT",
                plover_mode="visit",
            )
            self.events.append(event)
            self.participants.append(
                EventParticipant(
                    id=stable_id("travels", "meeting-visitor", record.id, n),
                    event=event,
                    official=official,
                    country=self.usa,
                    role="visitor",
                )
            )
            self.provenance.cite(
                event,
                record.path,
                record.span,
                f"record-{record.id}",
                note=f'The remarks say "{sentence}"; the date is the stop\'s ({days}).',
            )

    def run(self) -> None:
        self.events: list[Event] = []
        self.participants: list[EventParticipant] = []
        self.identifiers: list[tuple[type, object, str, str]] = []
        records = self.records()
        journeys = self.plan(records)
        officials = self.people({r.who for r in records})
        trips, stops, memberships = [], [], []
        for journey in journeys:
            if journey.who not in officials:
                continue
            lead = officials[journey.who]
            places = list(dict.fromkeys(stop[0].actor.name for stop in journey.stops))
            month = journey.stops[0][0].start.strftime("%Y-%m")
            title = f"{lead.name}'s journey to {', '.join(places)} ({month})"
            if len(title) > 300:
                title = f"{lead.name}'s journey to {places[0]} and {len(places) - 1} other places ({month})"
            remarks = list(dict.fromkeys(r.remarks for r in journey.records if r.remarks))
            trip = Trip(
                id=stable_id("travels", "trip", journey.key),
                title=title,
                lead=lead,
                origin=self.usa,
                purpose="\n".join(remarks),
            )
            trips.append(trip)
            for order, stop_records in enumerate(journey.stops, start=1):
                first = stop_records[0]
                stop = Stop(
                    id=stable_id("travels", "stop", first.id),
                    trip=trip,
                    order=order,
                    country=first.actor,
                    city=first.locale[:200],
                    arrival=first.start.isoformat(),
                    arrival_basis="stated",
                    departure=first.end.isoformat(),
                    departure_basis="stated",
                )
                stops.append(stop)
                remarked: dict[str, Record] = {}  # duplicates with the same remarks: one meeting each
                for record in stop_records:
                    if record.remarks:
                        remarked.setdefault(record.remarks, record)
                for record in remarked.values():
                    self.meetings(record, lead, trip, stop)
                for record in stop_records:
                    self.provenance.cite(stop, record.path, record.span, f"record-{record.id}")
                    self.provenance.cite(trip, record.path, record.span, f"record-{record.id}")
                    self.identifiers.append((Stop, stop.pk, "travels", record.id))
                    if record.label and record.label != first.actor.name:
                        self.provenance.cite(
                            stop,
                            record.path,
                            record.span,
                            f"country-{record.id}",
                            field="country",
                            stated_value=record.label,
                            note=f'The record names the country "{record.label}" (id "{record.hsg}"); on '
                            f"{record.start} that is {first.actor.name} ({first.actor.code}).",
                        )
            at = {(s.country_id, s.arrival): s for s in stops if s.trip_id == trip.pk}
            for slug, shared in journey.members.items():
                if slug in officials:
                    memberships.append((trip, officials[slug]))
                    for record in shared:
                        if record.remarks:
                            self.meetings(
                                record, officials[slug], trip, at.get((record.actor.pk, record.start.isoformat()))
                            )
                        self.provenance.cite(trip, record.path, record.span, f"member-{record.id}", field="members")
                        self.identifiers.append((Trip, trip.pk, "travels", record.id))
        self.provenance.write_sources()
        self.pocom_provenance.write_sources()
        self.writer.upsert(Trip, trips, ["title", "lead", "origin", "purpose"])
        self.write_stops(stops)
        self.writer.link(Trip.members, [(trip.pk, official.pk) for trip, official in memberships], "trip members")
        self.writer.upsert(
            Event,
            self.events,
            [
                "kind",
                "title",
                "description",
                "date",
                "date_basis",
                "trip",
                "stop",
                "cameo_code",
                "plover_type",
                "plover_mode",
            ],
        )
        self.writer.upsert(EventParticipant, self.participants, ["event", "official", "country", "role"])
        self.provenance.write_citations()
        self.pocom_provenance.write_citations()
        for model in (Stop, Trip, Position):
            self.writer.identifiers(model, [(pk, s, v) for m, pk, s, v in self.identifiers if m is model])

    def write_stops(self, stops: list[Stop]) -> None:
        """Stops keep their ids across runs; those whose order moved step aside first (order is unique per trip)."""
        existing = dict(Stop.objects.filter(pk__in=[s.pk for s in stops]).values_list("pk", "order"))
        moved = [s.pk for s in stops if s.pk in existing and existing[s.pk] != s.order]
        if moved:
            Stop.objects.filter(pk__in=moved).update(order=F("order") + 30000)
        self.writer.upsert(
            Stop,
            stops,
            ["trip", "order", "country", "city", "arrival", "arrival_basis", "departure", "departure_basis"],
        )
