"""One bad fact never fails a read for others (issue 14 item 4, H2): facts the write side should never have let in —
±infinity timestamps (asyncpg reads them back naive), a cost in year 1 — are stored straight into the fact tables
of a running metrics-svc next to good ones; every list, the portfolio and the dashboard's reads answer 200 with
the good items intact and the bad ones flagged; an SLA withdrawn while a list is read never makes it 404; and no
row the tables can hold makes a KPI read fail."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from uuid import UUID, uuid4

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import create_async_engine

from continuum.config import ConsumerSettings
from metrics_svc.bootstrap import SPEC
from metrics_svc.config import Config
from metrics_svc.main import create_app
from metrics_svc.projection import rollups
from metrics_svc.projection.tables import LIVE
from tests.support.apps import serving, settings_for
from tests.unit.metrics_svc import stored_facts as sf

AS_OF = datetime(2026, 3, 1, tzinfo=UTC)
MINUS_INFINITY, INFINITY = sa.text("'-infinity'::timestamptz"), sa.text("'infinity'::timestamptz")
LISTS = ("/kpis/services?limit=200", "/kpis/projects?limit=200", "/kpis/handovers?limit=200", "/kpis/portfolio")


@pytest.fixture
async def metrics(metrics_database, kafka_settings, auth_settings):
    """metrics-svc serving its reads with its consumer off: the fact tables hold only what a test stores (with it
    on, a new consumer group reads every earlier test's events from offset 0)."""
    config = settings_for(Config, database_url=metrics_database, kafka=kafka_settings, auth=auth_settings)
    config = config.model_copy(update={"consumer": ConsumerSettings(enabled=False)})
    app = create_app(config, spec=replace(SPEC, name=f"metrics-svc-{uuid4().hex[:8]}"))
    async with serving(app) as client:
        yield app, client


@pytest.fixture
def reader(issue_token) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_token('viewer')}"}


@pytest.fixture
async def facts(metrics_database):
    engine = create_async_engine(metrics_database)

    async def store(table: sa.Table, *rows: dict) -> None:
        """Rows straight into a fact table (a key already there, as hypothesis replays an example, stays); the
        incidents' rollups derived from them as migration 0009 derives those of facts stored before it."""
        async with engine.begin() as conn:
            for row in rows:
                await conn.execute(postgresql.insert(table).values(**row).on_conflict_do_nothing())
            if table is LIVE.incidents and rows:
                await rollups.refresh_services(conn, LIVE, {row["service_id"] for row in rows})

    store.engine = engine
    yield store
    await engine.dispose()


def ago(**delta) -> datetime:
    return AS_OF - timedelta(**delta)


def incident(service_id: UUID, **moments) -> dict:
    return {"incident_id": uuid4(), "service_id": service_id, "priority": "P2", "category": "db", "outage": False,
            **moments}


async def get(client, reader, path: str, **params) -> dict:
    response = await client.get(path, params={"as_of": AS_OF.isoformat(), **params}, headers=reader)
    assert response.status_code == 200, (path, response.status_code, response.text[:500])
    return response.json()


def by_id(body: dict, key: str) -> dict[str, dict]:
    return {item[key]: item for item in body["items"]}


