"""Dyads kept current by PostgreSQL: what each record contributes to each pair of countries, and the pairs' totals.

A country's relations (events/api/relations.py) used to be computed from every agreement, trip and event it took
part in: Iran's took 8 s at scale M. Here each record's contribution to each ordered pair of countries is a row
of ``events_dyadrecord`` (models/dyads.py), and each pair's totals a row of ``events_dyad``:

- an agreement gives a row for each ordered pair of its parties (its quantity as documents, its signing date),
  flagged ``replaced`` when one of its breakdowns has both countries as parties (the breakdown counts instead);
- a trip gives a ``T`` row from its origin to each other country it stops in, and an ``F`` row back (its span);
- an event gives a row for each ordered pair of the countries taking part (its date).

Statement-level triggers on the records and their parts (agreements and parties, trips and stops, events and
participants: ORM, admin, importers' COPY and psql alike) recompute the rows of the records a statement touched,
and write only the difference, so an edit that changes no count or date writes nothing (and leaves the
relations' cached bodies and ETags valid). A trigger on ``events_dyadrecord`` adds each difference to the
pairs' totals; a pair's first or last date is read again from its rows only when a row holding it goes.

Every refresh takes one transaction-level advisory lock before it reads: two transactions never compute a
record's rows from each other's uncommitted states (a breakdown and its total edited at once), nor update the
same totals in opposite orders. Writers of records with relations therefore wait for each other's commit.

``manage.py rebuild_dyads`` recomputes everything (``--check`` compares instead); migration 0015 fills the
tables for existing data.
"""

from django.db import connection

from events.models import Agreement, AgreementParty, Dyad, DyadRecord, Event, EventParticipant, Stop, Trip
from events.models.dyads import PAIR_LINKS
from events.models.trips import span_sql

RECORDS, DYADS = DyadRecord._meta.db_table, Dyad._meta.db_table
AGREEMENT, PARTY, TRIP, STOP = (m._meta.db_table for m in (Agreement, AgreementParty, Trip, Stop))
EVENT, PARTICIPANT = Event._meta.db_table, EventParticipant._meta.db_table
LOCK = 7_114_013  # pg_advisory_xact_lock key: one refresh of dyads at a time (import_dataset uses 7_114_012)
COLUMNS = "record_id, link, actor_id, partner_id, parent_id, documents, replaced, earliest, latest"
PAYLOAD = ("parent_id", "documents", "replaced", "earliest", "latest")
KEY = ("record_id", "link", "actor_id", "partner_id")


WIDE = 10  # countries: a record with more (a multilateral treaty, a summit) is kept as memberships, not pairs
PAIRS = "(" + ", ".join(f"'{link}'" for link in PAIR_LINKS) + ")"  # SQL: the links that count for a pair


