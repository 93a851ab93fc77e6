"""What every dataset importer shares: the vendored archive, provenance (a source per file, a citation per
record with its excerpt and offsets), deterministic ids, and writing in bulk only what changed.

Records an importer creates get ids derived from the dataset's own ids (uuid5), so a re-import finds them
again: a second run writes nothing, and a changed upstream record changes exactly its rows.
"""

from __future__ import annotations

import hashlib
import re
import subprocess
import tarfile
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import connection, models
from django.db.models.base import ModelState
from django.utils import timezone
from psycopg.types.json import Jsonb
from simple_history.utils import bulk_update_with_history

from events.dates import derived_fields, sync_uncertain_dates
from events.models import Citation, Identifier, IdentifierScheme, Source

DATASETS_DIR = Path(settings.BASE_DIR) / "datasets"
NAMESPACE = uuid.UUID("0b9d3c1e-7a43-4a8e-9d0b-6c0f5e1a2b77")


def person_id(slug: str, known: dict[str, uuid.UUID]) -> uuid.UUID:
    """An official's id: the one already stored under the slug (the seed's, another dataset's), else derived from
    the slug alone, so every dataset that names the person (presidents.xml, pocom) names the same official."""
    return known.get(slug) or stable_id("person", slug)


_FIELDS: dict[type[models.Model], tuple[list, list]] = {}


def build(model: type[models.Model], **values) -> models.Model:
    """A new ``model`` instance from ``values`` by attname (``party_id``, not ``party``), without Model.__init__:
    an import builds hundreds of thousands, and __init__ is most of a re-import's time. The other fields take their
    defaults; nothing else differs from ``model(**values)``."""
    if model not in _FIELDS:
        fields = [f for f in model._meta.concrete_fields if not f.generated]
        _FIELDS[model] = (
            [(f.attname, f.get_default()) for f in fields if not callable(f.default)],
            [f for f in fields if callable(f.default)],
        )
    static, dynamic = _FIELDS[model]
    instance = model.__new__(model)
    instance._state = ModelState()
    state = instance.__dict__
    state.update(static)
    for f in dynamic:
        if f.attname not in values:
            state[f.attname] = f.get_default()
    state.update(values)
    return instance


def stable_id(*parts: object) -> uuid.UUID:
    """The id of an imported record, derived from the dataset's own ids: the same on every run and machine."""
    return uuid.uuid5(NAMESPACE, ":".join(str(p) for p in parts))


@dataclass(frozen=True)
class Dataset:
    name: str  # the command's name for it: travels, visits, pocom, manytreaties
    archive: str  # file name under datasets/
    repository: str  # owner/name on GitHub
    commit: str
    publisher: str
    license: str

    def url(self, path: str, commit: str = "") -> str:
        return f"https://github.com/{self.repository}/blob/{commit or self.commit}/{path}"


class ArchiveError(Exception):
    """The files read lack one an importer needs (an upstream checkout of another layout)."""


class Archive:
    """The files of a vendored archive, by their path in the upstream repository (the top folder left out); or of
    an upstream checkout (a directory: ``--path``), whose commit is read from its ``.git`` where it has one."""

    def __init__(self, path: Path):
        self.path = path
        self.files: dict[str, bytes] = {}
        self.commit: str | None = None  # None: the dataset's vendored commit
        if path.is_dir():
            for file in sorted(path.rglob("*")):
                inner = file.relative_to(path).as_posix()
                if file.is_file() and not inner.startswith(".git/"):
                    self.files[inner] = file.read_bytes()
            digest = hashlib.sha256()
            for inner, data in self.files.items():
                digest.update(f"{inner}\0{hashlib.sha256(data).hexdigest()}\n".encode())
            self.sha256 = digest.hexdigest()
            self.commit = _checkout_commit(path)
            return
        data = path.read_bytes()
        self.sha256 = hashlib.sha256(data).hexdigest()
        with tarfile.open(path, "r:xz") as tar:
            for member in tar.getmembers():
                if member.isfile():
                    _, _, inner = member.name.partition("/")
                    self.files[inner] = tar.extractfile(member).read()

    def text(self, path: str) -> str:
        if path not in self.files:
            raise ArchiveError(f"{self.path} has no file {path}")
        return self.files[path].decode("utf-8")

    def under(self, folder: str, suffix: str = "") -> list[str]:
        return sorted(p for p in self.files if p.startswith(folder) and p.endswith(suffix))


