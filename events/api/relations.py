"""Relations: a country's partners, with the agreements, trips (each way) and events that link them."""

import functools

import orjson
from django import forms
from django.core.cache import cache
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError

from apikit import csv, sqljson
from apikit.etags import etag_matches, list_etag
from apikit.filters import StrictBooleanField
from apikit.replicas import read_connection
from apikit.serializers import RefField
from events import dyads
from events.actors import with_predecessors
from events.models import (
    Actor,
    Agreement,
    AgreementParty,
    Dyad,
    DyadRecord,
    Event,
    EventParticipant,
    Stop,
    Succession,
    Trip,
)
from events.models.trips import span_sql
from events.versions import data_versions

AGREEMENT, PARTY, TRIP, STOP = (m._meta.db_table for m in (Agreement, AgreementParty, Trip, Stop))
EVENT, PARTICIPANT, COUNTRY = (m._meta.db_table for m in (Event, EventParticipant, Actor))
DYADS, DYAD_RECORDS = Dyad._meta.db_table, DyadRecord._meta.db_table


def partner_sql(builder, model, alias: str) -> str:
    from events.api.actors import ActorSerializer

    return builder.one_by_key(ActorSerializer.brief(), f"{alias}.partner")


class RelationSerializer(serializers.Serializer):
    """One partner of a country, with what links them (see docs/api.md for the counting rule)."""

    partner = RefField("ActorSerializer", help_text="The partner (an actor of any kind).")
    agreements = serializers.IntegerField(
        help_text="Documents signed by both (sum of quantity; a total is replaced by its breakdowns that both are "
        "party to, so no document is counted twice)."
    )
    agreement_records = serializers.IntegerField(help_text="Agreement records counted for the pair.")
    trips_to_partner = serializers.IntegerField(help_text="Trips from this country with a stop in the partner.")
    trips_from_partner = serializers.IntegerField(help_text="Trips from the partner with a stop in this country.")
    events = serializers.IntegerField(help_text="Events in which both countries take part.")
    first_date = serializers.DateField(allow_null=True, help_text="Earliest bound of the earliest of these.")
    last_date = serializers.DateField(allow_null=True, help_text="Latest bound of the latest of these.")
    sql_fields = {"partner": partner_sql}

    class Meta:
        csv_fields = [
            ("partner", "partner"),
            ("partner_name", "partner.name"),
            "agreements",
            "agreement_records",
            "trips_to_partner",
            "trips_from_partner",
            "events",
            "first_date",
            "last_date",
        ]


class DateRangeForm(forms.Form):
    """The date range of a country's relations (same meaning as date_after/date_before on the lists), and
    whether the actor's predecessors count as the actor."""

    date_after = forms.DateField(required=False)
    date_before = forms.DateField(required=False)
    include_predecessors = StrictBooleanField(required=False)


def _when(dated: bool, earliest: str, latest: str) -> str:
    """Whether a record whose date has these bounds counts for the range ``%(after)s``-``%(before)s``: as
    events.dates.overlaps, an interval's open end (a null bound) reaches any day on its side."""
    if not dated:
        return "true"
    after, before = "%(after)s::date", "%(before)s::date"
    return (
        f"({earliest} IS NOT NULL OR {latest} IS NOT NULL) "
        f"AND ({after} IS NULL OR {latest} IS NULL OR {latest} >= {after}) "
        f"AND ({before} IS NULL OR {earliest} IS NULL OR {earliest} <= {before})"
    )


def _ranked(rows: str) -> str:
    """Relation rows (partner and counts) with ``n``, their place as the API shows them."""
    return f"""
SELECT rel.*, row_number() OVER (ORDER BY rel.agreements DESC, rel.trips_to_partner + rel.trips_from_partner DESC,
                                 pc.name) AS n
FROM ({rows}) rel JOIN {COUNTRY} pc ON pc.id = rel.partner"""


