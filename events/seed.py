"""Loading reference data and the seed fixtures into the database.

``load_seed()`` loads every country (pycountry + UN M49), then the fixture files in ``fixtures/``,
in one transaction. It is idempotent: a record whose fields already match is not written, so a
second run changes no row. Any problem (bad JSON, an unknown country code, an excerpt that is not
in its source, a broken rule) raises ``SeedError`` naming the file and the record, and the
transaction leaves the database exactly as it was.

Fixture files are lists of records keyed by their public identifier (UUID, slug). Nested lists
(an official's positions, a trip's stops, an agreement's parties and their actions, an event's
participants, and every record's citations) are written inline under their parent.
"""

from __future__ import annotations

import contextlib
import csv
import json
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import pycountry
from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import IntegrityError, models, transaction

from events import services
from events.models import (
    Agreement,
    AgreementParty,
    Citation,
    Country,
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

M49_FILE = Path(__file__).parent / "data" / "m49.csv"
# Loaded in this order: later files refer to records of earlier ones.
FIXTURE_FILES = ("sectors.json", "sources.json", "officials.json", "trips.json", "agreements.json", "events.json")


class SeedError(Exception):
    """A fixture could not be loaded; the message names the file and the record."""


@dataclass
class LoadReport:
    created: Counter = field(default_factory=Counter)
    updated: Counter = field(default_factory=Counter)
    unchanged: Counter = field(default_factory=Counter)

    def count(self, model: type[models.Model], outcome: str) -> None:
        getattr(self, outcome)[model._meta.verbose_name_plural] += 1

    def summary(self) -> str:
        def line(counter: Counter) -> str:
            return ", ".join(f"{n} {name}" for name, n in sorted(counter.items())) or "none"

        return f"created: {line(self.created)}\nupdated: {line(self.updated)}\nunchanged: {line(self.unchanged)}"


def load_seed(fixtures_dir: Path | None = None, seeds_dir: Path | None = None) -> LoadReport:
    """Load countries and every fixture file in one transaction."""
    loader = _Loader(fixtures_dir or settings.FIXTURES_DIR, seeds_dir or settings.SEEDS_DIR)
    with transaction.atomic():
        loader.load_countries()
        for name in FIXTURE_FILES:
            loader.load_file(name)
    return loader.report


def country_rows() -> list[dict[str, str]]:
    """Every ISO 3166-1 country from pycountry, with its UN M49 regions from ``data/m49.csv``."""
    with M49_FILE.open(encoding="utf-8", newline="") as handle:
        m49 = {row.pop("iso3"): row for row in csv.DictReader(handle)}
    rows = []
    for country in pycountry.countries:
        rows.append(
            {
                "iso3": country.alpha_3,
                "iso2": country.alpha_2,
                "numeric": country.numeric,
                "name": getattr(country, "common_name", country.name),
                "iso_name": country.name,
                "official_name": getattr(country, "official_name", ""),
                **m49[country.alpha_3],
            }
        )
    return rows


class _Loader:
    def __init__(self, fixtures_dir: Path, seeds_dir: Path):
        self.fixtures_dir = Path(fixtures_dir)
        self.seeds_dir = Path(seeds_dir)
        self.report = LoadReport()
        self.record = ""
        self.sources: dict[str, Source] = {}  # by id: citations refer to a handful of sources

    # -- entry points -------------------------------------------------------------------------

    def load_countries(self) -> None:
        self.record = ""
        existing = {c.iso3: c for c in Country.objects.all()}
        for row in country_rows():
            self.record = row["iso3"]
            self._upsert(Country, existing.get(row["iso3"]), row)

    def load_file(self, name: str) -> None:
        self.record = ""
        path = self.fixtures_dir / name
        try:
            records = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise SeedError(f"{path}: file not found.") from None
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            raise SeedError(f"{path}: not valid JSON: {error}") from None
        if not isinstance(records, list):
            raise SeedError(f"{path}: expected a JSON list of records.")
        loader = getattr(self, "_load_" + name.removesuffix(".json"))
        self.deferred = []
        for index, data in enumerate(records):
            self.record = str(data.get("id") or data.get("slug") or "") if isinstance(data, dict) else ""
            self.record = self.record or f"#{index + 1}"
            with self._context(path):
                if not isinstance(data, dict):
                    raise SeedError("expected a JSON object.")
                loader(dict(data))
        # Sources cite each other (the seed article's date is cited from the research note): their
        # citations are written once every source of the file exists.
        for record_label, record, citations in self.deferred:
            self.record = record_label
            with self._context(path):
                self._citations(record, citations)

    @contextlib.contextmanager
    def _context(self, path: Path):
        """Turn any error while loading one record into a SeedError naming the file and the record."""
        try:
            yield
        except SeedError as error:
            raise SeedError(f"{path}: record {self.record}: {error}") from None
        except ValidationError as error:
            raise SeedError(f"{path}: record {self.record}: {_validation_text(error)}") from None
        except (KeyError, TypeError, ValueError, ObjectDoesNotExist, IntegrityError) as error:
            raise SeedError(f"{path}: record {self.record}: {_error_text(error)}") from None

    # -- one loader per fixture file ----------------------------------------------------------

    def _load_sectors(self, data: dict) -> None:
        self._upsert_by(Sector, {"slug": data["slug"]}, data)

    def _load_sources(self, data: dict) -> None:
        citations = data.pop("citations", [])
        if data.get("text_path"):
            text_file = self.seeds_dir / Path(data["text_path"]).relative_to("seeds")
            try:
                data["text"] = text_file.read_bytes().decode("utf-8")
            except FileNotFoundError:
                raise SeedError(f'text_path "{data["text_path"]}" does not exist.') from None
        source = self._upsert_by(Source, {"id": data["id"]}, data)
        self.deferred.append((self.record, source, citations))

    def _load_officials(self, data: dict) -> None:
        positions = data.pop("positions", [])
        citations = data.pop("citations", [])
        official = self._upsert_by(Official, {"id": data["id"]}, data)
        self._citations(official, citations)
        for position in positions:
            position_citations = position.pop("citations", [])
            position["country"] = self._country(position["country"])
            row = self._upsert_by(Position, {"id": position["id"]}, {**position, "official": official})
            self._citations(row, position_citations)

    def _load_trips(self, data: dict) -> None:
        stops = data.pop("stops", [])
        citations = data.pop("citations", [])
        members = [self._official(slug) for slug in data.pop("members", [])]
        invited_by = [self._country(code) for code in data.pop("invited_by", [])]
        data["lead"] = self._official(data["lead"])
        data["origin"] = self._country(data["origin"])
        trip = self._upsert_by(Trip, {"id": data["id"]}, data)
        self._set_m2m(trip.members, members)
        self._set_m2m(trip.invited_by, invited_by)
        self._citations(trip, citations)
        for stop in stops:
            stop_citations = stop.pop("citations", [])
            stop["country"] = self._country(stop["country"])
            row = self._upsert_by(Stop, {"id": stop["id"]}, {**stop, "trip": trip})
            self._citations(row, stop_citations)
        services.validate_trip(trip)

    def _load_agreements(self, data: dict) -> None:
        parties = data.pop("parties", [])
        citations = data.pop("citations", [])
        sectors = [self._sector(slug) for slug in data.pop("sectors", [])]
        if data.get("signed_at"):
            data["signed_at"] = self._get(Stop, data["signed_at"])
        if data.get("parent"):
            data["parent"] = self._get(Agreement, data["parent"])
        if data.get("value_amount") is not None:
            data["value_amount"] = Decimal(str(data["value_amount"]))
        agreement = self._upsert_by(Agreement, {"id": data["id"]}, data)
        self._set_m2m(agreement.sectors, sectors)
        self._citations(agreement, citations)
        for party in parties:
            actions = party.pop("actions", [])
            party_citations = party.pop("citations", [])
            party["country"] = self._country(party["country"])
            if party.get("signatory"):
                party["signatory"] = self._official(party["signatory"])
            row = self._upsert_by(AgreementParty, {"id": party["id"]}, {**party, "agreement": agreement})
            self._citations(row, party_citations)
            for action in actions:
                action_citations = action.pop("citations", [])
                step = self._upsert_by(PartyAction, {"id": action["id"]}, {**action, "party": row})
                self._citations(step, action_citations)
        services.validate_agreement(agreement)

    def _load_events(self, data: dict) -> None:
        participants = data.pop("participants", [])
        citations = data.pop("citations", [])
        sectors = [self._sector(slug) for slug in data.pop("sectors", [])]
        if data.get("trip"):
            data["trip"] = self._get(Trip, data["trip"])
        if data.get("stop"):
            data["stop"] = self._get(Stop, data["stop"])
        event = self._upsert_by(Event, {"id": data["id"]}, data)
        self._set_m2m(event.sectors, sectors)
        self._citations(event, citations)
        for participant in participants:
            participant_citations = participant.pop("citations", [])
            if participant.get("official"):
                participant["official"] = self._official(participant["official"])
            if participant.get("country"):
                participant["country"] = self._country(participant["country"])
            row = self._upsert_by(EventParticipant, {"id": participant["id"]}, {**participant, "event": event})
            self._citations(row, participant_citations)

    # -- helpers --------------------------------------------------------------------------------

    def _citations(self, record: models.Model, citations: list[dict]) -> None:
        for data in citations:
            data = dict(data)
            if data["source"] not in self.sources:
                self.sources[data["source"]] = self._get(Source, data["source"])
            data["source"] = self.sources[data["source"]]
            self._upsert_by(Citation, {"id": data["id"]}, {**data, "record": record})

    def _upsert_by(self, model: type[models.Model], lookup: dict, data: dict) -> models.Model:
        return self._upsert(model, model.objects.filter(**lookup).first(), data)

    def _upsert(self, model: type[models.Model], instance: models.Model | None, data: dict) -> models.Model:
        """Create the record, or update it only where a value differs (so a second load writes nothing)."""
        if instance is None:
            instance = model(**data)
            outcome = "created"
        else:
            current = {name: _comparable(getattr(instance, name)) for name in data}
            for name, value in data.items():
                setattr(instance, name, value)
            changed = any(_comparable(getattr(instance, name)) != current[name] for name in data)
            if not changed:
                self.report.count(model, "unchanged")
                return instance
            outcome = "updated"
        instance.full_clean(validate_constraints=True)
        instance.save()
        self.report.count(model, outcome)
        return instance

    def _set_m2m(self, manager, objects: list[models.Model]) -> None:
        if set(manager.values_list("pk", flat=True)) != {o.pk for o in objects}:
            manager.set(objects)

    def _get(self, model: type[models.Model], value: str, key: str = "pk") -> models.Model:
        """The record that ``key`` identifies; an earlier file (or earlier in this one) must have loaded it."""
        try:
            return model.objects.get(**{key: value})
        except (model.DoesNotExist, ValidationError):
            name = "id" if key == "pk" else key
            raise SeedError(f'no {model._meta.verbose_name} with {name} "{value}" (it must be loaded first).') from None

    def _country(self, iso3: str) -> Country:
        try:
            return Country.objects.get(iso3=iso3)
        except Country.DoesNotExist:
            raise SeedError(f'unknown country code "{iso3}" (expected an ISO 3166-1 alpha-3 code).') from None

    def _official(self, slug: str) -> Official:
        return self._get(Official, slug, key="slug")

    def _sector(self, slug: str) -> Sector:
        return self._get(Sector, slug, key="slug")


def _comparable(value):
    """Values as fixtures give them: model instances by primary key, UUIDs and dates as text."""
    if isinstance(value, models.Model):
        return str(value.pk)
    if value is None or isinstance(value, bool | int | Decimal | list | dict):
        return value
    return str(value)


def _validation_text(error: ValidationError) -> str:
    if hasattr(error, "message_dict"):
        return "; ".join(f"{name}: {' '.join(messages)}" for name, messages in error.message_dict.items())
    return " ".join(error.messages)


def _error_text(error: Exception) -> str:
    if isinstance(error, KeyError):
        return f"missing field {error}."
    return str(error).strip().splitlines()[0]
