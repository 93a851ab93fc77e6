"""The API's list representations, built by PostgreSQL as JSON text.

Each ``*_json(alias)`` returns an SQL expression giving the same object that the resource's serializer
(events.api.serializers) gives for the row ``alias`` of its table: the same keys in the same order, the same
nested references, orderings, nulls and formats (timestamps as DRF writes them, decimals as strings).
``events/tests/test_api_fast_lists.py`` holds the two to each other, record by record.

Links are built from ``api.root``, the absolute URL of the API root ending in ``/``: the statement provides
it as ``(SELECT %s::text AS root) api`` (see ``page_sql``).
The SQL uses nothing but the tables, so the benchmark's raw anchor (bench/anchor.py) runs it without Django.
"""


def obj(*pairs: tuple[str, str]) -> str:
    """``json_build_object`` of (key, SQL expression) pairs, in order."""
    return "json_build_object(" + ", ".join(f"'{key}', {value}" for key, value in pairs) + ")"


def array(element: str, source: str, order: str) -> str:
    """A JSON array (never null) of ``element`` over the rows of ``source`` (FROM ... WHERE ...), ordered."""
    return f"(SELECT coalesce(json_agg({element} ORDER BY {order}), '[]'::json) {source})"


def link(resource: str, key: str, suffix: str = "") -> str:
    return f"(api.root || '{resource}/' || {key} || '/{suffix}')"


def timestamp(column: str) -> str:
    """As DRF writes an aware datetime in UTC: ISO 8601, microseconds only when not zero, ``Z``."""
    utc = f"({column} AT TIME ZONE 'UTC')"
    whole = f"mod(date_part('microseconds', {column})::bigint, 1000000) = 0"
    micro = f"CASE WHEN {whole} THEN '' ELSE to_char({utc}, '.US') END"
    return f"""(to_char({utc}, 'YYYY-MM-DD"T"HH24:MI:SS') || {micro} || 'Z')"""


def content_type(model: str) -> str:
    return f"(SELECT id FROM django_content_type WHERE app_label = 'events' AND model = '{model}')"


def uncertain_date(alias: str, name: str) -> list[tuple[str, str]]:
    """The five fields of an uncertain date; unknown text and precision are null, as the API shows them."""
    return [
        (name, f"nullif({alias}.{name}, '')"),
        (f"{name}_precision", f"nullif({alias}.{name}_precision, '')"),
        (f"{name}_earliest", f"{alias}.{name}_earliest"),
        (f"{name}_latest", f"{alias}.{name}_latest"),
        (f"{name}_basis", f"{alias}.{name}_basis"),
    ]


def stamps(alias: str) -> list[tuple[str, str]]:
    return [("created_at", timestamp(f"{alias}.created_at")), ("updated_at", timestamp(f"{alias}.updated_at"))]


# -- references: the small objects that stand for a related record ---------------------------------------


def country_ref(alias: str) -> str:
    return obj(("iso3", f"{alias}.iso3"), ("name", f"{alias}.name"), ("url", link("countries", f"{alias}.iso3")))


def official_ref(alias: str) -> str:
    return obj(("slug", f"{alias}.slug"), ("name", f"{alias}.name"), ("url", link("officials", f"{alias}.slug")))


def sector_ref(alias: str) -> str:
    return obj(("slug", f"{alias}.slug"), ("name", f"{alias}.name"), ("url", link("sectors", f"{alias}.slug")))


def source_ref(alias: str) -> str:
    return obj(
        ("id", f"{alias}.id"),
        ("title", f"{alias}.title"),
        ("publisher", f"{alias}.publisher"),
        ("document_url", f"nullif({alias}.url, '')"),
        ("url", link("sources", f"{alias}.id::text")),
    )


def agreement_ref(alias: str) -> str:
    return obj(
        ("id", f"{alias}.id"),
        ("title", f"{alias}.title"),
        ("quantity", f"{alias}.quantity"),
        ("url", link("agreements", f"{alias}.id::text")),
    )


def one(element: str, source: str) -> str:
    """A single related object, or null."""
    return f"(SELECT {element} {source})"


