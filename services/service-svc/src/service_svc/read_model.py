"""Queries over the `summaries` read model that lists cannot express: incidents by service and by deadline."""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from continuum.eventstore.locks import lock_until_commit
from continuum.eventstore.schema import summaries

INCIDENT = "Incident"


def _due(field: str) -> sa.ColumnElement:
    return sa.cast(summaries.c.data[field].astext, sa.DateTime(timezone=True))


async def lock_service_sla(conn: AsyncConnection, service_id: UUID, *, exclusive: bool) -> None:
    """Serialise SLA changes with incident openings of one service, for the rest of the transaction.

    An SLA change (exclusive) waits for openings in flight (shared) to commit, so its retargeting sees them;
    an opening waits for an SLA change in flight, so it reads the new targets. Openings do not wait for
    each other.
    """
    await lock_until_commit(conn, key=f"service-sla:{service_id}", shared=not exclusive)


async def lock_calendar(conn: AsyncConnection, calendar_id: UUID, *, exclusive: bool) -> None:
    """Serialise a calendar's revisions and deletion (exclusive) with SLAs naming it (shared). Taken before any
    service's lock: a revision then locks the services counting on the calendar, so incidents being opened on
    them either commit first (and are recounted) or read the revision."""
    await lock_until_commit(conn, key=f"calendar:{calendar_id}", shared=not exclusive)


async def services_counting_on(conn: AsyncConnection, calendar_id: UUID) -> list[UUID]:
    """The services whose SLA counts some priority's targets on the calendar."""
    query = sa.select(summaries.c.stream_id).where(
        summaries.c.stream_type == "Service",
        summaries.c.data.contains({"calendar_ids": [str(calendar_id)]}),
    ).order_by(summaries.c.sequence)
    return list((await conn.execute(query)).scalars())


async def unclosed_incident_ids(conn: AsyncConnection, service_id: UUID) -> list[UUID]:
    """The service's incidents that are not closed (a resolved one may reopen, so it keeps the SLA too)."""
    query = sa.select(summaries.c.stream_id).where(
        summaries.c.stream_type == INCIDENT,
        summaries.c.data.contains({"service_id": str(service_id)}),
        summaries.c.data["status"].astext != "closed",
    ).order_by(summaries.c.sequence)
    return list((await conn.execute(query)).scalars())


async def overdue_incident_ids(conn: AsyncConnection, now: datetime, *, limit: int = 100,
                               settle_s: float = 0) -> list[UUID]:
    """Incidents with a running clock whose deadline has passed and whose breach is not yet recorded, left
    alone while they changed in the last `settle_s` seconds (wall clock: an import may still be sending)."""
    query = sa.select(summaries.c.stream_id).where(
        summaries.c.stream_type == INCIDENT,
        summaries.c.data.contains({"open": True}),
        sa.or_(_due("response_due_at") < now, _due("resolution_due_at") < now),
        summaries.c.updated_at <= sa.func.now() - timedelta(seconds=settle_s),
    ).order_by(summaries.c.sequence).limit(limit)
    return list((await conn.execute(query)).scalars())
