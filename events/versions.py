"""The data versions of this app's tables (apikit.versions): one row per table in ``events_table_version``.

Migration 0005 creates the table, the sequence and the triggers from the names below."""

from apikit.versions import DataVersions

data_versions = DataVersions("events_table_version", "events")

TABLE = data_versions.table
CREATE = data_versions.create_sql
DROP = data_versions.drop_sql
data_tables = data_versions.data_tables
install_triggers = data_versions.install_triggers
ensure_triggers = data_versions.ensure_triggers
