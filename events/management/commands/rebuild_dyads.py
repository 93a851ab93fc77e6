from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from events import dyads


class Command(BaseCommand):
    help = (
        "Recompute the dyads (each record's contribution to each pair of countries, and the pairs' totals: "
        "events/dyads.py) from the records, in one transaction. Triggers keep them current; this is for a "
        "database whose triggers were bypassed (session_replication_role) or to check them."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--check", action="store_true", help="Compare with the records instead; fail on any difference."
        )

    def handle(self, *args, check=False, **options):
        if check:
            found = dyads.differences()
            for name, count in found.items():
                self.stdout.write(f"{name}: {count}")
            if any(found.values()):
                raise CommandError("The dyads differ from the records: run manage.py rebuild_dyads.")
            self.stdout.write(self.style.SUCCESS("The dyads match the records."))
            return
        with transaction.atomic():
            dyads.rebuild()
        if not connection.in_atomic_block:  # VACUUM runs outside transactions only (not in a test's)
            with connection.cursor() as cursor:  # the visibility map, for index-only scans of a date range
                cursor.execute(f"VACUUM (ANALYZE) {dyads.RECORDS}, {dyads.DYADS}")
        self.stdout.write(self.style.SUCCESS("Dyads rebuilt."))
