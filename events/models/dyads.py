"""Dyads: each pair of countries with what links them, kept current by PostgreSQL (events/dyads.py).

Derived data, never edited: triggers on the records and their parts rewrite a record's ``DyadRecord`` rows
whenever what it contributes changes, and a trigger on those rows adds the difference to the pair's ``Dyad``
totals. A country's relations are then read from its ``Dyad`` rows (or, with a date range, aggregated from its
``DyadRecord`` rows) instead of being computed from every agreement, trip and event it took part in. Neither
model has timestamps, history or a natural key: they are rebuilt from the records by ``manage.py
rebuild_dyads``, and their rows have no identity of their own."""

from django.db import models

from events.choices import DyadLink

PAIR_LINKS = (DyadLink.AGREEMENT, DyadLink.TRIP_TO, DyadLink.TRIP_FROM, DyadLink.EVENT)
WIDE_LINKS = (DyadLink.WIDE_AGREEMENT, DyadLink.WIDE_EVENT)
COUNTED = models.Q(replaced=False, link__in=PAIR_LINKS)  # the rows that count for their pair


class DyadRecord(models.Model):
    """What one record contributes to one ordered pair of countries (``actor``, ``partner``): an agreement both
    are party to, a trip between them (each way) or an event both take part in, with the record's date bounds.
    A record with many countries gives one row per country instead (``partner`` is the country itself), and a
    total one row per pair its breakdowns have (see ``DyadLink`` and events/dyads.py)."""

    pk = models.CompositePrimaryKey("record_id", "link", "actor", "partner")
    record_id = models.UUIDField(help_text="The agreement, trip or event.")
    link = models.CharField(max_length=1, choices=DyadLink.choices)
    # The foreign keys are not constraints: rows are written by triggers after the records they derive from,
    # and deleted with them.
    actor = models.ForeignKey(
        "events.Actor", on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+"
    )
    partner = models.ForeignKey(
        "events.Actor", on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+"
    )
    parent_id = models.UUIDField(null=True, help_text="An agreement's total (the record it is a breakdown of).")
    documents = models.IntegerField(default=0, help_text="An agreement's quantity; 0 for trips and events.")
    replaced = models.BooleanField(
        default=False,
        help_text="An agreement (a total) with a breakdown to which both countries are parties: the breakdown "
        "counts for the pair instead.",
    )
    earliest = models.DateField(null=True, help_text="Earliest bound of the record's date (a trip's span).")
    latest = models.DateField(null=True, help_text="Latest bound of the record's date (a trip's span).")

    class Meta:
        ordering = ["actor", "partner", "link", "record_id"]
        indexes = [
            # A pair's first and last dates (Dyad upkeep, when the row that held one goes)
            models.Index(fields=["actor", "partner", "earliest"], condition=COUNTED, name="dyad_record_first"),
            models.Index(fields=["actor", "partner", "latest"], condition=COUNTED, name="dyad_record_last"),
            # A country's relations over a date range, from the index alone
            models.Index(
                fields=["actor", "latest", "earliest"],
                include=["partner", "link", "documents"],
                condition=COUNTED,
                name="dyad_record_dated",
            ),
            # A country's memberships of records with many countries
            models.Index(
                fields=["actor", "record_id"], condition=models.Q(link__in=WIDE_LINKS), name="dyad_record_wide"
            ),
        ]

    def __str__(self):
        return f"{self.actor_id}-{self.partner_id} {self.link} {self.record_id}"


class Dyad(models.Model):
    """One ordered pair of countries and what links them, in total: one row of ``actor``'s relations."""

    pk = models.CompositePrimaryKey("actor", "partner")
    actor = models.ForeignKey(
        "events.Actor", on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+"
    )
    partner = models.ForeignKey(
        "events.Actor", on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+"
    )
    agreements = models.IntegerField(help_text="Documents signed by both (sum of quantity, totals replaced).")
    agreement_records = models.IntegerField(help_text="Agreement records counted for the pair.")
    trips_to_partner = models.IntegerField()
    trips_from_partner = models.IntegerField()
    events = models.IntegerField()
    first_date = models.DateField(null=True)
    last_date = models.DateField(null=True)
    records = models.IntegerField(help_text="Records counted for the pair; the row goes at 0.")

    class Meta:
        ordering = ["actor", "partner"]

    def __str__(self):
        return f"{self.actor_id}-{self.partner_id}"