def stop_ref(stop_id: str) -> str:
    element = obj(
        ("id", "rs.id"),
        ("order", 'rs."order"'),
        ("country", country_ref("rsc")),
        ("city", "rs.city"),
        ("trip", link("trips", "rs.trip_id::text")),
    )
    return one(
        element, f"FROM events_stop rs JOIN events_country rsc ON rsc.id = rs.country_id WHERE rs.id = {stop_id}"
    )


# -- what every record carries ----------------------------------------------------------------------------


def citations(model: str, object_id: str) -> str:
    element = obj(
        ("id", "ci.id"),
        ("source", source_ref("cs")),
        ("field", "ci.field"),
        ("excerpt", "ci.excerpt"),
        ("start", "ci.start"),
        ("end", "ci.end"),
        ("stated_value", "ci.stated_value"),
        ("note", "ci.note"),
    )
    source = (
        "FROM events_citation ci JOIN events_source cs ON cs.id = ci.source_id "
        f"WHERE ci.content_type_id = {content_type(model)} AND ci.object_id = {object_id}"
    )
    return array(element, source, "ci.field, ci.start, ci.id")


def disputed_fields(model: str, object_id: str) -> str:
    """Fields for which the citations state more than one distinct value."""
    return (
        "(SELECT coalesce(json_agg(d.field ORDER BY d.field), '[]'::json) FROM ("
        "SELECT dc.field FROM events_citation dc "
        f"WHERE dc.content_type_id = {content_type(model)} AND dc.object_id = {object_id} AND dc.field <> '' "
        "AND dc.stated_value IS NOT NULL AND dc.stated_value <> 'null'::jsonb "
        "GROUP BY dc.field HAVING count(DISTINCT dc.stated_value::text) > 1) d)"
    )


def record(model: str, alias: str) -> list[tuple[str, str]]:
    return [
        ("citations", citations(model, f"{alias}.id")),
        ("disputed_fields", disputed_fields(model, f"{alias}.id")),
    ]


# -- the resources ----------------------------------------------------------------------------------------


def agreement_json(a: str = "a") -> str:
    action = obj(("id", "pa.id"), ("action", "pa.action"), *uncertain_date("pa", "date"))
    party = obj(
        ("id", "p.id"),
        ("country", country_ref("pc")),
        ("signatory", f"CASE WHEN p.signatory_id IS NULL THEN NULL ELSE {official_ref('po')} END"),
        (
            "actions",
            array(action, "FROM events_partyaction pa WHERE pa.party_id = p.id", "pa.date_earliest, pa.action"),
        ),
        ("citations", citations("agreementparty", "p.id")),
    )
    parties = (
        "FROM events_agreementparty p JOIN events_country pc ON pc.id = p.country_id "
        f"LEFT JOIN events_official po ON po.id = p.signatory_id WHERE p.agreement_id = {a}.id"
    )
    return obj(
        ("id", f"{a}.id"),
        ("title", f"{a}.title"),
        ("kind", f"{a}.kind"),
        ("status", f"{a}.status"),
        ("description", f"{a}.description"),
        *uncertain_date(a, "signed"),
        ("signed_at", stop_ref(f"{a}.signed_at_id")),
        ("parties", array(party, parties, "pc.name")),
        ("parties_complete", f"{a}.parties_complete"),
        (
            "sectors",
            array(
                sector_ref("se"),
                "FROM events_agreement_sectors ase JOIN events_sector se ON se.id = ase.sector_id "
                f"WHERE ase.agreement_id = {a}.id",
                "se.name",
            ),
        ),
        ("term_years", f"{a}.term_years"),
        ("value_amount", f"{a}.value_amount::text"),
        ("value_currency", f"{a}.value_currency"),
        ("quantity", f"{a}.quantity"),
        ("parent", one(agreement_ref("ap"), f"FROM events_agreement ap WHERE ap.id = {a}.parent_id")),
        (
            "breakdowns",
            array(
                agreement_ref("ab"),
                f"FROM events_agreement ab WHERE ab.parent_id = {a}.id",
                "ab.signed_earliest, ab.title, ab.id",
            ),
        ),
        *record("agreement", a),
        ("url", link("agreements", f"{a}.id::text")),
        *stamps(a),
    )


