"""Per-table data versions kept by triggers (events/versions.py)."""

from django.db import migrations

from events import versions


def install(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        versions.install_triggers(cursor, versions.data_tables(apps.get_app_config("events")))


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0004_history"),
    ]

    operations = [
        migrations.RunSQL(versions.CREATE, versions.DROP),
        migrations.RunPython(install, migrations.RunPython.noop),
    ]
