"""manage.py import_dataset travels|visits|pocom|manytreaties|all: import the vendored public datasets.

One transaction for the run (a failure or Ctrl-C leaves the database as it was), one import at a time (a
PostgreSQL advisory lock), and an unchanged archive is skipped: the archives' checksums and the importer's
version are recorded per dataset (``--force`` imports anyway). ``--strict`` stops at the first problem with the
data; ``--retract`` deletes the records a dataset no longer has (without it they are only listed);
``--path`` reads an upstream checkout instead of the vendored archive. docs/importing.md explains the rules.
"""

import gc
import hashlib
import sys
import time
from pathlib import Path

from django.contrib.contenttypes.models import ContentType
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from tqdm import tqdm

from events.importers import manytreaties, pocom, travels, visits
from events.importers.base import ArchiveError, ImportProblem, Summary, Writer, archive_for
from events.models import Agreement, Citation, DatasetImport, Event, Identifier, Position, Stop, Trip

LOCK = 7_114_012  # pg_advisory_xact_lock key: one import at a time
DATASETS = {
    # name: (archives read (the first is the dataset's own), importer version, importer, records it owns)
    "travels": (
        (travels.TRAVELS, travels.POCOM),
        travels.VERSION,
        travels.TravelsImporter,
        ((Trip, "travels"), (Stop, "travels"), (Event, None)),
    ),
    "pocom": (
        (travels.POCOM,),
        pocom.VERSION,
        pocom.PocomImporter,
        ((Position, "pocom"),),
    ),
    "visits": (
        (visits.VISITS,),
        visits.VERSION,
        visits.VisitsImporter,
        ((Trip, "visits"),),
    ),
    "manytreaties": (
        (manytreaties.MANYTREATIES,),
        manytreaties.VERSION,
        manytreaties.ManytreatiesImporter,
        ((Agreement, "manytreaties"),),
    ),
}


class DryRun(Exception):
    pass


