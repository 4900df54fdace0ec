"""Applying an import's lines: per record in business-time order, many records per transaction, each line answered.

A service says how its records are made and changed (an `Importer`); this module does the rest the same way for
every service: it groups the lines by record (`ref`, the external key), orders each record's lines by
`occurred_at` (then line number), and takes records in chunks, one transaction each. Within a chunk it finds the
keys already imported, loads the records that exist already in one statement, runs each line through the
aggregate (a line that breaks a rule is answered with its problem and leaves the record as it was before it), then
appends every record's new events, their summaries and the lines' keys in a few statements, and commits. A lost
race (another writer, a concurrent run of the same lines) rolls the chunk back and runs it again.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Generic, Protocol, TypeVar
from uuid import UUID

import asyncpg
from sqlalchemy.ext.asyncio import AsyncEngine

from continuum.context import current_context
from continuum.domain import Aggregate, DomainError, NotAllowed, NotFound, require_business_time
from continuum.eventstore import bulk
from continuum.eventstore.store import ConcurrencyError, EventStore, RecordedEvent
from continuum.eventstore.uow import UnitOfWork
from continuum.http.problems import ProblemError
from continuum.importers.ndjson import LineResult, line_problem, refused

log = logging.getLogger(__name__)

A = TypeVar("A", bound=Aggregate)
C = TypeVar("C")
CHUNK_LINES = 2_000
ATTEMPTS = 4


class ImportLineModel(Protocol):
    ref: str
    command: str
    occurred_at: datetime


@dataclass(frozen=True)
class Line:
    number: int
    body: Any  # the line's validated model (an ImportLineModel)
    key: str = field(init=False)
    """The line's import key: its record, command and business time (the same line again is the same key)."""

    def __post_init__(self) -> None:
        body = self.body
        key = f"{body.ref}|{body.command}|{body.occurred_at.astimezone(UTC).isoformat()}"
        own = getattr(body, "line_key", None)  # a line kind that may repeat at one time says what else tells it apart
        object.__setattr__(self, "key", f"{key}|{own()}" if own is not None else key)


class Importer(Protocol, Generic[A, C]):
    """What a service tells the engine about one kind of record."""

    aggregate: type[A]
    creates: frozenset[str]  # the commands that make a new record (the record's first line)

    async def begin(self, uow: UnitOfWork) -> C:
        """Per transaction, before any line: take locks, load what lines need (the service, its SLA)."""
        ...

    async def create(self, body: Any, context: C) -> A:
        """The new aggregate a creating line makes (its events pending)."""
        ...

    async def apply(self, aggregate: A, body: Any, context: C) -> None:
        """Run one line's command on the aggregate (events pending); raise a DomainError to refuse it."""
        ...


@dataclass
class _Record:
    ref: str
    lines: list[Line]
    aggregate: Aggregate | None = None
    stored: list[RecordedEvent] = field(default_factory=list)
    stored_version: int = 0


@dataclass(frozen=True)
class ImportRun:
    engine: AsyncEngine
    store: EventStore
    scope: str  # the import keys' namespace, e.g. `incident:<service id>`
    chunk_lines: int = CHUNK_LINES
    dry_run: bool = False  # every chunk rolled back: the answers say what a real run would do
    progress: Callable[[int], Awaitable[None]] | None = None


async def run_import(run: ImportRun, importer: Importer, lines: Sequence[Line]) -> list[LineResult]:
    """Apply the lines; one result per line."""
    results: list[LineResult] = []
    for chunk in _chunks(_records(lines), run.chunk_lines):
        results.extend(await _run_chunk(run, importer, chunk))
        if run.progress is not None:
            await run.progress(len(results))
    return results


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


async def _run_chunk(run: ImportRun, importer: Importer, chunk: list[_Record]) -> list[LineResult]:
    for attempt in range(1, ATTEMPTS + 1):
        try:
            return await _try_chunk(run, importer, [_Record(record.ref, record.lines) for record in chunk])
        except (ConcurrencyError, bulk.KeysTaken) as error:
            if attempt == ATTEMPTS:
                raise
            log.info("import chunk of %s lost a race (%s): attempt %d", run.scope, error, attempt + 1)
        except (asyncpg.PostgresConnectionError, asyncpg.InterfaceError, asyncpg.CannotConnectNowError) as error:
            raise _unavailable(error) from None  # the driver's own errors, outside SQLAlchemy's (a 503 as theirs)
    raise AssertionError("unreachable")