def relations_sql(dated: bool, several: bool) -> str:
    """A country's partners, one row each: partner id, agreements (documents), agreement records, trips to and
    from the partner, events, first and last dates, and ``n``, the row's place as the API shows them.
    Parameters: ``%(country)s`` (an array of actor ids: the actor, and with ``include_predecessors`` the actors it
    continues or was formed from; ``several`` when it may hold more than one), and ``%(after)s``/``%(before)s``
    (dates or null) if ``dated``.

    Read from the dyads that PostgreSQL keeps (events/dyads.py): one actor's totals over its pairs are a row each,
    ready; a date range or several actors sum the records' pair rows instead. Records with many countries (wide:
    multilateral treaties, summits) are kept as memberships and paired here. Same numbers as
    ``records_relations_sql``."""
    countries = "%(country)s"

    def replaced(record: str, partner: str) -> str:  # a breakdown of the total has one of them and the partner
        return (
            f"EXISTS (SELECT 1 FROM {DYAD_RECORDS} x WHERE x.record_id = {record} AND x.link = 'r' "
            f"AND x.actor_id = ANY({countries}) AND x.partner_id = {partner})"
        )

    wide = f"""
    SELECT p.actor_id AS partner, CASE WHEN m.link = 'a' THEN m.documents ELSE 0 END AS agreements,
           (m.link = 'a')::int AS agreement_records, 0 AS trips_to_partner, 0 AS trips_from_partner,
           (m.link = 'e')::int AS events, m.earliest AS first_date, m.latest AS last_date
    FROM (SELECT DISTINCT ON (r.record_id) r.* FROM {DYAD_RECORDS} r
          WHERE r.link IN ('a', 'e') AND r.actor_id = ANY({countries}) AND {_when(dated, "r.earliest", "r.latest")}) m
    JOIN {DYAD_RECORDS} p ON p.record_id = m.record_id AND p.link = m.link AND p.actor_id <> ALL({countries})
    WHERE NOT (m.link = 'a' AND {replaced("m.record_id", "p.actor_id")})"""
    if not dated and not several:
        pairs = f"""
    SELECT partner_id AS partner, agreements, agreement_records, trips_to_partner, trips_from_partner, events,
           first_date, last_date
    FROM {DYADS} WHERE actor_id = ANY({countries})"""
    else:
        if several:  # a record counts once per partner, however many of the actors it links
            linked = f"""SELECT DISTINCT ON (r.record_id, r.link, r.partner_id) r.* FROM {DYAD_RECORDS} r
        WHERE r.link IN {dyads.PAIRS} AND r.actor_id = ANY({countries}) AND r.partner_id <> ALL({countries})"""
            counted = f"NOT (l.link = 'A' AND {replaced('l.record_id', 'l.partner_id')})"
        else:
            linked = f"""SELECT r.* FROM {DYAD_RECORDS} r
        WHERE r.link IN {dyads.PAIRS} AND r.actor_id = ANY({countries})"""
            counted = "NOT l.replaced"
        pairs = f"""
    SELECT l.partner_id AS partner, CASE WHEN l.link = 'A' THEN l.documents ELSE 0 END AS agreements,
           (l.link = 'A')::int AS agreement_records, (l.link = 'T')::int AS trips_to_partner,
           (l.link = 'F')::int AS trips_from_partner, (l.link = 'E')::int AS events, l.earliest AS first_date,
           l.latest AS last_date
    FROM ({linked} AND {_when(dated, "r.earliest", "r.latest")}) l
    WHERE {counted}"""
    return _ranked(f"""
SELECT partner, sum(agreements)::int AS agreements, sum(agreement_records)::int AS agreement_records,
       sum(trips_to_partner)::int AS trips_to_partner, sum(trips_from_partner)::int AS trips_from_partner,
       sum(events)::int AS events, min(first_date) AS first_date, max(last_date) AS last_date
FROM ({pairs}
    UNION ALL {wide}) linked
GROUP BY partner""")


