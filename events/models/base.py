"""Abstract bases shared by every domain model."""

import contextlib
import uuid

from django.contrib.contenttypes.fields import GenericRelation
from django.db import models
from simple_history.models import HistoricalRecords

from events.dates import derived_fields, sync_uncertain_dates


class TimeStampedModel(models.Model):
    """Adds creation and last-change times."""

    created_at = models.DateTimeField(auto_now_add=True, help_text="When this record was created.")
    updated_at = models.DateTimeField(auto_now=True, help_text="When this record was last changed.")

    class Meta:
        abstract = True


class UncertainDatesModel(models.Model):
    """Derives the precision and bounds of the uncertain dates listed in ``uncertain_dates`` (events.dates)
    whenever a row is cleaned or saved."""

    uncertain_dates: tuple[str, ...] = ()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        sync_uncertain_dates(self)
        super().save(*args, **kwargs)

    def validate_constraints(self, exclude=None):
        # Model forms leave out fields they do not show, and so skip the constraints on the derived bounds of
        # uncertain dates ("a stop cannot depart before it arrives"): check those always, so a form shows the
        # message instead of the database refusing the row.
        derived = {column for name in self.uncertain_dates for column in derived_fields(name)}
        super().validate_constraints(exclude=set(exclude or ()) - derived)

    def clean(self):
        # Derive the bounds of uncertain dates before constraints are validated. Text that does not
        # parse is reported by the field's own validator.
        with contextlib.suppress(ValueError):
            sync_uncertain_dates(self)


class UUIDManager(models.Manager):
    def get_by_natural_key(self, id):
        return self.get(pk=id)


class RecordModel(UncertainDatesModel, TimeStampedModel):
    """A domain record: a UUID that is fixed in the fixtures (the same on every machine), and citations."""

    id = models.UUIDField(
        primary_key=True, default=uuid.uuid4, editable=False, help_text="Stable public identifier of this record."
    )
    citations = GenericRelation("events.Citation")
    identifiers = GenericRelation("events.Identifier")
    # Who changed what and when, for every domain model (the generated search column is left out).
    history = HistoricalRecords(inherit=True, excluded_fields=["search"])

    objects = UUIDManager()

    class Meta:
        abstract = True

    def natural_key(self):
        return (str(self.pk),)

    def disputed_fields(self) -> list[str]:
        """Fields for which citations state more than one distinct value (conflicting reports)."""
        stated: dict[str, set[str]] = {}
        for citation in self.citations.all():
            if citation.field and citation.stated_value is not None:
                stated.setdefault(citation.field, set()).add(repr(citation.stated_value))
        return sorted(field for field, values in stated.items() if len(values) > 1)
