"""`GET /events`: the service's own event log for auditors and systems without Kafka (any role)."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Query, Request

from continuum.eventstore.schema import events
from continuum.eventstore.store import RecordedEvent
from continuum.http.auth import ANY_ROLE
from continuum.http.history import HistoryEntry
from continuum.http.pagination import Cursor, Limit, Page, decode_cursor, encode_cursor
from continuum.http.problems import error_responses


class LoggedEvent(HistoryEntry):
    global_position: int
    stream_id: UUID
    stream_type: str

    @classmethod
    def of(cls, recorded: RecordedEvent) -> LoggedEvent:
        """A recorded event as the event log lists it, with its global position and stream."""
        return cls(**HistoryEntry.of(recorded).model_dump(), global_position=recorded.global_position,
                   stream_id=recorded.stream_id, stream_type=recorded.stream_type)


def event_log_router() -> APIRouter:
    """GET /events: every event this service recorded, in commit order, for any role."""
    router = APIRouter(tags=["event log"], dependencies=[Depends(ANY_ROLE)], responses=error_responses(401, 403, 422))
    router.add_api_route("/events", list_events, methods=["GET"], response_model=Page[LoggedEvent],
                         summary="The events this service recorded, oldest first")
    return router


async def list_events(
    request: Request,
    limit: Limit = 50,
    cursor: Cursor = None,
    stream_id: Annotated[UUID | None, Query(description="Only this aggregate's events.")] = None,
    event_type: Annotated[str | None, Query(max_length=200, examples=["ProjectProposed"])] = None,
) -> Page[LoggedEvent]:
    """A cursor page of the events this service recorded, oldest first, optionally one stream's or one type's."""
    after = (decode_cursor(cursor) or {}).get("after", 0)
    after = after if isinstance(after, int) else 0
    query = sa.select(*[c for c in events.c if c.name != "transaction_id"]).where(events.c.global_position > after)
    if stream_id is not None:
        query = query.where(events.c.stream_id == stream_id)
    if event_type is not None:
        query = query.where(events.c.event_type == event_type)
    async with request.app.state.engine.connect() as conn:
        rows = (await conn.execute(query.order_by(events.c.global_position).limit(limit + 1))).all()
    items = [LoggedEvent.of(RecordedEvent(**row._mapping)) for row in rows[:limit]]
    next_cursor = encode_cursor({"after": items[-1].global_position}) if len(rows) > limit else None
    return Page[LoggedEvent](items=items, next_cursor=next_cursor)
