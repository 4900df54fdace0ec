"""Running an import: `run_import` takes the records chunk by chunk, one transaction each (`ImportRun` says where and
how), runs a chunk again when it lost a race, and answers 503 when the database is lost mid-import."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import asyncpg
from sqlalchemy.ext.asyncio import AsyncEngine

from continuum.context import current_context
from continuum.eventstore import bulk
from continuum.eventstore.store import ConcurrencyError, EventStore
from continuum.eventstore.uow import UnitOfWork
from continuum.http.problems import ProblemError
from continuum.importers.batch.apply import _apply_record
from continuum.importers.batch.lines import Importer, Line
from continuum.importers.batch.records import _chunks, _known_keys, _load, _Record, _records
from continuum.importers.ndjson import LineResult

log = logging.getLogger("continuum.importers.batch")  # the logger name it had before batch became a package

CHUNK_LINES = 2_000
ATTEMPTS = 4


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


def _unavailable(error: Exception) -> ProblemError:
    log.warning("import chunk lost the database: %s: %s", type(error).__name__, error)
    problem = ProblemError(503, "unavailable", "Service unavailable",
                           "the database is unavailable; the chunks applied before "
                           "this one were committed: re-run the import (their lines answer already_imported)")
    problem.headers = {"Retry-After": "2"}
    return problem
