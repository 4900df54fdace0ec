"""What the loop reads of the facts: incidents per day and category, bounded by the windows it judges."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from datetime import UTC, date, datetime
from functools import cache
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from metrics_svc.domain.detection import DailyCounts
from metrics_svc.projection.tables import FactTables

MAX_EVIDENCE_IDS = 200
LATEST = datetime.max.replace(tzinfo=UTC)


@cache
def _per_day(incidents: sa.Table) -> sa.TextClause:
    """Counts per (service, UTC day, category) from each service's own `since` to its `until`: one statement for any
    number, reading only those days (by the index on service and opening time)."""
    return sa.text(f"""
        SELECT i.service_id, (i.opened_at AT TIME ZONE 'UTC')::date AS day, i.category, count(*) AS n
        FROM unnest(CAST(:ids AS uuid[]), CAST(:sinces AS timestamptz[]), CAST(:untils AS timestamptz[]))
             AS w(service_id, since, until)
        JOIN {incidents.name} i ON i.service_id = w.service_id AND i.opened_at >= w.since AND i.opened_at < w.until
        GROUP BY 1, 2, 3""")


@cache
def _firsts(incidents: sa.Table) -> sa.TextClause:
    """Each service's first opening: one index probe a service, whatever its history."""
    return sa.text(f"SELECT s.id, (SELECT min(i.opened_at) FROM {incidents.name} i WHERE i.service_id = s.id) "
                   "FROM unnest(CAST(:ids AS uuid[])) AS s(id)")


async def daily_counts(conn: AsyncConnection, t: FactTables, since: Mapping[UUID, datetime],
                       until: Mapping[UUID, datetime] | None = None) -> dict[UUID, DailyCounts]:
    """Each service's incidents per day and category from its `since` on (before its `until`, when given), with the
    first day it had any."""
    if not since:
        return {}
    ids = list(since)
    untils = [(until or {}).get(s, LATEST) for s in ids]
    days: dict[UUID, dict[date, dict[str, int]]] = defaultdict(lambda: defaultdict(dict))
    rows = await conn.execute(_per_day(t.incidents), {"ids": ids, "sinces": [since[s] for s in ids], "untils": untils})
    for row in rows:
        days[row.service_id][row.day][row.category] = row.n
    firsts = dict((await conn.execute(_firsts(t.incidents), {"ids": ids})).all())
    return {service_id: DailyCounts(_utc_day(first), dict(days.get(service_id, {})))
            for service_id, first in firsts.items() if first is not None}


def _utc_day(moment: datetime) -> date:
    """The UTC day of a stored moment (one read back without an offset is UTC already)."""
    return (moment if moment.tzinfo is None else moment.astimezone(UTC)).date()


async def incident_ids(conn: AsyncConnection, t: FactTables, service_id: UUID, category: str, start: datetime,
                       end: datetime) -> list[str]:
    """The incidents a detection rests on (the first MAX_EVIDENCE_IDS of them)."""
    c = t.incidents.c
    query = (sa.select(c.incident_id).where(c.service_id == service_id, c.category == category,
                                            c.opened_at >= start, c.opened_at < end)
             .order_by(c.opened_at).limit(MAX_EVIDENCE_IDS))
    return [str(i) for i in (await conn.execute(query)).scalars()]


async def service_owner(conn: AsyncConnection, t: FactTables, service_id: UUID) -> str | None:
    """The service's owner as metrics-svc last heard from service-svc (None when none is known)."""
    query = sa.select(t.owners.c.owner).where(t.owners.c.service_id == service_id)
    return (await conn.execute(query)).scalar_one_or_none()
