"""Loading reference data and the seed fixtures into the database.

``load_seed()`` loads every country (pycountry + UN M49), then the fixture files in ``fixtures/``,
in one transaction. It is idempotent: a record whose fields already match is not written, so a
second run changes no row. Any problem (bad JSON, an unknown country code, an excerpt that is not
in its source, a broken rule) raises ``SeedError`` naming the file and the record, and the
transaction leaves the database exactly as it was.

Fixture files are lists of records keyed by their public identifier (UUID, slug), in the shape the API
takes them (the resources' serializers, events/api/): references by their public keys, looked up by the
API's own fields. Nested lists (an official's positions, a trip's stops, an agreement's parties and their
actions, an event's participants, and every record's citations) are written inline under their parent,
through the same helper as the API's writes (services.replace_nested).
"""

from __future__ import annotations

import contextlib
import csv
import datetime
import json
import uuid
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import pycountry
from django.conf import settings
from django.core.exceptions import FieldDoesNotExist, ObjectDoesNotExist, ValidationError
from django.db import IntegrityError, models, transaction
from rest_framework import serializers
from rest_framework.relations import ManyRelatedField
from rest_framework.serializers import ListSerializer

from apikit.serializers import RefField, fields_of
from events import services
from events.models import Actor, ActorIdentifier, Citation, IdentifierScheme, Sector, Source, Succession

DATA = Path(__file__).parent / "data"
M49_FILE = DATA / "m49.csv"
ACTORS_FILE = DATA / "actors.csv"  # former countries, entities without ISO status, organisations
SUCCESSIONS_FILE = DATA / "successions.csv"
SCHEMES_FILE = DATA / "identifier-schemes.csv"
HSG_FILE = DATA / "hsg-countries.csv"  # the Office of the Historian's ids of current countries
DATASET_CODES_FILE = DATA / "dataset-codes.csv"  # other codes the datasets use for actors
# Loaded in this order: later files refer to records of earlier ones.
FIXTURE_FILES = ("sectors.json", "sources.json", "officials.json", "trips.json", "agreements.json", "events.json")


# Reference records derived from events/data/ get ids derived from their keys (uuid5), the same on every machine.
SEED_NAMESPACE = uuid.UUID("6f0c5a52-1b1e-4f43-9c55-0d6b1f7a2e11")


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
        loader.load_actors()
        for name in FIXTURE_FILES:
            loader.load_file(name)
    return loader.report


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def actor_rows() -> list[dict]:
    """Every actor: the ISO 3166-1 countries (country_rows), then data/actors.csv, whose ISO 3166-3 codes are
    completed from pycountry's historic countries."""
    historic = {c.alpha_3: c for c in pycountry.historic_countries}
    rows = [{**row, "code": row["iso3"], "kind": "country"} for row in country_rows()]
    for row in read_csv(ACTORS_FILE):
        former = historic.get(row["iso3"])
        rows.append(
            {
                "code": row["code"],
                "kind": row["kind"],
                "name": row["name"],
                "official_name": row["official_name"],
                "iso3": row["iso3"],
                "iso_name": former.name if former else "",
                "iso_former_code": former.alpha_4 if former else "",
                "numeric": former.numeric if former else "",
                "from_year": int(row["from_year"]) if row["from_year"] else None,
                "until_year": int(row["until_year"]) if row["until_year"] else None,
                "alternative_names": [name for name in row["alternative_names"].split(";") if name],
                "note": row["note"],
            }
        )
    return rows


