"""Dyads kept by PostgreSQL (events/dyads.py): the tables, the triggers that keep them, and their rows for the
data already there."""

import django.db.models.deletion
from django.db import migrations, models

from events import dyads


class Migration(migrations.Migration):

    dependencies = [
        ('events', '0014_one_bound_indexes'),
    ]

    operations = [
        migrations.CreateModel(
            name='Dyad',
            fields=[
                ('pk', models.CompositePrimaryKey('actor', 'partner', blank=True, editable=False, primary_key=True, serialize=False)),
                ('agreements', models.IntegerField(help_text='Documents signed by both (sum of quantity, totals replaced).')),
                ('agreement_records', models.IntegerField(help_text='Agreement records counted for the pair.')),
                ('trips_to_partner', models.IntegerField()),
                ('trips_from_partner', models.IntegerField()),
                ('events', models.IntegerField()),
                ('first_date', models.DateField(null=True)),
                ('last_date', models.DateField(null=True)),
                ('records', models.IntegerField(help_text='Records counted for the pair; the row goes at 0.')),
                ('actor', models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='events.actor')),
                ('partner', models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='events.actor')),
            ],
            options={
                'ordering': ['actor', 'partner'],
            },
        ),
        migrations.CreateModel(
            name='DyadRecord',
            fields=[
                ('pk', models.CompositePrimaryKey('record_id', 'link', 'actor', 'partner', blank=True, editable=False, primary_key=True, serialize=False)),
                ('record_id', models.UUIDField(help_text='The agreement, trip or event.')),
                ('link', models.CharField(choices=[('A', 'Agreement to which both are parties'), ('T', 'Trip from the country with a stop in the partner'), ('F', 'Trip from the partner with a stop in the country'), ('E', 'Event in which both take part'), ('a', 'Party to an agreement with many parties'), ('e', 'Taking part in an event with many countries'), ('r', 'A breakdown of this total has both as parties')], max_length=1)),
                ('parent_id', models.UUIDField(help_text="An agreement's total (the record it is a breakdown of).", null=True)),
                ('documents', models.IntegerField(default=0, help_text="An agreement's quantity; 0 for trips and events.")),
                ('replaced', models.BooleanField(default=False, help_text='An agreement (a total) with a breakdown to which both countries are parties: the breakdown counts for the pair instead.')),
                ('earliest', models.DateField(help_text="Earliest bound of the record's date (a trip's span).", null=True)),
                ('latest', models.DateField(help_text="Latest bound of the record's date (a trip's span).", null=True)),
                ('actor', models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='events.actor')),
                ('partner', models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='events.actor')),
            ],
            options={
                'ordering': ['actor', 'partner', 'link', 'record_id'],
                'indexes': [models.Index(condition=models.Q(('link__in', ['A', 'T', 'F', 'E']), ('replaced', False)), fields=['actor', 'partner', 'earliest'], name='dyad_record_first'), models.Index(condition=models.Q(('link__in', ['A', 'T', 'F', 'E']), ('replaced', False)), fields=['actor', 'partner', 'latest'], name='dyad_record_last'), models.Index(condition=models.Q(('link__in', ['A', 'T', 'F', 'E']), ('replaced', False)), fields=['actor', 'latest', 'earliest'], include=('partner', 'link', 'documents'), name='dyad_record_dated'), models.Index(condition=models.Q(('link__in', ['a', 'e'])), fields=['actor', 'record_id'], name='dyad_record_wide')],
            },
        ),
        migrations.RunSQL(dyads.create_sql(), dyads.drop_sql()),
        migrations.RunSQL(dyads.rebuild_sql(), migrations.RunSQL.noop),
    ]
