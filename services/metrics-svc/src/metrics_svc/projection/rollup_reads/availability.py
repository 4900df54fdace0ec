"""What the asks' reads fetched (_Fetched), and a window's availability from it: the edge ranges and whole
days an availability needs, its down time and outages up to where an open outage begins, as domain.service_kpis
defines it."""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING
from uuid import UUID

from metrics_svc.domain.windows import Figure, ratio_pct
from metrics_svc.projection.rollup_reads.outages import Edge
from metrics_svc.projection.rollup_reads.splits import ONE_DAY, Split, split
from metrics_svc.projection.rollup_reads.sums import DOWN, STARTED, SUM_FIELDS, US_PER_MINUTE
from metrics_svc.projection.rollups import midnight, utc_day

if TYPE_CHECKING:
    from metrics_svc.projection.rollup_reads.asks import Ask


@dataclass
class _Fetched:
    days: dict[tuple[UUID, date, date], tuple] = field(default_factory=dict)  # the sums of a range of whole days
    partials: dict[tuple[UUID, datetime, datetime], tuple] = field(default_factory=dict)
    edges: dict[tuple[UUID, datetime, datetime], Edge] = field(default_factory=dict)
    opens: dict[UUID, list[datetime]] = field(default_factory=dict)
    faults: dict[UUID, str] = field(default_factory=dict)


def _edges_of(ask: Ask, opens: dict[UUID, list[datetime]]) -> tuple[set[tuple[UUID, datetime, datetime]],
                                                                      set[tuple[UUID, date, date]]]:
    """The tails _availability reads — from each edge of a partial day of [start, down_from) (down time) and of
    [start, end) (outages started), and from the start (outages crossing it), to the next midnight — and the days
    whose totals a partial day starting at midnight is taken from (see _edge)."""
    service, window = ask.service_id, ask.window
    parts = (*split(window.start, _open_from(ask, opens)).partials, *split(window.start, window.end).partials)
    tails = {_tail(service, window.start)}
    days = set()
    for lo, hi in parts:
        day = utc_day(lo)
        if hi != midnight(day + ONE_DAY):
            tails.add(_tail(service, hi))
        if lo == midnight(day):
            days.add((service, day, day))
        else:
            tails.add(_tail(service, lo))
    return tails, days


def _tail(service: UUID, moment: datetime) -> tuple[UUID, datetime, datetime]:
    """[moment, the next midnight): the edge range the pieces are read for (one per week boundary of a series)."""
    return service, moment, midnight(utc_day(moment) + ONE_DAY)


def _edge(service: UUID, lo: datetime, hi: datetime, fetched: _Fetched) -> tuple[Decimal, int]:
    """Down time and outages started in [lo, hi), a partial UTC day: both add up over disjoint parts of a day, so
    it is its tail less the tail from hi, or (from midnight) the day's total less the tail from hi."""
    day = utc_day(lo)
    end = Edge() if hi == midnight(day + ONE_DAY) else fetched.edges[_tail(service, hi)]
    if lo == midnight(day):
        total = fetched.days[(service, day, day)]
        return Decimal(total[DOWN]) - end.down_us, total[STARTED] - end.started
    start = fetched.edges[_tail(service, lo)]
    return start.down_us - end.down_us, start.started - end.started


def _open_from(ask: Ask, opens: dict[UUID, list[datetime]]) -> datetime:
    """Where the service is down until the window's end because of an outage still open (the end if none)."""
    earliest = (opens.get(ask.service_id) or [None])[0]
    if earliest is None or earliest >= ask.window.end:
        return ask.window.end
    return max(earliest, ask.window.start)


_ZERO = (0,) * (len(SUM_FIELDS) + 2)


def _whole_days(service: UUID, parts: Split, fetched: _Fetched) -> tuple:
    """The sums of the split's whole days (SUM_FIELDS, then outages started and down time)."""
    return _ZERO if parts.first > parts.last else fetched.days[(service, parts.first, parts.last)]


def _availability(ask: Ask, fetched: _Fetched) -> Figure:
    """(agreed − down) / agreed as domain.service_kpis.availability defines it: the union of the resolved outages'
    spans up to where an open outage begins, and from there everything to the window's end."""
    window, service = ask.window, ask.service_id
    down_from = _open_from(ask, fetched.opens)
    down_us = _resolved_down(service, window.start, down_from, fetched) + _micros(window.end - down_from)
    at_start = fetched.edges[_tail(service, window.start)]
    parts = split(window.start, window.end)
    started = _whole_days(service, parts, fetched)[STARTED]
    started += sum(_edge(service, lo, hi, fetched)[1] for lo, hi in parts.partials)
    still_open = bisect_left(fetched.opens.get(service, []), window.end)
    down = Decimal(down_us) / US_PER_MINUTE
    return Figure(ratio_pct(window.minutes - down, window.minutes),
                  at_start.crossing + started - at_start.empty_at + still_open)


def _resolved_down(service: UUID, lo: datetime, hi: datetime, fetched: _Fetched) -> Decimal:
    parts = split(lo, hi)
    total = Decimal(_whole_days(service, parts, fetched)[DOWN])
    return total + sum((_edge(service, start, end, fetched)[0] for start, end in parts.partials), Decimal(0))


def _micros(delta: timedelta) -> int:
    return delta // timedelta(microseconds=1)
