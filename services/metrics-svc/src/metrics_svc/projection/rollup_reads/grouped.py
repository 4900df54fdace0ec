"""Many services' sums over one window grouped by service in the database (a portfolio's incident counts, a
ranking's sums): a few statements whatever the number of services."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC
from functools import cache
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from metrics_svc.domain.windows import Window
from metrics_svc.projection.reads import any_of
from metrics_svc.projection.rollup_reads.splits import ONE_DAY, split, split_hours
from metrics_svc.projection.rollup_reads.sums import SUM_FIELDS, Sums
from metrics_svc.projection.rollups import USABLE, sum_parts
from metrics_svc.projection.tables import FactTables


async def opened_counts(conn: AsyncConnection, t: FactTables, services: list[UUID], window: Window
                        ) -> dict[UUID, int]:
    """Each service's incidents opened in one window, summed in the database (for the portfolio's many services)."""
    if not services:
        return {}
    parts = split(window.start, window.end)
    counts: dict[UUID, int] = defaultdict(int)
    if parts.first <= parts.last:
        d = t.service_days.c
        rows = await conn.execute(sa.select(d.service_id, sa.func.sum(d.opened)).where(
            any_of(d.service_id, services), d.day >= parts.first, d.day <= parts.last).group_by(d.service_id))
        for service_id, opened in rows:
            counts[service_id] += int(opened)
    for lo, hi in parts.partials:
        rows = await conn.execute(sa.text(
            f"SELECT i.service_id, count(*) FROM {t.incidents.name} i WHERE i.service_id = ANY(:ids)"
            f" AND i.opened_at >= :lo AND i.opened_at < :hi AND {USABLE} GROUP BY i.service_id"),
            {"ids": services, "lo": lo, "hi": hi})
        for service_id, opened in rows:
            counts[service_id] += opened
    return counts


async def window_sums(conn: AsyncConnection, t: FactTables, services: list[UUID], window: Window
                      ) -> dict[UUID, Sums]:
    """Many services' incident sums over one window, grouped by service in the database (a ranking of every
    service): the whole days, the whole hours of its partial days, and the minutes at its edges, at most seven
    statements whatever the number of services. The same sums as `answer` (test_rollups holds them equal)."""
    found: dict[UUID, Sums] = defaultdict(Sums)
    if not services:
        return found
    parts = split(window.start, window.end)
    if parts.first <= parts.last:
        await _add_grouped(conn, _grouped_statement(t.service_days.name, "day"), found,
                           {"ids": services, "lo": parts.first, "hi": parts.last + ONE_DAY})
    for lo, hi in parts.partials:
        hours, edges = split_hours(lo.astimezone(UTC), hi.astimezone(UTC))
        if hours is not None:
            await _add_grouped(conn, _grouped_statement(t.service_hours.name, "hour"), found,
                               {"ids": services, "lo": hours[0], "hi": hours[1]})
        for a, b in edges:
            await _add_grouped(conn, _grouped_incidents_statement(t), found, {"ids": services, "lo": a, "hi": b})
    return found


async def _add_grouped(conn: AsyncConnection, statement: sa.TextClause, found: dict[UUID, Sums], params: dict
                       ) -> None:
    for service_id, *values in await conn.execute(statement, params):
        found[service_id].add(values)


@cache
def _grouped_statement(table: str, key: str) -> sa.TextClause:
    sums = ", ".join(f"sum(r.{name})" for name in SUM_FIELDS)
    return sa.text(f"SELECT r.service_id, {sums} FROM {table} r WHERE r.service_id = ANY(:ids)"
                   f" AND r.{key} >= :lo AND r.{key} < :hi GROUP BY r.service_id")


@cache
def _grouped_incidents_statement(t: FactTables) -> sa.TextClause:
    """The incident sums of [lo, hi) per service (lateral_sums' figures, grouped): one index range a moment."""
    def part(moment: str, values: str, where: str = "") -> str:
        return (f"SELECT i.service_id, {values} FROM {t.incidents.name} i WHERE i.service_id = ANY(:ids)"
                f" AND i.{moment} >= :lo AND i.{moment} < :hi AND {USABLE}{where}")

    parts = sum_parts(part)
    names = ", ".join(f"v{n}" for n in range(len(SUM_FIELDS)))
    sums = ", ".join(f"sum(x.v{n})" for n in range(len(SUM_FIELDS)))
    return sa.text(f"SELECT x.service_id, {sums} FROM ({parts}) AS x(service_id, {names}) GROUP BY x.service_id")
