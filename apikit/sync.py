"""Incremental sync that loses nothing under concurrent writes: server-issued watermarks.

A timestamp watermark (``updated_since``) misses rows: a transaction that stamps its rows at 10:00 and commits
at 10:05 is invisible to a client that synced at 10:01 and asks next for changes since 10:01. Here every row of
a synced table carries ``changed_xid``, the id of the transaction that last wrote it (a column default on insert,
a trigger on update: COPY, psql and the ORM alike), and a reader is given a watermark: the oldest transaction
still running when its read began (``pg_snapshot_xmin`` of its snapshot). Every transaction below it has ended,
so the rows it wrote were there to be read; every write the read could not see has an id at or above it. Asking
next for ``changed_xid >= watermark`` therefore returns every change the read missed (and may return again a few
it saw: at least once, never lost). Transaction ids are 64-bit (``xid8``): they never wrap around.

The column is not a model field (Django neither reads nor writes it); ``SyncStamps`` creates it, its trigger
and its index for the tables a migration names.
"""

from django.db import connection
from django.db.models import QuerySet


class SyncStamps:
    column = "changed_xid"

    def __init__(self, app_label: str):
        self.function = f"{app_label}_stamp_changed_xid"

    def create_sql(self, tables: list[str]) -> str:
        statements = [
            f"""CREATE OR REPLACE FUNCTION {self.function}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.{self.column} := pg_current_xact_id();
    RETURN NEW;
END $$;"""
        ]
        for table in tables:
            statements += [
                f"ALTER TABLE {table} ADD COLUMN {self.column} xid8 NOT NULL DEFAULT pg_current_xact_id();",
                f"CREATE INDEX {table}_{self.column} ON {table} ({self.column});",
                f"CREATE TRIGGER {table}_{self.column} BEFORE UPDATE ON {table} FOR EACH ROW "
                f"EXECUTE FUNCTION {self.function}();",
            ]
        return "\n".join(statements)

    def drop_sql(self, tables: list[str]) -> str:
        statements = [f"ALTER TABLE {table} DROP COLUMN {self.column};" for table in tables]
        statements += [f"DROP FUNCTION {self.function}() CASCADE;"]
        return "\n".join(statements)

    def changed_since(self, queryset: QuerySet, watermark: int) -> QuerySet:
        """The rows written by a transaction at or above ``watermark``."""
        table = connection.ops.quote_name(queryset.model._meta.db_table)
        return queryset.extra(where=[f"{table}.{self.column} >= %s::text::xid8"], params=[str(watermark)])


def watermark() -> int:
    """The oldest transaction still running now (or the next one, if none is): read before the rows it covers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint")
        return cursor.fetchone()[0]
