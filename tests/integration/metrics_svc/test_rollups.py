"""The daily rollups equal the pure KPI functions (issue 15): generated incident histories — late and out of order,
redelivered, reopened and resolved again, outages spanning days and overlapping, breaches and ratings — go through
the projector's writers in batches as the consumer applies them (real PostgreSQL); every window, `as_of` and weekly
series read from the rollups equals domain.service_kpis over the whole stored history."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from uuid import UUID, uuid4

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.ext.asyncio import create_async_engine

from continuum import migrations
from continuum.contracts import service as sv
from continuum.operations import discover_services
from continuum_dev.testing.plugin import create_database
from metrics_svc import queries
from metrics_svc.dashboard import read_model
from metrics_svc.domain.service_kpis import service_kpis, usable_incidents
from metrics_svc.domain.windows import Figure, Window
from metrics_svc.projection import reads, rollup_reads, rollups
from metrics_svc.projection.batch import FactBatch
from metrics_svc.projection.projector import WRITERS
from metrics_svc.projection.tables import LIVE

T0 = datetime(2026, 1, 1, tzinfo=UTC)
TOLERANCE = Decimal("1e-9")  # the pure functions sum float-derived minutes; the rollups sum exact microseconds


@pytest.fixture
async def engine(metrics_database):
    engine = create_async_engine(metrics_database)
    yield engine
    await engine.dispose()


offsets = st.integers(0, 60 * 24 * 60 * 60 * 1_000_000).map(lambda us: timedelta(microseconds=us))  # 60 days
# business minutes as service-svc's clocks carry them, or none (an event recorded before calendars: absent, not 0)
business = st.none() | st.just(Decimal(0)) | st.integers(1, 5 * 24 * 60).map(Decimal) \
    | st.decimals(0, 10**6, places=6, allow_nan=False, allow_infinity=False)
durations = st.one_of(st.just(timedelta(0)), st.integers(1, 5 * 24 * 60).map(lambda m: timedelta(minutes=m)),
                      st.integers(1, 10**11).map(lambda us: timedelta(microseconds=us)))


@st.composite
def incident_history(draw, service_id: UUID) -> list[tuple[sv.ServiceEvent, datetime]]:
    """One incident's events (each with its event time) in the order service-svc would publish them."""
    incident_id, opened = uuid4(), T0 + draw(offsets)
    outage = draw(st.booleans())
    events = [(sv.IncidentOpenedV1(service_id=service_id, incident_id=incident_id, priority="P2",
                                   category=draw(st.sampled_from(["db", "net"])), title="t", outage=outage,
                                   detected_at=opened), opened)]
    moment = opened
    if draw(st.booleans()):
        moment += draw(durations)
        events.append((sv.IncidentAcknowledgedV1(service_id=service_id, incident_id=incident_id,
                                                 acknowledged_at=moment, business_minutes=draw(business)), moment))
    for kind in draw(st.lists(st.sampled_from(["response", "resolution"]), max_size=2)):
        contract = sv.IncidentResponseSlaBreachedV1 if kind == "response" else sv.IncidentResolutionSlaBreachedV1
        events.append((contract(service_id=service_id, incident_id=incident_id, priority="P2", target_minutes=30,
                                breached_at=moment), moment))
    for attempt in range(draw(st.integers(0, 3))):
        moment += draw(durations)
        if attempt % 2:  # reopened, then (maybe) resolved again
            events.append((sv.IncidentReopenedV1(service_id=service_id, incident_id=incident_id, reason="again",
                                                 reopened_at=moment), moment))
            continue
        minutes = Decimal(draw(st.sampled_from([0, 0, 15, 90, 1440 * 3]))) if outage else Decimal(0)
        events.append((sv.IncidentResolvedV1(
            service_id=service_id, incident_id=incident_id, resolved_at=moment, resolution_code="fixed",
            outage_minutes=minutes, response_sla_met=draw(st.none() | st.booleans()),
            resolution_sla_met=draw(st.none() | st.booleans()), business_minutes=draw(business)), moment))
    if draw(st.booleans()):
        moment += draw(durations)
        events.append((sv.IncidentCsatRatedV1(service_id=service_id, incident_id=incident_id,
                                              score=draw(st.integers(1, 5))), moment))
    return events


@st.composite
def arrivals(draw, service_id: UUID) -> list[list[tuple[sv.ServiceEvent, datetime]]]:
    """Every incident's events, interleaved in any order (late, out of order, some twice), cut into batches."""
    events = [e for history in draw(st.lists(incident_history(service_id), max_size=10)) for e in history]
    events = draw(st.permutations(events)) if draw(st.booleans()) else events
    events += draw(st.lists(st.sampled_from(events), max_size=3)) if events else []  # redeliveries
    cuts = sorted(draw(st.lists(st.integers(0, len(events)), max_size=4)))
    return [events[a:b] for a, b in zip([0, *cuts], [*cuts, len(events)])]


