from pathlib import Path

from django.core.cache import cache
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from events.backups import run, tool
from events.versions import TABLE

# Versions handed out by the lost database after the backup must not come back with other data (a client's
# list ETag, a cached total): the restored database's sequence moves this far ahead.
VERSION_GAP = 10**12


class Command(BaseCommand):
    help = (
        "Load an archive written by `manage.py backup` into the database (DATABASE_URL), which must be empty: "
        "all of it in one transaction, or nothing. Then restart the app servers."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)

    def handle(self, *args, file, **options):
        if not file.is_file():
            raise CommandError(f"{file}: no such archive.")
        if connection.introspection.table_names():
            raise CommandError(
                f'The database "{connection.settings_dict["NAME"]}" is not empty: restore into a new one '
                "(createdb, then point DATABASE_URL at it)."
            )
        pg_restore = tool("pg_restore", connection.pg_version)
        run([str(pg_restore), "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction", str(file)])
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT setval('{TABLE}_seq', nextval('{TABLE}_seq') + %s)", [VERSION_GAP])
        cache.clear()
        self.stdout.write(self.style.SUCCESS(f"Restored {file} into {connection.settings_dict['NAME']}."))
