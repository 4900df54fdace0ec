"""The asks of windows of services (Ask) answered together (Answer): the whole days and partial days each ask
needs are gathered, read in a constant number of statements, and combined into the sums and the availability."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncConnection

from metrics_svc.domain.windows import Figure, Problem, Window
from metrics_svc.projection.rollup_reads.availability import _availability, _edges_of, _Fetched, _open_from, _whole_days
from metrics_svc.projection.rollup_reads.day_sums import _days, _partial_days
from metrics_svc.projection.rollup_reads.outages import _edges, _open_outages_and_faults
from metrics_svc.projection.rollup_reads.splits import split
from metrics_svc.projection.rollup_reads.sums import SUM_FIELDS, Sums
from metrics_svc.projection.tables import FactTables


@dataclass(frozen=True)
class Ask:
    """One window of one service; `availability` when its availability is wanted too."""

    service_id: UUID
    window: Window
    availability: bool = False
    sums: bool = True  # False: availability only (the partial days' incident sums are not read)


@dataclass(frozen=True)
class Answer:
    sums: Sums
    availability: Figure | None = None
    problem: Problem | None = None  # availability could not be computed (named on its figure)


async def answer(conn: AsyncConnection, t: FactTables, asks: Sequence[Ask]) -> list[Answer]:
    """Every ask answered in six statements, whatever their number and the services' histories: each returns a
    row per day of the asks' whole days or per edge of their partial days, never a row per incident or outage."""
    fetched = _Fetched()
    outage_services = sorted({a.service_id for a in asks if a.availability})
    fetched.opens, fetched.faults = await _open_outages_and_faults(conn, t, outage_services)
    days: set[tuple[UUID, date, date]] = set()
    partials: set[tuple[UUID, datetime, datetime]] = set()
    edges: set[tuple[UUID, datetime, datetime]] = set()
    for ask in asks:
        parts = split(ask.window.start, ask.window.end)
        if ask.sums:
            partials |= {(ask.service_id, lo, hi) for lo, hi in parts.partials}
        days.add((ask.service_id, parts.first, parts.last))
        if ask.availability:
            tails, edge_days = _edges_of(ask, fetched.opens)
            edges |= tails
            days |= edge_days
            down = split(ask.window.start, _open_from(ask, fetched.opens))
            days.add((ask.service_id, down.first, down.last))
    fetched.days = await _days(conn, t, sorted(d for d in days if d[1] <= d[2]))
    fetched.partials = await _partial_days(conn, t, sorted(partials))
    fetched.edges = await _edges(conn, t, sorted(edges))
    return [_answer(ask, fetched) for ask in asks]


def _answer(ask: Ask, fetched: _Fetched) -> Answer:
    sums = Sums()
    parts = split(ask.window.start, ask.window.end)
    if ask.sums:
        sums.add(_whole_days(ask.service_id, parts, fetched)[:len(SUM_FIELDS)])
        for lo, hi in parts.partials:
            sums.add(fetched.partials[(ask.service_id, lo, hi)])
    if not ask.availability:
        return Answer(sums)
    fault = fetched.faults.get(ask.service_id)
    if fault is not None:
        return Answer(sums, Figure(None, 0), Problem(fault, figure="availability_pct"))
    return Answer(sums, _availability(ask, fetched))