def records_relations_sql(dated: bool) -> str:
    """``relations_sql`` computed from the records themselves, as it was before the dyads were kept: the
    definition the dyads are held to (tests, ``manage.py rebuild_dyads --check``), too slow to serve (Iran's
    took 8 s at scale M).

    Counting agreements without counting a document twice: a record counts for a pair when both countries are
    among its parties, except a total that has a breakdown to which both are parties; the breakdowns count
    instead. So Iran-Venezuela counts the 19 documents of Caracas, not also the tour's 35. Dates filter as on
    the lists: a record counts when its date's bounds overlap the range."""
    span_earliest, span_latest = span_sql("t")
    return f"""
WITH agreement_rows AS (
    SELECT p.country_id AS partner, a.quantity AS documents, 1 AS records, 0 AS trips_to, 0 AS trips_from,
           0 AS events, a.signed_earliest AS first_date, a.signed_latest AS last_date
    FROM {AGREEMENT} a
    JOIN {PARTY} p ON p.agreement_id = a.id AND p.country_id <> ALL(%(country)s)
    WHERE a.id IN (SELECT agreement_id FROM {PARTY} WHERE country_id = ANY(%(country)s))
      AND {_when(dated, "a.signed_earliest", "a.signed_latest")}
      AND NOT EXISTS (
          SELECT 1 FROM {AGREEMENT} b
          JOIN {PARTY} bc ON bc.agreement_id = b.id AND bc.country_id = ANY(%(country)s)
          JOIN {PARTY} bp ON bp.agreement_id = b.id AND bp.country_id = p.country_id
          WHERE b.parent_id = a.id)
),
trips AS (
    SELECT t.id, t.origin_id, {span_earliest} AS span_earliest, {span_latest} AS span_latest
    FROM {TRIP} t
    WHERE t.origin_id = ANY(%(country)s)
       OR t.id IN (SELECT trip_id FROM {STOP} WHERE country_id = ANY(%(country)s))
),
trip_rows AS (
    SELECT s.partner, 0, 0, 1, 0, 0, t.span_earliest, t.span_latest
    FROM trips t
    JOIN LATERAL (SELECT DISTINCT country_id AS partner FROM {STOP}
                  WHERE trip_id = t.id AND country_id <> ALL(%(country)s)) s ON true
    WHERE t.origin_id = ANY(%(country)s) AND {_when(dated, "t.span_earliest", "t.span_latest")}
    UNION ALL
    SELECT t.origin_id, 0, 0, 0, 1, 0, t.span_earliest, t.span_latest
    FROM trips t
    WHERE t.origin_id <> ALL(%(country)s) AND {_when(dated, "t.span_earliest", "t.span_latest")}
),
event_rows AS (
    SELECT ep.partner, 0, 0, 0, 0, 1, e.date_earliest, e.date_latest
    FROM {EVENT} e
    JOIN LATERAL (SELECT DISTINCT country_id AS partner FROM {PARTICIPANT}
                  WHERE event_id = e.id AND country_id IS NOT NULL AND country_id <> ALL(%(country)s)) ep ON true
    WHERE e.id IN (SELECT event_id FROM {PARTICIPANT} WHERE country_id = ANY(%(country)s))
      AND {_when(dated, "e.date_earliest", "e.date_latest")}
),
linked AS (
    SELECT * FROM agreement_rows UNION ALL SELECT * FROM trip_rows UNION ALL SELECT * FROM event_rows
)
SELECT l.partner, sum(l.documents)::int AS agreements, sum(l.records)::int AS agreement_records,
       sum(l.trips_to)::int AS trips_to_partner, sum(l.trips_from)::int AS trips_from_partner,
       sum(l.events)::int AS events, min(l.first_date) AS first_date, max(l.last_date) AS last_date,
       row_number() OVER (ORDER BY sum(l.documents) DESC, sum(l.trips_to) + sum(l.trips_from) DESC, pc.name) AS n
FROM linked l JOIN {COUNTRY} pc ON pc.id = l.partner
GROUP BY l.partner, pc.name
"""


