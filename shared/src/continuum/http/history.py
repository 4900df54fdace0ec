"""`GET /<collection>/{id}/history` and `?as_of=`: the events of one aggregate, and its state back then."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import Query
from pydantic import BaseModel, Field

from continuum.eventstore.store import RecordedEvent
from continuum.http.dates import CALENDAR, BusinessDateTime, UtcDateTime

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
    stream_id: UUID
    items: list[HistoryEntry]
