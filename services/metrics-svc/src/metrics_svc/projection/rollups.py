"""Daily rollups of the incident facts, maintained in the consumer's transaction: what every incident KPI sums, per
service and UTC day, so that a window, a weekly series or any `as_of` reads a bounded number of rows.

A rollup row moves by what the facts say, never by what the event says. When incidents' facts change (opened,
acknowledged, resolved, reopened, breached, rated — in any order, late or twice), their contributions to each day
and hour are read by the same SQL before and after the batch's writes, and the difference is added to the rows
(one statement per batch): the incident's old contribution leaves with its old day and its new one arrives with
its new day, a redelivery or a reopen changes nothing but what the facts say, and a batch costs what its incidents
touch, never the history of the days they fall on (a shuffled import touches every day). Additions commute, so two
transactions adding to one day both count. Availability needs the union of outages, which does not add up: each
resolved outage's span (domain.service_kpis.outage_span) is kept cut at every UTC midnight (`outage_pieces`), and a
day's down time is the union of its pieces. Open outages stay in the incident facts (a partial index finds them).
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert

from metrics_svc.domain.facts import IncidentFact
from metrics_svc.domain.service_kpis import outage_span, usable_incidents
from metrics_svc.domain.windows import COMPUTE_ERRORS
from metrics_svc.projection.reads import incident_facts
from metrics_svc.projection.tables import NOT_FINITE, FactTables, usable_sql

DayKey = tuple[UUID, date]
MAX_OUTAGE_DAYS = 3660  # an outage span longer than ten years is not cut into days; its availability is null
SUM_NAMES = ("opened", "sla_subject", "sla_met", "acknowledged", "ack_us", "resolved", "resolve_us",
             "csat_responses", "csat_positive", "ack_business", "ack_business_us", "resolved_business",
             "resolve_business_us")


def midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


def utc_day(moment: datetime) -> date:
    return moment.astimezone(UTC).date()


def utc_hour(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def pieces_of(fact: IncidentFact) -> list[dict[str, Any]]:
    """A resolved outage's span cut at each UTC midnight; a span that is empty or reversed is one piece (it counts,
    as the pure function counts it, but holds no down time); a span that cannot be computed is one piece naming the
    fault. An unusable incident, an open outage or an incident without outage has none."""
    if not fact.outage or fact.resolved_at is None or not usable_incidents([fact], []):
        return []
    try:
        start, end = outage_span(fact)
    except COMPUTE_ERRORS as error:
        return [_piece(fact, fact.opened_at, fact.opened_at, first=False,
                       fault=f"could not be computed from the stored facts ({type(error).__name__})")]
    if end <= start:
        return [_piece(fact, start, end, first=True, day=utc_day(start), piece=(start, start))]
    first_day, last_day = utc_day(start), utc_day(end - timedelta(microseconds=1))
    if (last_day - first_day).days > MAX_OUTAGE_DAYS:
        return [_piece(fact, start, end, first=False, fault="an outage longer than ten years is not computed")]
    return [_piece(fact, start, end, first=day == first_day, day=day,
                   piece=(max(start, midnight(day)), min(end, midnight(day + timedelta(days=1)))))
            for day in (first_day + timedelta(days=n) for n in range((last_day - first_day).days + 1))]


def _piece(fact: IncidentFact, start: datetime, end: datetime, *, first: bool, day: date | None = None,
           piece: tuple[datetime, datetime] | None = None, fault: str | None = None) -> dict[str, Any]:
    piece = piece or (start, start)
    return {"incident_id": fact.incident_id, "day": day or utc_day(fact.opened_at), "service_id": fact.service_id,
            "piece_start": piece[0], "piece_end": piece[1], "span_start": start, "span_end": end, "first": first,
            "fault": fault}


USABLE = usable_sql("i")
"""SQL (alias i) for an incident every figure may use: domain.service_kpis.usable_incidents."""
BREACHED = ("(i.response_breached OR i.resolution_breached OR i.response_sla_met IS FALSE"
            " OR i.resolution_sla_met IS FALSE)")
SUBJECT = f"(i.response_sla_met IS NOT NULL OR i.resolution_sla_met IS NOT NULL OR {BREACHED})"


def measured(column: str) -> str:
    """SQL: the event carried business minutes (domain.service_kpis.measured: null, or not finite, is absent)."""
    return f"(i.{column} IS NOT NULL AND i.{column} NOT IN {NOT_FINITE})"


def business_us(column: str) -> str:
    """SQL: the business minutes in microseconds where measured, else 0 (exact: numeric)."""
    return f"CASE WHEN {measured(column)} THEN i.{column} * 60000000 ELSE 0 END"


def lateral_sums(incidents: str) -> str:
    """Per row of `d` (service_id, lo, hi): the incident sums of [lo, hi), as IncidentFact's KPIs define them."""
    def over(moment: str, columns: str) -> str:
        return (f"CROSS JOIN LATERAL (SELECT {columns} FROM {incidents} i WHERE i.service_id = d.service_id"
                f" AND i.{moment} >= d.lo AND i.{moment} < d.hi AND {USABLE})")

    def micros(moment: str) -> str:
        return f"coalesce(sum(extract(epoch FROM i.{moment} - i.opened_at) * 1000000), 0) AS us"

    def business(column: str) -> str:
        return (f"count(*) FILTER (WHERE {measured(column)}) AS bn,"
                f" coalesce(sum({business_us(column)}), 0) AS bus")

    return "\n".join([
        over("opened_at", f"count(*) AS n, count(*) FILTER (WHERE {SUBJECT}) AS subject, "
                          f"count(*) FILTER (WHERE {SUBJECT} AND NOT {BREACHED}) AS met") + " o",
        over("acknowledged_at", f"count(*) AS n, {micros('acknowledged_at')}, {business('ack_business_minutes')}")
        + " a",
        over("resolved_at", f"count(*) AS n, {micros('resolved_at')}, {business('resolve_business_minutes')}")
        + " r",
        over("csat_at", "count(*) FILTER (WHERE i.csat IS NOT NULL) AS n, "
                        "count(*) FILTER (WHERE i.csat >= 4) AS positive") + " c",
    ])


