"""Batched appends for bulk imports: many streams' events in one transaction, in a few statements.

The events go in by one binary COPY on the transaction's own asyncpg connection (the SQLAlchemy Core path costs
~100 µs a statement; a COPY of thousands of rows costs about what one statement does), the summaries by one
unnest upsert, the import keys by another. Everything stays in the caller's transaction: the events table is the
outbox (DESIGN §3), so the relay publishes imported events behind the same xid8 barrier as any other; the
`(stream_id, version)` key still refuses a lost race (ConcurrencyError); the statement trigger NOTIFYs the relay.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import asyncpg
from sqlalchemy.ext.asyncio import AsyncConnection

from continuum.domain import PendingEvent
from continuum.eventstore.codec import EventCodec
from continuum.eventstore.store import ConcurrencyError, RecordedEvent

_EVENT_COLUMNS = ("stream_id", "stream_type", "version", "event_id", "event_type", "schema_version", "data",
                  "metadata", "occurred_at")
# `opened_at`: the first event's business time, given for a stream this batch starts, else read from version 1
_UPSERT_SUMMARIES = """
INSERT INTO summaries (stream_id, stream_type, version, data, opened_at)
SELECT s.stream_id, s.stream_type, s.version, CAST(s.data AS jsonb),
       COALESCE(s.opened_at, (SELECT e.occurred_at FROM events e WHERE e.stream_id = s.stream_id AND e.version = 1))
FROM unnest($1::uuid[], $2::text[], $3::integer[], $4::text[], $5::timestamptz[])
     AS s(stream_id, stream_type, version, data, opened_at)
ON CONFLICT (stream_id) DO UPDATE SET version = excluded.version, data = excluded.data, updated_at = now()
"""
_LOAD_STREAMS = """
SELECT global_position, stream_id, stream_type, version, event_id, event_type, schema_version, data::text,
       metadata::text, occurred_at, recorded_at
FROM events WHERE stream_id = ANY($1::uuid[]) ORDER BY stream_id, version
"""
_FIND_KEYS = "SELECT key, stream_id FROM import_keys WHERE scope = $1 AND key = ANY($2::text[])"
_CLAIM_KEYS = """
INSERT INTO import_keys (scope, key, stream_id)
SELECT $1, k.key, k.stream_id FROM unnest($2::text[], $3::uuid[]) AS k(key, stream_id)
ON CONFLICT DO NOTHING RETURNING key
"""
_CLASH = re.compile(r"\(stream_id, version\)=\(([0-9a-f-]{36}), (\d+)\)")


@dataclass(frozen=True)
class StreamAppend:
    """One stream's new events after `expected_version`, with its summary as of the last of them."""

    stream_id: UUID
    stream_type: str
    expected_version: int
    events: Sequence[PendingEvent]
    summary: dict[str, Any] | None = None


class KeysTaken(Exception):
    """Another transaction claimed some of these import keys first (a concurrent run of the same lines)."""

    def __init__(self, keys: Iterable[str]) -> None:
        self.keys = sorted(keys)
        super().__init__(f"{len(self.keys)} import keys were claimed meanwhile")


async def driver_connection(conn: AsyncConnection) -> asyncpg.Connection:
    """The asyncpg connection under `conn`, inside the transaction SQLAlchemy began (began here if need be)."""
    if not conn.in_transaction():
        await conn.begin()
    raw = await conn.get_raw_connection()
    driver = raw.driver_connection
    if not driver.is_in_transaction():  # SQLAlchemy's adapter opens its transaction with its first statement
        await conn.exec_driver_sql("SELECT 1")
    return driver


def _event_ids(count: int) -> Iterator[UUID]:
    """`count` random (version 4) UUIDs from one read of the system's randomness (uuid4 reads it once per id: 6 %
    of a bulk import's CPU)."""
    random = os.urandom(16 * count)
    return (UUID(bytes=random[at:at + 16], version=4) for at in range(0, 16 * count, 16))


async def append_streams(conn: AsyncConnection, *, codec: EventCodec, appends: Sequence[StreamAppend],
                         metadata: dict[str, Any]) -> int:
    """Append every stream's events at its expected version in the caller's transaction; the number appended.

    A stream another writer moved on raises ConcurrencyError (the whole transaction is then lost: retry it).
    """
    driver = await driver_connection(conn)
    shared_metadata = json.dumps(metadata)  # once for every event of the batch
    ids = _event_ids(sum(len(append.events) for append in appends))
    rows = [(append.stream_id, append.stream_type, append.expected_version + offset, next(ids),
             pending.event.event_type(), pending.event.schema_version, codec.encode_json(pending.event),
             shared_metadata, pending.occurred_at)
            for append in appends for offset, pending in enumerate(append.events, start=1)]
    if not rows:
        return 0
    try:
        await driver.copy_records_to_table("events", records=rows, columns=_EVENT_COLUMNS)
    except asyncpg.UniqueViolationError as error:
        clash = _CLASH.search(str(error.detail or ""))
        if clash is None:
            raise
        raise ConcurrencyError(UUID(clash[1]), int(clash[2]) - 1) from None
    summarised = [append for append in appends if append.summary is not None and append.events]
    if summarised:
        await driver.execute(_UPSERT_SUMMARIES, [a.stream_id for a in summarised], [a.stream_type for a in summarised],
                             [a.expected_version + len(a.events) for a in summarised],
                             [json.dumps(a.summary) for a in summarised],
                             [a.events[0].occurred_at if a.expected_version == 0 else None for a in summarised])
    return len(rows)


async def load_streams(conn: AsyncConnection, stream_ids: Sequence[UUID]) -> dict[UUID, list[RecordedEvent]]:
    """Every event of each stream, in version order: one statement for the lot."""
    found: dict[UUID, list[RecordedEvent]] = {stream_id: [] for stream_id in stream_ids}
    if not stream_ids:
        return found
    driver = await driver_connection(conn)
    for row in await driver.fetch(_LOAD_STREAMS, list(stream_ids)):
        found[row[1]].append(RecordedEvent(row[0], row[1], row[2], row[3], row[4], row[5], row[6],
                                           json.loads(row[7]), json.loads(row[8]), row[9], row[10]))
    return found


async def find_import_keys(conn: AsyncConnection, *, scope: str, keys: Sequence[str]) -> dict[str, UUID]:
    """The keys of `scope` already imported, with the stream each names."""
    if not keys:
        return {}
    driver = await driver_connection(conn)
    return {row[0]: row[1] for row in await driver.fetch(_FIND_KEYS, scope, list(keys))}


async def claim_import_keys(conn: AsyncConnection, *, scope: str, keys: dict[str, UUID]) -> None:
    """Record the keys in the caller's transaction; KeysTaken if another transaction recorded any of them first."""
    if not keys:
        return
    driver = await driver_connection(conn)
    names = list(keys)
    claimed = {row[0] for row in await driver.fetch(_CLAIM_KEYS, scope, names, [keys[name] for name in names])}
    if len(claimed) != len(names):
        raise KeysTaken(set(names) - claimed)
