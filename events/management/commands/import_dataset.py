"""manage.py import_dataset travels|manytreaties|all [--dry-run] [--force]: import vendored public datasets.

One transaction per run (a failure or Ctrl-C leaves the database as it was), one import at a time (a
PostgreSQL advisory lock), and an unchanged archive is skipped: the archives' checksums and the importer's
version are recorded per dataset (``--force`` imports anyway). docs/importing.md explains the rules.
"""

import hashlib
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from events.importers import manytreaties, pocom, travels, visits
from events.importers.base import Summary, Writer, archive_for
from events.models import DatasetImport

LOCK = 7_114_012  # pg_advisory_xact_lock key: one import at a time
DATASETS = {
    # name: (archives read, importer version, run)
    "travels": (
        (travels.TRAVELS, travels.POCOM),
        travels.VERSION,
        lambda archives, summary, writer: travels.TravelsImporter(*archives, summary, writer).run(),
    ),
    "pocom": (
        (travels.POCOM,),
        pocom.VERSION,
        lambda archives, summary, writer: pocom.PocomImporter(*archives, summary, writer).run(),
    ),
    "visits": (
        (visits.VISITS,),
        visits.VERSION,
        lambda archives, summary, writer: visits.VisitsImporter(*archives, summary, writer).run(),
    ),
    "manytreaties": (
        (manytreaties.MANYTREATIES,),
        manytreaties.VERSION,
        lambda archives, summary, writer: manytreaties.ManytreatiesImporter(*archives, summary, writer).run(),
    ),
}


class DryRun(Exception):
    pass


class Command(BaseCommand):
    help = "Import vendored public datasets (travels, pocom, manytreaties) into the database, idempotently."

    def add_arguments(self, parser):
        parser.add_argument("dataset", choices=[*DATASETS, "all"], help="Which dataset to import.")
        parser.add_argument("--dry-run", action="store_true", help="Print what would change; write nothing.")
        parser.add_argument("--force", action="store_true", help="Import even if the archives are unchanged.")

    def handle(self, dataset, dry_run=False, force=False, **options):
        names = list(DATASETS) if dataset == "all" else [dataset]
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [LOCK])
                if not cursor.fetchone()[0]:
                    raise CommandError("Another import is running; try again when it has finished.")
            for name in names:
                self.import_one(name, dry_run, force)

    def import_one(self, name: str, dry_run: bool, force: bool) -> None:
        datasets, version, run = DATASETS[name]
        started = time.monotonic()
        archives = [archive_for(d) for d in datasets]
        checksum = hashlib.sha256("".join(a.sha256 for a in archives).encode()).hexdigest()
        last = DatasetImport.objects.filter(dataset=name).first()
        if not force and last and (last.archive_sha256, last.importer_version) == (checksum, version):
            self.stdout.write(f"{name}: unchanged since {last.finished_at:%Y-%m-%d %H:%M} (--force imports anyway)")
            return
        summary = Summary()
        try:
            with transaction.atomic():
                run(archives, summary, Writer(summary, reason=f"import_dataset {name}"))
                if dry_run:
                    raise DryRun
                text = summary.text()
                DatasetImport.objects.update_or_create(
                    dataset=name, defaults={"archive_sha256": checksum, "importer_version": version, "summary": text}
                )
        except DryRun:
            self.stdout.write("Dry run: nothing was written.")
        self.stdout.write(f"{name}: {summary.changed} changed in {time.monotonic() - started:.1f} s")
        self.stdout.write(summary.text())