def records_sql(family: str, ids: bool = True) -> str:
    """The rows (``COLUMNS``) that the records of ``family`` contribute: those whose ids are in the array ``$1``
    (distinct) if ``ids``, else all. An agreement or event with more than ``WIDE`` countries gives one membership
    row per country (link ``a`` or ``e``, partner = the country itself) instead of a row per pair: a treaty with
    190 parties would give 35,910 pairs (the four public datasets' 4,871 agreements, 10.9 million). A total
    also gives an ``r`` row for each pair of countries that one of its breakdowns has as parties: where both are
    its parties, the total is replaced for that pair (the ``replaced`` flag of its pair rows says the same)."""
    table = {"agreement": AGREEMENT, "trip": TRIP, "event": EVENT}[family]
    records = f"unnest($1::uuid[]) AS i (id) JOIN {table} r ON r.id = i.id" if ids else f"{table} r"
    if family == "agreement":
        countries = f"(SELECT count(*) FROM {PARTY} c WHERE c.agreement_id = r.id)"
        return f"""
SELECT r.id, 'A', p.country_id, q.country_id, r.parent_id, r.quantity,
       EXISTS (SELECT 1 FROM {AGREEMENT} b
               JOIN {PARTY} bp ON bp.agreement_id = b.id AND bp.country_id = p.country_id
               JOIN {PARTY} bq ON bq.agreement_id = b.id AND bq.country_id = q.country_id
               WHERE b.parent_id = r.id),
       r.signed_earliest, r.signed_latest
FROM {records}
JOIN {PARTY} p ON p.agreement_id = r.id
JOIN {PARTY} q ON q.agreement_id = r.id AND q.country_id <> p.country_id
WHERE {countries} <= {WIDE}
UNION ALL
SELECT r.id, 'a', p.country_id, p.country_id, r.parent_id, r.quantity, false, r.signed_earliest, r.signed_latest
FROM {records}
JOIN {PARTY} p ON p.agreement_id = r.id
WHERE {countries} > {WIDE}
UNION ALL
SELECT DISTINCT r.id, 'r', bp.country_id, bq.country_id, NULL::uuid, 0, false, NULL::date, NULL::date
FROM {records}
JOIN {AGREEMENT} b ON b.parent_id = r.id
JOIN {PARTY} bp ON bp.agreement_id = b.id
JOIN {PARTY} bq ON bq.agreement_id = b.id AND bq.country_id <> bp.country_id"""
    if family == "trip":
        earliest, latest = span_sql("r")
        return f"""
SELECT t.id, l.link, l.actor, l.partner, NULL::uuid, 0, false, t.earliest, t.latest
FROM (SELECT r.id, r.origin_id, {earliest} AS earliest, {latest} AS latest FROM {records}) t
JOIN LATERAL (SELECT DISTINCT country_id FROM {STOP} WHERE trip_id = t.id AND country_id <> t.origin_id) s ON true
CROSS JOIN LATERAL (VALUES ('T', t.origin_id, s.country_id), ('F', s.country_id, t.origin_id))
    AS l (link, actor, partner)"""
    countries = f"(SELECT count(DISTINCT c.country_id) FROM {PARTICIPANT} c WHERE c.event_id = r.id)"
    return f"""
SELECT DISTINCT r.id, 'E', p.country_id, q.country_id, NULL::uuid, 0, false, r.date_earliest, r.date_latest
FROM {records}
JOIN {PARTICIPANT} p ON p.event_id = r.id
JOIN {PARTICIPANT} q ON q.event_id = r.id AND q.country_id <> p.country_id
WHERE {countries} <= {WIDE}
UNION ALL
SELECT DISTINCT r.id, 'e', p.country_id, p.country_id, NULL::uuid, 0, false, r.date_earliest, r.date_latest
FROM {records}
JOIN {PARTICIPANT} p ON p.event_id = r.id AND p.country_id IS NOT NULL
WHERE {countries} > {WIDE}"""


FAMILIES = {  # family: (links, the tables whose writes refresh it: {table: (record id column, total's column)})
    "agreement": ("{A,a,r}", {AGREEMENT: ("id", "parent_id"), PARTY: ("agreement_id", None)}),
    "trip": ("{T,F}", {TRIP: ("id", None), STOP: ("trip_id", None)}),
    "event": ("{E,e}", {EVENT: ("id", None), PARTICIPANT: ("event_id", None)}),
}


def _same(a: str, b: str) -> str:
    keys = " AND ".join(f"{a}.{c} = {b}.{c}" for c in KEY)
    payload = ", ".join(f"{a}.{c}" for c in PAYLOAD), ", ".join(f"{b}.{c}" for c in PAYLOAD)
    return f"{keys} AND ({payload[0]}) IS NOT DISTINCT FROM ({payload[1]})"


