"""The `summaries` list read model: one JSON row per aggregate, written in the command's transaction
(by `EventStore.append`, in the statement that appends the events).

Lists filter by JSON containment (`data @> filter`, GIN-indexed) and page by creation order.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from continuum.eventstore.schema import summaries


@dataclass(frozen=True)
class SummaryPage:
    items: list[dict[str, Any]]
    next_after: int | None


async def list_summaries(
    conn: AsyncConnection, *, stream_type: str, contains: dict[str, Any] | None = None, after: int = 0,
    limit: int = 50,
) -> SummaryPage:
    """Summaries of one aggregate type in creation order, after the sequence `after`."""
    query = (
        sa.select(summaries.c.sequence, summaries.c.data)
        .where(summaries.c.stream_type == stream_type, summaries.c.sequence > after)
        .order_by(summaries.c.sequence)
        .limit(limit + 1)
    )
    if contains:
        query = query.where(summaries.c.data.contains(contains))
    rows = (await conn.execute(query)).all()
    next_after = rows[limit - 1].sequence if len(rows) > limit else None
    return SummaryPage(items=[row.data for row in rows[:limit]], next_after=next_after)


async def summary_page(
    engine: AsyncEngine, *, stream_type: str, filters: dict[str, Any], after: Any, limit: int
) -> SummaryPage:
    """One page of a list route: filters left None are dropped, UUIDs compared as text, `after` a cursor position."""
    contains = {key: str(value) if isinstance(value, UUID) else value
                for key, value in filters.items() if value is not None}
    async with engine.connect() as conn:
        return await list_summaries(conn, stream_type=stream_type, contains=contains or None,
                                    after=after if isinstance(after, int) else 0, limit=limit)
