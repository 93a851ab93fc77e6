"""The curation tool: the Django admin, with the same rules as the database and the API.

Every domain model has change history (who changed what, with revert), accent-insensitive search,
autocomplete for countries, officials, sources and sectors, and the inlines a curator expects. Rules
that span rows are checked on the forms with the service functions (``events.services``), so a bad
save shows a message and saves nothing.
"""

import csv

from django import forms
from django.contrib import admin
from django.contrib.contenttypes.admin import GenericTabularInline
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.http import HttpResponse
from simple_history.admin import SimpleHistoryAdmin

from apikit.csv import cell
from events import services
from events.models import (
    Actor,
    ActorIdentifier,
    Agreement,
    AgreementParty,
    Citation,
    Deletion,
    Event,
    EventParticipant,
    Identifier,
    IdentifierScheme,
    Official,
    PartyAction,
    Position,
    Sector,
    Source,
    Stop,
    Succession,
    Trip,
)
from events.search import search_query


@admin.action(description="Export selected as CSV")
def export_csv(modeladmin, request, queryset):
    """The selected rows with the changelist's columns, as CSV (formulas escaped)."""
    columns = [name for name in modeladmin.get_list_display(request) if name != "action_checkbox"]
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{modeladmin.model._meta.model_name}.csv"'
    writer = csv.writer(response)
    writer.writerow(columns)
    for obj in queryset:
        row = []
        for name in columns:
            value = getattr(modeladmin, name)(obj) if hasattr(modeladmin, name) else getattr(obj, name)
            row.append(cell(str(value) if isinstance(value, models.Model) else value))
        writer.writerow(row)
    return response


class SearchMixin:
    """Search that ignores case and accents: full-text over the records' ``search`` columns (``search_vectors``:
    paths to them), or'ed with Django's usual ``search_fields`` lookups."""

    search_vectors: tuple[str, ...] = ()

    def get_search_results(self, request, queryset, search_term):
        matched, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if not search_term.strip() or not self.search_vectors:
            return matched, may_have_duplicates
        query = search_query(search_term)
        full_text = Q()
        for path in self.search_vectors:
            full_text |= Q(**{path: query})
        return (matched | queryset.filter(full_text)).distinct(), True


class CurationAdmin(SearchMixin, SimpleHistoryAdmin):
    """A domain model: history with revert, accent-insensitive search, CSV export, read-only ids and times."""

    actions = [export_csv]
    readonly_fields = ["id", "created_at", "updated_at"]
    list_per_page = 100

    def get_fieldsets(self, request, obj=None):
        """The declared fieldsets, and a last one with any editable field they leave out (a field added to the
        model shows without an edit here)."""
        fieldsets = super().get_fieldsets(request, obj)
        if not self.fieldsets:
            return fieldsets
        placed = {name for _, options in fieldsets for name in options["fields"]}
        form_fields = self.get_form(request, obj, fields=None).base_fields
        rest = [name for name in form_fields if name not in placed]
        return [*fieldsets, ("More", {"fields": rest})] if rest else fieldsets


# -- citations, inline everywhere ------------------------------------------------------------------


class StatedValueField(forms.JSONField):
    """A citation's stated value (a JSON value such as 19 or "25"), blank rather than "null" when none."""

    def prepare_value(self, value):
        return "" if value is None else super().prepare_value(value)


class CitationInline(GenericTabularInline):
    model = Citation
    fields = ["source", "field", "excerpt", "stated_value", "note"]
    autocomplete_fields = ["source"]
    extra = 0
    formfield_overrides = {
        models.TextField: {"widget": forms.Textarea(attrs={"rows": 2, "cols": 50})},
        models.JSONField: {"form_class": StatedValueField, "widget": forms.TextInput(attrs={"size": 8})},
    }


class IdentifierInline(GenericTabularInline):
    """A record's identifiers in named schemes (pocom:..., travels:..., wikidata:...)."""

    model = Identifier
    fields = ["scheme", "value", "note"]
    extra = 0


class CitedAdmin(CurationAdmin):
    """A record with its citations inline (source, excerpt checked against the stored text, note)."""

    inlines_before_citations: list = []  # the record's own parts, shown above its citations

    def get_inlines(self, request, obj):
        return [*self.inlines_before_citations, IdentifierInline, CitationInline]