def trip_json(t: str = "t") -> str:
    span_earliest, span_latest = trip_span(t)
    stop = obj(
        ("id", "s.id"),
        ("order", 's."order"'),
        ("country", country_ref("sc")),
        ("city", "s.city"),
        *uncertain_date("s", "arrival"),
        *uncertain_date("s", "departure"),
        ("citations", citations("stop", "s.id")),
    )
    return obj(
        ("id", f"{t}.id"),
        ("title", f"{t}.title"),
        ("lead", one(official_ref("tl"), f"FROM events_official tl WHERE tl.id = {t}.lead_id")),
        (
            "members",
            array(
                official_ref("tm"),
                f"FROM events_trip_members m JOIN events_official tm ON tm.id = m.official_id WHERE m.trip_id = {t}.id",
                "tm.name, tm.slug",
            ),
        ),
        ("origin", one(country_ref("tc"), f"FROM events_country tc WHERE tc.id = {t}.origin_id")),
        ("purpose", f"{t}.purpose"),
        (
            "invited_by",
            array(
                country_ref("ic"),
                "FROM events_trip_invited_by i JOIN events_country ic ON ic.id = i.country_id "
                f"WHERE i.trip_id = {t}.id",
                "ic.name",
            ),
        ),
        ("invitation", f"{t}.invitation"),
        *uncertain_date(t, "start"),
        *uncertain_date(t, "end"),
        ("span_earliest", span_earliest),
        ("span_latest", span_latest),
        (
            "stops",
            array(
                stop,
                f"FROM events_stop s JOIN events_country sc ON sc.id = s.country_id WHERE s.trip_id = {t}.id",
                's."order"',
            ),
        ),
        *record("trip", t),
        ("url", link("trips", f"{t}.id::text")),
        *stamps(t),
    )


def trip_span(t: str = "t") -> tuple[str, str]:
    """``span_earliest`` and ``span_latest`` of trip ``t`` (as Trip.objects.with_span() annotates them)."""
    earliest = (
        f"coalesce({t}.start_earliest, (SELECT fs.arrival_earliest FROM events_stop fs "
        f'WHERE fs.trip_id = {t}.id ORDER BY fs."order" LIMIT 1))'
    )
    latest = (
        f"coalesce({t}.end_latest, (SELECT coalesce(ls.departure_latest, ls.arrival_latest) FROM events_stop ls "
        f'WHERE ls.trip_id = {t}.id ORDER BY ls."order" DESC LIMIT 1))'
    )
    return earliest, latest


def official_json(o: str = "o") -> str:
    position = obj(
        ("id", "ps.id"),
        ("title", "ps.title"),
        ("country", country_ref("psc")),
        *uncertain_date("ps", "start"),
        *uncertain_date("ps", "end"),
        ("end_cause", "ps.end_cause"),
        *record("position", "ps"),
    )
    positions = (
        f"FROM events_position ps JOIN events_country psc ON psc.id = ps.country_id WHERE ps.official_id = {o}.id"
    )
    return obj(
        ("slug", f"{o}.slug"),
        ("name", f"{o}.name"),
        ("alternative_names", f"to_json({o}.alternative_names)"),
        ("wikidata_qid", f"{o}.wikidata_qid"),
        ("positions", array(position, positions, "ps.start_earliest, ps.title")),
        *record("official", o),
        ("url", link("officials", f"{o}.slug")),
        *stamps(o),
    )


def page_sql(table: str, element: str) -> str:
    """One statement for one page: the JSON text of an array of ``element`` (an expression over the row ``r``
    of ``table``) for an array of primary keys, in their order. Positional parameters: the API root, the ids."""
    return (
        f"SELECT coalesce(json_agg({element} ORDER BY page.n), '[]'::json)::text "
        f"FROM (SELECT %s::text AS root) api "
        "CROSS JOIN LATERAL unnest(%s::uuid[]) WITH ORDINALITY AS page(id, n) "
        f"JOIN {table} r ON r.id = page.id"
    )


