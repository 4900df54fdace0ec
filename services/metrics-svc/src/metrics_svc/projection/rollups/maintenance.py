"""The rollups maintained in the consumer's transaction: what some incidents contribute before and after their
facts change, the difference added to every day and hour, their outage pieces replaced, under a per-service lock."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert

from metrics_svc.projection.reads import incident_facts
from metrics_svc.projection.rollups.pieces import pieces_of
from metrics_svc.projection.rollups.sql import SUM_NAMES, _sums_select
from metrics_svc.projection.tables import FactTables

DayKey = tuple[UUID, date]

Sums = dict[tuple[UUID, Any], list[Any]]


@dataclass
class Touched:
    """What some incidents contribute to the daily and hourly sums, as stored before they change."""

    days: Sums = field(default_factory=dict)
    hours: Sums = field(default_factory=dict)


async def contributions(conn, t: FactTables, incident_ids: Collection[UUID]) -> Touched:
    """The incidents' sums per (service, day) and (service, hour), by the SQL that derives the rollups."""
    found = Touched()
    if incident_ids:
        ids = list(incident_ids)
        for sums, hourly in ((found.days, False), (found.hours, True)):
            for row in await conn.execute(contribution_statement(t, hourly=hourly), {"ids": ids}):
                sums[(row[0], row[1])] = list(row[2:])
    return found


async def maintain(conn, t: FactTables, incident_ids: Collection[UUID], before: Touched) -> None:
    """After some incidents' facts changed: what they contribute now less what they did (`before`) added to every
    day and hour, their outage pieces replaced, and the days whose pieces changed given their down time again."""
    if not incident_ids:
        return
    ids = list(incident_ids)
    after = await contributions(conn, t, ids)
    c = t.incidents.c
    outages = await incident_facts(conn, t, sa.and_(c.incident_id.in_(ids), c.outage))
    services = {s for s, _ in (*before.days, *after.days, *before.hours, *after.hours)}
    await lock_services(conn, services)
    await add(conn, t.service_days, "day", _difference(after.days, before.days))
    await add(conn, t.service_hours, "hour", _difference(after.hours, before.hours))
    removed = await conn.execute(sa.delete(t.outage_pieces).where(t.outage_pieces.c.incident_id.in_(ids))
                                 .returning(t.outage_pieces.c.service_id, t.outage_pieces.c.day))
    dirty = {(row.service_id, row.day) for row in removed}
    pieces = [piece for fact in outages for piece in pieces_of(fact)]
    if pieces:
        await conn.execute(pg_insert(t.outage_pieces), pieces)
        dirty |= {(p["service_id"], p["day"]) for p in pieces}
    await recompute_outages(conn, t, dirty)
    if after.days or after.hours:
        known = sorted({s for s, _ in (*after.days, *after.hours)})
        await conn.execute(pg_insert(t.known_services).on_conflict_do_nothing(), [{"service_id": s} for s in known])


def _difference(after: Sums, before: Sums) -> Sums:
    changed = {}
    for key in after.keys() | before.keys():
        new, old = after.get(key), before.get(key)
        delta = [a - b for a, b in zip(new or [0] * len(SUM_NAMES), old or [0] * len(SUM_NAMES), strict=True)]
        if any(delta):
            changed[key] = delta
    return changed


async def add(conn, table: sa.Table, bucket: str, deltas: Sums) -> None:
    """Each (service, bucket)'s sums moved by its delta, in one order for every writer (no deadlock between them)."""
    if deltas:
        keys = sorted(deltas)
        columns = {f"v{n}": [deltas[k][n] for k in keys] for n in range(len(SUM_NAMES))}
        await conn.execute(add_statement(table, bucket), {"ids": [s for s, _ in keys], "buckets": [b for _, b in keys],
                                                          **columns})


@cache
def add_statement(table: sa.Table, bucket: str) -> sa.TextClause:
    kind = "date" if bucket == "day" else "timestamptz"
    arrays = ", ".join(f"CAST(:v{n} AS {'numeric' if name.endswith('_us') else 'bigint'}[])"
                       for n, name in enumerate(SUM_NAMES))
    return sa.text(f"""
        INSERT INTO {table.name} (service_id, {bucket}, {", ".join(SUM_NAMES)})
        SELECT * FROM unnest(CAST(:ids AS uuid[]), CAST(:buckets AS {kind}[]), {arrays})
        ON CONFLICT (service_id, {bucket}) DO UPDATE
        SET {", ".join(f"{c} = {table.name}.{c} + excluded.{c}" for c in SUM_NAMES)}""")


@cache
def contribution_statement(t: FactTables, *, hourly: bool) -> sa.TextClause:
    """The sums of the incidents `ids` per day (or hour): bulk_sums_statement's passes over just them."""
    return sa.text(_sums_select(t, hourly=hourly, where="i.incident_id = ANY(:ids)"))


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


LOCK_SERVICES = sa.text("SELECT pg_advisory_xact_lock(hashtextextended('rollups:' || id::text, 0)) "
                        "FROM unnest(CAST(:ids AS uuid[])) AS id ORDER BY id")


async def lock_services(conn, service_ids: Collection[UUID]) -> None:
    """Until commit, one transaction at a time recomputes a service's rollups. A day is recomputed from the facts
    its statement sees: without the lock, two replicas adding incidents to one day at once would each write the day
    without the other's incident. Taken in one order, so replicas never deadlock on it; the recomputation after it
    reads what the other committed (read committed: each statement sees what was committed before it began)."""
    if service_ids:
        await conn.execute(LOCK_SERVICES, {"ids": sorted(service_ids)})
