"""Bounded reads of the incident KPIs (projection.rollups): a window [lo, hi) of business time is its whole UTC days
read from the daily rollups and its partial days at either edge summed from the facts of those days only, so any
window, week or `as_of` costs the same whatever the history. A constant number of statements answers any number
of windows of any number of services."""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import cache, lru_cache
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from metrics_svc.domain.windows import Figure, Problem, Window, ratio_pct
from metrics_svc.projection.reads import any_of, aware
from metrics_svc.projection.rollups import SUM_COLUMNS, USABLE, lateral_sums, midnight, sum_parts, utc_day
from metrics_svc.projection.tables import FactTables

US_PER_MINUTE = Decimal(60_000_000)
ONE_DAY = timedelta(days=1)
SUM_FIELDS = ("opened", "sla_subject", "sla_met", "acknowledged", "ack_us", "resolved", "resolve_us",
              "csat_responses", "csat_positive", "ack_business", "ack_business_us", "resolved_business",
              "resolve_business_us")
STARTED, DOWN = len(SUM_FIELDS), len(SUM_FIELDS) + 1  # a range of whole days' outages started and down time


@dataclass
class Sums:
    """What the incident KPIs of one window add up (durations in microseconds)."""

    opened: int = 0
    sla_subject: int = 0
    sla_met: int = 0
    acknowledged: int = 0
    ack_us: Decimal = Decimal(0)
    resolved: int = 0
    resolve_us: Decimal = Decimal(0)
    csat_responses: int = 0
    csat_positive: int = 0
    ack_business: int = 0  # of the acknowledged, those whose event carried business minutes
    ack_business_us: Decimal = Decimal(0)  # their business minutes, in microseconds
    resolved_business: int = 0
    resolve_business_us: Decimal = Decimal(0)

    def add(self, values: Sequence) -> None:
        (opened, subject, met, acknowledged, ack_us, resolved, resolve_us, responses, positive, ack_business,
         ack_business_us, resolved_business, resolve_business_us) = values[:len(SUM_FIELDS)]
        self.ack_business += ack_business
        self.ack_business_us += ack_business_us
        self.resolved_business += resolved_business
        self.resolve_business_us += resolve_business_us
        self.opened += opened
        self.sla_subject += subject
        self.sla_met += met
        self.acknowledged += acknowledged
        self.ack_us += ack_us
        self.resolved += resolved
        self.resolve_us += resolve_us
        self.csat_responses += responses
        self.csat_positive += positive

    def mtta(self) -> Figure:
        return _mean_minutes(self.ack_us, self.acknowledged)

    def mttr(self) -> Figure:
        return _mean_minutes(self.resolve_us, self.resolved)

    def business_mtta(self) -> Figure:
        return _mean_minutes(self.ack_business_us, self.ack_business)

    def business_mttr(self) -> Figure:
        return _mean_minutes(self.resolve_business_us, self.resolved_business)

    def incident_count(self) -> Figure:
        return Figure(Decimal(self.opened), self.opened)

    def sla_compliance(self) -> Figure:
        return Figure(ratio_pct(self.sla_met, self.sla_subject), self.sla_subject)

    def csat(self) -> Figure:
        return Figure(ratio_pct(self.csat_positive, self.csat_responses), self.csat_responses)


def _mean_minutes(total_us: Decimal, count: int) -> Figure:
    return Figure(None if not count else Decimal(total_us) / US_PER_MINUTE / count, count)


@dataclass(frozen=True)
class Split:
    """[lo, hi) as whole UTC days (first..last, inclusive; none when first > last) and partial ranges."""

    first: date
    last: date
    partials: tuple[tuple[datetime, datetime], ...]


