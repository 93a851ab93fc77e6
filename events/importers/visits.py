"""The Office of the Historian's visits of foreign leaders to the United States -> trips with one stop.

The rules (docs/importing.md explains them with examples):

- **One visit, one trip** to the United States: its stop has the visit's start and end dates; the trip's purpose
  is the description; the origin is the actor of the time the ``from`` id names (``events.actors``: ``russia``
  in 1988 is the Soviet Union), or the record's correction in ``data/dataset-corrections.csv`` (three records
  whose id is a typo or names a state that had ended: each with its reason). The label is kept as the
  citation's stated value where it differs.
- **Visitors.** The visitor string is split on " and " / " & " into people; each part is titles (a fixed list,
  longest first: "Prime Minister", "Crown Prince", ...) then a name. A part that is only titles belongs to the
  next part: "Premier and Prince Sihanouk" is one person with two titles, "President Andrzej Duda and Prime
  Minister Donald Tusk" two travellers (the first leads, the second is a member).
- **People.** One official per name and origin country: names compare with case, accents, punctuation,
  hyphens and the honorific "Sheikh" folded away; spellings in ``data/visitor-aliases.csv`` (curated, one row
  per variant: "Binyamin Netanyahu" -> "Benjamin Netanyahu") count as the name they spell; a name that stands
  for two people (``data/visitor-homonyms.csv``: King Hussein, and Crown Prince Hussein in 2023) is another
  person from the visit named there on. Every spelling is kept as an alternative name. No spelling is matched
  by similarity alone: Amata Kabua and Imata Kabua were two presidents. Titles become positions for the
  origin country with unknown dates, each citing the visits that show it held.
- **Dates the description states** ("In U.S. June 24-July 16", "Arrived in U.S. July 2", "Departed U.S.
  August 2") that differ from the record's start or end are kept as citations of the trip's start or end with
  the stated value, beside a citation of the record's own value: the field shows as disputed, neither is
  preferred.
- **Ids.** Each trip carries ``visits:<id>``.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from xml.etree import ElementTree

from django.utils.text import slugify

from events.actors import Successions
from events.importers import ARCHIVES
from events.importers.base import Archive, Dataset, Provenance, Summary, Writer, element_spans, stable_id
from events.importers.travels import TRAVELS, _space
from events.models import Actor, ActorIdentifier, Official, Position, Stop, Trip
from events.search import fold
from events.seed import DATA, read_csv

VISITS = Dataset(
    name="visits",
    archive=ARCHIVES["visits"],
    repository="HistoryAtState/visits",
    commit="869ca4f0e8d15521bc3c094b846e6b1d3c7d8f1d",
    publisher=TRAVELS.publisher,
    license=TRAVELS.license,
)
VERSION = 1

# Titles as the visitor strings write them -> the position's title (typos and spacing as found upstream).
TITLES = {
    "Acting President": "Acting President",
    "Acting Prime Minister": "Acting Prime Minister",
    "Amir": "Amir",
    "Brigadier General": "Brigadier General",
    "Chairman of the Presidency": "Chairman of the Presidency",
    "Chairman": "Chairman",
    "Chancellor-elect": "Chancellor-elect",
    "Chancellor": "Chancellor",
    "Chief of State": "Chief of State",
    "Crown Prince": "Crown Prince",
    "Emir": "Emir",
    "Emperor": "Emperor",
    "Federal Chancellor": "Federal Chancellor",
    "First Secretary": "First Secretary",
    "General Secretary": "General Secretary",
    "General": "General",
    "Governor General": "Governor General",
    "Grand Duchess": "Grand Duchess",
    "Grand Duke": "Grand Duke",
    "Head of State": "Head of State",
    "Interim President": "Interim President",
    "Interim Prime Minister": "Interim Prime Minister",
    "Junta Member": "Junta Member",
    "King": "King",
    "Lieutenant General": "Lieutenant General",
    "Pope": "Pope",
    "Premier": "Premier",
    "President- designate": "President-designate",
    "President- elect": "President-elect",
    "President-Elect": "President-elect",
    "President-elect": "President-elect",
    "President": "President",
    "Prime Ministere": "Prime Minister",
    "Prime Minister-": "Prime Minister",
    "Prime Minister": "Prime Minister",
    "Prime Minster": "Prime Minister",
    "Prince": "Prince",
    "Provisional President": "Provisional President",
    "Queen": "Queen",
    "Regent": "Regent",
    "Shah": "Shah",
    "Sultan": "Sultan",
    "Taoiseach": "Taoiseach",
    "Vice Premier": "Vice Premier",
}
_LONGEST_FIRST = "|".join(re.escape(t) for t in sorted(TITLES, key=len, reverse=True))
TITLE = re.compile(rf"^({_LONGEST_FIRST})(?:\s+|(?<=-)|(?=[A-Z]))")
MONTH = r"(January|February|March|April|May|June|July|August|September|October|November|December)"
DAY = rf"{MONTH}\s+(\d{{1,2}})(?:,\s*(\d{{4}}))?"
STAY = re.compile(rf"\bIn (?:the )?U\.\s?S\.,?\s+{DAY}\s*[\u2013-]\s*(?:{MONTH}\s+)?(\d{{1,2}})(?:,\s*(\d{{4}}))?")
ARRIVED = re.compile(rf"\bArrived in (?:the )?U\.\s?S\.,?\s+(?:on\s+)?{DAY}")
DEPARTED = re.compile(rf"\b(?:Departed|Left) (?:the )?U\.\s?S\.,?\s+(?:on\s+)?{DAY}")


def name_key(name: str) -> str:
    """A name compared: case, accents, punctuation and the honorific "Sheikh" folded away."""
    text = re.sub("[-.,\u2019'`]", " ", fold(name))
    text = re.sub(r"^sheikh?\s+", "", _space(text))
    return _space(text)


def parse_visitor(visitor: str) -> list[tuple[list[str], str]]:
    """The people a visitor string names: (their titles, their name as written)."""
    people: list[tuple[list[str], str]] = []
    pending: list[str] = []
    for part in re.split(r"\s+(?:and|&)\s+", visitor):
        titles, rest = list(pending), part
        while match := TITLE.match(rest + " "):
            titles.append(TITLES[match.group(1)])
            rest = rest[match.end() :].strip() if match.end() <= len(rest) else ""
        pending = []
        if not rest:
            pending = titles  # only titles: they belong to the person the next part names
            continue
        people.append((list(dict.fromkeys(titles)), rest))
    if pending and people:
        people[-1][0].extend(t for t in pending if t not in people[-1][0])
    return people


def month_number(name: str) -> int:
    return datetime.datetime.strptime(name, "%B").month


def stated_day(month: str, day: str, year: str | None, near: datetime.date) -> datetime.date | None:
    """A date the description states, its year (when not written) the one nearest the record's date."""
    number = month_number(month)
    if year:
        years = [int(year)]
    else:
        # the year that puts the month nearest the record's date
        years = sorted(
            (near.year - 1, near.year, near.year + 1), key=lambda y: abs((y - near.year) * 12 + number - near.month)
        )
    try:
        return datetime.date(years[0], number, int(day))
    except ValueError:
        return None