def relations_sql(dated: bool) -> str:
    """A country's partners (events.selectors.relations), one row each: partner id, agreements, agreement
    records, trips to and from the partner, events, first and last dates; sorted as the API shows them.
    Parameters: ``%(country)s`` (the country's id), and ``%(after)s``/``%(before)s`` (dates or null) if ``dated``.
    A total counts for a pair unless one of its breakdowns has both countries among its parties."""
    after, before = ("%(after)s::date", "%(before)s::date") if dated else (None, None)

    def when(alias: str, name: str) -> str:
        if not dated:
            return "true"
        return (
            f"{alias}.{name}_earliest IS NOT NULL "
            f"AND ({after} IS NULL OR {alias}.{name}_latest >= {after}) "
            f"AND ({before} IS NULL OR {alias}.{name}_earliest <= {before})"
        )

    span_earliest, span_latest = trip_span("t")
    return f"""
WITH agreement_rows AS (
    SELECT p.country_id AS partner, a.quantity AS documents, 1 AS records, 0 AS trips_to, 0 AS trips_from,
           0 AS events, a.signed_earliest AS first_date, a.signed_latest AS last_date
    FROM events_agreement a
    JOIN events_agreementparty p ON p.agreement_id = a.id AND p.country_id <> %(country)s
    WHERE a.id IN (SELECT agreement_id FROM events_agreementparty WHERE country_id = %(country)s)
      AND {when("a", "signed")}
      AND NOT EXISTS (
          SELECT 1 FROM events_agreement b
          JOIN events_agreementparty bc ON bc.agreement_id = b.id AND bc.country_id = %(country)s
          JOIN events_agreementparty bp ON bp.agreement_id = b.id AND bp.country_id = p.country_id
          WHERE b.parent_id = a.id)
),
trips AS (
    SELECT t.id, t.origin_id, {span_earliest} AS span_earliest, {span_latest} AS span_latest
    FROM events_trip t
    WHERE t.origin_id = %(country)s
       OR t.id IN (SELECT trip_id FROM events_stop WHERE country_id = %(country)s)
),
trip_rows AS (
    SELECT s.partner, 0, 0, 1, 0, 0, t.span_earliest, t.span_latest
    FROM trips t
    JOIN LATERAL (SELECT DISTINCT country_id AS partner FROM events_stop
                  WHERE trip_id = t.id AND country_id <> %(country)s) s ON true
    WHERE t.origin_id = %(country)s AND {when("t", "span")}
    UNION ALL
    SELECT t.origin_id, 0, 0, 0, 1, 0, t.span_earliest, t.span_latest
    FROM trips t
    WHERE t.origin_id <> %(country)s AND {when("t", "span")}
),
event_rows AS (
    SELECT ep.partner, 0, 0, 0, 0, 1, e.date_earliest, e.date_latest
    FROM events_event e
    JOIN LATERAL (SELECT DISTINCT country_id AS partner FROM events_eventparticipant
                  WHERE event_id = e.id AND country_id IS NOT NULL AND country_id <> %(country)s) ep ON true
    WHERE e.id IN (SELECT event_id FROM events_eventparticipant WHERE country_id = %(country)s)
      AND {when("e", "date")}
),
linked AS (
    SELECT * FROM agreement_rows UNION ALL SELECT * FROM trip_rows UNION ALL SELECT * FROM event_rows
)
SELECT l.partner, sum(l.documents)::int AS agreements, sum(l.records)::int AS agreement_records,
       sum(l.trips_to)::int AS trips_to_partner, sum(l.trips_from)::int AS trips_from_partner,
       sum(l.events)::int AS events, min(l.first_date) AS first_date, max(l.last_date) AS last_date
FROM linked l JOIN events_country pc ON pc.id = l.partner
GROUP BY l.partner, pc.name
ORDER BY sum(l.documents) DESC, sum(l.trips_to) + sum(l.trips_from) DESC, pc.name
"""
