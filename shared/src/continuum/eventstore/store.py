"""The event store: append with optimistic concurrency, load streams, keep snapshots (SQLAlchemy Core)."""

from __future__ import annotations

import functools
import json
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


_RECORDED_COLUMNS = [column for column in events.c if column.name != "transaction_id"]  # RecordedEvent's order
_STREAM = events.c.stream_id == sa.bindparam("stream_id")
_LOAD = (
    sa.select(*_RECORDED_COLUMNS)
    .where(_STREAM, events.c.version > sa.bindparam("after_version"))
    .order_by(events.c.version)
)
_LOAD_AS_OF = _LOAD.where(events.c.occurred_at <= sa.bindparam("as_of"))

# The snapshot comes first as a row of its own (global_position NULL, its state as `data`), then the events after
# it: both from the statement's one view of the table, so no snapshot taken in between can be missed or doubled.
_SNAPSHOT_VERSION = (
    sa.select(snapshots.c.version).where(snapshots.c.stream_id == sa.bindparam("stream_id")).scalar_subquery()
)
_SNAPSHOT_ROW = sa.select(
    *[
        {"version": snapshots.c.version, "data": snapshots.c.state.label("data")}.get(
            column.name, sa.null().cast(column.type).label(column.name)
        )
        for column in _RECORDED_COLUMNS
    ]
).where(snapshots.c.stream_id == sa.bindparam("stream_id"))
_EVENTS_AFTER_SNAPSHOT = sa.select(*_RECORDED_COLUMNS).where(
    _STREAM, events.c.version > sa.func.coalesce(_SNAPSHOT_VERSION, 0)
)
_STREAM_ROWS = sa.union_all(_SNAPSHOT_ROW, _EVENTS_AFTER_SNAPSHOT).subquery("stream")
_LOAD_FROM_SNAPSHOT = sa.select(_STREAM_ROWS).order_by(
    _STREAM_ROWS.c.global_position.is_not(None), _STREAM_ROWS.c.version
)

_INSERT_EVENTS = """
INSERT INTO events (stream_id, stream_type, version, event_id, event_type, schema_version, data, metadata,
                    occurred_at)
SELECT CAST(:stream_id AS uuid), CAST(:stream_type AS text), e.version, e.event_id, e.event_type, e.schema_version,
       CAST(e.data AS jsonb), CAST(:metadata AS jsonb), e.occurred_at
FROM unnest(CAST(:versions AS integer[]), CAST(:event_ids AS uuid[]), CAST(:event_types AS text[]),
            CAST(:schema_versions AS integer[]), CAST(:data AS text[]), CAST(:occurred AS timestamptz[]))
     AS e(version, event_id, event_type, schema_version, data, occurred_at)
ORDER BY e.version
"""
# `opened_at` is the first event's business time: given when this append starts the stream (the events it inserts
# are not visible to the statement's own CTE), read from version 1 when a summary first comes later; kept after.
_UPSERT_SUMMARY = """
INSERT INTO summaries (stream_id, stream_type, version, data, opened_at)
VALUES (CAST(:stream_id AS uuid), CAST(:stream_type AS text), CAST(:version AS integer), CAST(:summary AS jsonb),
        COALESCE(CAST(:opened_at AS timestamptz), (SELECT occurred_at FROM events
                                                  WHERE stream_id = CAST(:stream_id AS uuid) AND version = 1)))
ON CONFLICT (stream_id) DO UPDATE SET version = excluded.version, data = excluded.data, updated_at = now()
"""
_UPSERT_SNAPSHOT = """
INSERT INTO snapshots (stream_id, stream_type, version, state)
VALUES (CAST(:stream_id AS uuid), CAST(:stream_type AS text), CAST(:snapshot_version AS integer),
        CAST(:snapshot_state AS jsonb))
ON CONFLICT (stream_id) DO UPDATE SET version = excluded.version, state = excluded.state, recorded_at = now()
WHERE snapshots.version < excluded.version
"""


