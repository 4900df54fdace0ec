"""The `summaries` list read model: one JSON row per aggregate, written in the command's transaction
(by `EventStore.append`, in the statement that appends the events).

Lists filter by JSON containment (`data @> filter`, GIN-indexed) and page by creation order; a `ListQuery` adds
what people expect of every list: a case-insensitive title search (trigram-indexed), bounds on the business time
the aggregate was opened (its first event's `occurred_at`, kept as the `opened_at` column, indexed with the
aggregate type and the sequence: platform revision 0002o), and that time as the order, newest or oldest first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from continuum.eventstore.schema import summaries

Sort = Literal["created", "opened_at", "-opened_at"]
OPENED_AT = sa.literal_column("summaries.opened_at", sa.DateTime(timezone=True))
"""The first event's business time (revision 0002o; written by the append paths), not in `schema.summaries`,
whose table revision 0002 creates as it stood."""


@dataclass(frozen=True)
class ListQuery:
    text: str | None = None
    opened_after: datetime | None = None
    opened_before: datetime | None = None
    sort: Sort = "created"

    @property
    def needs_opening(self) -> bool:
        """Whether the query filters or sorts by the opening time (the page then selects it too)."""
        return self.opened_after is not None or self.opened_before is not None or self.sort != "created"


@dataclass(frozen=True)
class SummaryPage:
    items: list[dict[str, Any]]
    next_after: int | None
    next_position: dict[str, Any] | None = None
    """The cursor position after this page (`{"after": sequence}`, with `"at"` when sorted by opening)."""


async def list_summaries(
    conn: AsyncConnection, *, stream_type: str, contains: dict[str, Any] | None = None, after: int = 0,
    limit: int = 50, query: ListQuery = ListQuery(), at: str | None = None,
) -> SummaryPage:
    """Summaries of one aggregate type after the cursor's position: in creation order (after the sequence
    `after`), or by the business time each was opened (after `(at, after)`)."""
    opened = OPENED_AT
    columns = [summaries.c.sequence, summaries.c.data]
    statement = sa.select(*columns, opened.label("opened_at")) if query.needs_opening else sa.select(*columns)
    statement = statement.where(summaries.c.stream_type == stream_type)
    if query.opened_after is not None:
        statement = statement.where(opened >= query.opened_after)
    if query.opened_before is not None:
        statement = statement.where(opened < query.opened_before)
    if query.text:
        statement = statement.where(sa.func.lower(summaries.c.data["title"].astext)
                                    .contains(query.text.lower(), autoescape=True))
    if contains:
        statement = statement.where(summaries.c.data.contains(contains))
    if query.sort == "created":
        statement = statement.where(summaries.c.sequence > after).order_by(summaries.c.sequence)
    else:
        key, order = sa.tuple_(opened, summaries.c.sequence), (opened, summaries.c.sequence)
        if at is not None:
            position = sa.tuple_(sa.cast(sa.literal(at), sa.DateTime(timezone=True)), sa.literal(after))
            statement = statement.where(key > position if query.sort == "opened_at" else key < position)
        statement = statement.order_by(*(order if query.sort == "opened_at" else (c.desc() for c in order)))
    rows = (await conn.execute(statement.limit(limit + 1))).all()
    if len(rows) <= limit:
        return SummaryPage(items=[row.data for row in rows], next_after=None)
    last = rows[limit - 1]
    position = {"after": last.sequence}
    if query.sort != "created":
        position["at"] = last.opened_at.isoformat()
    return SummaryPage(items=[row.data for row in rows[:limit]], next_after=last.sequence, next_position=position)


async def summary_page(
    engine: AsyncEngine, *, stream_type: str, filters: dict[str, Any], after: Any, limit: int,
    query: ListQuery = ListQuery(), at: Any = None,
) -> SummaryPage:
    """One page of a list route: filters left None are dropped, UUIDs compared as text, `after` (and `at`, when
    sorted by opening) the cursor's position."""
    contains = {key: str(value) if isinstance(value, UUID) else value
                for key, value in filters.items() if value is not None}
    async with engine.connect() as conn:
        return await list_summaries(conn, stream_type=stream_type, contains=contains or None,
                                    after=after if isinstance(after, int) else 0, limit=limit, query=query,
                                    at=at if isinstance(at, str) and query.sort != "created" else None)
