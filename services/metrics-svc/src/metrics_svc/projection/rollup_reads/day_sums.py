"""The incident sums of ranges of whole days (the daily rollups) and of partial days (their whole hours from
the hourly rollups, the minutes at their edges from the facts), each a row per range however busy the days."""

from __future__ import annotations

from datetime import UTC, date, datetime
from functools import cache
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from metrics_svc.projection.rollup_reads.splits import ONE_HOUR, split_hours
from metrics_svc.projection.rollup_reads.sums import SUM_FIELDS, Sums
from metrics_svc.projection.rollups import SUM_COLUMNS, lateral_sums
from metrics_svc.projection.tables import FactTables


@cache
def _days_statement(t: FactTables) -> sa.TextClause:
    sums = ", ".join(f"coalesce(sum(d.{name}), 0)" for name in (*SUM_FIELDS, "outages_started", "down_us"))
    return sa.text(
        "SELECT r.key, x.* FROM unnest(CAST(:keys AS int[]), CAST(:ids AS uuid[]), CAST(:firsts AS date[]),"
        " CAST(:lasts AS date[])) AS r(key, service_id, f, l)"
        f" CROSS JOIN LATERAL (SELECT {sums} FROM {t.service_days.name} d"
        " WHERE d.service_id = r.service_id AND d.day BETWEEN r.f AND r.l) x")


async def _days(conn: AsyncConnection, t: FactTables, ranges: list[tuple[UUID, date, date]]) -> dict[tuple, tuple]:
    """The sums of the daily rollup rows of each range of whole days (first..last): a row per range, summed by a
    primary-key range scan, however many days or services."""
    if not ranges:
        return {}
    rows = await conn.execute(_days_statement(t), {
        "keys": list(range(len(ranges))), "ids": [r[0] for r in ranges], "firsts": [r[1] for r in ranges],
        "lasts": [r[2] for r in ranges]})
    return {ranges[row[0]]: tuple(row[1:]) for row in rows}


async def _partial_days(conn: AsyncConnection, t: FactTables, ranges: list[tuple[UUID, datetime, datetime]]
                        ) -> dict[tuple, tuple]:
    """Each partial day's sums: its whole hours summed from the hourly rollups, the minutes at its edges from the
    facts (each a row per range, however busy the day). An edge that is the head or the tail of its hour is read
    as the shorter of the two, the other being the hour's total less it: a week boundary of a series reads at
    most half an hour of incidents, once for both weeks it divides."""
    plans = {r: split_hours(r[1].astimezone(UTC), r[2].astimezone(UTC)) for r in ranges}
    whole = {(r[0], *hours) for r, (hours, _) in plans.items() if hours is not None}
    reads_of = {(r[0], lo, hi): _edge_read(lo, hi) for r, (_, edges) in plans.items() for lo, hi in edges}
    whole |= {(key[0], *hour) for key, (_, hour) in reads_of.items() if hour is not None}
    hourly = await _hours(conn, t, sorted(whole))
    edges = await _partials(conn, t, sorted({(key[0], *read) for key, (read, _) in reads_of.items()}))
    found = {}
    for r, (hours, parts) in plans.items():
        sums = Sums()
        if hours is not None:
            sums.add(hourly[(r[0], *hours)])
        for lo, hi in parts:
            read, hour = reads_of[(r[0], lo, hi)]
            sums.add(edges[(r[0], *read)] if hour is None else
                     tuple(a - b for a, b in zip(hourly[(r[0], *hour)], edges[(r[0], *read)])))
        found[r] = tuple(getattr(sums, name) for name in SUM_FIELDS)
    return found


def _edge_read(lo: datetime, hi: datetime) -> tuple[tuple[datetime, datetime], tuple[datetime, datetime] | None]:
    """What to read for the edge [lo, hi) within one hour: itself (and None), or the rest of its hour when that is
    shorter (and the hour, whose total less the rest is the edge)."""
    hour = lo.replace(minute=0, second=0, microsecond=0)
    end = hour + ONE_HOUR
    if hi - lo <= ONE_HOUR / 2 or not (lo == hour or hi == end):
        return (lo, hi), None
    return ((hi, end) if lo == hour else (hour, lo)), (hour, end)


@cache
def _hours_statement(t: FactTables) -> sa.TextClause:
    sums = ", ".join(f"coalesce(sum(h.{name}), 0)" for name in SUM_FIELDS)
    return sa.text(
        f"SELECT d.key, x.* FROM unnest(CAST(:keys AS int[]), CAST(:ids AS uuid[]), CAST(:los AS timestamptz[]),"
        " CAST(:his AS timestamptz[])) AS d(key, service_id, lo, hi)"
        f" CROSS JOIN LATERAL (SELECT {sums} FROM {t.service_hours.name} h"
        " WHERE h.service_id = d.service_id AND h.hour >= d.lo AND h.hour < d.hi) x")


async def _hours(conn: AsyncConnection, t: FactTables, ranges: list[tuple[UUID, datetime, datetime]]
                 ) -> dict[tuple[UUID, datetime, datetime], tuple]:
    """The sums of the hourly rollup rows of each range of whole hours (a primary-key range scan each)."""
    if not ranges:
        return {}
    rows = await conn.execute(_hours_statement(t), {
        "keys": list(range(len(ranges))), "ids": [r[0] for r in ranges], "los": [r[1] for r in ranges],
        "his": [r[2] for r in ranges]})
    return {ranges[row[0]]: tuple(row[1:]) for row in rows}


@cache
def _partials_statement(t: FactTables) -> sa.TextClause:
    return sa.text(
        f"SELECT d.key, {SUM_COLUMNS} FROM unnest(CAST(:keys AS int[]), CAST(:ids AS uuid[]),"
        " CAST(:los AS timestamptz[]), CAST(:his AS timestamptz[])) AS d(key, service_id, lo, hi)"
        f" {lateral_sums(t.incidents.name)}")


async def _partials(conn: AsyncConnection, t: FactTables, ranges: list[tuple[UUID, datetime, datetime]]
                    ) -> dict[tuple, tuple]:
    if not ranges:
        return {}
    rows = await conn.execute(_partials_statement(t), {
        "keys": list(range(len(ranges))), "ids": [r[0] for r in ranges], "los": [r[1] for r in ranges],
        "his": [r[2] for r in ranges]})
    return {ranges[row[0]]: tuple(row[1:]) for row in rows}