SUM_COLUMNS = "o.n, o.subject, o.met, a.n, a.us, r.n, r.us, c.n, c.positive, a.bn, a.bus, r.bn, r.bus"


Sums = dict[tuple[UUID, Any], list[Any]]


@dataclass
class Touched:
    """What some incidents contribute to the daily and hourly sums, as stored before they change."""

    days: Sums = field(default_factory=dict)
    hours: Sums = field(default_factory=dict)


async def contributions(conn, t: FactTables, incident_ids: Collection[UUID]) -> Touched:
    """The incidents' sums per (service, day) and (service, hour), by the SQL that derives the rollups."""
    found = Touched()
    if incident_ids:
        ids = list(incident_ids)
        for sums, hourly in ((found.days, False), (found.hours, True)):
            for row in await conn.execute(contribution_statement(t, hourly=hourly), {"ids": ids}):
                sums[(row[0], row[1])] = list(row[2:])
    return found



async def maintain(conn, t: FactTables, incident_ids: Collection[UUID], before: Touched) -> None:
    """After some incidents' facts changed: what they contribute now less what they did (`before`) added to every
    day and hour, their outage pieces replaced, and the days whose pieces changed given their down time again."""
    if not incident_ids:
        return
    ids = list(incident_ids)
    after = await contributions(conn, t, ids)
    c = t.incidents.c
    outages = await incident_facts(conn, t, sa.and_(c.incident_id.in_(ids), c.outage))
    services = {s for s, _ in (*before.days, *after.days, *before.hours, *after.hours)}
    await lock_services(conn, services)
    await add(conn, t.service_days, "day", _difference(after.days, before.days))
    await add(conn, t.service_hours, "hour", _difference(after.hours, before.hours))
    removed = await conn.execute(sa.delete(t.outage_pieces).where(t.outage_pieces.c.incident_id.in_(ids))
                                 .returning(t.outage_pieces.c.service_id, t.outage_pieces.c.day))
    dirty = {(row.service_id, row.day) for row in removed}
    pieces = [piece for fact in outages for piece in pieces_of(fact)]
    if pieces:
        await conn.execute(pg_insert(t.outage_pieces), pieces)
        dirty |= {(p["service_id"], p["day"]) for p in pieces}
    await recompute_outages(conn, t, dirty)
    if after.days or after.hours:
        known = sorted({s for s, _ in (*after.days, *after.hours)})
        await conn.execute(pg_insert(t.known_services).on_conflict_do_nothing(), [{"service_id": s} for s in known])


def _difference(after: Sums, before: Sums) -> Sums:
    changed = {}
    for key in after.keys() | before.keys():
        new, old = after.get(key), before.get(key)
        delta = [a - b for a, b in zip(new or [0] * len(SUM_NAMES), old or [0] * len(SUM_NAMES), strict=True)]
        if any(delta):
            changed[key] = delta
    return changed


