from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import connection

from events.backups import run, tool


class Command(BaseCommand):
    help = (
        "Write the database to a pg_dump archive (custom format), by a pg_dump at least as new as the server. "
        "`manage.py restore FILE` (make restore FILE=...) loads it into an empty database."
    )

    def add_arguments(self, parser):
        parser.add_argument("--output", help="The archive to write (default: backups/<database>-<UTC time>.dump).")

    def handle(self, *args, output, **options):
        if output is None:
            stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
            output = settings.BASE_DIR / "backups" / f"{settings.DATABASES['default']['NAME']}-{stamp}.dump"
        output = Path(output).resolve()
        output.parent.mkdir(parents=True, exist_ok=True)
        partial = output.with_name(output.name + ".partial")
        connection.ensure_connection()
        try:
            run([str(tool("pg_dump", connection.pg_version)), "--format=custom", "--file", str(partial)])
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        partial.rename(output)  # an archive is whole or absent
        self.stdout.write(str(output))
