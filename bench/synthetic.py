"""Synthetic data for benchmarks (``manage.py seed_bench``): deterministic, skewed, loaded with COPY.

Every synthetic record has an id of the form ``be4cbe4c-KKKK-4000-8000-NNNNNNNNNNNN`` (KKKK the table, N the
row number), which no seed record has and a random UUID matches with odds of 2^-56; synthetic officials have
slugs ``bench-...``. Synthetic records refer only to each other and to the reference data (countries and
sectors), so loading or clearing them never reads or writes a seed record. They are written straight to the
tables: no change history, no deletion log.

Shape (scale S; XS is 1% of it, M 10x, L 100x): 5,000 officials with 1-2 positions; 20,000 trips with 1-4 stops;
100,000 agreements with 2-5 parties, 1-2 sectors, a citation each and some signatories and party actions;
50,000 events with 1-3 participants. A few countries take most rows (weights fall as 1/rank^1.1 over a fixed
order of countries); dates spread over 1996-2025, at day, month and year precision, some unknown.
"""

import calendar
import datetime
import itertools
import random
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db import connection, models, transaction

from events.choices import AgreementKind, AgreementStatus, EventKind, ParticipantRole
from events.models import (
    Actor,
    Agreement,
    AgreementParty,
    Citation,
    Event,
    EventParticipant,
    Official,
    PartyAction,
    Position,
    Sector,
    Source,
    Stop,
    Trip,
)

SCALES = {"XS": 0.01, "S": 1, "M": 10, "L": 100}
BASE = {"sources": 500, "officials": 5_000, "trips": 20_000, "agreements": 100_000, "events": 50_000}
BATCH = 20_000  # records per COPY batch of the agreements and events (with their parts)
SEED = 20230611  # the random generator's seed: the same scale gives the same rows on every machine
CREATED = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
FIRST_DAY, LAST_DAY = datetime.date(1996, 1, 1), datetime.date(2025, 12, 31)

# Kinds of synthetic record: the KKKK of their ids (the order of deletion, children first).
KINDS = {
    "citation": 1,
    "partyaction": 2,
    "agreementparty": 3,
    "agreement": 4,
    "eventparticipant": 5,
    "event": 6,
    "stop": 7,
    "trip": 8,
    "position": 9,
    "official": 10,
    "source": 11,
}
# Countries that take the most rows, in order; the others follow in ISO order.
HEAVY = ["IRN", "CHN", "RUS", "USA", "VEN", "CUB", "NIC", "TUR", "IND", "BRA", "FRA", "DEU", "GBR", "SAU", "QAT"]
GIVEN = "Ali Maria Jose Ahmad Elena Hassan Anna Carlos Fatima Ivan Li Wei Sofia Omar Laura Reza Nadia Pedro Mina Yusuf"
FAMILY = "Garcia Hosseini Petrov Zhang Silva Karimi Lopez Ivanova Chen Rahimi Moreno Smith Haddad Novak Costa Tehrani"
TITLES = ["President", "Minister of Foreign Affairs", "Ambassador", "Prime Minister", "Minister of Economy", "Envoy"]


def bench_id(kind: str, number: int) -> uuid.UUID:
    return uuid.UUID(f"be4cbe4c-{KINDS[kind]:04x}-4000-8000-{number:012x}")


def bench_range(kind: str) -> tuple[str, str]:
    """The first and last possible id of a kind of synthetic record."""
    return str(bench_id(kind, 0)), str(bench_id(kind, 16**12 - 1))


@dataclass
class StoredDate:
    """An uncertain date as the five stored fields: text, precision, earliest, latest (basis left blank)."""

    text: str = ""
    precision: str = ""
    earliest: datetime.date | None = None
    latest: datetime.date | None = None

    def fields(self, name: str) -> dict:
        return {
            name: self.text,
            f"{name}_precision": self.precision,
            f"{name}_earliest": self.earliest,
            f"{name}_latest": self.latest,
        }


def exact(day: datetime.date) -> StoredDate:
    return StoredDate(day.isoformat(), "day", day, day)


