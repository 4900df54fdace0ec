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
from metrics_svc.projection.reads import service_windows
from metrics_svc.projection.tables import FactTables

MAX_EVIDENCE_IDS = 200


@cache
def _per_day(incidents: sa.Table) -> sa.Select:
    """Counts per (service, UTC day, category) from each service's own `since`: one statement for any number."""
    c = incidents.c
    window = service_windows(incidents)
    day = sa.cast(sa.func.timezone("UTC", c.opened_at), sa.Date)
    return (sa.select(c.service_id, day.label("day"), c.category, sa.func.count().label("n"))
            .join(window, c.service_id == window.c.service_id).where(c.opened_at >= window.c.since)
            .group_by(c.service_id, day, c.category))


async def daily_counts(conn: AsyncConnection, t: FactTables, since: Mapping[UUID, datetime]) -> dict[UUID, DailyCounts]:
    """Each service's incidents per day and category from its `since` on, with the first day it had any."""
    if not since:
        return {}
    days: dict[UUID, dict[date, dict[str, int]]] = defaultdict(lambda: defaultdict(dict))
    for row in await conn.execute(_per_day(t.incidents), {"ids": list(since), "sinces": list(since.values())}):
        days[row.service_id][row.day][row.category] = row.n
    c = t.incidents.c
    firsts = dict((await conn.execute(sa.select(c.service_id, sa.func.min(c.opened_at))
                                      .where(c.service_id.in_(list(since))).group_by(c.service_id))).all())
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
