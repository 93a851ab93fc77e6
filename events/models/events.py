"""Other diplomatic events: meetings, statements, announcements."""

from django.db import models

from events.choices import CameoCode, EventKind, ParticipantRole, PloverEventType, PloverMode
from events.dates import bounds_constraints, date_width, one_bound_only, uncertain_date_fields
from events.models.base import RecordModel, UUIDManager
from events.search import search_field, search_index


class Event(RecordModel):
    """One meeting, statement or announcement, coded with CAMEO and PLOVER where one fits."""

    kind = models.CharField(max_length=20, choices=EventKind.choices, help_text="What sort of event.")
    title = models.CharField(max_length=300, help_text="Short description.")
    description = models.TextField(blank=True, help_text="What happened, in our words.")
    quote = models.TextField(
        blank=True, help_text="For a statement: the words quoted, exactly as the source gives them."
    )
    uncertain_dates = ("date",)
    date, date_precision, date_earliest, date_latest, date_basis, date_qualifier = uncertain_date_fields("Date")
    trip = models.ForeignKey(
        "events.Trip",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="events",
        help_text="The trip during which it took place.",
    )
    stop = models.ForeignKey(
        "events.Stop",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="events",
        help_text="The trip stop at which it took place.",
    )
    sectors = models.ManyToManyField(
        "events.Sector", blank=True, related_name="events", help_text="Fields of cooperation the event concerns."
    )
    cameo_code = models.CharField(
        "CAMEO code", max_length=3, choices=CameoCode.choices, blank=True, help_text="CAMEO event code, where one fits."
    )
    plover_type = models.CharField(
        "PLOVER event type", max_length=10, choices=PloverEventType.choices, blank=True, help_text="PLOVER event type."
    )
    plover_mode = models.CharField(
        "PLOVER mode", max_length=12, choices=PloverMode.choices, blank=True, help_text="PLOVER mode, e.g. visit."
    )
    search = search_field("title", "description", "quote")

    objects = UUIDManager()

    class Meta:
        indexes = [
            search_index("event"),
            models.Index(fields=["date_earliest", "title", "id"], include=["date_latest"], name="event_order_idx"),
            models.Index(date_width("date"), name="event_date_width_idx"),  # see RecordFilterSet
            # the few rows whose date has one bound only: whether there are any (DatedFilterSet.open_ends)
            models.Index(fields=["id"], condition=one_bound_only("date"), name="event_date_open_idx"),
        ]
        ordering = ["date_earliest", "title", "id"]
        constraints = [
            *bounds_constraints("event", "date"),
            models.CheckConstraint(
                condition=models.Q(plover_mode="") | ~models.Q(plover_type=""),
                name="event_plover_mode_needs_type",
                violation_error_message="A PLOVER mode needs a PLOVER event type.",
            ),
        ]

    def __str__(self):
        return self.title


class EventParticipant(RecordModel):
    """One official or country taking part in an event, with a role."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="participants")
    official = models.ForeignKey(
        "events.Official", on_delete=models.PROTECT, null=True, blank=True, related_name="event_roles"
    )
    country = models.ForeignKey(
        "events.Actor",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="event_roles",
        help_text="The country taking part (or the official's country, where it matters for the event).",
    )
    role = models.CharField(max_length=20, choices=ParticipantRole.choices, help_text="Part played in the event.")

    objects = UUIDManager()

    class Meta:
        ordering = ["event", "role", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(official__isnull=False) | models.Q(country__isnull=False),
                name="event_participant_is_someone",
                violation_error_message="A participant is an official, a country, or both.",
            ),
            models.UniqueConstraint(
                fields=["event", "official", "country", "role"],
                name="event_participant_unique",
                nulls_distinct=False,
                violation_error_message="This participant already has this role in the event.",
            ),
        ]

    def __str__(self):
        who = " / ".join(str(x) for x in (self.official, self.country and self.country.name) if x)
        return f"{who} ({self.get_role_display().lower()}) - {self.event}"