def close(a: Figure, b: Figure) -> bool:
    if a.based_on != b.based_on or (a.value is None) != (b.value is None):
        return False
    return a.value is None or abs(a.value - b.value) <= TOLERANCE


async def apply(engine, batches) -> None:
    for batch in batches:
        async with engine.begin() as conn:
            facts = FactBatch(conn)
            for event, at in batch:
                await WRITERS[type(event)](facts, LIVE, event, str(uuid4()), at)
            await facts.flush()


async def rollup_rows(engine, service_id: UUID, *, refreshed: bool = False) -> list:
    """The service's rollup rows that hold anything (a day an incident left is kept at zero), optionally derived
    afresh by refresh_services (what migration 0009 and a bulk load run) in a transaction rolled back after."""
    async with engine.connect() as conn:
        if refreshed:
            await rollups.refresh_services(conn, LIVE, [service_id])
        found = []
        for table in (LIVE.service_days, LIVE.service_hours, LIVE.outage_pieces):
            rows = (await conn.execute(sa.select(table).where(table.c.service_id == service_id))).all()
            found.append(sorted((tuple(r) for r in rows if any(v not in (0, None) for v in tuple(r)[2:])), key=repr))
        await conn.rollback()
        return found


FIGURES = ("mtta_minutes", "mttr_minutes", "incident_count", "sla_compliance_pct", "availability_pct", "csat_pct",
           "incident_reduction_pct", "business_mtta_minutes", "business_mttr_minutes")


@settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
async def test_rollup_reads_equal_the_pure_functions_over_the_whole_history(engine, data):
    service_id = uuid4()
    await apply(engine, data.draw(arrivals(service_id), "batches"))
    days = data.draw(st.sampled_from([7, 30, 90]), "days")
    async with engine.connect() as conn:
        history = await reads.incidents_of(conn, LIVE, service_id)
    # as_of anywhere, or so that the window (or one of its weeks) starts or ends near a moment of the history:
    # where an outage crosses an edge, a rating falls just inside, an opening just outside
    anchors = [m for i in history for m in (i.opened_at, i.resolved_at, i.acknowledged_at) if m is not None]
    near = st.tuples(st.sampled_from(anchors or [T0]), st.sampled_from([0, 7, days]),
                     st.integers(-3 * 3600, 3 * 3600)).map(lambda a: a[0] + timedelta(days=a[1], seconds=a[2]))
    as_of = data.draw(st.one_of(near, st.integers(-10, 75 * 24 * 3600).map(lambda s: T0 + timedelta(seconds=s))),
                      "as_of")
    as_of += data.draw(st.sampled_from([timedelta(0), timedelta(microseconds=123_457)]), "fraction")
    async with engine.connect() as conn:
        expected = service_kpis(Window.ending(as_of, days=days), incidents=history, changes=[], operating_costs=[],
                                project_costs=[])
        report = (await queries.service_reports(conn, [service_id], days=days, as_of=as_of))[0]
        grouped = (await rollup_reads.window_sums(conn, LIVE, [service_id], Window.ending(as_of, days=days)))
        weeks, _ = await read_model.service_weeks(conn, service_id, weeks=12, as_of=as_of) if history else ([], [])
    assert await rollup_rows(engine, service_id) == await rollup_rows(engine, service_id, refreshed=True)
    got = report.kpis
    for name in FIGURES:
        assert close(getattr(got, name), getattr(expected, name)), (name, getattr(got, name), getattr(expected, name))
    assert got.weekly_incidents == expected.weekly_incidents and got.problems == expected.problems
    sums = grouped.get(service_id) or rollup_reads.Sums()  # the ranking's grouped sums: the same figures
    for name, figure in (("mtta_minutes", sums.mtta()), ("mttr_minutes", sums.mttr()),
                         ("incident_count", sums.incident_count()), ("sla_compliance_pct", sums.sla_compliance()),
                         ("csat_pct", sums.csat()), ("business_mtta_minutes", sums.business_mtta()),
                         ("business_mttr_minutes", sums.business_mttr())):
        assert close(figure, getattr(expected, name)), (name, figure, getattr(expected, name))
    usable = usable_incidents(history, [])
    for week in weeks:
        pure = read_model.week_of(week.week, usable)
        assert week.incidents == pure.incidents
        for name in ("mttr_minutes", "sla_compliance_pct", "availability_pct"):
            assert close(getattr(week, name), getattr(pure, name)), (week.week, name)


