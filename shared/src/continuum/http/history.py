"""`GET /<collection>/{id}/history` and `?as_of=`: the events of one aggregate, and its state back then."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import Query
from pydantic import BaseModel, Field

from continuum.eventstore.store import RecordedEvent
from continuum.http.dates import CALENDAR, BusinessDateTime, UtcDateTime
from continuum.http.pagination import decode_cursor, encode_cursor, foreign_cursor

AsOf = Annotated[
    BusinessDateTime | None,
    Query(description=f"RFC 3339 business time with a UTC offset ({CALENDAR}): the state as it stood then.",
          examples=["2026-01-31T23:59:59Z"]),
]


class HistoryEntry(BaseModel):
    version: int = Field(examples=[1])
    event_id: UUID
    event_type: str = Field(examples=["ProjectProposed"])
    schema_version: int = Field(examples=[1])
    occurred_at: UtcDateTime
    recorded_at: UtcDateTime
    data: dict[str, Any]
    metadata: dict[str, Any]

    @classmethod
    def of(cls, recorded: RecordedEvent) -> HistoryEntry:
        """A recorded event as a history page shows it."""
        return cls(
            version=recorded.version,
            event_id=recorded.event_id,
            event_type=recorded.event_type,
            schema_version=recorded.schema_version,
            occurred_at=recorded.occurred_at,
            recorded_at=recorded.recorded_at,
            data=recorded.data,
            metadata=recorded.metadata,
        )


class History(BaseModel):
    """One page of an aggregate's events, oldest first."""

    stream_id: UUID
    items: list[HistoryEntry]
    next_cursor: str | None = Field(default=None, description="Pass as `cursor` for the next (newer) events; "
                                                                "null on the last page.")


HistoryLimit = Annotated[int, Query(ge=1, le=1000, description="Events per page, oldest first.")]


def history_position(cursor: str | None) -> int:
    """The version a history page's cursor points after (0 without one; 422 for a cursor of another kind)."""
    after = (decode_cursor(cursor) or {}).get("after_version", 0)
    if not isinstance(after, int):
        raise foreign_cursor()
    return after


def history_after(stream_id: UUID, recorded: list[RecordedEvent], *, after: int, limit: int) -> History:
    """A page of at most `limit` of the recorded events (oldest first) newer than version `after`."""
    rest = [event for event in recorded if event.version > after]
    page = rest[:limit]
    more = len(rest) > limit
    return History(stream_id=stream_id, items=[HistoryEntry.of(event) for event in page],
                   next_cursor=encode_cursor({"after_version": page[-1].version}) if more else None)


async def history_page(platform: Any, stream_type: str, stream_id: UUID, *, cursor: str | None, limit: int
                       ) -> History:
    """`GET .../{id}/history`: a page of the aggregate's events after the cursor's version (404 if it has none)."""
    after = history_position(cursor)
    async with platform.unit_of_work() as uow:
        recorded = await uow.history(stream_type, stream_id)
    return history_after(stream_id, recorded, after=after, limit=limit)