@functools.cache
def relations_json_sql(dated: bool, several: bool = False, source: str = "dyads") -> str:
    """The JSON text of a country's relations as the API shows them. Parameters as ``relations_sql``, and
    ``%(root)s`` (see apikit.sqljson). ``source="records"``: computed from the records instead (the definition)."""
    rows = relations_sql(dated, several) if source == "dyads" else records_relations_sql(dated)
    element = sqljson.RowSQL(RelationSerializer).element("rel")
    return (
        f"SELECT coalesce(json_agg({element} ORDER BY rel.n), '[]'::json)::text "
        f"FROM (SELECT %(root)s::text AS root) api, ({rows}) rel"
    )


def relations_statement(actors, date_after=None, date_before=None, source: str = "dyads") -> str:
    return relations_json_sql(date_after is not None or date_before is not None, len(actors) > 1, source)


def relations_json(actors, root: str, date_after=None, date_before=None, source: str = "dyads") -> str:
    with read_connection().cursor() as cursor:
        cursor.execute(
            relations_statement(actors, date_after, date_before, source),
            {"country": sorted(actors), "after": date_after, "before": date_before, "root": root},
        )
        return cursor.fetchone()[0]


class RelationsMixin:
    """``actors/{code}/relations/`` (and ``countries/{iso3}/relations/``) on the actors' viewsets."""

    csv_actions = ("list", "relations")
    extra_serializers = (RelationSerializer,)  # held to its SQL, schema and CSV by apikit.checks
    extra_query_parameters = {"relations": ("date_after", "date_before", "include_predecessors")}

    @extend_schema(
        summary="A country's partners",
        description="Each partner country with the agreements, trips (each way) and events that link them, and "
        "the first and last dates among them. Agreements are counted in documents (sum of quantity) without "
        "counting a total and its breakdowns both: a total is replaced, for a pair, by its breakdowns that both "
        "countries are party to. `date_after`/`date_before` apply as on the lists. Not paginated: one row per "
        "partner. CSV with `?format=csv`.",
        parameters=[
            OpenApiParameter(
                "date_after", OpenApiTypes.DATE, description="Only records whose date may fall on or after this day."
            ),
            OpenApiParameter(
                "date_before", OpenApiTypes.DATE, description="Only records whose date may fall on or before this day."
            ),
            OpenApiParameter(
                "include_predecessors",
                OpenApiTypes.BOOL,
                description="Count the records of the actors this one continues or was formed from as its own (RUS "
                "with the Soviet Union's). Off by default.",
            ),
        ],
        responses={
            (200, "application/json"): RelationSerializer(many=True),
            (200, "text/csv"): OpenApiTypes.STR,
        },
    )
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def relations(self, request, **kwargs):
        country = self.get_object()
        dates = DateRangeForm(request.query_params)
        if not dates.is_valid():
            raise ValidationError(dates.errors)
        options = dict(dates.cleaned_data)
        include_predecessors = options.pop("include_predecessors")
        actors = with_predecessors([country]) if include_predecessors else {country.pk}
        if self.wants_csv():
            rows = orjson.loads(relations_json(actors, self.api_root(), **options))
            return csv.stream_csv(f"relations-{country.code}", csv.columns(RelationSerializer), rows)
        # the tables its statement reads: an edit that changes no pair's counts or dates keeps the tag
        tables = set(data_versions.tables_in(relations_statement(actors, **options)))
        if include_predecessors:
            tables.add(Succession._meta.db_table)
        tag = list_etag(request, data_versions.for_request(request, tables))
        if etag_matches(request.headers.get("If-None-Match"), tag):
            return self.not_modified(tag)

        def render() -> bytes:  # compact, as DRF renders JSON (PostgreSQL spaces its JSON out)
            return orjson.dumps(orjson.loads(relations_json(actors, self.api_root(), **options)))

        body = cache.get_or_set(f"relations:{tag}", render, timeout=None)  # same URL, same data: same body
        response = HttpResponse(body, content_type="application/json")
        response["ETag"] = tag
        return response
