"""The event store: append with optimistic concurrency, load streams, keep snapshots (SQLAlchemy Core)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from continuum.domain import DomainEvent, PendingEvent
from continuum.eventstore.codec import EventCodec
from continuum.eventstore.schema import events, snapshots


class ConcurrencyError(Exception):
    """The stream moved on since it was loaded: the append at the expected version lost the race."""

    def __init__(self, stream_id: UUID, expected_version: int) -> None:
        super().__init__(f"stream {stream_id} is no longer at version {expected_version}")
        self.stream_id = stream_id
        self.expected_version = expected_version


@dataclass(frozen=True)
class RecordedEvent:
    global_position: int
    stream_id: UUID
    stream_type: str
    version: int
    event_id: UUID
    event_type: str
    schema_version: int
    data: dict[str, Any]
    metadata: dict[str, Any]
    occurred_at: datetime
    recorded_at: datetime


@dataclass(frozen=True)
class Snapshot:
    version: int
    state: dict[str, Any]


class EventStore:
    """Stateless over a connection: the unit of work owns the transaction."""

    def __init__(self, *, codec: EventCodec) -> None:
        self.codec = codec

    async def append(
        self,
        conn: AsyncConnection,
        *,
        stream_id: UUID,
        stream_type: str,
        expected_version: int,
        new_events: Sequence[PendingEvent],
        metadata: dict[str, Any],
    ) -> int:
        """Append after `expected_version`; raise ConcurrencyError if another append got there first."""
        rows = [
            self._row(stream_id, stream_type, expected_version + offset, pending, metadata)
            for offset, pending in enumerate(new_events, start=1)
        ]
        try:
            await conn.execute(events.insert(), rows)
        except IntegrityError as error:
            if "events_stream_version_key" in str(error.orig):
                raise ConcurrencyError(stream_id, expected_version) from None
            raise
        return expected_version + len(rows)

    def _row(
        self, stream_id: UUID, stream_type: str, version: int, pending: PendingEvent, metadata: dict[str, Any]
    ) -> dict[str, Any]:
        return {
            "stream_id": stream_id,
            "stream_type": stream_type,
            "version": version,
            "event_id": uuid4(),
            "event_type": pending.event.event_type(),
            "schema_version": pending.event.schema_version,
            "data": self.codec.encode(pending.event),
            "metadata": metadata,
            "occurred_at": pending.occurred_at,
        }

    async def load(
        self,
        conn: AsyncConnection,
        stream_id: UUID,
        *,
        after_version: int = 0,
        as_of: datetime | None = None,
    ) -> list[RecordedEvent]:
        """The stream's events in version order, optionally only those that had occurred by `as_of`."""
        query = (
            sa.select(*[column for column in events.c if column.name != "transaction_id"])
            .where(events.c.stream_id == stream_id, events.c.version > after_version)
            .order_by(events.c.version)
        )
        if as_of is not None:
            query = query.where(events.c.occurred_at <= as_of)
        result = await conn.execute(query)
        return [RecordedEvent(**row._mapping) for row in result]

    def decode(self, recorded: RecordedEvent) -> DomainEvent:
        return self.codec.decode(recorded.event_type, recorded.schema_version, recorded.data)

    async def load_snapshot(self, conn: AsyncConnection, stream_id: UUID) -> Snapshot | None:
        row = (
            await conn.execute(
                sa.select(snapshots.c.version, snapshots.c.state).where(snapshots.c.stream_id == stream_id)
            )
        ).first()
        return Snapshot(row.version, row.state) if row else None

    async def save_snapshot(
        self, conn: AsyncConnection, *, stream_id: UUID, stream_type: str, version: int, state: dict[str, Any]
    ) -> None:
        statement = pg_insert(snapshots).values(
            stream_id=stream_id, stream_type=stream_type, version=version, state=state
        )
        await conn.execute(
            statement.on_conflict_do_update(
                index_elements=[snapshots.c.stream_id],
                set_={"version": version, "state": state, "recorded_at": sa.func.now()},
                where=snapshots.c.version < version,
            )
        )
