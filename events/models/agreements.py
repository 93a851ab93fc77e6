"""Agreements, their parties (each with its own dated actions) and sectors."""

from django.contrib.postgres.fields import ArrayField
from django.core.validators import MinValueValidator
from django.db import models
from simple_history.models import HistoricalRecords

from events.choices import AgreementAmbit, AgreementKind, AgreementStatus, PartyActionKind
from events.dates import bounds_constraints, date_width, one_bound_only, uncertain_date_fields
from events.models.base import RecordModel, TimeStampedModel, UUIDManager
from events.search import search_field, search_index
from events.validators import validate_currency, validate_language


class SectorManager(models.Manager):
    def get_by_natural_key(self, slug):
        return self.get(slug=slug)


class Sector(TimeStampedModel):
    """One field of cooperation in the controlled vocabulary (mining, energy, health...)."""

    slug = models.SlugField(max_length=100, unique=True, help_text="Stable public identifier, e.g. nuclear-energy.")
    name = models.CharField(max_length=100, unique=True, help_text="Display name, e.g. Nuclear energy.")
    description = models.TextField(blank=True, help_text="What the sector covers.")
    history = HistoricalRecords()

    objects = SectorManager()

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def natural_key(self):
        return (self.slug,)


class AgreementQuerySet(models.QuerySet):
    def between(self, *actors: int | set[int]):
        """Agreements to which every one of the actors (by primary key, or a set of keys any of which counts: an
        actor with its predecessors) is a party. As constants in the query, the ids let PostgreSQL use its
        statistics of each country's share of parties (a few countries are party to most agreements)."""
        agreements = self
        for ids in actors:  # one IN per actor: each may match another party
            parties = AgreementParty.objects.filter(country_id__in={ids} if isinstance(ids, int) else ids)
            agreements = agreements.filter(pk__in=parties.values("agreement"))
        return agreements


class AgreementManager(UUIDManager.from_queryset(AgreementQuerySet)):
    pass


