"""Countries become actors (issue 11): the model is renamed, ``iso3`` becomes ``code`` (the public key, which
stays the ISO alpha-3 code for the rows it held), and a nullable ``iso3`` is added beside it."""

from django.db import migrations, models


def copy_codes(apps, schema_editor):
    Actor = apps.get_model("events", "Actor")
    Actor.objects.update(iso3=models.F("code"))


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0007_agreement_languages"),
    ]

    operations = [
        migrations.RenameModel("Country", "Actor"),
        # The search column is generated from columns that change type here: drop it, 0009 adds it back.
        migrations.RemoveIndex(model_name="actor", name="country_search_idx"),
        migrations.RemoveField(model_name="actor", name="search"),
        migrations.RemoveConstraint(model_name="actor", name="country_iso3_format"),
        migrations.RenameField("actor", "iso3", "code"),
        migrations.AddField(
            model_name="actor",
            name="iso3",
            field=models.CharField(max_length=3, blank=True, default=""),
        ),
        migrations.AddField(
            model_name="actor",
            name="kind",
            field=models.CharField(max_length=20, default="country"),
            preserve_default=False,
        ),
        migrations.RunPython(copy_codes, migrations.RunPython.noop),
    ]
