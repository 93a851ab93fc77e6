"""Per-table data versions, for cheap list ETags and cached counts.

Every statement that writes a data table (insert, update, delete, truncate; ORM, admin, COPY or psql alike)
sets that table's row in the version table to a fresh value of one sequence, by a statement-level trigger. A
value is never handed out twice, not even after a rollback, so "the data is as it was at version V" holds for
every V that a reader sees; the largest value is the version of the data as a whole.

An app binds this to its own table name and models: ``DataVersions("myapp_table_version", "myapp")``.
"""

import functools
import json
import re

from django.apps import apps

from apikit.db import prepared


class DataVersions:
    def __init__(self, table: str, app_label: str):
        self.table = table
        self.app_label = app_label
        self.create_sql = f"""
CREATE SEQUENCE IF NOT EXISTS {table}_seq;
CREATE TABLE IF NOT EXISTS {table} (name text PRIMARY KEY, version bigint NOT NULL);
CREATE OR REPLACE FUNCTION {app_label}_bump_table_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO {table} (name, version) VALUES (TG_TABLE_NAME, nextval('{table}_seq'))
    ON CONFLICT (name) DO UPDATE SET version = excluded.version;
    RETURN NULL;
END $$;
"""
        self.drop_sql = f"""
DROP TABLE IF EXISTS {table};
DROP SEQUENCE IF EXISTS {table}_seq;
DROP FUNCTION IF EXISTS {app_label}_bump_table_version() CASCADE;
"""

    def data_tables(self, app_config=None) -> list[str]:
        """The tables of the app's records and their many-to-many links (not the change history)."""
        app_config = app_config or apps.get_app_config(self.app_label)
        tables = {
            model._meta.db_table
            for model in app_config.get_models(include_auto_created=True)
            if not model.__name__.startswith("Historical")
        }
        return sorted(tables)

    def install_triggers(self, cursor, tables: list[str]) -> None:
        for table in tables:
            cursor.execute(
                f"CREATE OR REPLACE TRIGGER {table}_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION {self.app_label}_bump_table_version()"
            )
            cursor.execute(
                f"INSERT INTO {self.table} (name, version) VALUES (%s, nextval('{self.table}_seq')) "
                "ON CONFLICT (name) DO NOTHING",
                [table],
            )

    def ensure_triggers(self, app_config=None, using="default", **kwargs) -> None:
        """post_migrate: every data table has its trigger, tables added by later migrations included."""
        from django.db import connections

        connection = connections[using]
        existing = set(connection.introspection.table_names())
        if self.table not in existing:
            return  # migrated back before the version table
        with connection.cursor() as cursor:
            self.install_triggers(cursor, [table for table in self.data_tables(app_config) if table in existing])

    @property
    def version_sql(self) -> str:
        return f"SELECT coalesce(max(version), 0) FROM {self.table}"

    @property
    def versions_sql(self) -> str:
        return f"SELECT coalesce(json_object_agg(name, version), '{{}}')::text FROM {self.table}"

    def current(self) -> int:
        """The version of the data as a whole: it changes with every write to any data table."""
        return prepared(self.version_sql, [])[0]

    def tables(self, request) -> dict[str, int]:
        """Every data table's version, read once per request (one statement); read afresh without a request."""
        if request is None:
            return json.loads(prepared(self.versions_sql, [])[0])
        request = getattr(request, "_request", request)  # DRF's request wraps Django's
        if not hasattr(request, "table_versions"):
            request.table_versions = json.loads(prepared(self.versions_sql, [])[0])
        return request.table_versions

    def for_request(self, request, tables=None) -> int:
        """The version of ``tables`` (of every data table when None) as the request sees them: it changes with
        every write to one of them, and only then."""
        versions = self.tables(request)
        if tables is None:
            return max(versions.values(), default=0)
        return max((versions.get(table, 0) for table in tables), default=0)

    def tables_in(self, sql: str) -> frozenset[str]:
        """The data tables that ``sql`` names (what a statement's result depends on)."""
        return frozenset(self.table_pattern.findall(sql))

    @functools.cached_property
    def table_pattern(self) -> re.Pattern:
        names = sorted(self.data_tables(), key=len, reverse=True)
        return re.compile(r"\b(" + "|".join(re.escape(name) for name in names) + r")\b")