class Generator:
    def __init__(self, scale: str):
        self.factor = SCALES[scale]
        self.rng = random.Random(f"{SEED}-{scale}")
        self.size = {name: max(1, round(count * self.factor)) for name, count in BASE.items()}
        countries = list(Actor.objects.filter(kind="country").order_by("iso3").values_list("id", "iso3", "name"))
        heavy = {iso3: rank for rank, iso3 in enumerate(HEAVY)}
        countries.sort(key=lambda c: (heavy.get(c[1], len(HEAVY)), c[1]))
        self.countries = countries
        self.country_weights = list(itertools.accumulate(1 / (rank + 1) ** 1.1 for rank in range(len(countries))))
        self.sectors = list(Sector.objects.order_by("slug").values_list("id", "name"))
        self.agreement_type = ContentType.objects.get_for_model(Agreement).pk  # what the citations cite
        self.official_country: list[int] = []  # the country of each official's first position
        self.officials_of: dict[int, list[int]] = {}  # country id -> numbers of its officials

    # -- drawing values --------------------------------------------------------------------------------

    def country(self) -> tuple[int, str, str]:
        return self.rng.choices(self.countries, cum_weights=self.country_weights)[0]

    def distinct_countries(self, count: int, exclude: int | None = None) -> list[tuple[int, str, str]]:
        chosen: dict[int, tuple] = {}
        while len(chosen) < count:
            country = self.country()
            if country[0] != exclude:
                chosen[country[0]] = country
        return list(chosen.values())

    def day(self) -> datetime.date:
        return FIRST_DAY + datetime.timedelta(days=self.rng.randrange((LAST_DAY - FIRST_DAY).days + 1))

    def uncertain(self, day: datetime.date | None = None) -> StoredDate:
        """Day precision 60%, month 25%, year 10%, unknown 5%."""
        day = day or self.day()
        draw = self.rng.random()
        if draw < 0.60:
            return exact(day)
        if draw < 0.85:
            last = calendar.monthrange(day.year, day.month)[1]
            return StoredDate(f"{day:%Y-%m}", "month", day.replace(day=1), day.replace(day=last))
        if draw < 0.95:
            return StoredDate(str(day.year), "year", datetime.date(day.year, 1, 1), datetime.date(day.year, 12, 31))
        return StoredDate()

    def name(self) -> str:
        return f"{self.rng.choice(GIVEN.split())} {self.rng.choice(FAMILY.split())}"

    def official_for(self, country_id: int) -> int | None:
        officials = self.officials_of.get(country_id)
        return self.rng.choice(officials) if officials else None

    def stamps(self, number: int) -> dict:
        moment = CREATED + datetime.timedelta(seconds=number)
        return {"created_at": moment, "updated_at": moment}

    # -- tables ----------------------------------------------------------------------------------------

    def sources(self) -> Iterator[dict]:
        publishers = ["Synthetic Wire", "Bench Herald", "Load Test Times", "Example Agency"]
        for n in range(self.size["sources"]):
            yield {
                "id": bench_id("source", n),
                "title": f"Synthetic report {n}",
                "kind": "news_report",
                "publisher": publishers[n % len(publishers)],
                "url": f"https://example.org/bench/{n}",
                "published": self.day(),
                "language": "en",
                **self.stamps(n),
            }

    def officials(self) -> Iterator[dict]:
        for n in range(self.size["officials"]):
            country = self.country()
            self.official_country.append(country[0])
            self.officials_of.setdefault(country[0], []).append(n)
            yield {"id": bench_id("official", n), "name": self.name(), "slug": f"bench-{n:07d}", **self.stamps(n)}

    def positions(self) -> Iterator[dict]:
        number = itertools.count()
        for n, country_id in enumerate(self.official_country):
            start = self.day()
            for held in range(1 if self.rng.random() < 0.8 else 2):
                end = start + datetime.timedelta(days=self.rng.randrange(200, 3000))
                ended = end <= LAST_DAY and (held == 0 or self.rng.random() < 0.5)
                yield {
                    "id": bench_id("position", next(number)),
                    "official_id": bench_id("official", n),
                    "title": TITLES[(n + held) % len(TITLES)],
                    "country_id": country_id,
                    **StoredDate(
                        str(start.year), "year", datetime.date(start.year, 1, 1), datetime.date(start.year, 12, 31)
                    ).fields("start"),
                    **(
                        StoredDate(
                            str(end.year), "year", datetime.date(end.year, 1, 1), datetime.date(end.year, 12, 31)
                        ).fields("end")
                        if ended
                        else {}
                    ),
                    "end_cause": "term_ended" if ended else "",
                    **self.stamps(n),
                }
                start = end + datetime.timedelta(days=1)

    def trips(self) -> tuple[list[dict], list[dict], list[dict]]:
        """Trips, their stops and their members. Leads are skewed too: a few officials travel most."""
        trips, stops, members = [], [], []
        officials = len(self.official_country)
        lead_weights = list(itertools.accumulate(1 / (rank + 1) ** 0.9 for rank in range(officials)))
        stop_number = itertools.count()
        for n in range(self.size["trips"]):
            lead = self.rng.choices(range(officials), cum_weights=lead_weights)[0]
            origin = self.official_country[lead]
            visited = self.distinct_countries(self.rng.choice((1, 1, 1, 2, 2, 3, 4)), exclude=origin)
            first = self.day()
            dated = self.rng.random() < 0.8
            day = first
            for order, (country_id, _, _) in enumerate(visited, start=1):
                length = self.rng.randrange(0, 4)
                stops.append(
                    {
                        "id": bench_id("stop", next(stop_number)),
                        "trip_id": bench_id("trip", n),
                        "order": order,
                        "country_id": country_id,
                        **(exact(day).fields("arrival") if dated else {}),
                        **(exact(day + datetime.timedelta(days=length)).fields("departure") if dated else {}),
                        **self.stamps(n),
                    }
                )
                day += datetime.timedelta(days=length)
            names = ", ".join(name for _, _, name in visited)
            trips.append(
                {
                    "id": bench_id("trip", n),
                    "title": f"Visit to {names}",
                    "lead_id": bench_id("official", lead),
                    "origin_id": origin,
                    "purpose": "Synthetic trip for benchmarks.",
                    **(exact(first).fields("start") if dated else self.uncertain(first).fields("start")),
                    **(exact(day).fields("end") if dated else {}),
                    **self.stamps(n),
                }
            )
            for member in {self.official_for(origin) for _ in range(self.rng.choice((0, 0, 1, 2)))} - {None, lead}:
                members.append({"trip_id": bench_id("trip", n), "official_id": bench_id("official", member)})
        return trips, stops, members

    def agreements(self) -> Iterator[tuple[str, dict]]:
        """(table, row) pairs: each agreement with its parties, actions, sectors and citation."""
        kinds = [kind for kind, _ in AgreementKind.choices]
        labels = dict(AgreementKind.choices)
        party_number, action_number = itertools.count(), itertools.count()
        for n in range(self.size["agreements"]):
            agreement_id = bench_id("agreement", n)
            parties = self.distinct_countries(self.rng.choices((2, 3, 4, 5), weights=(80, 15, 3, 2))[0])
            sectors = self.rng.sample(self.sectors, self.rng.choice((1, 1, 2)))
            kind = self.rng.choice(kinds)
            signed = self.uncertain()
            valued = self.rng.random() < 0.1
            yield (
                "agreement",
                {
                    "id": agreement_id,
                    "title": (
                        f"{labels[kind]} on {sectors[0][1].lower()} between "
                        + " and ".join(name for _, _, name in parties)
                    )[:300],
                    "kind": kind,
                    "status": AgreementStatus.SIGNED if self.rng.random() < 0.9 else AgreementStatus.IN_FORCE,
                    "description": "Synthetic agreement for benchmarks.",
                    **signed.fields("signed"),
                    "quantity": 1 if self.rng.random() < 0.95 else self.rng.randrange(2, 40),
                    "value_amount": self.rng.randrange(1, 10**6) * 1000 if valued else None,
                    "value_currency": self.rng.choice(("USD", "EUR")) if valued else "",
                    "term_years": self.rng.choice((5, 10, 20)) if self.rng.random() < 0.1 else None,
                    **self.stamps(n),
                },
            )
            for country_id, _, _ in parties:
                party_id = bench_id("agreementparty", next(party_number))
                signatory = self.official_for(country_id) if self.rng.random() < 0.3 else None
                yield (
                    "agreementparty",
                    {
                        "id": party_id,
                        "agreement_id": agreement_id,
                        "country_id": country_id,
                        "signatory_id": bench_id("official", signatory) if signatory is not None else None,
                        **self.stamps(n),
                    },
                )
                if signed.earliest and self.rng.random() < 0.2:
                    yield (
                        "partyaction",
                        {
                            "id": bench_id("partyaction", next(action_number)),
                            "party_id": party_id,
                            "action": "signed",
                            **signed.fields("date"),
                            **self.stamps(n),
                        },
                    )
            for sector_id, _ in sectors:
                yield "agreement_sectors", {"agreement_id": agreement_id, "sector_id": sector_id}
            yield (
                "citation",
                {
                    "id": bench_id("citation", n),
                    "source_id": bench_id("source", self.rng.randrange(self.size["sources"])),
                    "content_type_id": self.agreement_type,
                    "object_id": agreement_id,
                    "note": "Synthetic citation.",
                    **self.stamps(n),
                },
            )

    def events(self) -> Iterator[tuple[str, dict]]:
        kinds = [kind for kind, _ in EventKind.choices]
        roles = [role for role, _ in ParticipantRole.choices]
        number = itertools.count()
        for n in range(self.size["events"]):
            event_id = bench_id("event", n)
            kind = self.rng.choice(kinds)
            countries = self.distinct_countries(self.rng.choice((1, 2, 2, 3)))
            yield (
                "event",
                {
                    "id": event_id,
                    "kind": kind,
                    "title": f"{kind.capitalize()} of " + " and ".join(name for _, _, name in countries),
                    "description": "Synthetic event for benchmarks.",
                    **self.uncertain().fields("date"),
                    **self.stamps(n),
                },
            )
            for index, (country_id, _, _) in enumerate(countries):
                official = self.official_for(country_id) if self.rng.random() < 0.5 else None
                yield (
                    "eventparticipant",
                    {
                        "id": bench_id("eventparticipant", next(number)),
                        "event_id": event_id,
                        "official_id": bench_id("official", official) if official is not None else None,
                        "country_id": country_id,
                        "role": roles[index % len(roles)],
                        **self.stamps(n),
                    },
                )
            if self.rng.random() < 0.5:
                yield "event_sectors", {"event_id": event_id, "sector_id": self.rng.choice(self.sectors)[0]}