@lru_cache(maxsize=8192)  # the same windows for every service of a list
def split(lo: datetime, hi: datetime) -> Split:
    if hi <= lo:
        return Split(date.max, date.min, ())
    start_day, end_day = utc_day(lo), utc_day(hi)
    first = start_day if midnight(start_day) == lo else start_day + ONE_DAY
    last = end_day - ONE_DAY
    if first > last:  # no whole day: at most two partial ranges around one midnight
        cut = midnight(end_day)
        parts = ((lo, hi),) if start_day == end_day else tuple((a, b) for a, b in ((lo, cut), (cut, hi)) if a < b)
        return Split(date.max, date.min, parts)
    parts = tuple(part for part in ((lo, midnight(first)), (midnight(last + ONE_DAY), hi)) if part[0] < part[1])
    return Split(first, last, parts)


@dataclass(frozen=True)
class Edge:
    """What the outage pieces of one day say about [lo, hi) within it, summed in the database: the union of their
    down time there, the outages starting there, and at `lo` the outages crossing it and the empty ones at it."""

    down_us: Decimal = Decimal(0)
    started: int = 0
    crossing: int = 0
    empty_at: int = 0


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


@dataclass
class _Fetched:
    days: dict[tuple[UUID, date, date], tuple] = field(default_factory=dict)  # the sums of a range of whole days
    partials: dict[tuple[UUID, datetime, datetime], tuple] = field(default_factory=dict)
    edges: dict[tuple[UUID, datetime, datetime], Edge] = field(default_factory=dict)
    opens: dict[UUID, list[datetime]] = field(default_factory=dict)
    faults: dict[UUID, str] = field(default_factory=dict)


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


@cache
def _open_outages_and_faults_statement(t: FactTables) -> sa.TextClause:
    return sa.text(
        f"SELECT i.service_id, i.opened_at, NULL AS fault FROM {t.incidents.name} i WHERE i.service_id = ANY(:ids)"
        f" AND i.outage AND i.resolved_at IS NULL AND {USABLE}"
        f" UNION ALL SELECT p.service_id, NULL, min(p.fault) FROM {t.outage_pieces.name} p"
        " WHERE p.service_id = ANY(:ids) AND p.fault IS NOT NULL GROUP BY p.service_id ORDER BY 2")


async def _open_outages_and_faults(conn: AsyncConnection, t: FactTables, services: list[UUID]
                                   ) -> tuple[dict[UUID, list[datetime]], dict[UUID, str]]:
    """Each service's open outages (their openings, in order) and why its availability cannot be computed (an
    outage span that overflows), in one statement (both by partial indexes)."""
    opens: dict[UUID, list[datetime]] = defaultdict(list)
    found_faults: dict[UUID, str] = {}
    if not services:
        return opens, found_faults
    for service_id, opened_at, fault in await conn.execute(_open_outages_and_faults_statement(t),
                                                           {"ids": services}):
        if fault is not None:
            found_faults[service_id] = fault
        else:
            opens[service_id].append(aware(opened_at))
    return opens, found_faults


async def opened_counts(conn: AsyncConnection, t: FactTables, services: list[UUID], window: Window
                        ) -> dict[UUID, int]:
    """Each service's incidents opened in one window, summed in the database (for the portfolio's many services)."""
    if not services:
        return {}
    parts = split(window.start, window.end)
    counts: dict[UUID, int] = defaultdict(int)
    if parts.first <= parts.last:
        d = t.service_days.c
        rows = await conn.execute(sa.select(d.service_id, sa.func.sum(d.opened)).where(
            any_of(d.service_id, services), d.day >= parts.first, d.day <= parts.last).group_by(d.service_id))
        for service_id, opened in rows:
            counts[service_id] += int(opened)
    for lo, hi in parts.partials:
        rows = await conn.execute(sa.text(
            f"SELECT i.service_id, count(*) FROM {t.incidents.name} i WHERE i.service_id = ANY(:ids)"
            f" AND i.opened_at >= :lo AND i.opened_at < :hi AND {USABLE} GROUP BY i.service_id"),
            {"ids": services, "lo": lo, "hi": hi})
        for service_id, opened in rows:
            counts[service_id] += opened
    return counts


