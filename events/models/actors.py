"""Actors: everything that can be a party, a destination, an origin or a post, over time.

Current countries and territories come from ISO 3166-1 (pycountry), with their UN M49 regions; former
countries, entities without ISO status and international organisations from ``events/data/actors.csv``;
the successions between them (the USSR's end, German unification...) from ``events/data/successions.csv``,
each with its source. See docs/data-model.md ("Actors over time").
"""

from django.contrib.postgres.fields import ArrayField
from django.db import models
from simple_history.models import HistoricalRecords

from events.choices import ActorKind, SuccessionKind
from events.models.base import RecordModel, TimeStampedModel, UUIDManager
from events.search import search_field, search_index

CODE_HELP = (
    "Public key: the ISO 3166-1 alpha-3 code of a current country (IRN), the ISO 3166-3 alpha-3 code of a "
    "former one (SUN), a project code starting with X where ISO gives none (XKX), or an organisation's "
    "acronym (EU, NATO)."
)


class ActorManager(models.Manager):
    def get_by_natural_key(self, code):
        return self.get(code=code)


class Actor(TimeStampedModel):
    """A state, territory, former state, entity without ISO status or international organisation. Reference
    data, loaded from pycountry and events/data/ by load_seed; curators add organisations, names and
    identifiers in the admin (the ISO rows are reloaded as ISO gives them)."""

    code = models.CharField(max_length=12, unique=True, help_text=CODE_HELP)
    kind = models.CharField(max_length=20, choices=ActorKind.choices, help_text="What sort of actor.")
    iso3 = models.CharField(
        "ISO alpha-3",
        max_length=3,
        blank=True,
        help_text="ISO 3166-1 alpha-3 code (ISO 3166-3 for a former country); blank where ISO gives none.",
    )
    iso2 = models.CharField(
        "ISO alpha-2",
        max_length=2,
        blank=True,
        help_text="ISO 3166-1 alpha-2 code, current countries only (ISO 3166-3 reuses some: CS, BY).",
    )
    numeric = models.CharField(
        "ISO numeric",
        max_length=3,
        blank=True,
        help_text="ISO 3166-1 numeric code, where ISO gives one (not unique over time: Zaire and DR Congo share 180).",
    )
    iso_former_code = models.CharField(
        "ISO 3166-3 code",
        max_length=4,
        blank=True,
        help_text="ISO 3166-3 four-letter code of a former country, e.g. SUHH.",
    )
    name = models.CharField(max_length=100, help_text="Common name, e.g. Iran (ISO's common name where it has one).")
    iso_name = models.CharField(
        "ISO name", max_length=100, blank=True, help_text="ISO 3166 short name, e.g. Iran, Islamic Republic of."
    )
    official_name = models.CharField(max_length=200, blank=True, help_text="Official name, where known.")
    alternative_names = ArrayField(
        models.CharField(max_length=200),
        default=list,
        blank=True,
        help_text="Other names, including names of its time (U.S.S.R., Ceylon, Zaire).",
    )
    from_year = models.SmallIntegerField(null=True, blank=True, help_text="First year it existed, where known.")
    until_year = models.SmallIntegerField(
        null=True, blank=True, help_text="Last year it existed; null while it exists (or where unknown)."
    )
    region_code = models.CharField("M49 region code", max_length=3, blank=True, help_text="UN M49 region, e.g. 142.")
    region = models.CharField("M49 region", max_length=50, blank=True, help_text="UN M49 region name, e.g. Asia.")
    subregion_code = models.CharField("M49 sub-region code", max_length=3, blank=True, help_text="e.g. 034.")
    subregion = models.CharField("M49 sub-region", max_length=50, blank=True, help_text="e.g. Southern Asia.")
    intermediate_region_code = models.CharField(
        "M49 intermediate region code", max_length=3, blank=True, help_text="e.g. 005 (South America)."
    )
    intermediate_region = models.CharField("M49 intermediate region", max_length=50, blank=True)
    note = models.TextField(blank=True, help_text="What the code stands for where no standard defines it.")
    search = search_field("name", "iso_name", "official_name", "code", "iso2", arrays=("alternative_names",))
    history = HistoricalRecords(excluded_fields=["search"])

    objects = ActorManager()

    class Meta:
        indexes = [search_index("country")]
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(code__regex=r"^[A-Z][A-Z0-9]{1,11}$"),
                name="actor_code_format",
                violation_error_message="A code is 2 to 12 capital letters or digits, starting with a letter.",
            ),
            models.CheckConstraint(
                condition=models.Q(iso3__regex=r"^[A-Z]{3}$") | models.Q(iso3=""),
                name="country_iso3_format",
                violation_error_message="ISO alpha-3 codes are three capital letters.",
            ),
            models.CheckConstraint(
                condition=models.Q(iso2__regex=r"^[A-Z]{2}$") | models.Q(iso2=""),
                name="country_iso2_format",
                violation_error_message="ISO alpha-2 codes are two capital letters.",
            ),
            models.UniqueConstraint(
                fields=["iso3"],
                condition=~models.Q(iso3=""),
                name="actor_iso3_unique",
                violation_error_message="Another actor has this ISO alpha-3 code.",
            ),
            models.UniqueConstraint(
                fields=["iso2"],
                condition=models.Q(kind=ActorKind.COUNTRY),
                name="actor_iso2_unique_current",
                violation_error_message="Another current country has this ISO alpha-2 code.",
            ),
            models.CheckConstraint(
                condition=models.Q(until_year__gte=models.F("from_year"))
                | models.Q(until_year__isnull=True)
                | models.Q(from_year__isnull=True),
                name="actor_years_ordered",
                violation_error_message="An actor cannot cease to exist before it began.",
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.code})"

    def natural_key(self):
        return (self.code,)


class Succession(RecordModel):
    """One actor succeeding another on a day: the USSR's end (1991-12-26), German unification (1990-10-03)."""

    predecessor = models.ForeignKey(
        Actor, on_delete=models.PROTECT, related_name="successor_links", help_text="The actor before."
    )
    successor = models.ForeignKey(
        Actor, on_delete=models.PROTECT, related_name="predecessor_links", help_text="The actor after."
    )
    date = models.DateField(help_text="The first day of the successor's part in it (the predecessor's end).")
    kind = models.CharField(max_length=20, choices=SuccessionKind.choices, help_text="How the successor followed.")
    note = models.TextField(blank=True, help_text="What happened, in our words.")

    objects = UUIDManager()

    class Meta:
        ordering = ["date", "predecessor__name", "successor__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["predecessor", "successor"],
                name="succession_unique",
                violation_error_message="This succession is already recorded.",
            ),
            models.CheckConstraint(
                condition=~models.Q(predecessor=models.F("successor")),
                name="succession_not_self",
                violation_error_message="An actor cannot succeed itself.",
            ),
        ]

    def __str__(self):
        return f"{self.predecessor.name} → {self.successor.name} ({self.date})"
