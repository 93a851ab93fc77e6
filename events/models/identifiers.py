"""Identifiers of records in named schemes (Popolo ``identifiers``): a dataset's id, a Wikidata QID.

A scheme says whether a value names one record (``unique``: Wikidata, the travels ids, the Office of the
Historian's country ids) or may repeat (manytreaties' treatyID names 181 ids on more than one agreement row;
pocom chief ids repeat). A repeated value is told apart by the record that carries it and by the
identifier's ``note`` (e.g. the dataset row it came from); a lookup returns every record with the value.
"""

from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.validators import RegexValidator
from django.db import models, transaction
from simple_history.models import HistoricalRecords

from events.models.base import TimeStampedModel


class SchemeManager(models.Manager):
    def get_by_natural_key(self, slug):
        return self.get(slug=slug)


class IdentifierScheme(TimeStampedModel):
    """A naming scheme: ``wikidata``, ``travels``, ``pocom``, ``manytreaties``, ``hsg``..."""

    slug = models.SlugField(
        max_length=40,
        primary_key=True,
        validators=[RegexValidator(r"^[a-z][a-z0-9-]*$", "A scheme is lowercase letters, digits and hyphens.")],
        help_text="The scheme's name in identifiers, e.g. pocom (as in pocom:fr-1778-fran-01).",
    )
    name = models.CharField(max_length=200, help_text="What the scheme is, e.g. Office of the Historian, pocom.")
    unique = models.BooleanField(
        default=True, help_text="Whether a value names one record only. Where upstream ids repeat, untick it."
    )
    url_template = models.CharField(
        max_length=300,
        blank=True,
        help_text="Where a value can be looked up, with {value}, e.g. https://www.wikidata.org/wiki/{value}.",
    )
    description = models.TextField(blank=True, help_text="Where the ids come from and how repeats are told apart.")
    history = HistoricalRecords()

    objects = SchemeManager()

    class Meta:
        ordering = ["slug"]

    def __str__(self):
        return self.slug

    def natural_key(self):
        return (self.slug,)

    def save(self, *args, **kwargs):
        with transaction.atomic():
            super().save(*args, **kwargs)
            # The database keeps a unique scheme's values unique through this copy of the flag.
            for model in (Identifier, ActorIdentifier):
                model.objects.filter(scheme=self).exclude(unique_in_scheme=self.unique).update(
                    unique_in_scheme=self.unique
                )


class IdentifierBase(models.Model):
    scheme = models.ForeignKey(IdentifierScheme, on_delete=models.PROTECT, help_text="The scheme, e.g. pocom.")
    value = models.CharField(max_length=200, help_text="The id in that scheme, e.g. fr-1778-fran-01.")
    note = models.CharField(
        max_length=300, blank=True, help_text="What tells a repeated value apart, e.g. the dataset row it came from."
    )
    unique_in_scheme = models.BooleanField(default=True, editable=False, help_text="Copied from the scheme.")

    class Meta:
        abstract = True

    def __str__(self):
        return f"{self.scheme.slug}:{self.value}"

    def save(self, *args, **kwargs):
        self.unique_in_scheme = self.scheme.unique
        super().save(*args, **kwargs)


class Identifier(IdentifierBase):
    """One identifier of one record (an official, a trip, an agreement...)."""

    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, help_text="Kind of record.")
    object_id = models.UUIDField(help_text="Id of the record.")
    record = GenericForeignKey("content_type", "object_id")

    class Meta:
        ordering = ["scheme", "value", "id"]
        indexes = [
            models.Index(fields=["content_type", "object_id"], name="identifier_record_idx"),
            models.Index(fields=["scheme", "value"], name="identifier_value_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["scheme", "value"],
                condition=models.Q(unique_in_scheme=True),
                name="identifier_unique_in_scheme",
                violation_error_message="Another record has this identifier, and its scheme says values are unique.",
            ),
            models.UniqueConstraint(
                fields=["content_type", "object_id", "scheme", "value"],
                name="identifier_once_per_record",
                violation_error_message="The record already has this identifier.",
            ),
        ]


class ActorIdentifier(IdentifierBase):
    """One identifier of an actor, e.g. hsg:russia (the Office of the Historian's country id)."""

    actor = models.ForeignKey("events.Actor", on_delete=models.CASCADE, related_name="identifiers")

    class Meta:
        ordering = ["scheme", "value", "id"]
        indexes = [models.Index(fields=["scheme", "value"], name="actor_identifier_value_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["scheme", "value"],
                condition=models.Q(unique_in_scheme=True),
                name="actor_identifier_unique",
                violation_error_message="Another actor has this identifier, and its scheme says values are unique.",
            ),
            models.UniqueConstraint(
                fields=["actor", "scheme", "value"],
                name="actor_identifier_once",
                violation_error_message="The actor already has this identifier.",
            ),
        ]


def content_type_of(model) -> ContentType:
    return ContentType.objects.get_for_model(model)