async def window_sums(conn: AsyncConnection, t: FactTables, services: list[UUID], window: Window
                      ) -> dict[UUID, Sums]:
    """Many services' incident sums over one window, grouped by service in the database (a ranking of every
    service): the whole days, the whole hours of its partial days, and the minutes at its edges, at most seven
    statements whatever the number of services. The same sums as `answer` (test_rollups holds them equal)."""
    found: dict[UUID, Sums] = defaultdict(Sums)
    if not services:
        return found
    parts = split(window.start, window.end)
    if parts.first <= parts.last:
        await _add_grouped(conn, _grouped_statement(t.service_days.name, "day"), found,
                           {"ids": services, "lo": parts.first, "hi": parts.last + ONE_DAY})
    for lo, hi in parts.partials:
        hours, edges = split_hours(lo.astimezone(UTC), hi.astimezone(UTC))
        if hours is not None:
            await _add_grouped(conn, _grouped_statement(t.service_hours.name, "hour"), found,
                               {"ids": services, "lo": hours[0], "hi": hours[1]})
        for a, b in edges:
            await _add_grouped(conn, _grouped_incidents_statement(t), found, {"ids": services, "lo": a, "hi": b})
    return found


async def _add_grouped(conn: AsyncConnection, statement: sa.TextClause, found: dict[UUID, Sums], params: dict
                       ) -> None:
    for service_id, *values in await conn.execute(statement, params):
        found[service_id].add(values)


@cache
def _grouped_statement(table: str, key: str) -> sa.TextClause:
    sums = ", ".join(f"sum(r.{name})" for name in SUM_FIELDS)
    return sa.text(f"SELECT r.service_id, {sums} FROM {table} r WHERE r.service_id = ANY(:ids)"
                   f" AND r.{key} >= :lo AND r.{key} < :hi GROUP BY r.service_id")


@cache
def _grouped_incidents_statement(t: FactTables) -> sa.TextClause:
    """The incident sums of [lo, hi) per service (lateral_sums' figures, grouped): one index range a moment."""
    def part(moment: str, values: str, where: str = "") -> str:
        return (f"SELECT i.service_id, {values} FROM {t.incidents.name} i WHERE i.service_id = ANY(:ids)"
                f" AND i.{moment} >= :lo AND i.{moment} < :hi AND {USABLE}{where}")

    parts = sum_parts(part)
    names = ", ".join(f"v{n}" for n in range(len(SUM_FIELDS)))
    sums = ", ".join(f"sum(x.v{n})" for n in range(len(SUM_FIELDS)))
    return sa.text(f"SELECT x.service_id, {sums} FROM ({parts}) AS x(service_id, {names}) GROUP BY x.service_id")


async def faults(conn: AsyncConnection, t: FactTables, services: list[UUID]) -> dict[UUID, str]:
    """Services whose availability cannot be computed (an outage span that overflows), with the reason."""
    if not services:
        return {}
    p = t.outage_pieces.c
    rows = await conn.execute(sa.select(p.service_id, sa.func.min(p.fault))
                              .where(any_of(p.service_id, services), p.fault.is_not(None)).group_by(p.service_id))
    return dict(rows.all())


@cache
def _days_statement(t: FactTables) -> sa.TextClause:
    sums = ", ".join(f"coalesce(sum(d.{name}), 0)" for name in (*SUM_FIELDS, "outages_started", "down_us"))
    return sa.text(
        "SELECT r.key, x.* FROM unnest(CAST(:keys AS int[]), CAST(:ids AS uuid[]), CAST(:firsts AS date[]),"
        " CAST(:lasts AS date[])) AS r(key, service_id, f, l)"
        f" CROSS JOIN LATERAL (SELECT {sums} FROM {t.service_days.name} d"
        " WHERE d.service_id = r.service_id AND d.day BETWEEN r.f AND r.l) x")