def _checkout_commit(path: Path) -> str | None:
    """The commit a git checkout is at, or None (not a checkout's top, or no git here). Only a checkout's own
    ``.git`` counts: git would otherwise answer for a repository the directory merely lies in."""
    if not (path / ".git").exists():
        return None
    try:
        done = subprocess.run(["git", "-C", str(path), "rev-parse", "HEAD"], capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return None
    return done.stdout.strip()


NOT_EDTF = "not an EDTF date: loaded as unknown, its raw text cited"


class ImportProblem(Exception):
    """A problem with the data that ``--strict`` stops at: the file and record, the field, what is wrong."""


@dataclass
class Summary:
    """What an import did, per kind of record: created, updated, unchanged; what it skipped, and why; which values
    it loaded as unknown (their raw text cited), and which curators' edits it kept against upstream. With
    ``strict``, the first skip or bad value raises ImportProblem instead."""

    counts: dict[str, Counter] = field(default_factory=dict)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (record, reason)
    flagged: list[tuple[str, str]] = field(default_factory=list)  # (record and field, what is wrong)
    notes: list[str] = field(default_factory=list)
    strict: bool = False

    def count(self, kind: str, outcome: str, n: int = 1) -> None:
        self.counts.setdefault(kind, Counter())[outcome] += n

    def skip(self, record: str, reason: str) -> None:
        if self.strict:
            raise ImportProblem(f"{record}: {reason} (the record would be skipped)")
        self.skipped.append((record, reason))

    def flag(self, record: str, field: str, reason: str) -> None:
        """A value loaded as unknown (its raw text kept as a cited stated value), or kept against upstream."""
        if self.strict:
            raise ImportProblem(f"{record}, field {field}: {reason}")
        self.flagged.append((f"{record}, {field}", reason))

    @property
    def changed(self) -> int:
        return sum(c["created"] + c["updated"] + c["retracted"] for c in self.counts.values())

    def text(self) -> str:
        lines = []
        for kind, counter in sorted(self.counts.items()):
            parts = ", ".join(f"{n} {outcome}" for outcome, n in counter.items() if n)
            lines.append(f"  {kind}: {parts or 'none'}")
        for label, listed in (("skipped", self.skipped), ("kept as unknown or disputed", self.flagged)):
            reasons = Counter(reason for _, reason in listed)
            for reason, n in sorted(reasons.items()):
                examples = [record for record, r in listed if r == reason]
                shown = "; ".join(examples[:3]) + ("; ..." if n > 3 else "")
                lines.append(f"  {label} {n}: {reason} ({shown})")
        lines.extend(f"  note: {note}" for note in self.notes)
        return "\n".join(lines)


ELEMENT_ID = re.compile(r"<id>([^<]+)</id>")


def element_spans(text: str, tag: str) -> dict[str, tuple[int, int]]:
    """Offsets of each ``<tag ...>...</tag>`` element in the file's text, by the ``<id>`` inside it (the first
    element wins where an id repeats): the verbatim excerpt a citation quotes."""
    spans: dict[str, tuple[int, int]] = {}
    for match in re.finditer(rf"<{tag}(?:\s[^>]*)?>.*?</{tag}>", text, re.DOTALL):
        found = ELEMENT_ID.search(match.group(0))
        if found:
            spans.setdefault(found.group(1), match.span())
    return spans


class Writer:
    """Rows to write, compared with the database: new rows are created, changed ones updated, equal ones left
    alone. New rows and their history go in with PostgreSQL's COPY (an import creates hundreds of thousands);
    changed rows with Django's bulk update, with their history."""

    CHUNK = 20000

    def __init__(self, summary: Summary, user=None, reason: str = "", progress=None):
        self.summary = summary
        self.user = user
        self.reason = reason or "import_dataset"  # the history tells imports from curators' edits by it
        self.now = timezone.now()
        self.progress = progress  # a tqdm bar, or None
        self.provenances: list[Provenance] = []  # where citations of kept curators' edits are added
        self.written: dict[type[models.Model], set] = {}  # primary keys of the rows this import read, per model
        self.tables: set[str] = {Identifier._meta.db_table}  # the tables it may write (ANALYZEd after an import)

    def upsert(self, model: type[models.Model], rows: list[models.Model], fields: list[str], kind: str = "") -> None:
        """``rows`` carry their primary keys; ``fields`` are the ones the importer owns."""
        kind = kind or str(model._meta.verbose_name_plural)
        if self.progress is not None:
            self.progress.set_postfix_str(kind)
            self.progress.update(len(rows))
        self.written.setdefault(model, set()).update(row.pk for row in rows)
        self.tables.add(model._meta.db_table)
        if hasattr(model, "history"):
            self.tables.add(model.history.model._meta.db_table)
        dated = getattr(model, "uncertain_dates", ())
        for row in rows:
            if dated:
                sync_uncertain_dates(row)
        derived = [column for name in dated if name in fields for column in derived_fields(name)]
        compared = [*fields, *derived]
        columns = [model._meta.get_field(name).attname for name in compared]
        existing: dict = {}
        pks = [row.pk for row in rows]
        where = f"{connection.ops.quote_name(model._meta.db_table)}.{model._meta.pk.column} = ANY(%s)"
        for start in range(0, len(pks), self.CHUNK):
            # one array parameter rather than thousands (compiling a long IN list took seconds)
            chunk = model.objects.extra(where=[where], params=[pks[start : start + self.CHUNK]])
            existing.update((pk, tuple(values)) for pk, *values in chunk.values_list("pk", *columns))
        new, changed = [], []
        for row in rows:
            current = existing.get(row.pk)
            if current is None:
                new.append(row)
            elif current != tuple(getattr(row, column) for column in columns):
                changed.append(row)
        if changed:
            changed = self.keep_curators_edits(model, changed, fields, existing, columns, kind)
        if new:
            self.copy(model, new)
        if changed:  # few: the rows as stored, with the importer's fields set (their history copies whole rows)
            stored = model.objects.in_bulk([row.pk for row in changed])
            for row in changed:
                for name in compared:
                    setattr(stored[row.pk], name, getattr(row, name))
            changed = list(stored.values())
            for row in changed:
                row.updated_at = self.now
            columns_to_write = [*compared, "updated_at"]
            if hasattr(model, "history"):
                bulk_update_with_history(changed, model, columns_to_write, batch_size=1000, default_user=self.user)
            else:
                model.objects.bulk_update(changed, columns_to_write, batch_size=1000)
        self.summary.count(kind, "created", len(new))
        self.summary.count(kind, "updated", len(changed))
        self.summary.count(kind, "unchanged", len(rows) - len(new) - len(changed))

    def keep_curators_edits(self, model, rows: list, fields: list[str], existing: dict, columns: list[str], kind: str):
        """Rows whose stored values a curator edited since the last import keep the edited fields: upstream's value
        is cited (a stated value) beside the curator's, so the field shows as disputed, and the conflict is listed.
        A field counts as edited when its stored value differs from the one the last import wrote (the history);
        a row no import wrote (the seed's, a curator's) is edited in every field."""
        if not hasattr(model, "history"):
            return rows
        own = [model._meta.get_field(name).attname for name in fields]
        imported = {
            pk: values
            for pk, *values in model.history.filter(
                id__in=[row.pk for row in rows], history_change_reason__startswith="import_dataset"
            )
            .order_by("id", "-history_date")
            .distinct("id")
            .values_list("id", *own)
        }
        kept = []
        for row in rows:
            stored = dict(zip(columns, existing[row.pk], strict=True))
            last = dict(zip(own, imported[row.pk], strict=True)) if row.pk in imported else None
            for name, attname in zip(fields, own, strict=True):
                upstream = getattr(row, attname)
                if upstream == stored[attname] or (last is not None and stored[attname] == last[attname]):
                    continue
                setattr(row, attname, stored[attname])
                self.cite_conflict(row, name, upstream, stored[attname])
                self.summary.flag(f"{kind} {row.pk}", name, "a curator's edit kept; upstream's value cited beside it")
            sync_uncertain_dates(row)
            if tuple(getattr(row, column) for column in columns) != existing[row.pk]:
                kept.append(row)
        return kept

    def cite_conflict(self, row: models.Model, name: str, upstream, stored) -> None:
        def plain(value):
            return str(value) if isinstance(value, uuid.UUID) else value

        for provenance in self.provenances:
            if row.pk in provenance.quoted:
                path, span = provenance.quoted[row.pk]
                provenance.cite(
                    row,
                    path,
                    span,
                    f"upstream-{name}",
                    field=name,
                    stated_value=plain(upstream),
                    note=f"Upstream's value; a curator's edit ({plain(stored)!r}) is kept in the record.",
                )
                provenance.citations.append(
                    Citation(
                        id=stable_id("curation", row.pk, name),
                        source=curators_source(),
                        content_type=ContentType.objects.get_for_model(type(row)),
                        object_id=row.pk,
                        field=name,
                        stated_value=plain(stored),
                        note=f"A curator's edit, kept by the import against {provenance.dataset.name}'s value "
                        f"({plain(upstream)!r}); the record's history says who made it and when.",
                    )
                )
                return

    def link(self, relation, pairs, kind: str) -> None:
        """Rows of the many-to-many ``relation`` (``Trip.members``) for (record, related) primary-key pairs: added
        where missing."""
        through = relation.through
        source = through._meta.get_field(relation.field.m2m_field_name()).attname
        target = through._meta.get_field(relation.field.m2m_reverse_field_name()).attname
        wanted = set(pairs)
        have = set(through.objects.filter(**{f"{source}__in": {a for a, _ in wanted}}).values_list(source, target))
        through.objects.bulk_create([through(**{source: a, target: b}) for a, b in wanted - have])
        self.tables.add(through._meta.db_table)
        self.summary.count(kind, "created", len(wanted - have))
        self.summary.count(kind, "unchanged", len(wanted & have))

    def copy(self, model: type[models.Model], rows: list[models.Model]) -> None:
        """COPY new rows, and their "created" history rows, into their tables."""
        for row in rows:
            for name in ("created_at", "updated_at"):
                if hasattr(row, name):
                    setattr(row, name, self.now)
        fields = [f for f in model._meta.concrete_fields if not f.generated]
        _copy(model._meta.db_table, fields, ([_adapt(f, getattr(row, f.attname)) for f in fields] for row in rows))
        if not hasattr(model, "history"):
            return
        history = model.history.model
        own = [f for f in history._meta.concrete_fields if not f.name.startswith("history_")]
        extra = {
            "history_date": self.now,
            "history_change_reason": self.reason or None,
            "history_type": "+",
            "history_user_id": getattr(self.user, "pk", None),
        }
        meta = [history._meta.get_field(name) for name in ("history_date", "history_change_reason", "history_type")]
        meta.append(history._meta.get_field("history_user"))
        _copy(
            history._meta.db_table,
            own + meta,
            ([*(_adapt(f, getattr(row, f.attname)) for f in own), *(extra[f.attname] for f in meta)] for row in rows),
        )

    def identifiers(self, model: type[models.Model], wanted: list[tuple]) -> None:
        """Identifiers (record id, scheme, value[, note]) of ``model``'s records: added where missing, their note
        set where it changed."""
        content_type = ContentType.objects.get_for_model(model)
        notes = {(w[0], w[1], w[2]): (w[3] if len(w) > 3 else "") for w in wanted}
        have = {
            (object_id, scheme, value): (pk, note)
            for pk, object_id, scheme, value, note in Identifier.objects.filter(
                content_type=content_type, object_id__in={key[0] for key in notes}
            ).values_list("pk", "object_id", "scheme_id", "value", "note")
        }
        unique = dict(IdentifierScheme.objects.values_list("slug", "unique"))
        new = [
            Identifier(
                content_type=content_type,
                object_id=pk,
                scheme_id=scheme,
                value=value,
                note=note,
                unique_in_scheme=unique[scheme],
            )
            for (pk, scheme, value), note in notes.items()
            if (pk, scheme, value) not in have
        ]
        Identifier.objects.bulk_create(new, batch_size=1000)
        renoted = [
            Identifier(pk=have[key][0], note=note)
            for key, note in notes.items()
            if key in have and have[key][1] != note
        ]
        Identifier.objects.bulk_update(renoted, ["note"], batch_size=1000)
        self.summary.count("identifiers", "created", len(new))
        self.summary.count("identifiers", "updated", len(renoted))
        self.summary.count("identifiers", "unchanged", len(notes) - len(new) - len(renoted))


def _adapt(field: models.Field, value):
    if isinstance(field, models.JSONField) and value is not None:
        return Jsonb(value)
    return value


def _copy(table: str, fields: list[models.Field], rows) -> None:
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def curators_source() -> Source:
    """The source of values curators set against an imported dataset's (cited where an import keeps them)."""
    source, _ = Source.objects.get_or_create(
        id=stable_id("curation", "source"),
        defaults={
            "title": "Curators' edits kept against imported datasets",
            "kind": "other",
            "note": "Values that curators set in the admin or the API on records a dataset import wrote, and that a "
            "later import kept rather than overwrite. Each citation names the dataset; the record's history names "
            "the curator and the time.",
        },
    )
    return source


class Provenance:
    """One source per upstream file (its text byte for byte), and citations of records quoting that file."""

    def __init__(self, dataset: Dataset, archive: Archive, writer: Writer):
        self.dataset = dataset
        self.archive = archive
        self.writer = writer
        self.sources: dict[str, Source] = {}
        self.citations: list[Citation] = []
        self.quoted: dict[uuid.UUID, tuple[str, tuple[int, int]]] = {}  # record -> the first file and span it cites
        writer.provenances.append(self)

    def source(self, path: str, note: str = "", text: str | None = None) -> Source:
        """The source of the file ``path``; ``text`` is its stored text where it is not the file's own (the
        decompressed CSV of a .gz file: the note says so)."""
        if path not in self.sources:
            text = self.archive.text(path) if text is None else text
            sha256 = hashlib.sha256(self.archive.files[path]).hexdigest()
            commit = self.archive.commit or self.dataset.commit
            self.sources[path] = Source(
                id=stable_id(self.dataset.name, "file", path),
                title=f"{self.dataset.repository}: {path}",
                kind="dataset",
                publisher=self.dataset.publisher,
                url=self.dataset.url(path, commit),
                language="en",
                text_path=f"datasets/{self.dataset.archive}#{path}",  # the dataset's file, wherever it was read
                text=text,
                note=f"{path} of github.com/{self.dataset.repository} at commit {commit}, sha256 "
                f"{sha256}, stored byte for byte. {self.dataset.license}" + (f" {note}" if note else ""),
            )
        return self.sources[path]

    def cite(
        self,
        record: models.Model,
        path: str,
        span: tuple[int, int],
        key: str,
        field: str = "",
        stated_value=None,
        note: str = "",
    ) -> None:
        """Cite ``record`` (or one field of it) to the element of ``path`` at ``span``. ``key`` names the
        citation among the record's citations (its id derives from it)."""
        source = self.source(path)
        start, end = span
        self.quoted.setdefault(record.pk, (path, span))
        self.citations.append(
            build(
                Citation,
                id=stable_id(self.dataset.name, "citation", record.pk, key),
                source_id=source.pk,
                content_type_id=ContentType.objects.get_for_model(type(record)).pk,
                object_id=record.pk,
                field=field,
                excerpt=source.text[start:end],
                start=start,
                end=end,
                stated_value=stated_value,
                note=note,
            )
        )

    def keep_raw(
        self, record: models.Model, path: str, span, field: str, raw: str, where: str, label: str, key: str = ""
    ) -> None:
        """A value that is not an EDTF date: ``field`` stays unknown, the raw text is cited as its stated value, and
        the summary lists it (``where``: the file and record; ``label``: the upstream column or event)."""
        self.cite(
            record,
            path,
            span,
            key or f"{field}-raw",
            field=field,
            stated_value=raw,
            note=f"{label} is not an EDTF date; kept as written, the date as unknown.",
        )
        self.writer.summary.flag(where, f"{label} {raw!r}", NOT_EDTF)

    def write_sources(self) -> None:
        self.writer.upsert(
            Source,
            list(self.sources.values()),
            ["title", "kind", "publisher", "url", "language", "text_path", "text", "note"],
        )

    def write_citations(self) -> None:
        self.writer.upsert(
            Citation,
            self.citations,
            ["source", "content_type", "object_id", "field", "excerpt", "start", "end", "stated_value", "note"],
        )


def archive_for(dataset: Dataset, path: Path | None = None) -> Archive:
    return Archive(path or DATASETS_DIR / dataset.archive)
