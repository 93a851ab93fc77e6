"""manage.py import_dataset travels [--dry-run]: import a vendored public dataset (docs/importing.md)."""

import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from events.importers.base import Summary, Writer, archive_for
from events.importers.travels import POCOM, TRAVELS, TravelsImporter

LOCK = 7_114_012  # pg_advisory_xact_lock key: one import at a time


class DryRun(Exception):
    pass


class Command(BaseCommand):
    help = "Import a vendored public dataset (travels) into the database, idempotently."

    def add_arguments(self, parser):
        parser.add_argument("dataset", choices=["travels"], help="Which dataset to import.")
        parser.add_argument("--dry-run", action="store_true", help="Print what would change; write nothing.")

    def handle(self, dataset, dry_run=False, **options):
        started = time.monotonic()
        summary = Summary()
        try:
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [LOCK])
                    if not cursor.fetchone()[0]:
                        raise CommandError("Another import is running; try again when it has finished.")
                importer = TravelsImporter(archive_for(TRAVELS), archive_for(POCOM), summary, Writer(summary))
                importer.run()
                if dry_run:
                    raise DryRun
        except DryRun:
            self.stdout.write("Dry run: nothing was written.")
        self.stdout.write(f"{dataset}: {summary.changed} changed in {time.monotonic() - started:.1f} s")
        self.stdout.write(summary.text())
