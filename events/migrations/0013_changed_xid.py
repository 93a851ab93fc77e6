"""Sync watermarks (apikit.sync): each listed record's table carries the id of the transaction that last wrote it."""

from django.db import migrations

from apikit.sync import SyncStamps

TABLES = [
    "events_actor",
    "events_sector",
    "events_official",
    "events_trip",
    "events_agreement",
    "events_event",
    "events_source",
    "events_deletion",
]
stamps = SyncStamps("events")


class Migration(migrations.Migration):
    dependencies = [("events", "0012_agreement_in_force_end_ambit_amends")]

    operations = [migrations.RunSQL(stamps.create_sql(TABLES), stamps.drop_sql(TABLES))]