async def _days(conn: AsyncConnection, t: FactTables, ranges: list[tuple[UUID, date, date]]) -> dict[tuple, tuple]:
    """The sums of the daily rollup rows of each range of whole days (first..last): a row per range, summed by a
    primary-key range scan, however many days or services."""
    if not ranges:
        return {}
    rows = await conn.execute(_days_statement(t), {
        "keys": list(range(len(ranges))), "ids": [r[0] for r in ranges], "firsts": [r[1] for r in ranges],
        "lasts": [r[2] for r in ranges]})
    return {ranges[row[0]]: tuple(row[1:]) for row in rows}


@lru_cache(maxsize=8192)
def split_hours(lo: datetime, hi: datetime) -> tuple[tuple[datetime, datetime] | None, list[tuple[datetime, datetime]]]:
    """A partial day [lo, hi) as whole UTC hours (a range, or None) and the partial hours at its edges."""
    first = lo.replace(minute=0, second=0, microsecond=0)
    first = first if first == lo else first + ONE_HOUR
    last = hi.replace(minute=0, second=0, microsecond=0)
    if first >= last:
        return None, [(lo, hi)]
    return (first, last), [part for part in ((lo, first), (last, hi)) if part[0] < part[1]]


ONE_HOUR = timedelta(hours=1)


async def _partial_days(conn: AsyncConnection, t: FactTables, ranges: list[tuple[UUID, datetime, datetime]]
                        ) -> dict[tuple, tuple]:
    """Each partial day's sums: its whole hours summed from the hourly rollups, the minutes at its edges from the
    facts (each a row per range, however busy the day). An edge that is the head or the tail of its hour is read
    as the shorter of the two, the other being the hour's total less it: a week boundary of a series reads at
    most half an hour of incidents, once for both weeks it divides."""
    plans = {r: split_hours(r[1].astimezone(UTC), r[2].astimezone(UTC)) for r in ranges}
    whole = {(r[0], *hours) for r, (hours, _) in plans.items() if hours is not None}
    reads_of = {(r[0], lo, hi): _edge_read(lo, hi) for r, (_, edges) in plans.items() for lo, hi in edges}
    whole |= {(key[0], *hour) for key, (_, hour) in reads_of.items() if hour is not None}
    hourly = await _hours(conn, t, sorted(whole))
    edges = await _partials(conn, t, sorted({(key[0], *read) for key, (read, _) in reads_of.items()}))
    found = {}
    for r, (hours, parts) in plans.items():
        sums = Sums()
        if hours is not None:
            sums.add(hourly[(r[0], *hours)])
        for lo, hi in parts:
            read, hour = reads_of[(r[0], lo, hi)]
            sums.add(edges[(r[0], *read)] if hour is None else
                     tuple(a - b for a, b in zip(hourly[(r[0], *hour)], edges[(r[0], *read)])))
        found[r] = tuple(getattr(sums, name) for name in SUM_FIELDS)
    return found


def _edge_read(lo: datetime, hi: datetime) -> tuple[tuple[datetime, datetime], tuple[datetime, datetime] | None]:
    """What to read for the edge [lo, hi) within one hour: itself (and None), or the rest of its hour when that is
    shorter (and the hour, whose total less the rest is the edge)."""
    hour = lo.replace(minute=0, second=0, microsecond=0)
    end = hour + ONE_HOUR
    if hi - lo <= ONE_HOUR / 2 or not (lo == hour or hi == end):
        return (lo, hi), None
    return ((hi, end) if lo == hour else (hour, lo)), (hour, end)


@cache
def _hours_statement(t: FactTables) -> sa.TextClause:
    sums = ", ".join(f"coalesce(sum(h.{name}), 0)" for name in SUM_FIELDS)
    return sa.text(
        f"SELECT d.key, x.* FROM unnest(CAST(:keys AS int[]), CAST(:ids AS uuid[]), CAST(:los AS timestamptz[]),"
        " CAST(:his AS timestamptz[])) AS d(key, service_id, lo, hi)"
        f" CROSS JOIN LATERAL (SELECT {sums} FROM {t.service_hours.name} h"
        " WHERE h.service_id = d.service_id AND h.hour >= d.lo AND h.hour < d.hi) x")