async def add(conn, table: sa.Table, bucket: str, deltas: Sums) -> None:
    """Each (service, bucket)'s sums moved by its delta, in one order for every writer (no deadlock between them)."""
    if deltas:
        keys = sorted(deltas)
        columns = {f"v{n}": [deltas[k][n] for k in keys] for n in range(len(SUM_NAMES))}
        await conn.execute(add_statement(table, bucket), {"ids": [s for s, _ in keys], "buckets": [b for _, b in keys],
                                                          **columns})


@cache
def add_statement(table: sa.Table, bucket: str) -> sa.TextClause:
    kind = "date" if bucket == "day" else "timestamptz"
    arrays = ", ".join(f"CAST(:v{n} AS {'numeric' if name.endswith('_us') else 'bigint'}[])"
                       for n, name in enumerate(SUM_NAMES))
    return sa.text(f"""
        INSERT INTO {table.name} (service_id, {bucket}, {", ".join(SUM_NAMES)})
        SELECT * FROM unnest(CAST(:ids AS uuid[]), CAST(:buckets AS {kind}[]), {arrays})
        ON CONFLICT (service_id, {bucket}) DO UPDATE
        SET {", ".join(f"{c} = {table.name}.{c} + excluded.{c}" for c in SUM_NAMES)}""")


@cache
def contribution_statement(t: FactTables, *, hourly: bool) -> sa.TextClause:
    """The sums of the incidents `ids` per day (or hour): bulk_sums_statement's passes over just them."""
    return sa.text(_sums_select(t, hourly=hourly, where="i.incident_id = ANY(:ids)"))


@cache
def recompute_outages_statement(t: FactTables) -> sa.TextClause:
    """The outages started and down time of each (service, day) of the arrays `ids`, `days`, from its pieces."""
    return sa.text(f"""
        INSERT INTO {t.service_days.name} (service_id, day, outages_started, down_us)
        SELECT d.service_id, d.day, p.started,
               coalesce((SELECT sum(extract(epoch FROM upper(m) - lower(m)) * 1000000) FROM unnest(p.down) m), 0)
        FROM unnest(CAST(:ids AS uuid[]), CAST(:days AS date[])) AS d(service_id, day)
        CROSS JOIN LATERAL (SELECT count(*) FILTER (WHERE p.first AND p.fault IS NULL) AS started,
                                   range_agg(tstzrange(p.piece_start, p.piece_end))
                                     FILTER (WHERE p.piece_start < p.piece_end AND p.fault IS NULL) AS down
                            FROM {t.outage_pieces.name} p WHERE p.service_id = d.service_id AND p.day = d.day) p
        ON CONFLICT (service_id, day) DO UPDATE
        SET outages_started = excluded.outages_started, down_us = excluded.down_us
    """)


async def recompute_outages(conn, t: FactTables, dirty: Collection[DayKey]) -> None:
    if dirty:
        ordered = sorted(dirty)
        await conn.execute(recompute_outages_statement(t), {"ids": [s for s, _ in ordered],
                                                           "days": [d for _, d in ordered]})


LOCK_SERVICES = sa.text("SELECT pg_advisory_xact_lock(hashtextextended('rollups:' || id::text, 0)) "
                        "FROM unnest(CAST(:ids AS uuid[])) AS id ORDER BY id")


async def lock_services(conn, service_ids: Collection[UUID]) -> None:
    """Until commit, one transaction at a time recomputes a service's rollups. A day is recomputed from the facts
    its statement sees: without the lock, two replicas adding incidents to one day at once would each write the day
    without the other's incident. Taken in one order, so replicas never deadlock on it; the recomputation after it
    reads what the other committed (read committed: each statement sees what was committed before it began)."""
    if service_ids:
        await conn.execute(LOCK_SERVICES, {"ids": sorted(service_ids)})


async def refresh_services(conn, t: FactTables, service_ids: Collection[UUID], *, chunk: int = 5000) -> None:
    """Every rollup of these services derived again from their facts (facts stored without the projector: migration
    0009's backfill, a bulk load, a test's rows), in a few grouped passes over them, however many they are. The same
    sums as the consumer's recomputation (tests/integration/metrics_svc/test_rollups.py holds them equal)."""
    ids = list(service_ids)
    for table in (t.service_days, t.service_hours, t.outage_pieces):
        await conn.execute(sa.delete(table).where(table.c.service_id.in_(ids)))
    await conn.execute(bulk_sums_statement(t, hourly=False), {"ids": ids})
    await conn.execute(bulk_sums_statement(t, hourly=True), {"ids": ids})
    c = t.incidents.c
    outages = await incident_facts(conn, t, sa.and_(c.service_id.in_(ids), c.outage, c.resolved_at.is_not(None)))
    pieces = [piece for fact in outages for piece in pieces_of(fact)]
    for start in range(0, len(pieces), chunk):
        await conn.execute(pg_insert(t.outage_pieces), pieces[start:start + chunk])
    await conn.execute(bulk_outages_statement(t), {"ids": ids})
    known = (await conn.execute(sa.select(c.service_id).where(c.service_id.in_(ids)).distinct())).scalars().all()
    if known:
        await conn.execute(pg_insert(t.known_services).on_conflict_do_nothing(), [{"service_id": s} for s in known])


