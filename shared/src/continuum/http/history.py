"""`GET /<collection>/{id}/history` and `?as_of=`: the events of one aggregate, and its state back then."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any
from uuid import UUID

from fastapi import Query
from pydantic import AfterValidator, AwareDatetime, BaseModel, Field

from continuum.eventstore.store import RecordedEvent

EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(9999, 12, 31, tzinfo=UTC) - timedelta(days=400)  # room for windows computed after it

AsOf = Annotated[
    AwareDatetime | None,
    AfterValidator(lambda when: _within_calendar(when)),
    Query(description="RFC 3339 business time with offset (years 1900–9999): the state as it stood then.",
          examples=["2026-01-31T23:59:59Z"]),
]


def _within_calendar(when: datetime | None) -> datetime | None:
    if when is not None and not EARLIEST <= when <= LATEST:
        raise ValueError("as_of must lie between 1900 and 9999")
    return when


class HistoryEntry(BaseModel):
    version: int = Field(examples=[1])
    event_id: UUID
    event_type: str = Field(examples=["ProjectProposed"])
    schema_version: int = Field(examples=[1])
    occurred_at: datetime
    recorded_at: datetime
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