async def _hours(conn: AsyncConnection, t: FactTables, ranges: list[tuple[UUID, datetime, datetime]]
                 ) -> dict[tuple[UUID, datetime, datetime], tuple]:
    """The sums of the hourly rollup rows of each range of whole hours (a primary-key range scan each)."""
    if not ranges:
        return {}
    rows = await conn.execute(_hours_statement(t), {
        "keys": list(range(len(ranges))), "ids": [r[0] for r in ranges], "los": [r[1] for r in ranges],
        "his": [r[2] for r in ranges]})
    return {ranges[row[0]]: tuple(row[1:]) for row in rows}


@cache
def _partials_statement(t: FactTables) -> sa.TextClause:
    return sa.text(
        f"SELECT d.key, {SUM_COLUMNS} FROM unnest(CAST(:keys AS int[]), CAST(:ids AS uuid[]),"
        " CAST(:los AS timestamptz[]), CAST(:his AS timestamptz[])) AS d(key, service_id, lo, hi)"
        f" {lateral_sums(t.incidents.name)}")


async def _partials(conn: AsyncConnection, t: FactTables, ranges: list[tuple[UUID, datetime, datetime]]
                    ) -> dict[tuple, tuple]:
    if not ranges:
        return {}
    rows = await conn.execute(_partials_statement(t), {
        "keys": list(range(len(ranges))), "ids": [r[0] for r in ranges], "los": [r[1] for r in ranges],
        "his": [r[2] for r in ranges]})
    return {ranges[row[0]]: tuple(row[1:]) for row in rows}


@cache
def _edges_statement(t: FactTables) -> sa.TextClause:
    """Per (key, service, lo, hi): the Edge of [lo, hi) from the outage pieces of lo's day (where every outage
    overlapping the range, or crossing lo, has a piece), aggregated here so that a busy day returns one row. Every
    piece an Edge counts ends at or after lo (a piece ends at or after its start), which the index on
    (service_id, day, piece_end) finds without the day's earlier pieces."""
    return sa.text(f"""
        SELECT d.key, coalesce((SELECT sum(extract(epoch FROM upper(m) - lower(m)) * 1000000)
                                FROM unnest(x.down) m), 0), x.started, x.crossing, x.empty_at
        FROM unnest(CAST(:keys AS int[]), CAST(:ids AS uuid[]), CAST(:los AS timestamptz[]),
                    CAST(:his AS timestamptz[])) AS d(key, service_id, lo, hi)
        CROSS JOIN LATERAL (
            SELECT range_agg(tstzrange(greatest(p.piece_start, d.lo), least(p.piece_end, d.hi)))
                     FILTER (WHERE p.piece_start < p.piece_end AND p.piece_start < d.hi AND p.piece_end > d.lo)
                     AS down,
                   count(*) FILTER (WHERE p.first AND p.span_start >= d.lo AND p.span_start < d.hi) AS started,
                   count(*) FILTER (WHERE p.span_start < d.lo AND d.lo < p.span_end) AS crossing,
                   count(*) FILTER (WHERE p.first AND p.span_start = d.lo AND p.span_end = d.lo) AS empty_at
            FROM {t.outage_pieces.name} p
            WHERE p.service_id = d.service_id AND p.day = (d.lo AT TIME ZONE 'UTC')::date AND p.piece_end >= d.lo
              AND p.fault IS NULL) x
    """)


async def _edges(conn: AsyncConnection, t: FactTables, ranges: list[tuple[UUID, datetime, datetime]]
                 ) -> dict[tuple[UUID, datetime, datetime], Edge]:
    if not ranges:
        return {}
    rows = await conn.execute(_edges_statement(t), {
        "keys": list(range(len(ranges))), "ids": [r[0] for r in ranges], "los": [r[1] for r in ranges],
        "his": [r[2] for r in ranges]})
    return {ranges[key]: Edge(Decimal(down), started, crossing, empty_at)
            for key, down, started, crossing, empty_at in rows}
