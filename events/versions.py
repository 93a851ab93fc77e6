"""Per-table data versions, for cheap list ETags and cached counts.

Every statement that writes a domain table (insert, update, delete, truncate; ORM, admin, COPY or psql alike)
sets that table's row in ``events_table_version`` to a fresh value of one sequence, by a statement-level
trigger. A value is never handed out twice, not even after a rollback, so "the data is as it was at version
V" holds for every V that a reader sees; the largest value is the version of the data as a whole.
"""

from django.apps import apps

from events.db import prepared

TABLE = "events_table_version"

CREATE = f"""
CREATE SEQUENCE IF NOT EXISTS {TABLE}_seq;
CREATE TABLE IF NOT EXISTS {TABLE} (name text PRIMARY KEY, version bigint NOT NULL);
CREATE OR REPLACE FUNCTION events_bump_table_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO {TABLE} (name, version) VALUES (TG_TABLE_NAME, nextval('{TABLE}_seq'))
    ON CONFLICT (name) DO UPDATE SET version = excluded.version;
    RETURN NULL;
END $$;
"""
DROP = f"""
DROP TABLE IF EXISTS {TABLE};
DROP SEQUENCE IF EXISTS {TABLE}_seq;
DROP FUNCTION IF EXISTS events_bump_table_version() CASCADE;
"""


def data_tables(app_config=None) -> list[str]:
    """The tables of the events app's records and their many-to-many links (not the change history)."""
    app_config = app_config or apps.get_app_config("events")
    tables = {
        model._meta.db_table
        for model in app_config.get_models(include_auto_created=True)
        if not model.__name__.startswith("Historical")
    }
    return sorted(tables)


def install_triggers(cursor, tables: list[str]) -> None:
    for table in tables:
        cursor.execute(
            f"CREATE OR REPLACE TRIGGER {table}_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION events_bump_table_version()"
        )
        cursor.execute(
            f"INSERT INTO {TABLE} (name, version) VALUES (%s, nextval('{TABLE}_seq')) ON CONFLICT (name) DO NOTHING",
            [table],
        )


def ensure_triggers(app_config=None, using="default", **kwargs) -> None:
    """post_migrate: every data table has its trigger, tables added by later migrations included."""
    from django.db import connections

    connection = connections[using]
    existing = set(connection.introspection.table_names())
    if TABLE not in existing:
        return  # migrated back before the version table
    with connection.cursor() as cursor:
        install_triggers(cursor, [table for table in data_tables(app_config) if table in existing])


def request_data_version(request) -> int:
    """The data version, read once per request (the filters and the view agree on it); read afresh without
    a request (a FilterSet used outside a view)."""
    if request is None:
        return data_version()
    request = getattr(request, "_request", request)  # DRF's request wraps Django's
    if not hasattr(request, "data_version"):
        request.data_version = data_version()
    return request.data_version


def data_version() -> int:
    """The version of the data as a whole: it changes with every write to any data table."""
    return prepared(f"SELECT coalesce(max(version), 0) FROM {TABLE}", [])[0]