# -- reference data -------------------------------------------------------------------------------


class ActorIdentifierInline(admin.TabularInline):
    model = ActorIdentifier
    fields = ["scheme", "value", "note"]
    extra = 0


class SuccessionInline(admin.TabularInline):
    model = Succession
    fk_name = "successor"
    fields = ["predecessor", "date", "kind", "note"]
    autocomplete_fields = ["predecessor"]
    verbose_name_plural = "predecessors"
    extra = 0


@admin.register(Actor)
class ActorAdmin(SearchMixin, SimpleHistoryAdmin):
    """Countries come from ISO 3166-1 (pycountry); former countries, entities and organisations from
    events/data/actors.csv. Curators add organisations and names here; autocomplete finds an actor by its code or
    any of its names (alternative names included, through the search vector)."""

    list_display = ["code", "name", "kind", "iso3", "iso2", "numeric", "from_year", "until_year", "region"]
    list_filter = ["kind", "region", "subregion"]
    search_fields = ["code", "iso3", "iso2", "name", "iso_name", "official_name"]
    search_vectors = ("search",)
    readonly_fields = ["created_at", "updated_at"]
    inlines = [ActorIdentifierInline, SuccessionInline]


@admin.register(Succession)
class SuccessionAdmin(CitedAdmin):
    list_display = ["predecessor", "successor", "date", "kind"]
    list_filter = ["kind"]
    autocomplete_fields = ["predecessor", "successor"]
    search_fields = ["predecessor__name", "successor__name", "predecessor__code", "successor__code"]


@admin.register(IdentifierScheme)
class IdentifierSchemeAdmin(SimpleHistoryAdmin):
    list_display = ["slug", "name", "unique"]
    search_fields = ["slug", "name"]