def description_dates(text: str, start: datetime.date, end: datetime.date) -> dict[str, tuple[datetime.date, str]]:
    """The start and end a description states ({"start"|"end": (date, the words)}), where they are read."""
    found: dict[str, tuple[datetime.date, str]] = {}
    if match := STAY.search(text):
        m1, d1, y1, m2, d2, y2 = match.groups()
        first = stated_day(m1, d1, y1, start)
        last = stated_day(m2 or m1, d2, y2, end)
        if first:
            found["start"] = (first, match.group(0))
        if last:
            found["end"] = (last, match.group(0))
    for name, pattern, near in (("start", ARRIVED, start), ("end", DEPARTED, end)):
        if name not in found and (match := pattern.search(text)) and (day := stated_day(*match.groups(), near)):
            found[name] = (day, match.group(0))
    return found


@dataclass
class Visit:
    id: str
    start: datetime.date
    end: datetime.date
    visitor: str
    hsg: str
    label: str
    description: str
    path: str
    span: tuple[int, int]
    origin: Actor | None = None
    correction: str = ""


@dataclass
class Person:
    country: str  # the origin's code (the actor of the time)
    key: str
    names: dict[str, None]
    visits: list[tuple[Visit, list[str]]]  # each visit with the titles it gives

    @property
    def name(self) -> str:
        """The spelling the visits use most (the first among equals)."""
        counts: dict[str, int] = {}
        for visit, _ in self.visits:
            for name in self.names:
                if name in visit.visitor:
                    counts[name] = counts.get(name, 0) + 1
        return max(self.names, key=lambda n: counts.get(n, 0))


