"""One record's lines run through its aggregate: each line accepted, already imported or refused with its problem,
a refused line leaving the record as it was before it (business time checked against the record's last)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from continuum.domain import DomainError, NotFound, require_business_time
from continuum.eventstore.store import EventStore
from continuum.http.problems import ProblemError
from continuum.importers.batch.answers import _already_created, _problem_of
from continuum.importers.batch.lines import Importer, Line
from continuum.importers.batch.records import _fold, _Record
from continuum.importers.ndjson import LineResult, line_problem, refused


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