@admin.register(Sector)
class SectorAdmin(CurationAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name", "slug"]
    readonly_fields = ["created_at", "updated_at"]
    prepopulated_fields = {"slug": ["name"]}


# -- officials --------------------------------------------------------------------------------------


class PositionInline(admin.TabularInline):
    model = Position
    fields = [
        "title",
        "country",
        "posted_to",
        "start",
        "start_basis",
        "end",
        "end_basis",
        "end_cause",
        "appointed",
        "served",
    ]
    autocomplete_fields = ["country", "posted_to"]
    show_change_link = True
    extra = 0


@admin.register(Official)
class OfficialAdmin(CitedAdmin):
    list_display = ["name", "slug", "alternative_name_list", "current_positions", "wikidata_qid", "updated_at"]
    list_filter = [
        ("positions__country", admin.RelatedOnlyFieldListFilter),
        "positions__title",
        ("citations__source", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["slug", "wikidata_qid"]
    search_vectors = ("search",)
    prepopulated_fields = {"slug": ["name"]}
    inlines_before_citations = [PositionInline]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("positions__country")

    @admin.display(description="Alternative names")
    def alternative_name_list(self, official):
        return "; ".join(official.alternative_names)

    @admin.display(description="Positions")
    def current_positions(self, official):
        return "; ".join(
            f"{p.title} ({p.country.iso3}) {p.start or '..'}/{p.end or '..'}" for p in official.positions.all()
        )


@admin.register(Position)
class PositionAdmin(CitedAdmin):
    list_display = ["official", "title", "country", "start", "end", "end_cause", "served"]
    list_filter = [("country", admin.RelatedOnlyFieldListFilter), "start_precision", "end_cause", "served"]
    list_select_related = ["official", "country"]
    search_fields = ["title"]
    search_vectors = ("official__search",)
    autocomplete_fields = ["official", "country"]
    date_hierarchy = "start_earliest"


# -- trips ------------------------------------------------------------------------------------------


class StopFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        if any(self.errors):
            return
        stops = [
            form.instance
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE") and form.instance.country_id
        ]
        orders = [stop.order for stop in stops]
        if len(orders) != len(set(orders)):
            raise ValidationError("Two stops have the same order: number them 1, 2, 3...")
        try:
            services.check_stop_sequence(sorted(stops, key=lambda stop: stop.order))
        except ValidationError as error:
            raise ValidationError(error.messages) from None


class StopInline(admin.TabularInline):
    model = Stop
    formset = StopFormSet
    fields = ["order", "country", "city", "arrival", "arrival_basis", "departure", "departure_basis"]
    autocomplete_fields = ["country"]
    ordering = ["order"]
    show_change_link = True
    extra = 0


@admin.register(Trip)
class TripAdmin(CitedAdmin):
    list_display = ["title", "lead", "origin", "stop_countries", "start", "end", "updated_at"]
    list_filter = [
        ("origin", admin.RelatedOnlyFieldListFilter),
        ("stops__country", admin.RelatedOnlyFieldListFilter),
        ("lead", admin.RelatedOnlyFieldListFilter),
        ("citations__source", admin.RelatedOnlyFieldListFilter),
    ]
    list_select_related = ["lead", "origin"]
    search_fields = ["lead__slug"]
    search_vectors = ("search", "lead__search")
    autocomplete_fields = ["lead", "origin", "members", "invited_by"]
    inlines_before_citations = [StopInline]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("stops__country")

    @admin.display(description="Stops")
    def stop_countries(self, trip):
        return " → ".join(stop.country.iso3 for stop in trip.stops.all())


@admin.register(Stop)
class StopAdmin(CitedAdmin):
    list_display = ["trip", "order", "country", "city", "arrival", "departure"]
    list_filter = [("country", admin.RelatedOnlyFieldListFilter), "arrival_precision"]
    list_select_related = ["trip", "country"]
    search_fields = ["city", "country__name"]
    search_vectors = ("trip__search",)
    autocomplete_fields = ["trip", "country"]
    date_hierarchy = "arrival_earliest"


# -- agreements -------------------------------------------------------------------------------------


class AgreementForm(forms.ModelForm):
    class Meta:
        model = Agreement
        fields = "__all__"  # noqa: DJ007 (the admin's fieldsets choose what shows)

    def clean(self):
        cleaned = super().clean()
        if not self.errors:
            try:
                services.validate_breakdown(self.instance)
            except ValidationError as error:
                for field, messages in error.message_dict.items():
                    self.add_error(field if field in self.fields else None, messages)
        return cleaned


class PartyFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        if any(self.errors):
            return
        countries = [
            form.cleaned_data["country"].iso3
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE") and form.cleaned_data.get("country")
        ]
        try:  # self.instance holds the agreement as submitted, parties_complete included
            services.check_parties(countries, complete=self.instance.parties_complete)
        except ValidationError as error:
            raise ValidationError(error.messages) from None


class PartyInline(admin.TabularInline):
    model = AgreementParty
    formset = PartyFormSet
    fields = ["country", "signatory"]
    autocomplete_fields = ["country", "signatory"]
    show_change_link = True  # its dated actions (signed, ratified...) are on the party's page
    extra = 0


@admin.register(Agreement)
class AgreementAdmin(CitedAdmin):
    form = AgreementForm
    list_display = ["title", "kind", "party_list", "signed", "quantity", "value", "parent", "updated_at"]
    list_filter = [
        "kind",
        "status",
        ("sectors", admin.RelatedOnlyFieldListFilter),
        "signed_precision",
        ("parties__country", admin.RelatedOnlyFieldListFilter),
        ("citations__source", admin.RelatedOnlyFieldListFilter),
    ]
    list_select_related = ["parent"]
    search_fields = ["parties__country__code"]
    search_vectors = ("search",)
    autocomplete_fields = ["sectors", "parent", "signed_at", "amends"]
    date_hierarchy = "signed_earliest"
    inlines_before_citations = [PartyInline]
    fieldsets = [
        (None, {"fields": ["title", "kind", "status", "description"]}),
        ("Signature", {"fields": ["signed", "signed_basis", "signed_at"]}),
        (
            "In force",
            {"fields": ["entry_into_force", "entry_into_force_basis", "end", "end_basis", "ambit", "amends"]},
        ),
        ("Parties", {"fields": ["parties_complete"]}),
        ("Substance", {"fields": ["sectors", "term_years", "value_amount", "value_currency"]}),
        ("Counting", {"fields": ["quantity", "parent"]}),
        ("Record", {"fields": ["id", "created_at", "updated_at"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("parties__country")

    @admin.display(description="Parties")
    def party_list(self, agreement):
        parties = ", ".join(party.country.iso3 for party in agreement.parties.all())
        return parties if agreement.parties_complete else f"{parties} (incomplete)"

    @admin.display(description="Value", ordering="value_amount")
    def value(self, agreement):
        return f"{agreement.value_amount:,} {agreement.value_currency}" if agreement.value_amount is not None else ""


class PartyActionInline(admin.TabularInline):
    model = PartyAction
    fields = ["action", "date", "date_basis"]
    extra = 0


@admin.register(AgreementParty)
class AgreementPartyAdmin(CitedAdmin):
    list_display = ["agreement", "country", "signatory"]
    list_filter = [("country", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["agreement", "country", "signatory"]
    search_fields = ["country__name", "country__code"]
    search_vectors = ("agreement__search",)
    autocomplete_fields = ["agreement", "country", "signatory"]
    inlines_before_citations = [PartyActionInline]


@admin.register(PartyAction)
class PartyActionAdmin(CitedAdmin):
    list_display = ["party", "action", "date"]
    list_filter = ["action", "date_precision"]
    list_select_related = ["party__agreement", "party__country"]
    search_fields = ["party__country__code"]
    search_vectors = ("party__agreement__search",)
    autocomplete_fields = ["party"]
    date_hierarchy = "date_earliest"


# -- events -----------------------------------------------------------------------------------------


class ParticipantInline(admin.TabularInline):
    model = EventParticipant
    fields = ["official", "country", "role"]
    autocomplete_fields = ["official", "country"]
    extra = 0


@admin.register(Event)
class EventAdmin(CitedAdmin):
    list_display = ["title", "kind", "date", "cameo_code", "plover_type", "trip", "updated_at"]
    list_filter = [
        "kind",
        "cameo_code",
        "date_precision",
        ("sectors", admin.RelatedOnlyFieldListFilter),
        ("participants__country", admin.RelatedOnlyFieldListFilter),
        ("citations__source", admin.RelatedOnlyFieldListFilter),
    ]
    list_select_related = ["trip"]
    search_fields = ["participants__official__slug"]
    search_vectors = ("search", "participants__official__search")
    autocomplete_fields = ["trip", "stop", "sectors"]
    date_hierarchy = "date_earliest"
    inlines_before_citations = [ParticipantInline]


@admin.register(EventParticipant)
class EventParticipantAdmin(CitedAdmin):
    list_display = ["event", "official", "country", "role"]
    list_filter = ["role", ("country", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["event", "official", "country"]
    search_fields = ["country__name"]
    search_vectors = ("event__search", "official__search")
    autocomplete_fields = ["event", "official", "country"]


# -- provenance -------------------------------------------------------------------------------------


@admin.register(Source)
class SourceAdmin(CitedAdmin):
    list_display = ["title", "publisher", "kind", "published", "language", "url"]
    list_filter = ["kind", "publisher", "language"]
    search_fields = ["url"]
    search_vectors = ("search",)
    date_hierarchy = "published"
    readonly_fields = ["id", "created_at", "updated_at", "text_path", "text"]
    # A URL typed without a scheme is taken as https:// (Django 6's default).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


@admin.register(Citation)
class CitationAdmin(CurationAdmin):
    list_display = ["source", "content_type", "object_id", "field", "excerpt", "stated_value"]
    list_filter = ["content_type", ("source", admin.RelatedOnlyFieldListFilter), "field"]
    list_select_related = ["source", "content_type"]
    search_fields = ["excerpt", "note", "field"]
    autocomplete_fields = ["source"]
    readonly_fields = ["id", "start", "end", "created_at", "updated_at"]

    def get_queryset(self, request):
        # A source's stored text can be megabytes (a dataset's file): a page of citations shows only its title.
        return super().get_queryset(request).defer("source__text", "source__search")


@admin.register(Deletion)
class DeletionAdmin(admin.ModelAdmin):
    """The log of deletions that API clients sync from; written by signals, never by hand."""

    list_display = ["resource", "record_id", "deleted_at"]
    list_filter = ["resource"]
    search_fields = ["record_id"]
    date_hierarchy = "deleted_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