def _refresh_function(family: str) -> str:
    """``events_refresh_dyads_<family>(ids)``: rewrite the rows of those records that changed. Dynamic SQL, so
    each run is planned for its own ids (one record or a COPY batch of 20,000); no JIT, whose compiling costs
    more than these statements take."""
    links, _ = FAMILIES[family]
    diff = f"""WITH fresh ({COLUMNS}) AS MATERIALIZED ({records_sql(family)}),
        current AS MATERIALIZED (SELECT o.* FROM unnest($1::uuid[]) AS i (id)
                                 JOIN {RECORDS} o ON o.record_id = i.id AND o.link = ANY('{links}'))"""
    totals = ""
    if family == "agreement":  # a total's replaced flags depend on its breakdowns' parties
        totals = f"""
    ids := ARRAY(SELECT DISTINCT unnest(ids || ARRAY(
        SELECT parent_id FROM {AGREEMENT} WHERE id = ANY(ids) AND parent_id IS NOT NULL
        UNION SELECT parent_id FROM {RECORDS} WHERE record_id = ANY(ids) AND parent_id IS NOT NULL)));"""
    return f"""
CREATE OR REPLACE FUNCTION events_refresh_dyads_{family}(ids uuid[]) RETURNS void LANGUAGE plpgsql
SET jit = off AS $fn$
DECLARE
    stale_ids uuid[];
    stale_links text[];
    stale_actors bigint[];
    stale_partners bigint[];
    added boolean;
BEGIN
    IF coalesce(cardinality(ids), 0) = 0 THEN
        RETURN;
    END IF;
    PERFORM pg_advisory_xact_lock({LOCK});{totals}
    EXECUTE $q${diff}
        , stale AS MATERIALIZED (
            SELECT o.* FROM current o WHERE NOT EXISTS (SELECT 1 FROM fresh f WHERE {_same("f", "o")}))
        SELECT ARRAY(SELECT record_id FROM stale), ARRAY(SELECT link FROM stale), ARRAY(SELECT actor_id FROM stale),
               ARRAY(SELECT partner_id FROM stale),
               EXISTS (SELECT 1 FROM fresh f WHERE NOT EXISTS (SELECT 1 FROM current o WHERE {_same("f", "o")}))$q$
        INTO stale_ids, stale_links, stale_actors, stale_partners, added USING ids;
    IF cardinality(stale_ids) > 0 THEN
        DELETE FROM {RECORDS} o
        USING unnest(stale_ids, stale_links, stale_actors, stale_partners) AS s (record_id, link, actor_id, partner_id)
        WHERE {" AND ".join(f"o.{c} = s.{c}" for c in KEY)};
    END IF;
    IF added THEN  -- what is left of the records' rows is what did not change
        EXECUTE $q${diff}
            INSERT INTO {RECORDS} ({COLUMNS})
            SELECT * FROM fresh f WHERE NOT EXISTS (SELECT 1 FROM current o WHERE {_same("f", "o")})$q$ USING ids;
    END IF;
END $fn$;"""


WRITE_TRIGGER_FUNCTION = """
CREATE OR REPLACE FUNCTION events_dyads_after_write() RETURNS trigger LANGUAGE plpgsql SET jit = off AS $fn$
-- Arguments: the family, the column with the record's id, and (agreements) the column with its total's id.
DECLARE
    ids uuid[] := '{}';
    part uuid[];
BEGIN
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        EXECUTE format('SELECT ARRAY(SELECT DISTINCT %I FROM new_rows)', TG_ARGV[1]) INTO part;
        ids := ids || part;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        EXECUTE format('SELECT ARRAY(SELECT DISTINCT %I FROM old_rows)', TG_ARGV[1]) INTO part;
        ids := ids || part;
        IF TG_NARGS > 2 THEN  -- the total it was a breakdown of
            EXECUTE format('SELECT ARRAY(SELECT DISTINCT %1$I FROM old_rows WHERE %1$I IS NOT NULL)', TG_ARGV[2])
                INTO part;
            ids := ids || part;
        END IF;
    END IF;
    IF TG_OP = 'TRUNCATE' THEN  -- everything of the family, what is left and what was there
        EXECUTE format('SELECT ARRAY(SELECT id FROM %I UNION SELECT record_id FROM {records} WHERE link = ANY(%L))',
                       TG_ARGV[3], TG_ARGV[4]) INTO ids;
    END IF;
    EXECUTE format('SELECT events_refresh_dyads_%s($1)', TG_ARGV[0]) USING ARRAY(SELECT DISTINCT unnest(ids));
    RETURN NULL;
END $fn$;""".replace("{records}", RECORDS)