# -- loading -------------------------------------------------------------------------------------------------

MODELS: dict[str, type[models.Model]] = {
    "source": Source,
    "official": Official,
    "position": Position,
    "trip": Trip,
    "stop": Stop,
    "agreement": Agreement,
    "agreementparty": AgreementParty,
    "partyaction": PartyAction,
    "citation": Citation,
    "event": Event,
    "eventparticipant": EventParticipant,
}
LINKS = {  # many-to-many tables: (model, field)
    "trip_members": (Trip, "members"),
    "agreement_sectors": (Agreement, "sectors"),
    "event_sectors": (Event, "sectors"),
}


class Table:
    """COPY of dict rows into one table; columns a row leaves out take the model field's default."""

    def __init__(self, name: str):
        if name in MODELS:
            fields = [f for f in MODELS[name]._meta.concrete_fields if not isinstance(f, models.GeneratedField)]
            self.db_table = MODELS[name]._meta.db_table
            self.columns = [f.column for f in fields]
            self.defaults = {f.column: f.get_default() for f in fields}
        else:
            model, field = LINKS[name]
            through = model._meta.get_field(field).remote_field.through
            self.db_table = through._meta.db_table
            self.columns = [f.column for f in through._meta.concrete_fields if not f.primary_key]
            self.defaults = {}

    def row(self, values: dict) -> tuple:
        return tuple(values[c] if c in values else self.defaults.get(c) for c in self.columns)


