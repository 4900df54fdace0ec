"""Records of an import: the lines grouped by `ref` in business-time order (`_Record`), cut into chunks of about
`chunk_lines` lines, and the records that exist already found and loaded (`_fold` also undoes a refused line)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from uuid import UUID

from continuum.domain import Aggregate
from continuum.eventstore import bulk
from continuum.eventstore.store import EventStore, RecordedEvent
from continuum.importers.batch.lines import Line


@dataclass
class _Record:
    ref: str
    lines: list[Line]
    aggregate: Aggregate | None = None
    stored: list[RecordedEvent] = field(default_factory=list)
    stored_version: int = 0


def _records(lines: Sequence[Line]) -> list[_Record]:
    by_ref: dict[str, list[Line]] = defaultdict(list)
    for line in lines:
        by_ref[line.body.ref].append(line)
    return [_Record(ref, sorted(found, key=lambda line: (line.body.occurred_at, line.number)))
            for ref, found in by_ref.items()]


def _chunks(records: list[_Record], chunk_lines: int) -> list[list[_Record]]:
    chunks, current, size = [], [], 0
    for record in records:
        if current and size + len(record.lines) > chunk_lines:
            chunks.append(current)
            current, size = [], 0
        current.append(record)
        size += len(record.lines)
    return [*chunks, current] if current else chunks


async def _known_keys(conn, scope: str, chunk: list[_Record]) -> dict[str, UUID]:
    """The records imported before, then the lines of those alone (a new record has no line imported)."""
    known = await bulk.find_import_keys(conn, scope=scope, keys=[record.ref for record in chunk])
    lines = [line.key for record in chunk if record.ref in known for line in record.lines]
    return {**known, **await bulk.find_import_keys(conn, scope=scope, keys=lines)}


async def _load(conn, store: EventStore, cls: type[Aggregate], chunk: list[_Record], known: dict[str, UUID]) -> None:
    existing = {known[record.ref]: record for record in chunk if record.ref in known}
    for stream_id, recorded in (await bulk.load_streams(conn, list(existing))).items():
        record = existing[stream_id]
        record.stored, record.aggregate = recorded, _fold(store, cls, stream_id, recorded, [])
        record.stored_version = record.aggregate.version


def _fold(store: EventStore, cls: type[Aggregate], stream_id: UUID, recorded: list[RecordedEvent],
          pending: list) -> Aggregate:
    """The aggregate from its stored events and the pending ones kept so far (how a refused line is undone)."""
    aggregate = cls(stream_id)
    for event in recorded:
        aggregate.replay(store.decode(event), version=event.version, occurred_at=event.occurred_at)
    for kept in pending:
        aggregate._apply(kept.event)
    aggregate.pending = list(pending)
    return aggregate