def _write_triggers(family: str) -> list[str]:
    links, tables = FAMILIES[family]
    record_table = next(iter(tables))
    statements = []
    for table, (column, total) in tables.items():
        args = f"'{family}', '{column}'" + (f", '{total}'" if total else "")
        for event, referencing in (
            ("INSERT", "NEW TABLE AS new_rows"),
            ("UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows"),
            ("DELETE", "OLD TABLE AS old_rows"),
        ):
            statements.append(
                f"CREATE TRIGGER {table}_dyads_{event.lower()} AFTER {event} ON {table} REFERENCING {referencing} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION events_dyads_after_write({args});"
            )
        statements.append(
            f"CREATE TRIGGER {table}_dyads_truncate AFTER TRUNCATE ON {table} FOR EACH STATEMENT "
            f"EXECUTE FUNCTION events_dyads_after_write('{family}', '', '', '{record_table}', '{links}');"
        )
    return statements


def _sums(rows: str) -> str:
    """The totals (``Dyad`` columns after the pair) of ``rows`` that count, per pair."""
    return f"""
SELECT actor_id, partner_id, coalesce(sum(documents) FILTER (WHERE link = 'A'), 0) AS agreements,
       count(*) FILTER (WHERE link = 'A') AS agreement_records, count(*) FILTER (WHERE link = 'T') AS trips_to,
       count(*) FILTER (WHERE link = 'F') AS trips_from, count(*) FILTER (WHERE link = 'E') AS events,
       min(earliest) AS first_date, max(latest) AS last_date, count(*) AS records
FROM {rows} WHERE NOT replaced AND link IN {PAIRS} GROUP BY actor_id, partner_id"""


DYAD_COLUMNS = (
    "actor_id, partner_id, agreements, agreement_records, trips_to_partner, trips_from_partner, events, "
    "first_date, last_date, records"
)
TOTALS_TRIGGER_FUNCTION = f"""
CREATE OR REPLACE FUNCTION events_dyads_totals() RETURNS trigger LANGUAGE plpgsql SET jit = off AS $fn$
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF EXISTS (SELECT 1 FROM new_rows WHERE NOT replaced AND link IN {PAIRS}) THEN
            INSERT INTO {DYADS} AS d ({DYAD_COLUMNS})
            SELECT * FROM ({_sums("new_rows")}) s ORDER BY actor_id, partner_id
            ON CONFLICT (actor_id, partner_id) DO UPDATE SET
                agreements = d.agreements + excluded.agreements,
                agreement_records = d.agreement_records + excluded.agreement_records,
                trips_to_partner = d.trips_to_partner + excluded.trips_to_partner,
                trips_from_partner = d.trips_from_partner + excluded.trips_from_partner,
                events = d.events + excluded.events,
                first_date = least(d.first_date, excluded.first_date),
                last_date = greatest(d.last_date, excluded.last_date),
                records = d.records + excluded.records;
        END IF;
    ELSIF TG_OP = 'DELETE' THEN
        IF EXISTS (SELECT 1 FROM old_rows WHERE NOT replaced AND link IN {PAIRS}) THEN
            -- a pair's first (last) date is read again where a row that went held it
            UPDATE {DYADS} d SET
                agreements = d.agreements - g.agreements,
                agreement_records = d.agreement_records - g.agreement_records,
                trips_to_partner = d.trips_to_partner - g.trips_to,
                trips_from_partner = d.trips_from_partner - g.trips_from,
                events = d.events - g.events,
                first_date = CASE WHEN g.first_date <= d.first_date THEN
                    (SELECT min(r.earliest) FROM {RECORDS} r
                     WHERE r.actor_id = d.actor_id AND r.partner_id = d.partner_id AND NOT r.replaced
                       AND r.link IN {PAIRS})
                    ELSE d.first_date END,
                last_date = CASE WHEN g.last_date >= d.last_date THEN
                    (SELECT max(r.latest) FROM {RECORDS} r
                     WHERE r.actor_id = d.actor_id AND r.partner_id = d.partner_id AND NOT r.replaced
                       AND r.link IN {PAIRS})
                    ELSE d.last_date END,
                records = d.records - g.records
            FROM ({_sums("old_rows")}) g
            WHERE d.actor_id = g.actor_id AND d.partner_id = g.partner_id;
            DELETE FROM {DYADS} d USING (SELECT DISTINCT actor_id, partner_id FROM old_rows) g
            WHERE d.actor_id = g.actor_id AND d.partner_id = g.partner_id AND d.records = 0;
        END IF;
    END IF;
    RETURN NULL;
END $fn$;"""