@cache
def bulk_sums_statement(t: FactTables, *, hourly: bool) -> sa.TextClause:
    """Every day's (or hour's) sums of the services `ids`, grouped in one pass per moment (see lateral_sums)."""
    table, key = (t.service_hours.name, "hour") if hourly else (t.service_days.name, "day")
    return sa.text(f"INSERT INTO {table} (service_id, {key}, {', '.join(SUM_NAMES)}) "
                   + _sums_select(t, hourly=hourly, where="i.service_id = ANY(:ids)"))


def sum_parts(part: Callable[..., str]) -> str:
    """The incident sums in SUM_NAMES' order as a UNION ALL of one SELECT per moment (opened, acknowledged,
    resolved, rated): `part(moment, values, extra="")` is the caller's SELECT of the incidents of one moment."""
    def micros(moment: str) -> str:
        return f"extract(epoch FROM i.{moment} - i.opened_at) * 1000000"

    flag = "CASE WHEN {} THEN 1 ELSE 0 END".format
    ack = f"{flag(measured('ack_business_minutes'))}, {business_us('ack_business_minutes')}"
    resolve = f"{flag(measured('resolve_business_minutes'))}, {business_us('resolve_business_minutes')}"
    return " UNION ALL ".join([
        part("opened_at", f"1, {flag(SUBJECT)}, {flag(f'{SUBJECT} AND NOT {BREACHED}')}, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0"),
        part("acknowledged_at", f"0, 0, 0, 1, {micros('acknowledged_at')}, 0, 0, 0, 0, {ack}, 0, 0"),
        part("resolved_at", f"0, 0, 0, 0, 0, 1, {micros('resolved_at')}, 0, 0, 0, 0, {resolve}"),
        part("csat_at", f"0, 0, 0, 0, 0, 0, 0, 1, {flag('i.csat >= 4')}, 0, 0, 0, 0", " AND i.csat IS NOT NULL"),
    ])


def _sums_select(t: FactTables, *, hourly: bool, where: str) -> str:
    """(service_id, bucket, the SUM_NAMES sums) of the incidents `where` selects, per day or hour."""
    def bucket(moment: str) -> str:
        utc = f"(i.{moment} AT TIME ZONE 'UTC')"
        return f"date_trunc('hour', {utc}) AT TIME ZONE 'UTC'" if hourly else f"{utc}::date"

    def part(moment: str, values: str, extra: str = "") -> str:
        return (f"SELECT i.service_id, {bucket(moment)} AS b, {values} FROM {t.incidents.name} i"
                f" WHERE {where} AND i.{moment} IS NOT NULL AND {USABLE}{extra}")

    parts = sum_parts(part)
    sums = ", ".join(f"sum(x.v{n})" for n in range(len(SUM_NAMES)))
    names = ", ".join(f"v{n}" for n in range(len(SUM_NAMES)))
    return (f"SELECT x.service_id, x.b, {sums} FROM ({parts}) AS x(service_id, b, {names})"
            " GROUP BY x.service_id, x.b")


@cache
def bulk_outages_statement(t: FactTables) -> sa.TextClause:
    """Every day's outages started and down time of the services `ids`, from their pieces (see recompute_statement)."""
    return sa.text(f"""
        INSERT INTO {t.service_days.name} (service_id, day, outages_started, down_us)
        SELECT g.service_id, g.day, g.started,
               coalesce((SELECT sum(extract(epoch FROM upper(m) - lower(m)) * 1000000) FROM unnest(g.down) m), 0)
        FROM (SELECT p.service_id, p.day, count(*) FILTER (WHERE p.first AND p.fault IS NULL) AS started,
                     range_agg(tstzrange(p.piece_start, p.piece_end))
                       FILTER (WHERE p.piece_start < p.piece_end AND p.fault IS NULL) AS down
              FROM {t.outage_pieces.name} p WHERE p.service_id = ANY(:ids) GROUP BY p.service_id, p.day) g
        ON CONFLICT (service_id, day) DO UPDATE
        SET outages_started = excluded.outages_started, down_us = excluded.down_us
    """)
