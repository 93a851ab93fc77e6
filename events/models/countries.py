"""Countries: ISO 3166-1 from pycountry, with UN M49 regions."""

from django.db import models

from events.models.base import TimeStampedModel
from events.search import search_field, search_index


class CountryManager(models.Manager):
    def get_by_natural_key(self, iso3):
        return self.get(iso3=iso3)


class Country(TimeStampedModel):
    """One ISO 3166-1 country or territory. Reference data, loaded from pycountry, never typed by hand."""

    iso3 = models.CharField(
        "ISO alpha-3", max_length=3, unique=True, help_text="ISO 3166-1 alpha-3 code, e.g. IRN. The public key."
    )
    iso2 = models.CharField("ISO alpha-2", max_length=2, unique=True, help_text="ISO 3166-1 alpha-2 code, e.g. IR.")
    numeric = models.CharField("ISO numeric", max_length=3, unique=True, help_text="ISO 3166-1 numeric code, e.g. 364.")
    name = models.CharField(max_length=100, help_text="Common name, e.g. Iran (ISO's common name where it has one).")
    iso_name = models.CharField(
        "ISO name", max_length=100, help_text="ISO 3166-1 short name, e.g. Iran, Islamic Republic of."
    )
    official_name = models.CharField(max_length=200, blank=True, help_text="Official name where ISO gives one.")
    region_code = models.CharField("M49 region code", max_length=3, blank=True, help_text="UN M49 region, e.g. 142.")
    region = models.CharField("M49 region", max_length=50, blank=True, help_text="UN M49 region name, e.g. Asia.")
    subregion_code = models.CharField("M49 sub-region code", max_length=3, blank=True, help_text="e.g. 034.")
    subregion = models.CharField("M49 sub-region", max_length=50, blank=True, help_text="e.g. Southern Asia.")
    intermediate_region_code = models.CharField(
        "M49 intermediate region code", max_length=3, blank=True, help_text="e.g. 005 (South America)."
    )
    intermediate_region = models.CharField("M49 intermediate region", max_length=50, blank=True)
    search = search_field("name", "iso_name", "official_name", "iso3", "iso2")

    objects = CountryManager()

    class Meta:
        indexes = [search_index("country")]
        ordering = ["name"]
        verbose_name_plural = "countries"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(iso3__regex=r"^[A-Z]{3}$"),
                name="country_iso3_format",
                violation_error_message="ISO alpha-3 codes are three capital letters.",
            ),
            models.CheckConstraint(
                condition=models.Q(iso2__regex=r"^[A-Z]{2}$"),
                name="country_iso2_format",
                violation_error_message="ISO alpha-2 codes are two capital letters.",
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.iso3})"

    def natural_key(self):
        return (self.iso3,)
