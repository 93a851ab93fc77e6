"""Sources (documents) and citations linking any record, or one field of it, to a source."""

from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models

from events.choices import SourceKind
from events.models.base import RecordModel, UUIDManager
from events.search import search_field, search_index
from events.validators import validate_language


class Source(RecordModel):
    """One document that states facts: a news report, an official statement."""

    title = models.CharField(max_length=500, help_text="Title or headline.")
    kind = models.CharField(max_length=30, choices=SourceKind.choices, default=SourceKind.NEWS_REPORT)
    publisher = models.CharField(max_length=200, blank=True, help_text="Who published it, e.g. Al Mayadeen English.")
    url = models.URLField(max_length=500, blank=True, help_text="Where it can be read, when known.")
    published = models.DateField(null=True, blank=True, help_text="Publication date, when known.")
    language = models.CharField(
        max_length=2, blank=True, validators=[validate_language], help_text="ISO 639-1 code of its language, e.g. en."
    )
    text_path = models.CharField(
        max_length=300, blank=True, help_text="Path of its stored text under seeds/, for documents the project keeps."
    )
    text = models.TextField(
        blank=True,
        help_text="Its full text, byte for byte, when stored (from text_path). Citation excerpts must occur in it.",
    )
    note = models.TextField(blank=True, help_text="What we know of it when it is known only by reference.")
    search = search_field("title", "publisher", "note")

    objects = UUIDManager()

    class Meta:
        indexes = [search_index("source")]
        ordering = ["published", "title", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(text_path="") | models.Q(text=""),
                name="source_text_has_path",
                violation_error_message="A stored text needs the path of its file under seeds/.",
            ),
        ]

    def __str__(self):
        return f"{self.publisher}: {self.title}" if self.publisher else self.title


class Citation(RecordModel):
    """A source supporting a record, or one field of it, with the excerpt that says so.

    Where the source's text is stored, ``excerpt`` must occur in it verbatim at ``[start, end)`` (Unicode code
    points). ``stated_value`` keeps the value this source gives for ``field`` when sources disagree: the record
    keeps the curator's preferred value, every stated value stays beside it.
    """

    source = models.ForeignKey(
        Source, on_delete=models.PROTECT, related_name="cited_by", help_text="The document that says it."
    )
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, help_text="Kind of record cited.")
    object_id = models.UUIDField(help_text="Id of the record cited.")
    record = GenericForeignKey("content_type", "object_id")
    field = models.CharField(max_length=100, blank=True, help_text="The field of the record it supports, if one.")
    excerpt = models.TextField(blank=True, help_text="The supporting passage, verbatim.")
    start = models.PositiveIntegerField(null=True, blank=True, help_text="Offset of the excerpt in the source text.")
    end = models.PositiveIntegerField(null=True, blank=True, help_text="Offset just past the excerpt.")
    stated_value = models.JSONField(
        null=True, blank=True, help_text="The value this source states for the field, e.g. 19 or 25."
    )
    note = models.TextField(
        blank=True, help_text="How the excerpt supports the record, e.g. how a relative date was resolved."
    )

    objects = UUIDManager()

    class Meta:
        ordering = ["content_type", "object_id", "field", "start", "id"]
        indexes = [models.Index(fields=["content_type", "object_id"], name="citation_record_idx")]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(excerpt="") | ~models.Q(note=""),
                name="citation_has_excerpt_or_note",
                violation_error_message="A citation needs the excerpt or, for a source known by reference, a note.",
            ),
            models.CheckConstraint(
                condition=(models.Q(start__isnull=True) & models.Q(end__isnull=True))
                | (
                    models.Q(start__isnull=False, end__isnull=False)
                    & models.Q(end__gt=models.F("start"))
                    & ~models.Q(excerpt="")
                ),
                name="citation_offsets_valid",
                violation_error_message="Offsets come in pairs, with an excerpt, and end after start.",
            ),
            models.CheckConstraint(
                condition=models.Q(stated_value__isnull=True) | ~models.Q(field=""),
                name="citation_stated_value_needs_field",
                violation_error_message="A stated value belongs to a field: name it.",
            ),
        ]

    def __str__(self):
        target = f"{self.content_type.model}.{self.field}" if self.field else self.content_type.model
        return f"{self.source} -> {target}"

    def clean(self):
        super().clean()
        errors = {}
        if self.source_id and self.source.text and self.excerpt:
            try:
                self.locate_excerpt()
            except ValueError as error:
                errors["excerpt"] = str(error)
        if self.field and self.content_type_id:
            model = self.content_type.model_class()
            names = {f.name for f in model._meta.get_fields()}
            if self.field not in names:
                errors["field"] = f'{model._meta.verbose_name} has no field "{self.field}".'
        if errors:
            raise ValidationError(errors)

    def locate_excerpt(self) -> None:
        """Check the excerpt against the stored source text and set its offsets.

        Offsets that already point at the excerpt are kept (they tell apart an excerpt that occurs more
        than once); otherwise the excerpt must occur exactly once, and the offsets are found.
        """
        text, excerpt = self.source.text, self.excerpt
        if self.start is None or text[self.start : self.start + len(excerpt)] != excerpt:
            found = text.find(excerpt)
            if found < 0:
                raise ValueError(f'The excerpt does not occur verbatim in "{self.source.title}": "{excerpt[:80]}"')
            if text.find(excerpt, found + 1) >= 0:
                raise ValueError(f'The excerpt occurs more than once in "{self.source.title}": give its start offset.')
            self.start = found
        self.end = self.start + len(excerpt)

    def save(self, *args, **kwargs):
        if self.source.text and self.excerpt:
            self.locate_excerpt()
        elif self.source.text:
            raise ValidationError({"excerpt": "The source's text is stored: quote the supporting excerpt."})
        super().save(*args, **kwargs)
