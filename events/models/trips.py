"""Trips: journeys by officials, with ordered stops."""

from django.db import models
from django.db.models.expressions import RawSQL

from events.dates import bounds_constraints, not_before, uncertain_date_fields
from events.models.base import RecordModel, UUIDManager
from events.search import search_field, search_index


class TripQuerySet(models.QuerySet):
    def visiting(self, *actors: str | set[int]):
        """Trips with a stop in every one of the actors: each a code, or a set of primary keys any of which counts
        (an actor with its predecessors)."""
        trips = self
        for actor in actors:  # one condition per actor: each may match another stop
            stops = (
                Stop.objects.filter(country__code=actor)
                if isinstance(actor, str)
                else Stop.objects.filter(country__in=actor)
            )
            trips = trips.filter(pk__in=stops.values("trip_id"))
        return trips

    def with_span(self):
        """Annotate ``span_earliest``/``span_latest``: the trip's own dates where recorded, else from its first
        stop's arrival to its last stop's departure (or arrival)."""
        earliest, latest = span_sql(f'"{Trip._meta.db_table}"')
        return self.annotate(
            span_earliest=RawSQL(earliest, [], output_field=models.DateField()),
            span_latest=RawSQL(latest, [], output_field=models.DateField()),
        )


def span_sql(trip: str) -> tuple[str, str]:
    """SQL of a trip's span over the row ``trip`` (a table name or alias): the one definition, used by
    ``with_span``, the API's list rows and a country's relations."""
    stops = Stop._meta.db_table
    earliest = (
        f"coalesce({trip}.start_earliest, (SELECT fs.arrival_earliest FROM {stops} fs "
        f'WHERE fs.trip_id = {trip}.id ORDER BY fs."order" LIMIT 1))'
    )
    latest = (
        f"coalesce({trip}.end_latest, (SELECT coalesce(ls.departure_latest, ls.arrival_latest) FROM {stops} ls "
        f'WHERE ls.trip_id = {trip}.id ORDER BY ls."order" DESC LIMIT 1))'
    )
    return earliest, latest


class TripManager(UUIDManager.from_queryset(TripQuerySet)):
    pass


class Trip(RecordModel):
    """One journey by one or more officials (one lead) from an origin country. A tour of three countries is one trip."""

    title = models.CharField(max_length=300, help_text="Short description, e.g. Raisi's Latin American tour.")
    lead = models.ForeignKey(
        "events.Official",
        on_delete=models.PROTECT,
        related_name="trips_led",
        help_text="The official who led the trip.",
    )
    members = models.ManyToManyField(
        "events.Official",
        blank=True,
        related_name="trips_joined",
        help_text="Other officials travelling with the lead, where a source names them.",
    )
    origin = models.ForeignKey(
        "events.Actor",
        on_delete=models.PROTECT,
        related_name="trips_from",
        help_text="Actor the trip set out from.",
    )
    purpose = models.TextField(blank=True, help_text="Purpose of the trip as the sources give it.")
    invited_by = models.ManyToManyField(
        "events.Actor",
        blank=True,
        related_name="trip_invitations",
        help_text="Countries whose leaders or governments invited the trip.",
    )
    invitation = models.TextField(blank=True, help_text="Who invited, in words, where no official can be named.")
    uncertain_dates = ("start", "end")
    start, start_precision, start_earliest, start_latest, start_basis, start_qualifier = uncertain_date_fields("Start")
    end, end_precision, end_earliest, end_latest, end_basis, end_qualifier = uncertain_date_fields("End")
    search = search_field("title", "purpose", "invitation")

    objects = TripManager()

    class Meta:
        indexes = [search_index("trip"), models.Index(fields=["start_earliest", "title", "id"], name="trip_order_idx")]
        ordering = ["start_earliest", "title", "id"]
        constraints = [
            *bounds_constraints("trip", "start"),
            *bounds_constraints("trip", "end"),
            models.CheckConstraint(
                condition=not_before("end", "start"),
                name="trip_end_not_before_start",
                violation_error_message="A trip cannot end before it starts.",
            ),
        ]

    def __str__(self):
        return self.title


class Stop(RecordModel):
    """One place a trip visited, in order."""

    trip = models.ForeignKey(Trip, on_delete=models.CASCADE, related_name="stops", help_text="The trip (a part of it).")
    order = models.PositiveSmallIntegerField(help_text="Position of the stop in the trip: 1, 2, 3...")
    country = models.ForeignKey(
        "events.Actor", on_delete=models.PROTECT, related_name="stops", help_text="Actor visited."
    )
    city = models.CharField(max_length=200, blank=True, help_text="City visited, where known.")
    uncertain_dates = ("arrival", "departure")
    arrival, arrival_precision, arrival_earliest, arrival_latest, arrival_basis, arrival_qualifier = (
        uncertain_date_fields("Arrival")
    )
    departure, departure_precision, departure_earliest, departure_latest, departure_basis, departure_qualifier = (
        uncertain_date_fields("Departure")
    )

    objects = UUIDManager()

    class Meta:
        ordering = ["trip", "order"]
        constraints = [
            models.UniqueConstraint(
                fields=["trip", "order"],
                name="stop_order_unique_per_trip",
                violation_error_message="Two stops of a trip cannot have the same order.",
            ),
            models.CheckConstraint(
                condition=models.Q(order__gte=1),
                name="stop_order_positive",
                violation_error_message="Stops are numbered from 1.",
            ),
            *bounds_constraints("stop", "arrival"),
            *bounds_constraints("stop", "departure"),
            models.CheckConstraint(
                condition=not_before("departure", "arrival"),
                name="stop_departure_not_before_arrival",
                violation_error_message="A stop cannot depart before it arrives.",
            ),
        ]

    def __str__(self):
        place = f"{self.city}, {self.country.name}" if self.city else self.country.name
        return f"{self.trip} - stop {self.order}: {place}"