class Agreement(RecordModel):
    """One agreement, or one report of several ("35 accords" is one record with quantity 35)."""

    title = models.CharField(max_length=300, help_text="Title, or a short description where none is known.")
    kind = models.CharField(max_length=30, choices=AgreementKind.choices, help_text="What sort of instrument it is.")
    status = models.CharField(
        max_length=20, choices=AgreementStatus.choices, default=AgreementStatus.SIGNED, help_text="Its current status."
    )
    description = models.TextField(blank=True, help_text="What it covers, in our words.")
    languages = ArrayField(
        models.CharField(max_length=2, validators=[validate_language]),
        default=list,
        blank=True,
        help_text="Languages of its authentic texts (ISO 639-1 codes, e.g. es, fa), as a source states them.",
    )
    uncertain_dates = ("signed", "entry_into_force", "end")
    signed, signed_precision, signed_earliest, signed_latest, signed_basis, signed_qualifier = uncertain_date_fields(
        "Signed"
    )
    (
        entry_into_force,
        entry_into_force_precision,
        entry_into_force_earliest,
        entry_into_force_latest,
        entry_into_force_basis,
        entry_into_force_qualifier,
    ) = uncertain_date_fields("Entry into force")
    end, end_precision, end_earliest, end_latest, end_basis, end_qualifier = uncertain_date_fields("End")
    ambit = models.CharField(
        max_length=20,
        choices=AgreementAmbit.choices,
        blank=True,
        help_text="Bilateral, multilateral, regional...: the ambit a source classifies it in (blank if none does).",
    )
    amends = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="amendments",
        help_text="The agreement this one amends, extends or is a protocol to, where a source says so.",
    )
    signed_at = models.ForeignKey(
        "events.Stop",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="agreements_signed",
        help_text="The trip stop during which it was signed, where known.",
    )
    sectors = models.ManyToManyField(Sector, blank=True, related_name="agreements", help_text="Fields it covers.")
    term_years = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1)], help_text="Duration in years, e.g. 20."
    )
    value_amount = models.DecimalField(
        max_digits=20,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text="Monetary value stated by the sources (a decimal, never a float).",
    )
    value_currency = models.CharField(
        max_length=3, blank=True, validators=[validate_currency], help_text="ISO 4217 code of the value, e.g. USD."
    )
    quantity = models.PositiveIntegerField(
        default=1,
        validators=[MinValueValidator(1)],
        help_text="How many documents this record stands for (a report of 35 accords is one record with 35).",
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,  # a total cannot be deleted while breakdowns point at it
        null=True,
        blank=True,
        related_name="breakdowns",
        help_text="The total this record breaks down (e.g. the documents signed at one stop of a tour).",
    )
    parties_complete = models.BooleanField(
        default=True,
        help_text="False when the sources leave some parties unnamed: the parties recorded are then not all.",
    )
    search = search_field("title", "description")

    objects = AgreementManager()

    class Meta:
        indexes = [
            search_index("agreement"),
            # The list's order; with the latest bound, a date range is filtered from the index alone.
            models.Index(
                fields=["signed_earliest", "title", "id"], include=["signed_latest"], name="agreement_order_idx"
            ),
            models.Index(date_width("signed"), name="agreement_signed_width_idx"),  # see RecordFilterSet
            # the few rows whose date has one bound only: whether there are any (DatedFilterSet.open_ends)
            models.Index(fields=["id"], condition=one_bound_only("signed"), name="agreement_signed_open_idx"),
        ]
        ordering = ["signed_earliest", "title", "id"]
        constraints = [
            *bounds_constraints("agreement", "signed"),
            *bounds_constraints("agreement", "entry_into_force"),
            *bounds_constraints("agreement", "end"),
            models.CheckConstraint(
                condition=~models.Q(amends=models.F("id")),
                name="agreement_not_own_amendment",
                violation_error_message="An agreement cannot amend itself.",
            ),
            models.CheckConstraint(
                condition=models.Q(quantity__gte=1),
                name="agreement_quantity_positive",
                violation_error_message="An agreement record stands for at least one document.",
            ),
            models.CheckConstraint(
                condition=models.Q(value_amount__gte=0) | models.Q(value_amount__isnull=True),
                name="agreement_value_not_negative",
                violation_error_message="A monetary value cannot be negative.",
            ),
            models.CheckConstraint(
                condition=(models.Q(value_amount__isnull=True) & models.Q(value_currency=""))
                | (models.Q(value_amount__isnull=False) & models.Q(value_currency__regex=r"^[A-Z]{3}$")),
                name="agreement_value_has_currency",
                violation_error_message="A value needs an ISO 4217 currency, and a currency needs a value.",
            ),
            models.CheckConstraint(
                condition=models.Q(term_years__gte=1) | models.Q(term_years__isnull=True),
                name="agreement_term_positive",
                violation_error_message="A term is at least one year.",
            ),
            models.CheckConstraint(
                condition=~models.Q(parent=models.F("id")),
                name="agreement_not_own_parent",
                violation_error_message="An agreement cannot be a breakdown of itself.",
            ),
        ]

    def __str__(self):
        return f"{self.title} (x{self.quantity})" if self.quantity > 1 else self.title


class AgreementParty(RecordModel):
    """One country's participation in an agreement, with who signed for it."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="parties")
    country = models.ForeignKey(
        "events.Actor", on_delete=models.PROTECT, related_name="agreement_parties", help_text="The party."
    )
    signatory = models.ForeignKey(
        "events.Official",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="signatures",
        help_text="Who signed for this party, where a source names them.",
    )

    objects = UUIDManager()

    class Meta:
        ordering = ["agreement", "country__name"]
        verbose_name_plural = "agreement parties"
        # ?party=IRN: the agreements of a country, read from the index alone
        indexes = [models.Index(fields=["country", "agreement"], name="agreement_party_country_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "country"],
                name="agreement_party_unique",
                violation_error_message="A country is a party to an agreement only once.",
            ),
        ]

    def __str__(self):
        return f"{self.country.name} - {self.agreement}"


class PartyAction(RecordModel):
    """One dated step a party took: signature, ratification, entry into force, withdrawal (UN treaty practice)."""

    party = models.ForeignKey(AgreementParty, on_delete=models.CASCADE, related_name="actions")
    action = models.CharField(max_length=20, choices=PartyActionKind.choices, help_text="What the party did.")
    uncertain_dates = ("date",)
    date, date_precision, date_earliest, date_latest, date_basis, date_qualifier = uncertain_date_fields("Date")

    objects = UUIDManager()

    class Meta:
        ordering = ["party", "date_earliest", "action"]
        constraints = [
            models.UniqueConstraint(
                fields=["party", "action"],
                name="party_action_unique",
                violation_error_message="A party takes each action once.",
            ),
            *bounds_constraints("party_action", "date"),
        ]

    def __str__(self):
        return f"{self.party.country.name} {self.get_action_display().lower()} {self.date or '(date unknown)'}"