@functools.cache
def _append_statement(*, summary: bool, snapshot: bool) -> sa.TextClause:
    """The events insert, with the summary and snapshot upserts as data-modifying CTEs of the same statement."""
    parts = [f"{name} AS ({sql.strip()})" for name, sql, wanted in
             (("summary", _UPSERT_SUMMARY, summary), ("snapshot", _UPSERT_SNAPSHOT, snapshot)) if wanted]
    return sa.text((f"WITH {', '.join(parts)}\n" if parts else "") + _INSERT_EVENTS.strip())


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
        summary: dict[str, Any] | None = None,
        snapshot: Snapshot | None = None,
    ) -> int:
        """Append after `expected_version`; raise ConcurrencyError if another append got there first.

        The aggregate's summary and a due snapshot, if given, are upserted by the same statement: one round trip.
        """
        if not new_events:
            return expected_version
        params: dict[str, Any] = {
            "stream_id": stream_id,
            "stream_type": stream_type,
            "versions": list(range(expected_version + 1, expected_version + 1 + len(new_events))),
            "event_ids": [uuid4() for _ in new_events],
            "event_types": [pending.event.event_type() for pending in new_events],
            "schema_versions": [pending.event.schema_version for pending in new_events],
            "data": [self.codec.encode_json(pending.event) for pending in new_events],
            "metadata": json.dumps(metadata),  # once for every event of the commit
            "occurred": [pending.occurred_at for pending in new_events],
        }
        if summary is not None:
            params["version"], params["summary"] = params["versions"][-1], json.dumps(summary)
            params["opened_at"] = new_events[0].occurred_at if expected_version == 0 else None
        if snapshot is not None:
            params["snapshot_version"], params["snapshot_state"] = snapshot.version, json.dumps(snapshot.state)
        try:
            await conn.execute(_append_statement(summary=summary is not None, snapshot=snapshot is not None), params)
        except IntegrityError as error:
            if "events_stream_version_key" in str(error.orig):
                raise ConcurrencyError(stream_id, expected_version) from None
            raise
        return expected_version + len(new_events)

    async def load(
        self,
        conn: AsyncConnection,
        stream_id: UUID,
        *,
        after_version: int = 0,
        as_of: datetime | None = None,
    ) -> list[RecordedEvent]:
        """The stream's events in version order, optionally only those that had occurred by `as_of`."""
        query = _LOAD if as_of is None else _LOAD_AS_OF
        result = await conn.execute(query, {"stream_id": stream_id, "after_version": after_version, "as_of": as_of})
        return [RecordedEvent(*row) for row in result]

    async def load_from_snapshot(
        self, conn: AsyncConnection, stream_id: UUID
    ) -> tuple[Snapshot | None, list[RecordedEvent]]:
        """The latest snapshot and the events after it, read in one statement (one round trip, one view)."""
        snapshot, recorded = None, []
        for row in await conn.execute(_LOAD_FROM_SNAPSHOT, {"stream_id": stream_id}):
            if row.global_position is None:
                snapshot = Snapshot(row.version, row.data)
            else:
                recorded.append(RecordedEvent(*row))
        return snapshot, recorded

    def decode(self, recorded: RecordedEvent) -> DomainEvent:
        """A recorded event as its domain dataclass (upcast to the current schema version)."""
        return self.codec.decode(recorded.event_type, recorded.schema_version, recorded.data)

    async def load_snapshot(self, conn: AsyncConnection, stream_id: UUID) -> Snapshot | None:
        """The stream's latest snapshot (version and state), or None when it has none."""
        row = (
            await conn.execute(
                sa.select(snapshots.c.version, snapshots.c.state).where(snapshots.c.stream_id == stream_id)
            )
        ).first()
        return Snapshot(row.version, row.state) if row else None

    async def save_snapshot(
        self, conn: AsyncConnection, *, stream_id: UUID, stream_type: str, version: int, state: dict[str, Any]
    ) -> None:
        """Keep the stream's state at `version`, replacing an older snapshot (a newer one is kept)."""
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