async def _try_chunk(run: ImportRun, importer: Importer, chunk: list[_Record]) -> list[LineResult]:
    async with run.engine.connect() as conn:
        uow = UnitOfWork(store=run.store, connection=conn)
        context = await importer.begin(uow)
        known = await _known_keys(conn, run.scope, chunk)
        await _load(conn, run.store, importer.aggregate, chunk, known)
        results, claims = [], {}
        now = datetime.now(UTC)
        for record in chunk:
            results.extend(await _apply_record(run.store, importer, record, context, known, claims, now))
        appends = [bulk.StreamAppend(r.aggregate.id, r.aggregate.stream_type, r.stored_version, r.aggregate.pending,
                                     r.aggregate.summary())
                   for r in chunk if r.aggregate is not None and r.aggregate.pending]
        await bulk.append_streams(conn, codec=run.store.codec, appends=appends,
                                  metadata=current_context().event_metadata())
        await bulk.claim_import_keys(conn, scope=run.scope, keys=claims)
        await (conn.rollback() if run.dry_run else conn.commit())
        return results


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


async def _apply_record(store: EventStore, importer: Importer, record: _Record, context: Any,
                        known: dict[str, UUID], claims: dict[str, UUID], now: datetime) -> list[LineResult]:
    results = []
    for line in record.lines:
        body = line.body
        if line.key in known or line.key in claims:
            stream_id = known.get(line.key) or claims[line.key]
            results.append(LineResult(line.number, "already_imported", body.ref, body.command, str(stream_id)))
            continue
        problem = await _apply_line(store, importer, record, line, context, now)
        if problem is not None:
            results.append(refused(line.number, problem, ref=body.ref, command=body.command))
            continue
        aggregate = record.aggregate
        claims[line.key] = aggregate.id
        if record.ref not in known:
            claims.setdefault(record.ref, aggregate.id)
        results.append(LineResult(line.number, "accepted", body.ref, body.command, str(aggregate.id),
                                  record.stored_version + len(aggregate.pending)))
    return results


async def _apply_line(store: EventStore, importer: Importer, record: _Record, line: Line, context: Any,
                      now: datetime) -> dict[str, Any] | None:
    """Run the line on its record; the problem if it was refused (the record then as it was before the line)."""
    body, aggregate = line.body, record.aggregate
    kept = list(aggregate.pending) if aggregate is not None else []
    try:
        if body.command in importer.creates:
            if aggregate is not None:
                return _already_created(line, record)
            require_business_time(body.occurred_at, last=None, now=now)
            record.aggregate = await importer.create(body, context)
        elif aggregate is None:
            return line_problem(line.number, 422, "unknown-reference", "Unknown reference",
                                f"{body.ref} was never created: its first line must be one of "
                                f"{', '.join(sorted(importer.creates))}", rule="record-created-first",
                                errors=[{"field": "ref", "message": "unknown record", "type": "unknown_reference"}])
        else:
            times = [at for at in (aggregate.last_occurred_at, *(p.occurred_at for p in kept)) if at is not None]
            require_business_time(body.occurred_at, last=max(times, default=None), now=now)
            await importer.apply(aggregate, body, context)
        return None
    except (DomainError, NotFound, ProblemError) as error:
        if aggregate is not None and len(aggregate.pending) != len(kept):  # a rule broken after an event
            record.aggregate = _fold(store, importer.aggregate, aggregate.id, record.stored, kept)
        elif aggregate is None:
            record.aggregate = None
        return _problem_of(line.number, error)


def _unavailable(error: Exception) -> ProblemError:
    log.warning("import chunk lost the database: %s: %s", type(error).__name__, error)
    problem = ProblemError(503, "unavailable", "Service unavailable", "the database is unavailable; the chunks applied before "
                           "this one were committed: re-run the import (their lines answer already_imported)")
    problem.headers = {"Retry-After": "2"}
    return problem


def _already_created(line: Line, record: _Record) -> dict[str, Any]:
    return line_problem(line.number, 409, "rule-violated", "Domain rule violated",
                        f"{record.ref} was already created (as {record.aggregate.id}); a record is created once",
                        rule="record-created-once",
                        errors=[{"field": "command", "message": "already created", "type": "created_once"}])


def _problem_of(number: int, error: Exception) -> dict[str, Any]:
    if isinstance(error, ProblemError):  # a check the service shares with its single-call route (a reference)
        errors = [{**item, "field": item["field"].removeprefix("body.")} for item in error.extra.get("errors", ())]
        return line_problem(number, error.status, error.slug, error.title, error.detail or error.title,
                            rule=error.extra.get("rule"), errors=errors)
    if isinstance(error, NotFound):
        return line_problem(number, 404, "not-found", "Not found", str(error))
    field_name = getattr(error, "field", None)
    errors = [{"field": field_name, "message": error.detail, "type": error.rule}] if field_name else ()
    if isinstance(error, NotAllowed):
        return line_problem(number, 403, "forbidden", "Not allowed", error.detail, rule=error.rule, errors=errors)
    return line_problem(number, 409, "rule-violated", "Domain rule violated", error.detail, rule=error.rule,
                        errors=errors)
