"""Officials (people) and the positions they hold over time (Popolo memberships)."""

import datetime

from django.contrib.postgres.fields import ArrayField
from django.core.validators import RegexValidator
from django.db import models

from events.choices import EndCause
from events.dates import EDTF_HELP, bounds_constraints, not_before, uncertain_date_fields, validate_edtf
from events.models.base import RecordModel, UUIDManager
from events.search import search_field, search_index


class OfficialManager(models.Manager):
    def get_by_natural_key(self, slug):
        return self.get(slug=slug)


class Official(RecordModel):
    """One person who acts for a state: a head of state, a minister, an envoy."""

    name = models.CharField(max_length=200, help_text="Name as most commonly written in English.")
    slug = models.SlugField(max_length=100, unique=True, help_text="Stable public identifier, e.g. ebrahim-raisi.")
    alternative_names = ArrayField(
        models.CharField(max_length=200),
        default=list,
        blank=True,
        help_text="Other spellings and transliterations that sources use (cite each).",
    )
    wikidata_qid = models.CharField(
        "Wikidata QID",
        max_length=20,
        blank=True,
        validators=[RegexValidator(r"^Q[1-9]\d*$", "A Wikidata QID is Q followed by digits, e.g. Q20980936.")],
        help_text="Wikidata item, where a source gives it.",
    )
    birth_date = models.CharField(
        max_length=40, blank=True, validators=[validate_edtf], help_text=f"When born, often only a year. {EDTF_HELP}"
    )
    death_date = models.CharField(
        max_length=40, blank=True, validators=[validate_edtf], help_text=f"When died, often only a year. {EDTF_HELP}"
    )
    search = search_field("name", "slug", arrays=("alternative_names",))

    objects = OfficialManager()

    class Meta:
        indexes = [search_index("official"), models.Index(fields=["name", "slug"], name="official_order_idx")]
        ordering = ["name", "slug"]
        constraints = [
            models.UniqueConstraint(
                fields=["wikidata_qid"],
                condition=~models.Q(wikidata_qid=""),
                name="official_wikidata_qid_unique",
                violation_error_message="Another official has this Wikidata QID.",
            ),
        ]

    def __str__(self):
        return self.name

    def natural_key(self):
        return (self.slug,)


class PositionQuerySet(models.QuerySet):
    def held_on(self, day: datetime.date):
        """Positions whose bounds include ``day``: the start may be on or before it, the end on or after it.

        An unknown start or end leaves that side open (Popolo: a missing date is unknown). A nomination never
        served is never held.
        """
        started = models.Q(start_earliest__lte=day) | models.Q(start_earliest__isnull=True)
        not_ended = models.Q(end_latest__gte=day) | models.Q(end_latest__isnull=True)
        return self.filter(started & not_ended, served=True)


class PositionManager(UUIDManager.from_queryset(PositionQuerySet)):
    pass


class Position(RecordModel):
    """One official holding one office for a country over a period (Popolo membership, Wikidata P39)."""

    official = models.ForeignKey(
        Official, on_delete=models.CASCADE, related_name="positions", help_text="Who held the position."
    )
    title = models.CharField(max_length=200, help_text="The office, e.g. President, Minister of Foreign Affairs.")
    country = models.ForeignKey(
        "events.Actor",
        on_delete=models.PROTECT,
        related_name="positions",
        help_text="Whom the official represents: a country, or an organisation for its own officials.",
    )
    posted_to = models.ManyToManyField(
        "events.Actor",
        blank=True,
        related_name="postings",
        help_text="Where the official is posted, for a position abroad: a country or an organisation; several for a "
        "concurrent accreditation (one resident ambassador accredited to several countries).",
    )
    uncertain_dates = ("start", "end")
    start, start_precision, start_earliest, start_latest, start_basis, start_qualifier = uncertain_date_fields("Start")
    end, end_precision, end_earliest, end_latest, end_basis, end_qualifier = uncertain_date_fields("End")
    end_cause = models.CharField(
        max_length=20, choices=EndCause.choices, blank=True, help_text="Why the position ended, where known."
    )
    appointed = models.CharField(
        max_length=40,
        blank=True,
        validators=[validate_edtf],
        help_text="When the official was appointed, where a source gives it apart from the start (an ambassador "
        f"starts on presenting credentials). {EDTF_HELP}",
    )
    served = models.BooleanField(
        default=True,
        help_text="False for a nominee who never took up the position (pocom's other nominees): such a position is "
        "never active.",
    )

    objects = PositionManager()

    class Meta:
        ordering = ["official__name", "start_earliest", "title"]
        constraints = [
            *bounds_constraints("position", "start"),
            *bounds_constraints("position", "end"),
            models.CheckConstraint(
                condition=not_before("end", "start"),
                name="position_end_not_before_start",
                violation_error_message="A position cannot end before it starts.",
            ),
            models.CheckConstraint(
                condition=models.Q(end_cause="") | ~models.Q(end=""),
                name="position_end_cause_needs_end",
                violation_error_message="An end cause needs an end date.",
            ),
        ]

    def __str__(self):
        return f"{self.official} - {self.title}, {self.country.name}"