async def test_bad_facts_are_flagged_on_their_own_items_and_every_list_answers(metrics, facts, reader):
    _, client = metrics
    good, minus, plus, withdrawn = uuid4(), uuid4(), uuid4(), uuid4()
    good_project, year_one_project, good_handover, bad_handover = uuid4(), uuid4(), uuid4(), uuid4()
    await facts(LIVE.slas, {"service_id": good, "availability_target_pct": Decimal("99.5"),
                            "csat_target_pct": Decimal(80), "defined_at": ago(days=100)})
    await facts(LIVE.names, {"id": good, "name": "Good"}, {"id": withdrawn, "name": "Withdrawn"},
                {"id": year_one_project, "name": "Year one"})
    await facts(LIVE.incidents,
                incident(good, opened_at=ago(days=3), acknowledged_at=ago(days=3) + timedelta(minutes=10),
                         resolved_at=ago(days=3) + timedelta(minutes=60)),
                incident(minus, opened_at=MINUS_INFINITY, resolved_at=ago(days=2)),
                incident(minus, opened_at=ago(days=2), resolved_at=ago(days=2) + timedelta(minutes=30)),
                incident(plus, opened_at=ago(days=1), acknowledged_at=INFINITY, resolved_at=INFINITY))
    # an SLA withdrawn on a service with no incidents: its row is gone, its name stays
    await facts(LIVE.slas, {"service_id": withdrawn, "availability_target_pct": Decimal(99),
                            "csat_target_pct": Decimal(80), "defined_at": ago(days=9)})
    async with facts.engine.begin() as conn:
        await conn.execute(sa.delete(LIVE.slas).where(LIVE.slas.c.service_id == withdrawn))
    milestone = {"planned_date": date(2026, 2, 1), "planned_value": Decimal(100), "actual_date": date(2026, 2, 1)}
    await facts(LIVE.projects, *({"project_id": p, "origin": "manual", "target_service_ids": [str(s)],
                                  "budget_at_completion": Decimal(100), "baselined": True}
                                 for p, s in ((good_project, good), (year_one_project, minus))))
    await facts(LIVE.milestones, *({"milestone_id": uuid4(), "project_id": p, **milestone}
                                   for p in (good_project, year_one_project)))
    await facts(LIVE.project_costs,
                {"event_id": "c1", "project_id": good_project, "amount": Decimal(80), "incurred_at": ago(days=5)},
                {"event_id": "c2", "project_id": year_one_project, "amount": Decimal(80), "incurred_at": ago(days=5)},
                {"event_id": "c3", "project_id": year_one_project, "amount": Decimal(7),  # year 1 → -infinity
                 "incurred_at": datetime(1, 1, 1, tzinfo=UTC)})
    await facts(LIVE.handovers,
                {"handover_id": good_handover, "service_id": good, "opened_at": ago(days=20),
                 "accepted_at": ago(days=10), "readiness_score": Decimal(1), "early_life_support_days": 30},
                {"handover_id": bad_handover, "service_id": plus, "opened_at": MINUS_INFINITY,
                 "accepted_at": ago(days=4), "readiness_score": Decimal("0.8")})

    services = by_id(await get(client, reader, "/kpis/services", window=7), "service_id")
    assert set(services) >= {str(good), str(minus), str(plus)} and str(withdrawn) not in services
    assert services[str(good)]["problems"] == [] and services[str(good)]["mttr_minutes"] == {
        "value": "60", "based_on": 1}
    assert services[str(good)]["availability_target_pct"] == "99.5" and services[str(good)]["name"] == "Good"
    opened, cost = services[str(minus)]["problems"]  # its own incident, and its delivering project's cost
    assert opened["fact"].endswith("opened_at") and "-infinity" in opened["reason"] and opened["figure"] is None
    assert cost["fact"] == f"project {year_one_project} cost incurred_at"
    assert services[str(minus)]["incident_count"] == {"value": "1", "based_on": 1}
    assert services[str(minus)]["mttr_minutes"] == {"value": "30", "based_on": 1}
    assert services[str(minus)]["tco"] == {"value": "80", "based_on": 1}  # the year-1 cost left out, and named
    assert (await get(client, reader, f"/kpis/services/{minus}", window=7))["problems"] == [opened, cost]
    assert {p["fact"].rsplit(" ", 1)[1] for p in services[str(plus)]["problems"]} == {"acknowledged_at", "resolved_at"}
    assert (await get(client, reader, f"/kpis/services/{withdrawn}"))["incident_count"]["value"] == "0"
    for service in (good, minus, plus):
        assert len((await get(client, reader, f"/kpis/services/{service}/weekly", weeks=4))["weeks"]) == 4

    projects = by_id(await get(client, reader, "/kpis/projects"), "project_id")
    assert projects[str(good_project)]["problems"] == [] and projects[str(good_project)]["ac"] == "80"
    flagged = projects[str(year_one_project)]
    assert (flagged["pv"], flagged["ev"], flagged["ac"], flagged["title"]) == ("100", "100", "80", "Year one")
    assert [p["fact"] for p in flagged["problems"]] == [f"project {year_one_project} cost incurred_at"]
    assert (await get(client, reader, f"/kpis/projects/{year_one_project}"))["problems"] == flagged["problems"]
    series = await get(client, reader, f"/kpis/projects/{year_one_project}/earned-value")
    assert series["points"] and series["problems"] == flagged["problems"]

    handovers = by_id(await get(client, reader, "/kpis/handovers"), "handover_id")
    assert handovers[str(good_handover)]["problems"] == [] and handovers[str(good_handover)]["days_in_transition"] == "10"
    assert handovers[str(bad_handover)]["accepted"] and handovers[str(bad_handover)]["readiness_pct"] == "80"
    assert handovers[str(bad_handover)]["days_in_transition"] is None
    assert (await get(client, reader, f"/kpis/handovers/{bad_handover}"))["problems"]

    portfolio = await get(client, reader, "/kpis/portfolio", window=7)
    assert (portfolio["services"], portfolio["projects"], portfolio["handovers"]) == (3, 2, 2)
    # incidents: the good ones only; the two with an infinite moment are left out (and named)
    assert (portfolio["pv"], portfolio["ac"], portfolio["incidents"]) == ("200", "160", 2)
    assert {(p["kind"], p["id"]) for p in portfolio["problems"]} == {
        ("service", str(minus)), ("service", str(plus)), ("project", str(year_one_project)),
        ("handover", str(bad_handover))}