async def test_a_reopened_outage_leaves_its_days_and_comes_back_when_resolved_again(engine):
    """The incident's old contribution is retracted when its fact changes: a 3-day outage, reopened, is down
    until the window's end; resolved again, only its new span counts, cut at each midnight."""
    service_id, incident_id = uuid4(), uuid4()
    opened = T0 + timedelta(hours=20)

    def resolved(at: datetime, minutes: int) -> tuple:
        return (sv.IncidentResolvedV1(service_id=service_id, incident_id=incident_id, resolved_at=at,
                                      resolution_code="fixed", outage_minutes=Decimal(minutes)), at)

    await apply(engine, [[(sv.IncidentOpenedV1(service_id=service_id, incident_id=incident_id, priority="P1",
                                               category="db", title="t", outage=True, detected_at=opened), opened),
                          resolved(opened + timedelta(days=3), 3 * 1440)]])
    as_of = T0 + timedelta(days=7)

    async def availability() -> Figure:
        async with engine.connect() as conn:
            return (await queries.service_reports(conn, [service_id], days=7, as_of=as_of))[0].kpis.availability_pct

    async def pieces() -> int:
        async with engine.connect() as conn:
            return (await conn.execute(sa.select(sa.func.count()).select_from(LIVE.outage_pieces)
                                       .where(LIVE.outage_pieces.c.service_id == service_id))).scalar()

    assert abs((await availability()).value - Decimal(100) * 4 / 7) <= TOLERANCE and await pieces() == 4
    reopened_at = opened + timedelta(days=4)
    await apply(engine, [[(sv.IncidentReopenedV1(service_id=service_id, incident_id=incident_id, reason="back"),
                           reopened_at)]])
    assert abs((await availability()).value - Decimal(100) * 20 / (7 * 24)) <= TOLERANCE and await pieces() == 0
    await apply(engine, [[resolved(opened + timedelta(days=5), 60)]])
    assert abs((await availability()).value - Decimal(100) * (7 * 1440 - 60) / (7 * 1440)) <= TOLERANCE
    assert await pieces() == 1


async def test_migration_0009_derives_the_rollups_of_facts_stored_before_it(infrastructure):
    entry = next(s for s in discover_services() if s.spec.name == "metrics-svc")
    url = await create_database(infrastructure.database_url, f"metrics_{uuid4().hex[:12]}")
    await asyncio.to_thread(migrations.upgrade, migrations_dir=entry.migrations, database_url=url, revision="0008")
    service_id, opened = uuid4(), T0 + timedelta(hours=23)
    engine = create_async_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.execute(sa.text(
                "INSERT INTO kpi_incidents (incident_id, service_id, priority, category, outage, opened_at,"
                " resolved_at, outage_minutes) VALUES (:i, :s, 'P1', 'db', true, :o, :r, 120)"),
                {"i": uuid4(), "s": service_id, "o": opened, "r": opened + timedelta(hours=2)})
        await asyncio.to_thread(migrations.upgrade, migrations_dir=entry.migrations, database_url=url)
        async with engine.connect() as conn:
            days = (await conn.execute(sa.select(LIVE.service_days.c.day, LIVE.service_days.c.opened,
                                                 LIVE.service_days.c.down_us)
                                       .where(LIVE.service_days.c.service_id == service_id)
                                       .order_by(LIVE.service_days.c.day))).all()
            report = (await queries.service_reports(conn, [service_id], days=7, as_of=T0 + timedelta(days=7)))[0]
        assert [(d.day.day, d.opened, d.down_us) for d in days] == [(1, 1, 3600 * 10**6), (2, 0, 3600 * 10**6)]
        assert report.kpis.incident_count.value == 1 and report.kpis.availability_pct.based_on == 1
    finally:
        await engine.dispose()


async def test_two_replicas_adding_incidents_to_one_day_at_once_both_count(engine):
    """Two consumers (replicas sharing partitions of one service) commit incidents of the same day concurrently:
    each recomputes the day after the other's commit (rollups.lock_services), so neither incident is lost."""
    service_id, day = uuid4(), T0 + timedelta(days=3, hours=5)

    def opened(minutes: int) -> tuple:
        at = day + timedelta(minutes=minutes)
        return (sv.IncidentOpenedV1(service_id=service_id, incident_id=uuid4(), priority="P2", category="db",
                                    title="t", outage=False, detected_at=at), at)

    first_flushed = asyncio.Event()

    async def replica(minutes: int, *, wait: bool) -> None:
        async with engine.begin() as conn:
            facts = FactBatch(conn)
            event, at = opened(minutes)
            await WRITERS[type(event)](facts, LIVE, event, str(uuid4()), at)
            if wait:
                await first_flushed.wait()  # the other has recomputed the day and not committed yet
            await facts.flush()
            if not wait:
                first_flushed.set()
                await asyncio.sleep(0.5)

    await asyncio.gather(replica(1, wait=False), replica(2, wait=True))
    async with engine.connect() as conn:
        report = (await queries.service_reports(conn, [service_id], days=7, as_of=T0 + timedelta(days=7)))[0]
    assert report.kpis.incident_count.value == 2


