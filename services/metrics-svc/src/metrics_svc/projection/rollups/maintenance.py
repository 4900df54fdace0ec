"""The rollups maintained in the consumer's transaction, under a per-service lock: what some incidents contribute
to every hour before their facts change kept aside, and after the change the difference added to the hours and days
it changed, by the SQL that derives the rollups (no row of it passes through Python); their outage pieces replaced
and those days given their down time again."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date
from functools import cache
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert

from metrics_svc.projection.reads import any_of, incident_facts
from metrics_svc.projection.rollups.pieces import pieces_of
from metrics_svc.projection.rollups.sql import SUM_NAMES, _sums_select
from metrics_svc.projection.tables import FactTables

DayKey = tuple[UUID, date]


async def leave(conn, t: FactTables, incident_ids: Collection[UUID], services: Collection[UUID] = ()) -> None:
    """Before some incidents' facts change: their services locked (with `services`, those of the incidents the
    change creates), and what the incidents contribute now to every hour kept aside, negated (`arrive` adds it)."""
    if incident_ids:
        ids = list(incident_ids)
        await conn.execute(lock_statement(t), {"ids": ids, "services": sorted(services)})
        await conn.execute(aside_table_statement(t))
        await conn.execute(aside_statement(t), {"ids": ids})


async def arrive(conn, t: FactTables, incident_ids: Collection[UUID]) -> None:
    """After some incidents' facts changed (`leave` before): what they contribute now less what they contributed
    before, added to every hour and day where it differs; their outage pieces replaced, and the days whose pieces
    changed given their down time again."""
    if not incident_ids:
        return
    ids = list(incident_ids)
    await conn.execute(lock_statement(t), {"ids": ids, "services": []})  # held already, but for a created incident
    await conn.execute(move_statement(t), {"ids": ids})  # the aside table exists: `leave` created it
    c = t.incidents.c
    outages = await incident_facts(conn, t, sa.and_(any_of(c.incident_id, ids), c.outage))
    removed = await conn.execute(sa.delete(t.outage_pieces).where(any_of(t.outage_pieces.c.incident_id, ids))
                                 .returning(t.outage_pieces.c.service_id, t.outage_pieces.c.day))
    dirty = {(row.service_id, row.day) for row in removed}
    pieces = [piece for fact in outages for piece in pieces_of(fact)]
    if pieces:
        await conn.execute(pg_insert(t.outage_pieces), pieces)
        dirty |= {(p["service_id"], p["day"]) for p in pieces}
    await recompute_outages(conn, t, dirty)
    await conn.execute(known_statement(t), {"ids": ids})


def _aside(t: FactTables) -> str:
    return f"{t.service_hours.name}_aside"


@cache
def aside_table_statement(t: FactTables) -> sa.TextClause:
    """The session's table of contributions kept aside between `leave` and `arrive`: temporary (no WAL, seen by
    this connection only) and emptied at every commit; created in the transaction that first needs it, so a
    rollback takes it away with everything else."""
    return sa.text(f"CREATE TEMPORARY TABLE IF NOT EXISTS {_aside(t)} (LIKE {t.service_hours.name}) "
                   "ON COMMIT DELETE ROWS")


@cache
def aside_statement(t: FactTables) -> sa.TextClause:
    """What the incidents `ids` contribute to each (service, hour), negated, kept aside."""
    names = [f"s{n}" for n in range(len(SUM_NAMES))]
    sums = _sums_select(t, hourly=True, where="i.incident_id = ANY(:ids)")
    return sa.text(f"""
        INSERT INTO {_aside(t)} (service_id, hour, {", ".join(SUM_NAMES)})
        SELECT s.service_id, s.b, {", ".join(f"-s.{n}" for n in names)}
        FROM ({sums}) AS s(service_id, b, {", ".join(names)})""")


@cache
def move_statement(t: FactTables) -> sa.TextClause:
    """Each (service, hour) and (service, day) moved by what the incidents `ids` contribute to it now plus what was
    kept aside (their contribution before, negated), where that is not nothing; the aside emptied. Rows are
    written in one order by every writer, and additions commute, so what two transactions add to one row both
    count; a day is the sum of its hours (both are UTC)."""
    n = range(len(SUM_NAMES))
    values = ", ".join(f"v{i}" for i in n)
    sums = _sums_select(t, hourly=True, where="i.incident_id = ANY(:ids)")
    some = " OR ".join(f"sum(x.v{i}) <> 0" for i in n)

    def upsert(table: str, bucket: str, select: str) -> str:
        return (f"INSERT INTO {table} (service_id, {bucket}, {', '.join(SUM_NAMES)}) {select} "
                f"ON CONFLICT (service_id, {bucket}) DO UPDATE "
                f"SET {', '.join(f'{c} = {table}.{c} + excluded.{c}' for c in SUM_NAMES)}")

    hours, days = t.service_hours.name, t.service_days.name
    return sa.text(f"""
        WITH gone AS (DELETE FROM {_aside(t)} RETURNING service_id, hour, {", ".join(SUM_NAMES)}),
        net AS (SELECT x.service_id, x.b, {", ".join(f"sum(x.v{i}) AS v{i}" for i in n)}
                FROM (SELECT * FROM gone UNION ALL {sums}) AS x(service_id, b, {values})
                GROUP BY x.service_id, x.b HAVING {some}),
        by_hour AS ({upsert(hours, "hour", f"SELECT service_id, b, {values} FROM net ORDER BY 1, 2")})
        {upsert(days, "day", f"SELECT x.service_id, (x.b AT TIME ZONE 'UTC')::date, "
                             f"{', '.join(f'sum(x.v{i})' for i in n)} FROM net AS x GROUP BY 1, 2 "
                             f"HAVING {some} ORDER BY 1, 2")}""")


@cache
def known_statement(t: FactTables) -> sa.TextClause:
    """The services of the incidents `ids` known to the lists (every service with an incident fact)."""
    return sa.text(f"INSERT INTO {t.known_services.name} (service_id) SELECT DISTINCT service_id FROM "
                   f"{t.incidents.name} WHERE incident_id = ANY(:ids) ORDER BY 1 ON CONFLICT DO NOTHING")


@cache
def recompute_outages_statement(t: FactTables) -> sa.TextClause:
    """The outages started and down time of each (service, day) of the arrays `ids`, `days`, from its pieces."""
    return sa.text(f"""
        INSERT INTO {t.service_days.name} (service_id, day, outages_started, down_us)
        SELECT d.service_id, d.day, p.started,
               coalesce((SELECT sum(extract(epoch FROM upper(m) - lower(m)) * 1000000) FROM unnest(p.down) m), 0)
        FROM unnest(CAST(:ids AS uuid[]), CAST(:days AS date[])) AS d(service_id, day)
        CROSS JOIN LATERAL (SELECT count(*) FILTER (WHERE p.first AND p.fault IS NULL) AS started,
                                   range_agg(tstzrange(p.piece_start, p.piece_end))
                                     FILTER (WHERE p.piece_start < p.piece_end AND p.fault IS NULL) AS down
                            FROM {t.outage_pieces.name} p WHERE p.service_id = d.service_id AND p.day = d.day) p
        ON CONFLICT (service_id, day) DO UPDATE
        SET outages_started = excluded.outages_started, down_us = excluded.down_us
    """)


async def recompute_outages(conn, t: FactTables, dirty: Collection[DayKey]) -> None:
    if dirty:
        ordered = sorted(dirty)
        await conn.execute(recompute_outages_statement(t), {"ids": [s for s, _ in ordered],
                                                           "days": [d for _, d in ordered]})


@cache
def lock_statement(t: FactTables) -> sa.TextClause:
    """The services `services` and those of the incidents `ids` locked until commit, in one order: one transaction
    at a time moves a service's rollups. A day's down time is recomputed from the pieces its statement sees: without
    the lock, two replicas adding outages to one day at once would each write the day without the other's. Taken in
    one order, so replicas never deadlock on it, nor on the rows a batch moves twice (before its writes and after);
    what follows it reads what the other committed (read committed: each statement sees what was committed before it
    began). Re-entrant: a lock the transaction holds is granted again at once."""
    return sa.text(f"""
        SELECT pg_advisory_xact_lock(hashtextextended('rollups:' || s.id::text, 0))
        FROM (SELECT unnest(CAST(:services AS uuid[])) AS id
              UNION SELECT service_id FROM {t.incidents.name} WHERE incident_id = ANY(:ids)) AS s
        ORDER BY s.id""")