def create_sql() -> str:
    statements = [_refresh_function(family) for family in FAMILIES]
    statements += [WRITE_TRIGGER_FUNCTION, TOTALS_TRIGGER_FUNCTION]
    for family in FAMILIES:
        statements += _write_triggers(family)
    statements += [
        f"CREATE TRIGGER {RECORDS}_totals_insert AFTER INSERT ON {RECORDS} REFERENCING NEW TABLE AS new_rows "
        "FOR EACH STATEMENT EXECUTE FUNCTION events_dyads_totals();",
        f"CREATE TRIGGER {RECORDS}_totals_delete AFTER DELETE ON {RECORDS} REFERENCING OLD TABLE AS old_rows "
        "FOR EACH STATEMENT EXECUTE FUNCTION events_dyads_totals();",
    ]
    return "\n".join(statements)


def drop_sql() -> str:
    statements = [f"DROP FUNCTION IF EXISTS events_refresh_dyads_{family}(uuid[]);" for family in FAMILIES]
    statements += [
        "DROP FUNCTION IF EXISTS events_dyads_after_write() CASCADE;",
        "DROP FUNCTION IF EXISTS events_dyads_totals() CASCADE;",
    ]
    return "\n".join(statements)


def rebuild_sql() -> str:
    """Every record's rows and every pair's totals, computed afresh (in bulk, not through the refreshes' diffs)."""
    statements = [f"SELECT pg_advisory_xact_lock({LOCK});", f"TRUNCATE {RECORDS}, {DYADS};"]
    # the totals' trigger adds each family's rows to the (empty) totals
    statements += [f"INSERT INTO {RECORDS} ({COLUMNS}) {records_sql(family, ids=False)};" for family in FAMILIES]
    statements += [f"ANALYZE {RECORDS}, {DYADS};"]
    return "\n".join(statements)


def rebuild() -> None:
    with connection.cursor() as cursor:
        cursor.execute(rebuild_sql())


def differences() -> dict[str, int]:
    """How far the stored dyads are from the records: rows missing or not due, per table (all 0 when true)."""
    fresh = " UNION ALL ".join(records_sql(family, ids=False) for family in FAMILIES)
    sql = f"""
WITH fresh ({COLUMNS}) AS MATERIALIZED ({fresh}),
stored AS MATERIALIZED (SELECT {COLUMNS} FROM {RECORDS}),
totals AS MATERIALIZED ({_sums("fresh")}),
stored_totals AS MATERIALIZED (SELECT {DYAD_COLUMNS} FROM {DYADS})
SELECT (SELECT count(*) FROM (SELECT * FROM fresh EXCEPT ALL SELECT * FROM stored) x),
       (SELECT count(*) FROM (SELECT * FROM stored EXCEPT ALL SELECT * FROM fresh) x),
       (SELECT count(*) FROM (SELECT * FROM totals EXCEPT ALL SELECT * FROM stored_totals) x),
       (SELECT count(*) FROM (SELECT * FROM stored_totals EXCEPT ALL SELECT * FROM totals) x)"""
    with connection.cursor() as cursor:
        cursor.execute(sql)
        counts = cursor.fetchone()
    names = (f"{RECORDS} missing", f"{RECORDS} not due", f"{DYADS} missing", f"{DYADS} not due")
    return dict(zip(names, counts, strict=True))