def copy_rows(cursor, table: Table, rows: Iterable[tuple]) -> int:
    count = 0
    columns = ", ".join(f'"{c}"' for c in table.columns)
    with cursor.copy(f"COPY {table.db_table} ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
            count += 1
    return count


def present() -> dict[str, int]:
    """How many synthetic records each model has."""
    counts = {}
    for kind, model in MODELS.items():
        low, high = bench_range(kind)
        counts[kind] = model.objects.filter(pk__gte=low, pk__lte=high).count()
    return counts


def clear(progress: Callable[[str], None] = print) -> None:
    """Delete every synthetic record (children first); seed records are never matched."""
    with connection.cursor() as cursor:
        for model, field in LINKS.values():
            through = model._meta.get_field(field).remote_field.through
            column = f"{model._meta.model_name}_id"
            low, high = bench_range(model._meta.model_name)
            progress(f"clearing {through._meta.db_table}")
            cursor.execute(f"DELETE FROM {through._meta.db_table} WHERE {column} BETWEEN %s AND %s", [low, high])
        for kind in KINDS:
            low, high = bench_range(kind)
            progress(f"clearing {MODELS[kind]._meta.db_table}")
            cursor.execute(f"DELETE FROM {MODELS[kind]._meta.db_table} WHERE id BETWEEN %s AND %s", [low, high])


def load(scale: str, progress_bar: Callable[..., object]) -> dict[str, int]:
    """Replace the synthetic data with that of ``scale``, in one transaction; returns rows per table."""
    generator = Generator(scale)
    loaded: dict[str, int] = {}
    tables = {name: Table(name) for name in [*MODELS, *LINKS]}

    with transaction.atomic(), connection.cursor() as wrapper:
        clear(progress=lambda message: None)
        cursor = wrapper.cursor  # psycopg's own cursor, for COPY

        def single(name: str, rows: Iterable[dict], total: int) -> None:
            bar = progress_bar(total=total, desc=name, unit="rows")
            table = tables[name]

            def tuples():
                for values in rows:
                    bar.update()
                    yield table.row(values)

            loaded[name] = copy_rows(cursor, table, tuples())
            bar.close()

        def mixed(names: list[str], rows: Iterable[tuple[str, dict]], total: int, desc: str) -> None:
            """Rows of several tables from one generator: kept per table, then copied table by table."""
            bar = progress_bar(total=total, desc=desc, unit="records")
            buffers: dict[str, list[tuple]] = {name: [] for name in names}
            head = names[0]

            def flush():
                for name in names:
                    loaded[name] = loaded.get(name, 0) + copy_rows(cursor, tables[name], buffers[name])
                    buffers[name].clear()

            for name, values in rows:
                buffers[name].append(tables[name].row(values))
                if name == head:
                    bar.update()
                    if len(buffers[head]) == BATCH:
                        flush()
            flush()
            bar.close()

        size = generator.size
        single("source", generator.sources(), size["sources"])
        single("official", generator.officials(), size["officials"])
        single("position", generator.positions(), 0)
        trips, stops, members = generator.trips()
        single("trip", trips, len(trips))
        single("stop", stops, len(stops))
        single("trip_members", members, len(members))
        mixed(
            ["agreement", "agreementparty", "partyaction", "agreement_sectors", "citation"],
            generator.agreements(),
            size["agreements"],
            "agreements",
        )
        mixed(["event", "eventparticipant", "event_sectors"], generator.events(), size["events"], "events")
    return loaded


def analyze() -> None:
    """Fresh planner statistics and visibility maps after a bulk load (outside any transaction)."""
    tables = {Table(name).db_table for name in [*MODELS, *LINKS]}
    with connection.cursor() as cursor:
        for table in sorted(tables):
            cursor.execute(f"VACUUM (ANALYZE) {table}")