def actor_identifier_rows() -> list[tuple[str, str, str]]:
    """(actor code, scheme, value) from data/actors.csv, data/hsg-countries.csv and data/dataset-codes.csv."""
    rows = [(row["code"], "hsg", row["hsg"]) for row in read_csv(HSG_FILE)]
    rows += [(row["code"], row["scheme"], row["value"]) for row in read_csv(DATASET_CODES_FILE)]
    for row in read_csv(ACTORS_FILE):
        for identifier in filter(None, row["identifiers"].split(";")):
            scheme, _, value = identifier.partition(":")
            rows.append((row["code"], scheme, value))
    return rows


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

    def load_actors(self) -> None:
        """Actors, identifier schemes, the actors' identifiers and the successions, with their sources."""
        with self._context(ACTORS_FILE):
            existing = {actor.code: actor for actor in Actor.objects.all()}
            for row in actor_rows():
                self.record = row["code"]
                existing[row["code"]] = self._upsert(Actor, existing.get(row["code"]), row)
        with self._context(SCHEMES_FILE):
            schemes = {}
            for row in read_csv(SCHEMES_FILE):
                self.record = row["slug"]
                row["unique"] = row["unique"] == "true"
                schemes[row["slug"]] = self._upsert_by(IdentifierScheme, {"slug": row["slug"]}, row)
        with self._context(ACTORS_FILE):
            known = {(i.actor_id, i.scheme_id, i.value): i for i in ActorIdentifier.objects.all()}
            for code, scheme, value in actor_identifier_rows():
                self.record = f"{code} {scheme}:{value}"
                actor, scheme = existing[code], schemes[scheme]
                row = {"actor": actor, "scheme": scheme, "value": value}
                self._upsert(ActorIdentifier, known.get((actor.pk, scheme.pk, value)), row)
        with self._context(SUCCESSIONS_FILE):
            for row in read_csv(SUCCESSIONS_FILE):
                self.record = f"{row['predecessor']} -> {row['successor']}"
                self._succession(row, existing)

    def _succession(self, row: dict, actors: dict[str, Actor]) -> None:
        """One succession, cited to the instrument that made it (a source known by reference). Ids are derived
        from the codes and the title, so they are the same on every machine."""
        key = f"succession:{row['predecessor']}:{row['successor']}"
        source = self._upsert_derived(
            Source, f"source:{row['source_title']}", {"title": row["source_title"], "kind": "legal_instrument"}
        )
        succession = self._upsert_derived(
            Succession,
            key,
            {
                "predecessor": actors[row["predecessor"]],
                "successor": actors[row["successor"]],
                "date": datetime.date.fromisoformat(row["date"]),
                "kind": row["kind"],
                "note": row["note"],
            },
        )
        citation = {"source": source, "record": succession, "field": "date", "note": row["source_note"]}
        self._upsert_derived(Citation, f"{key}:citation", citation)

    def _upsert_derived(self, model: type[models.Model], key: str, data: dict) -> models.Model:
        """Upsert a record whose id is derived from ``key`` (uuid5), the same on every machine."""
        pk = uuid.uuid5(SEED_NAMESPACE, key)
        return self._upsert_by(model, {"id": pk}, {"id": pk, **data})

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
        except (KeyError, TypeError, ValueError, ObjectDoesNotExist, FieldDoesNotExist, IntegrityError) as error:
            raise SeedError(f"{path}: record {self.record}: {_error_text(error)}") from None

    # -- loading one record with its nested parts --------------------------------------------

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

    # The API's resources are imported where used: they import this module's M49 file for their filters.

    def _load_officials(self, data: dict) -> None:
        from events.api.officials import OfficialSerializer

        self._record(OfficialSerializer, data)

    def _load_trips(self, data: dict) -> None:
        from events.api.trips import TripSerializer

        services.validate_trip(self._record(TripSerializer, data))

    def _load_agreements(self, data: dict) -> None:
        from events.api.agreements import AgreementSerializer

        services.validate_agreement(self._record(AgreementSerializer, data))

    def _load_events(self, data: dict) -> None:
        from events.api.events import EventSerializer

        self._record(EventSerializer, data)

    def _record(self, serializer_class, data: dict, parent: dict | None = None, row=None) -> models.Model:
        """Upsert one record as the API declares it (``serializer_class``): references are looked up by their
        public keys as the API's fields look them up, nested lists (``stops``, ``parties``...) are loaded under
        it, matched by id, and its citations are written. Nothing is deleted. ``row``: the record, if known."""
        model = serializer_class.Meta.model
        fields = fields_of(serializer_class)
        citations = data.pop("citations", [])
        values, links, parts = dict(parent or {}), {}, {}
        for name, value in data.items():
            field = fields.get(name)
            if isinstance(field, ListSerializer):
                parts[name] = (field, value)
            elif isinstance(field, ManyRelatedField):
                links[name] = [self._ref(field.child_relation, item) for item in value]
            elif isinstance(field, RefField):
                values[name] = self._ref(field, value) if value else None
            else:  # as the model holds it (a decimal as Decimal, a date as date), so unchanged values compare equal
                values[name] = model._meta.get_field(name).to_python(value)
        if row is None:
            row = model.objects.filter(id=data["id"]).first()
        row = self._upsert(model, row, values)
        for name, objects in links.items():
            self._set_m2m(getattr(row, name), objects)
        self._citations(row, citations)
        for field, items in parts.values():
            self._parts(row, field, items)
        return row

    def _parts(self, row: models.Model, field: ListSerializer, items: list[dict]) -> None:
        """A nested list (a trip's stops...) under ``row``, each item matched to its row by id."""
        foreign_key = row._meta.get_field(field.source).field.name
        child = type(field.child)
        services.replace_nested(
            getattr(row, field.source).all(),
            items,
            match=lambda item: uuid.UUID(item["id"]),
            save=lambda existing, item, index: self._record(child, item, {foreign_key: row}, existing),
            delete_missing=False,
        )

    def _ref(self, field: RefField, key: str) -> models.Model:
        """The record a reference names, looked up as the API looks it up."""
        try:
            return field.to_internal_value(key)
        except serializers.ValidationError as error:
            raise SeedError(f"{' '.join(error.detail)} (it must be loaded first).") from None

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

    def _get(self, model: type[models.Model], pk: str) -> models.Model:
        """The record with this id; an earlier file (or earlier in this one) must have loaded it."""
        try:
            return model.objects.get(pk=pk)
        except (model.DoesNotExist, ValidationError):
            raise SeedError(f'no {model._meta.verbose_name} with id "{pk}" (it must be loaded first).') from None


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