async def test_an_sla_withdrawn_while_the_list_is_read_never_fails_the_list(metrics, facts, reader):
    """The list reads the ids, then each service: a withdrawal committed in between once made it 404."""
    _, client = metrics
    services = [uuid4() for _ in range(40)]
    rows = [{"service_id": s, "availability_target_pct": Decimal(99), "csat_target_pct": Decimal(80),
             "defined_at": ago(days=30)} for s in services]
    await facts(LIVE.slas, *rows)
    statuses: list[int] = []

    async def withdraw_one_by_one() -> None:
        for service_id in services:
            async with facts.engine.begin() as conn:
                await conn.execute(sa.delete(LIVE.slas).where(LIVE.slas.c.service_id == service_id))
            await asyncio.sleep(0.003)

    async def read_lists() -> None:
        while not writer.done():
            for path in ("/kpis/services?limit=200", "/kpis/portfolio"):
                statuses.append((await client.get(path, headers=reader)).status_code)

    writer = asyncio.create_task(withdraw_one_by_one())
    await asyncio.gather(writer, read_lists())
    assert statuses and set(statuses) == {200}
    assert (await get(client, reader, "/kpis/services"))["items"] == []




@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
async def test_no_row_the_fact_tables_can_hold_makes_a_kpi_read_fail(metrics, facts, reader, data):
    _, client = metrics
    service_ids = data.draw(st.lists(st.uuids(), min_size=1, max_size=3, unique=True), "services")
    project_ids = data.draw(st.lists(st.uuids(), min_size=1, max_size=2, unique=True), "projects")
    services, projects = st.sampled_from(service_ids), st.sampled_from(project_ids)
    handover = data.draw(sf.handover_rows(services, projects), "handover")
    tables = [
        (LIVE.incidents, st.lists(sf.incident_rows(services), max_size=4)),
        (LIVE.slas, st.lists(sf.sla_rows(services), max_size=2, unique_by=lambda r: r["service_id"])),
        (LIVE.changes, st.lists(sf.change_rows(services), max_size=2)),
        (LIVE.operating_costs, st.lists(sf.cost_rows("service_id", services), max_size=2)),
        (LIVE.improvements, st.lists(sf.improvement_rows(services), max_size=2)),
        (LIVE.projects, st.tuples(*(sf.project_rows(st.just(p), services) for p in project_ids))),
        (LIVE.milestones, st.lists(sf.milestone_rows(projects), max_size=3)),
        (LIVE.progress, st.lists(sf.progress_rows(projects, st.uuids()), max_size=2)),
        (LIVE.project_costs, st.lists(sf.cost_rows("project_id", projects), max_size=2)),
        (LIVE.criteria, st.lists(sf.criterion_rows(handover["handover_id"]), max_size=3,
                                 unique_by=lambda r: r["key"])),
    ]
    await facts(LIVE.handovers, handover)
    for table, rows in tables:
        await facts(table, *data.draw(rows, table.name))
    as_of = data.draw(sf.as_of_moments(), "as_of").isoformat()
    for path in (*LISTS, *(f"/kpis/services/{s}" for s in service_ids), f"/kpis/handovers/{handover['handover_id']}",
                 *(f"/kpis/projects/{p}{tail}" for p in project_ids for tail in ("", "/earned-value")),
                 *(f"/kpis/services/{s}/weekly" for s in service_ids)):
        response = await client.get(path, params={"as_of": as_of}, headers=reader)
        assert response.status_code in (200, 404) and response.headers["content-type"].endswith("json"), (
            path, response.status_code, response.text[:500])
        assert response.status_code == 200 or path.startswith("/kpis/services/"), (path, response.text[:300])
