"""Admin registrations: a useful list and search for every model, so the seed data can be browsed.

Full curation (autocomplete everywhere, history, roles, browser tests) is a later issue.
"""

from django.contrib import admin
from django.contrib.contenttypes.admin import GenericTabularInline
from django.db import models

from events.models import (
    Agreement,
    AgreementParty,
    Citation,
    Country,
    Deletion,
    Event,
    EventParticipant,
    Official,
    PartyAction,
    Position,
    Sector,
    Source,
    Stop,
    Trip,
)


class CitationInline(GenericTabularInline):
    model = Citation
    fields = ["source", "field", "excerpt", "stated_value", "note"]
    autocomplete_fields = ["source"]
    extra = 0


class RecordAdmin(admin.ModelAdmin):
    """Common to domain records: their citations inline, and read-only ids and times."""

    inlines = [CitationInline]
    readonly_fields = ["id", "created_at", "updated_at"]


@admin.register(Country)
class CountryAdmin(admin.ModelAdmin):
    list_display = ["iso3", "name", "iso2", "numeric", "region", "subregion", "intermediate_region"]
    list_filter = ["region", "subregion"]
    search_fields = ["iso3", "iso2", "name", "iso_name", "official_name"]
    readonly_fields = ["created_at", "updated_at"]


@admin.register(Sector)
class SectorAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name", "slug"]


class PositionInline(admin.TabularInline):
    model = Position
    fields = ["title", "country", "start", "start_basis", "end", "end_basis", "end_cause"]
    autocomplete_fields = ["country"]
    extra = 0


@admin.register(Official)
class OfficialAdmin(RecordAdmin):
    list_display = ["name", "slug", "wikidata_qid", "updated_at"]
    search_fields = ["name", "slug", "alternative_names"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [PositionInline, CitationInline]


@admin.register(Position)
class PositionAdmin(RecordAdmin):
    list_display = ["official", "title", "country", "start", "end", "end_cause"]
    list_filter = ["country", "start_precision", "end_cause"]
    list_select_related = ["official", "country"]
    search_fields = ["official__name", "title"]
    autocomplete_fields = ["official", "country"]


class StopInline(admin.TabularInline):
    model = Stop
    fields = ["order", "country", "city", "arrival", "arrival_basis", "departure", "departure_basis"]
    autocomplete_fields = ["country"]
    extra = 0


@admin.register(Trip)
class TripAdmin(RecordAdmin):
    list_display = ["title", "lead", "origin", "start", "end", "stop_countries"]
    list_filter = ["origin", "stops__country"]
    list_select_related = ["lead", "origin"]
    search_fields = ["title", "lead__name", "purpose"]
    autocomplete_fields = ["lead", "origin", "members", "invited_by"]
    inlines = [StopInline, CitationInline]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("stops__country")

    @admin.display(description="Stops")
    def stop_countries(self, trip):
        return " → ".join(stop.country.iso3 for stop in trip.stops.all())


@admin.register(Stop)
class StopAdmin(RecordAdmin):
    list_display = ["trip", "order", "country", "city", "arrival", "departure"]
    list_filter = ["country", "arrival_precision"]
    list_select_related = ["trip", "country"]
    search_fields = ["trip__title", "city", "country__name"]
    autocomplete_fields = ["trip", "country"]


class PartyInline(admin.TabularInline):
    model = AgreementParty
    fields = ["country", "signatory"]
    autocomplete_fields = ["country", "signatory"]
    extra = 0


@admin.register(Agreement)
class AgreementAdmin(RecordAdmin):
    list_display = ["title", "kind", "party_list", "signed", "quantity", "value_amount", "value_currency", "parent"]
    list_filter = ["kind", "status", "sectors", "signed_precision", "parties__country"]
    list_select_related = ["parent"]
    search_fields = ["title", "description"]
    autocomplete_fields = ["sectors", "parent", "signed_at"]
    inlines = [PartyInline, CitationInline]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("parties__country")

    @admin.display(description="Parties")
    def party_list(self, agreement):
        parties = ", ".join(party.country.iso3 for party in agreement.parties.all())
        return parties if agreement.parties_complete else f"{parties} (incomplete)"


@admin.register(AgreementParty)
class AgreementPartyAdmin(RecordAdmin):
    list_display = ["agreement", "country", "signatory"]
    list_filter = ["country"]
    list_select_related = ["agreement", "country", "signatory"]
    search_fields = ["agreement__title", "country__name"]
    autocomplete_fields = ["agreement", "country", "signatory"]


@admin.register(PartyAction)
class PartyActionAdmin(RecordAdmin):
    list_display = ["party", "action", "date"]
    list_filter = ["action"]
    list_select_related = ["party__agreement", "party__country"]
    search_fields = ["party__agreement__title"]
    autocomplete_fields = ["party"]


class ParticipantInline(admin.TabularInline):
    model = EventParticipant
    fields = ["official", "country", "role"]
    autocomplete_fields = ["official", "country"]
    extra = 0


@admin.register(Event)
class EventAdmin(RecordAdmin):
    list_display = ["title", "kind", "date", "cameo_code", "trip"]
    list_filter = ["kind", "cameo_code", "date_precision", "sectors"]
    list_select_related = ["trip"]
    search_fields = ["title", "description", "quote"]
    autocomplete_fields = ["trip", "stop", "sectors"]
    inlines = [ParticipantInline, CitationInline]


@admin.register(EventParticipant)
class EventParticipantAdmin(RecordAdmin):
    list_display = ["event", "official", "country", "role"]
    list_filter = ["role", "country"]
    list_select_related = ["event", "official", "country"]
    search_fields = ["event__title", "official__name"]
    autocomplete_fields = ["event", "official", "country"]


@admin.register(Source)
class SourceAdmin(RecordAdmin):
    list_display = ["title", "publisher", "kind", "published", "language", "url"]
    list_filter = ["kind", "publisher", "language"]
    search_fields = ["title", "publisher", "url", "note"]
    date_hierarchy = "published"
    # A URL typed without a scheme is taken as https:// (Django 6's default).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


@admin.register(Citation)
class CitationAdmin(admin.ModelAdmin):
    list_display = ["source", "content_type", "object_id", "field", "excerpt", "stated_value"]
    list_filter = ["content_type", "source"]
    list_select_related = ["source", "content_type"]
    search_fields = ["excerpt", "note", "field"]
    autocomplete_fields = ["source"]
    readonly_fields = ["id", "start", "end", "created_at", "updated_at"]


@admin.register(Deletion)
class DeletionAdmin(admin.ModelAdmin):
    """The log of deletions that API clients sync from; written by signals, never by hand."""

    list_display = ["resource", "record_id", "deleted_at"]
    list_filter = ["resource"]
    search_fields = ["record_id"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