class VisitsImporter:
    def __init__(self, archive: Archive, summary: Summary, writer: Writer):
        self.archive, self.summary, self.writer = archive, summary, writer
        self.provenance = Provenance(VISITS, archive, writer)
        self.usa = Actor.objects.get(code="USA")

    def visits(self) -> list[Visit]:
        hsg = {i.value: i.actor for i in ActorIdentifier.objects.filter(scheme="hsg").select_related("actor")}
        corrections = {
            row["record"]: row for row in read_csv(DATA / "dataset-corrections.csv") if row["dataset"] == "visits"
        }
        by_code = {a.code: a for a in Actor.objects.filter(code__in=[r["value"] for r in corrections.values()])}
        successions = Successions()
        visits = []
        for path in self.archive.under("data/", ".xml"):
            text = self.archive.text(path)
            spans = element_spans(text, "visit")
            for element in ElementTree.fromstring(text).iter("visit"):
                origin = element.find("from")
                visit = Visit(
                    id=element.findtext("id"),
                    start=datetime.date.fromisoformat(element.findtext("start-date")),
                    end=datetime.date.fromisoformat(element.findtext("end-date")),
                    visitor=_space(element.findtext("visitor")),
                    hsg=origin.get("id"),
                    label=_space(origin.text),
                    description=_space(element.findtext("description")),
                    path=path,
                    span=spans[element.findtext("id")],
                )
                if correction := corrections.get(visit.id):
                    visit.origin, visit.correction = by_code[correction["value"]], correction["note"]
                elif (named := hsg.get(visit.hsg)) is not None:
                    visit.origin, _ = successions.actor_on(named, visit.start)
                    if named.until_year and visit.start.year > named.until_year and visit.origin == named:
                        self.summary.skip(
                            f"visits {visit.id}", f'country id "{visit.hsg}" names an actor that had ended'
                        )
                        continue
                else:
                    self.summary.skip(f"visits {visit.id}", f'unknown country id "{visit.hsg}"')
                    continue
                visits.append(visit)
        return visits

    def people(self, visits: list[Visit]) -> tuple[list[Person], dict[str, list[Person]]]:
        """The people the visits name, and each visit's travellers (lead first)."""
        aliases = {
            (r["country"], name_key(r["spelling"])): name_key(r["name"]) for r in read_csv(DATA / "visitor-aliases.csv")
        }
        by_id = {v.id: v for v in visits}
        homonyms: dict[tuple[str, str], list[datetime.date]] = {}
        for row in read_csv(DATA / "visitor-homonyms.csv"):
            homonyms.setdefault((row["country"], name_key(row["name"])), []).append(by_id[row["visit"]].start)
        latest: dict[tuple[str, str], Person] = {}
        people: list[Person] = []
        travellers: dict[str, list[Person]] = {}
        for visit in sorted(visits, key=lambda v: (v.start, int(v.id))):
            named = parse_visitor(visit.visitor)
            if not named:
                self.summary.skip(f"visits {visit.id}", "the visitor names no one (titles only)")
            for titles, name in named:
                key = name_key(name)
                key = aliases.get((visit.hsg, key), key)
                era = sum(1 for day in homonyms.get((visit.hsg, key), ()) if day <= visit.start)
                key = f"{key} ({era + 1})" if era else key
                person = latest.get((visit.origin.code, key))
                if person is None:
                    person = Person(visit.origin.code, key, {}, [])
                    latest[(visit.origin.code, key)] = person
                    people.append(person)
                person.names[name] = None
                person.visits.append((visit, titles))
                travellers.setdefault(visit.id, []).append(person)
        return people, travellers

    def run(self) -> None:
        visits = self.visits()
        people, travellers = self.people(visits)
        officials = self.officials(people)
        positions: dict[tuple, Position] = {}
        trips, stops, memberships, identifiers = [], [], [], []
        for visit in visits:
            party = travellers.get(visit.id)
            if not party:
                continue
            lead = officials[id(party[0])]
            trip = Trip(
                id=stable_id("visits", "trip", visit.id),
                title=f"{visit.visitor} of {visit.origin.name}: visit to the United States ({visit.start:%Y-%m})"[:300],
                lead=lead,
                origin=visit.origin,
                purpose=visit.description,
                start=visit.start.isoformat(),
                start_basis="stated",
                end=visit.end.isoformat(),
                end_basis="stated",
            )
            trips.append(trip)
            stop = Stop(
                id=stable_id("visits", "stop", visit.id),
                trip=trip,
                order=1,
                country=self.usa,
                arrival=visit.start.isoformat(),
                arrival_basis="stated",
                departure=visit.end.isoformat(),
                departure_basis="stated",
            )
            stops.append(stop)
            identifiers.append((trip.pk, visit.id))
            cite = self.provenance.cite
            cite(trip, visit.path, visit.span, "record")
            cite(stop, visit.path, visit.span, "record")
            cite(trip, visit.path, visit.span, "visitor", field="lead", stated_value=visit.visitor)
            if visit.correction:
                note = visit.correction
                cite(trip, visit.path, visit.span, "origin", field="origin", stated_value=visit.label, note=note)
            elif visit.label != visit.origin.name:
                cite(
                    trip,
                    visit.path,
                    visit.span,
                    "origin",
                    field="origin",
                    stated_value=visit.label,
                    note=f'The record names the country "{visit.label}" (id "{visit.hsg}"); on {visit.start} that is '
                    f"{visit.origin.name} ({visit.origin.code}).",
                )
            own = {"start": visit.start, "end": visit.end}
            for name, (day, words) in description_dates(visit.description, visit.start, visit.end).items():
                if day != own[name]:
                    cite(trip, visit.path, visit.span, f"{name}-record", field=name, stated_value=own[name].isoformat())
                    cite(
                        trip,
                        visit.path,
                        visit.span,
                        f"{name}-description",
                        field=name,
                        stated_value=day.isoformat(),
                        note=f'The description says "{words}": the {name} it states differs from the record\'s '
                        f"{name}-date ({own[name]}).",
                    )
                    self.summary.count("visits whose description states another date (both kept, disputed)", "noted")
            for person in party[1:]:
                memberships.append((trip.pk, officials[id(person)].pk))
            for person in party:
                official = officials[id(person)]
                for titles in (t for v, t in person.visits if v is visit):
                    for title in titles:
                        position = positions.setdefault(
                            (official.pk, title, visit.origin.pk),
                            Position(
                                id=stable_id("visits", "position", official.pk, title, visit.origin.code),
                                official=official,
                                title=title,
                                country=visit.origin,
                            ),
                        )
                        cite(position, visit.path, visit.span, f"visit-{visit.id}")
        self.provenance.write_sources()
        # An official the seed (or another dataset) has keeps its name: the visits only cite it.
        new_people = [o for o in officials.values() if o.pk not in self.reused]
        self.writer.upsert(Official, new_people, ["slug", "name", "alternative_names"])
        self.writer.upsert(Position, list(positions.values()), ["official", "title", "country"])
        trip_fields = ["title", "lead", "origin", "purpose", "start", "start_basis", "end", "end_basis"]
        self.writer.upsert(Trip, trips, trip_fields)
        self.writer.upsert(
            Stop, stops, ["trip", "order", "country", "arrival", "arrival_basis", "departure", "departure_basis"]
        )
        self.writer.link(Trip.members, memberships, "trip members")
        self.provenance.write_citations()
        self.writer.identifiers(Trip, [(pk, "visits", value) for pk, value in identifiers])
        self.summary.notes.append(f"{len(visits)} visits by {len(people)} people")

    def officials(self, people: list[Person]) -> dict[int, Official]:
        """An official per person: an existing one (the seed's) where its slug is the name's and it held a position
        for the same country; else a new one, its slug the name's (made unique) and its id from its first visit."""
        held = {(slug, country) for slug, country in Position.objects.values_list("official__slug", "country__code")}
        existing = dict(Official.objects.values_list("slug", "pk"))
        ours = {stable_id("visits", "person", p.country, p.key, p.visits[0][0].id) for p in people}
        taken = {slug for slug, pk in existing.items() if pk not in ours}
        officials: dict[int, Official] = {}
        self.reused: set = set()
        for person in sorted(people, key=lambda p: (p.visits[0][0].start, int(p.visits[0][0].id))):
            name = person.name
            slug = slugify(name)[:90] or "visitor"
            first = person.visits[0][0]
            if slug in existing and (slug, first.origin.code) in held and existing[slug] not in ours:
                pk = existing[slug]
                self.reused.add(pk)
            else:
                pk = stable_id("visits", "person", person.country, person.key, first.id)
                base, n = slug, 2
                while slug in taken:
                    slug, n = f"{base}-{n}", n + 1
                taken.add(slug)
            officials[id(person)] = Official(
                id=pk, slug=slug, name=name[:200], alternative_names=[n for n in person.names if n != name]
            )
            for visit, _ in person.visits:
                self.provenance.cite(officials[id(person)], visit.path, visit.span, f"visit-{visit.id}")
        return officials