async def test_business_minutes_count_only_where_the_events_carried_them(engine):
    """Business MTTA/MTTR rest on the incidents whose events carried business minutes, beside the wall-clock ones
    over all: one measured on a Mon–Fri 08:00–18:00 calendar (opened Friday 17:00, acknowledged Monday 08:30 and
    resolved 09:00: 90 and 120 business minutes, 3810 and 3840 wall-clock), one recorded before calendars (none:
    left out of the business figures, kept in the wall-clock ones), one reopened (its business minutes leave with
    its resolution, and the next resolution's count instead)."""
    service_id = uuid4()
    friday = datetime(2026, 1, 2, 17, tzinfo=UTC)
    monday = datetime(2026, 1, 5, tzinfo=UTC)
    ids = {"measured": uuid4(), "before calendars": uuid4(), "reopened": uuid4()}

    def opened(which: str, at: datetime) -> tuple:
        return (sv.IncidentOpenedV1(service_id=service_id, incident_id=ids[which], priority="P3", category="db",
                                    title="t", outage=False, detected_at=at), at)

    def acknowledged(which: str, at: datetime, minutes: int | None) -> tuple:
        return (sv.IncidentAcknowledgedV1(service_id=service_id, incident_id=ids[which], acknowledged_at=at,
                                          business_minutes=None if minutes is None else Decimal(minutes)), at)

    def resolved(which: str, at: datetime, minutes: int | None) -> tuple:
        return (sv.IncidentResolvedV1(service_id=service_id, incident_id=ids[which], resolved_at=at,
                                      resolution_code="fixed", response_sla_met=True, resolution_sla_met=True,
                                      business_minutes=None if minutes is None else Decimal(minutes)), at)

    at = monday.replace(hour=14)
    await apply(engine, [[opened("measured", friday), acknowledged("measured", monday.replace(hour=8, minute=30), 90),
                          resolved("measured", monday.replace(hour=9), 120)],
                         [opened("before calendars", monday.replace(hour=10)),
                          acknowledged("before calendars", monday.replace(hour=10, minute=10), None),
                          resolved("before calendars", monday.replace(hour=11), None)],
                         [opened("reopened", monday.replace(hour=12)),
                          acknowledged("reopened", monday.replace(hour=12, minute=20), 20),
                          resolved("reopened", monday.replace(hour=13), 60),
                          (sv.IncidentReopenedV1(service_id=service_id, incident_id=ids["reopened"], reason="again",
                                                 reopened_at=at), at)]])
    as_of = datetime(2026, 1, 8, tzinfo=UTC)

    async def figures() -> tuple:
        async with engine.connect() as conn:
            got = (await queries.service_reports(conn, [service_id], days=7, as_of=as_of))[0].kpis
            pure = service_kpis(Window.ending(as_of, days=7), incidents=await reads.incidents_of(conn, LIVE, service_id),
                                changes=[], operating_costs=[], project_costs=[])
        names = ("mtta_minutes", "business_mtta_minutes", "mttr_minutes", "business_mttr_minutes")
        assert [getattr(got, n) for n in names] == [getattr(pure, n) for n in names]
        return tuple(getattr(got, n) for n in names)

    assert await figures() == (Figure(Decimal(3810 + 10 + 20) / 3, 3), Figure(Decimal(90 + 20) / 2, 2),
                               Figure(Decimal(3840 + 60) / 2, 2), Figure(Decimal(120), 1))
    await apply(engine, [[resolved("reopened", monday.replace(hour=15), 150)]])  # 30 minutes on hold, say
    assert await figures() == (Figure(Decimal(3810 + 10 + 20) / 3, 3), Figure(Decimal(90 + 20) / 2, 2),
                               Figure(Decimal(3840 + 60 + 180) / 3, 3), Figure(Decimal(120 + 150) / 2, 2))
    assert await rollup_rows(engine, service_id) == await rollup_rows(engine, service_id, refreshed=True)