class Command(BaseCommand):
    help = "Import the vendored public datasets (travels, visits, pocom, manytreaties) into the database, idempotently."

    def add_arguments(self, parser):
        parser.add_argument("dataset", choices=[*DATASETS, "all"], help="Which dataset to import.")
        parser.add_argument("--dry-run", action="store_true", help="Print what would change; write nothing.")
        parser.add_argument("--force", action="store_true", help="Import even if the archives are unchanged.")
        parser.add_argument(
            "--strict",
            action="store_true",
            help="Stop at the first problem with the data (a skipped record, a value loaded as unknown, a curator's "
            "edit kept), naming the file, record and field; nothing is written.",
        )
        parser.add_argument(
            "--retract",
            action="store_true",
            help="Delete the records the dataset no longer has (they appear in /api/v1/deletions/); without it they "
            "are only listed.",
        )
        parser.add_argument(
            "--path",
            type=Path,
            help="Read an upstream checkout (a directory) or another archive instead of the vendored one; one dataset "
            "only.",
        )

    def handle(self, dataset, dry_run=False, force=False, strict=False, retract=False, path=None, **options):
        if path is not None and dataset == "all":
            raise CommandError("--path names one dataset's files: give the dataset, not all.")
        if path is not None and not path.exists():
            raise CommandError(f"--path {path}: no such file or directory.")
        names = list(DATASETS) if dataset == "all" else [dataset]
        self.analyzed: set[str] = set()  # tables an import changed: analysed after it, for the planner
        # An import allocates millions of objects and frees them together: the cyclic collector, run again and
        # again over that heap, took a fifth of a re-import's time. Nothing here makes cycles it must collect.
        gc.disable()
        try:
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [LOCK])
                    if not cursor.fetchone()[0]:
                        raise CommandError("Another import is running; try again when it has finished.")
                for name in names:
                    self.import_one(name, dry_run, force or path is not None, strict, retract, path)
                with connection.cursor() as cursor:
                    for table in sorted(self.analyzed):
                        cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")
        except ImportProblem as problem:
            raise CommandError(f"--strict: {problem}. Nothing was written.") from None
        except ArchiveError as problem:
            raise CommandError(f"{problem}. Nothing was written.") from None
        finally:
            gc.enable()

    def import_one(self, name, dry_run, force, strict, retract, path) -> None:
        datasets, version, importer, owned = DATASETS[name]
        started = time.monotonic()
        archives = [archive_for(d, path if i == 0 else None) for i, d in enumerate(datasets)]
        checksum = hashlib.sha256("".join(a.sha256 for a in archives).encode()).hexdigest()
        last = DatasetImport.objects.filter(dataset=name).first()
        if not force and last and (last.archive_sha256, last.importer_version) == (checksum, version):
            self.stdout.write(f"{name}: unchanged since {last.finished_at:%Y-%m-%d %H:%M} (--force imports anyway)")
            return
        summary = Summary(strict=strict)
        progress = tqdm(desc=name, unit=" rows", disable=None, file=sys.stderr, leave=False)
        writer = Writer(summary, reason=f"import_dataset {name}", progress=progress)
        try:
            with transaction.atomic():
                importer(*archives, summary, writer).run()
                if not any(writer.written.values()):
                    raise ArchiveError(f"{archives[0].path} holds no {name} records")
                self.gone(name, owned, writer, summary, retract)
                if dry_run:
                    raise DryRun
                DatasetImport.objects.update_or_create(
                    dataset=name,
                    defaults={"archive_sha256": checksum, "importer_version": version, "summary": summary.text()},
                )
                if summary.changed:
                    self.analyzed |= writer.tables
        except DryRun:
            self.stdout.write("Dry run: nothing was written.")
        finally:
            progress.close()
        self.stdout.write(f"{name}: {summary.changed} changed in {time.monotonic() - started:.1f} s")
        self.stdout.write(summary.text())

    def gone(self, name: str, owned, writer: Writer, summary: Summary, retract: bool) -> None:
        """Records a dataset wrote before and no longer has (those with its identifiers, or, for a scheme of None,
        those citing its files): listed, and deleted with ``--retract``; so are the citations of its files that
        this import did not make again (of a visit gone, on its traveller)."""
        sources = [s.pk for p in writer.provenances if p.dataset.name == name for s in p.sources.values()]
        for model, scheme in owned:
            kind = ContentType.objects.get_for_model(model)
            if scheme is None:
                records = Citation.objects.filter(content_type=kind, source__in=sources).values_list("object_id")
            else:
                records = Identifier.objects.filter(scheme=scheme, content_type=kind).values_list("object_id")
            stored = {pk for (pk,) in records}
            missing = sorted(stored - writer.written.get(model, set()))
            if not missing:
                continue
            kind = str(model._meta.verbose_name_plural)
            if scheme is None:
                names = {pk: f"citing {name}" for pk in missing}
            else:
                ids = Identifier.objects.filter(scheme=scheme, object_id__in=missing).values_list("object_id", "value")
                names = {pk: f"{scheme}:{value}" for pk, value in ids}
            if retract:
                model.objects.filter(pk__in=missing).delete()  # logged in /deletions/ by the post_delete signal
                Identifier.objects.filter(object_id__in=missing).delete()
                summary.count(kind, "retracted", len(missing))
            else:
                for pk in missing:
                    summary.skip(f"{kind} {pk} ({names.get(pk)})", "gone upstream: kept (--retract deletes)")
        made = writer.written.get(Citation, set())
        ours = Citation.objects.filter(source__in=sources).values_list("pk", flat=True)
        stale = [pk for pk in ours if pk not in made]
        if retract and stale:
            Citation.objects.filter(pk__in=stale).delete()
            summary.count("citations", "retracted", len(stale))
        elif stale:
            summary.notes.append(f"{len(stale)} citations of records gone upstream kept (--retract deletes them)")
