"""Rebuild replays every topic from offset 0 into fresh tables and swaps them in: equal to the live projection."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from uuid import uuid4

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

from continuum.contracts import handover as ho
from continuum.contracts import project as pr
from continuum.contracts import service as sv
from continuum.kafka.topics import ensure_topics
from metrics_svc import queries
from metrics_svc.consumers import CONSUMES
from metrics_svc.domain.windows import Figure
from metrics_svc.projection.tables import LIVE
from metrics_svc.rebuild import RebuildReport, _replay_topic, rebuild
from tests.integration.metrics_svc.conftest import eventually
from tests.integration.metrics_svc.test_metrics_service import define_sla, incident

T0 = datetime.now(UTC).replace(microsecond=0) - timedelta(days=60)


async def rows_of(engine, ids: dict[str, object]) -> dict[str, list[tuple]]:
    """Every fact row about this test's service, project and handover, in a stable order."""
    keys = {"incidents": "service_id", "slas": "service_id", "operating_costs": "service_id",
            "changes": "service_id", "projects": "project_id", "milestones": "project_id",
            "progress": "project_id", "project_costs": "project_id", "handovers": "handover_id",
            "service_days": "service_id", "service_hours": "service_id", "outage_pieces": "service_id",
            "known_services": "service_id"}
    async with engine.connect() as conn:
        return {name: sorted(map(tuple, (await conn.execute(
                    sa.select(table).where(table.c[key] == ids[key]))).all()), key=repr)
                for name, key in keys.items() for table in [getattr(LIVE, name)]}


async def figures(engine, service_id, project_id, handover_id):
    as_of = T0 + timedelta(days=40)
    async with engine.connect() as conn:
        return (await queries.service_report(conn, service_id, days=30, as_of=as_of),
                await queries.project_report(conn, project_id, as_of=as_of),
                await queries.handover_report(conn, handover_id, as_of=as_of))


async def publish_history(publish, service_id, project_id, handover_id, milestone) -> str:
    """A little of every kind of consumed event, with two redeliveries."""
    await define_sla(publish, service_id, T0)
    await publish(sv.OperatingCostRecordedV1(service_id=service_id, amount=Decimal(250), incurred_on=T0,
                                             category="hosting"), at=T0, subject=service_id)
    await publish(sv.ChangeImplementedV1(service_id=service_id, change_id=uuid4(), outcome="failed"),
                  at=T0 + timedelta(days=3), subject=service_id)
    for day in (5, 12, 30):
        await incident(publish, service_id, T0 + timedelta(days=day), category="db", outage=30, csat=4)
    await business_incident(publish, service_id, T0 + timedelta(days=20))
    await publish(pr.ProjectProposedV1(project_id=project_id, title="t", problem_statement="p", business_case="b",
                                       origin="manual", target_service_ids=[service_id]), at=T0, subject=project_id)
    await publish(pr.PlanBaselinedV1(project_id=project_id, budget_at_completion=Decimal(800), planned_start=T0.date(),
                                     planned_end=(T0 + timedelta(days=30)).date(),
                                     milestones=[pr.PlannedMilestone(milestone_id=milestone, name="m",
                                                                     planned_date=(T0 + timedelta(days=20)).date(),
                                                                     planned_value=Decimal(800))]),
                  at=T0, subject=project_id)
    progress_event = pr.MilestoneProgressRecordedV1(project_id=project_id, milestone_id=milestone,
                                                    percent_complete=Decimal(60))
    event_id = await publish(progress_event, at=T0 + timedelta(days=10), subject=project_id)
    await publish(progress_event, at=T0 + timedelta(days=10), subject=project_id, event_id=event_id)  # redelivery
    await publish(pr.ActualCostRecordedV1(project_id=project_id, amount=Decimal(300),
                                          incurred_on=(T0 + timedelta(days=8)).date(), category="labour"),
                  at=T0 + timedelta(days=8), subject=project_id)
    await publish(ho.HandoverOpenedV1(handover_id=handover_id, service_id=service_id, project_id=project_id,
                                      opened_at=T0 + timedelta(days=25)), at=T0 + timedelta(days=25),
                  subject=handover_id)
    rejected = ho.HandoverRejectedV1(handover_id=handover_id, service_id=service_id, project_id=project_id,
                                     rejected_by="owner", reasons=["runbooks missing"])
    rejection_id = await publish(rejected, at=T0 + timedelta(days=26), subject=handover_id)
    await publish(rejected, at=T0 + timedelta(days=26), subject=handover_id, event_id=rejection_id)  # redelivery
    return await publish(ho.HandoverAcceptedV1(handover_id=handover_id, service_id=service_id, project_id=project_id,
                                               accepted_by="owner", accepted_at=T0 + timedelta(days=28),
                                               readiness_score=Decimal(1), early_life_support_days=14),
                         at=T0 + timedelta(days=28), subject=handover_id)


async def business_incident(publish, service_id, opened) -> None:
    """An incident whose events carry business minutes (issue 16): 90 to acknowledge, 120 to resolve."""
    ids = {"service_id": service_id, "incident_id": uuid4()}
    acknowledged, resolved = opened + timedelta(days=2, minutes=30), opened + timedelta(days=2, hours=1)
    await publish(sv.IncidentOpenedV1(**ids, priority="P3", category="db", title="weekend", outage=False,
                                      detected_at=opened), at=opened, subject=ids["incident_id"])
    await publish(sv.IncidentAcknowledgedV1(**ids, acknowledged_at=acknowledged, business_minutes=Decimal(90)),
                  at=acknowledged, subject=ids["incident_id"])
    await publish(sv.IncidentResolvedV1(**ids, resolved_at=resolved, resolution_code="fixed", response_sla_met=True,
                                        resolution_sla_met=True, business_minutes=Decimal(120)),
                  at=resolved, subject=ids["incident_id"])


async def test_rebuilt_tables_equal_the_live_ones(metrics_database, metrics_app, publish, kafka_settings):
    service_id, project_id, handover_id, milestone = uuid4(), uuid4(), uuid4(), uuid4()
    engine = create_async_engine(metrics_database)
    try:
        async with metrics_app():
            await publish_history(publish, service_id, project_id, handover_id, milestone)
            await eventually(lambda: _inbox_holds(engine, publish.sent))
        ids = {"service_id": service_id, "project_id": project_id, "handover_id": handover_id}
        live_rows, live_figures = await rows_of(engine, ids), await figures(engine, service_id, project_id, handover_id)
        assert live_rows["handovers"][0][-2] == 1  # one rejection, although it was delivered twice
        assert len(live_rows["incidents"]) == 4 and len(live_rows["progress"]) == 1
        assert len(live_rows["known_services"]) == 1 and len(live_rows["outage_pieces"]) >= 3  # 30-minute outages
        assert sum(row[2] for row in live_rows["service_days"]) == 4  # opened, each on its own day
        kpis = live_figures[0].kpis  # the incidents of days 12, 20 and 30; only day 20's carried business minutes
        assert kpis.mttr_minutes.based_on == 3 and kpis.business_mttr_minutes == Figure(Decimal(120), 1)
        assert kpis.business_mtta_minutes == Figure(Decimal(90), 1)
        lines: list[str] = []
        report = await rebuild(engine=engine, kafka=kafka_settings, consumer="metrics-svc", progress=lines.append)
        assert report.applied >= 16 and report.duplicates >= 2 and lines[-1].startswith("rebuild done")
        assert await rows_of(engine, ids) == live_rows
        assert await figures(engine, service_id, project_id, handover_id) == live_figures
        again = await rebuild(engine=engine, kafka=kafka_settings, consumer="metrics-svc", progress=lines.append)  # names stay reusable
        assert again.applied >= report.applied and await rows_of(engine, ids) == live_rows
    finally:
        await engine.dispose()


async def test_a_consumer_resuming_after_a_rebuild_applies_nothing_twice(metrics_database, metrics_app, publish,
                                                                          kafka_settings):
    """The consumer was stopped behind (here: never ran); the rebuild replays everything and records it in the
    consumer's inbox, so the consumer, resuming from its own offsets, skips what the rebuild applied."""
    service_id, project_id, handover_id, milestone = uuid4(), uuid4(), uuid4(), uuid4()
    name = f"metrics-svc-{uuid4().hex[:8]}"
    engine = create_async_engine(metrics_database)
    try:
        await ensure_topics(kafka_settings, sorted({contract.topic() for contract in CONSUMES}))
        await publish_history(publish, service_id, project_id, handover_id, milestone)
        report = await rebuild(engine=engine, kafka=kafka_settings, consumer=name, progress=lambda _: None)
        ids = {"service_id": service_id, "project_id": project_id, "handover_id": handover_id}
        rebuilt = await rows_of(engine, ids)
        assert rebuilt["handovers"][0][-2] == 1
        async with metrics_app(name=name) as app:
            status = app.state.platform.consumer.status
            seen = report.applied + report.duplicates  # every message the rebuild replayed, read again
            await eventually(lambda: _at_least(lambda: status.handled + status.duplicates, seen), app=app)
            assert status.duplicates >= report.applied
        assert await rows_of(engine, ids) == rebuilt  # e.g. the rejection is still counted once
    finally:
        await engine.dispose()


async def _at_least(value, target: int) -> bool:
    return value() >= target


async def _inbox_holds(engine, event_ids: set[str]) -> bool:
    async with engine.connect() as conn:
        # the KPI consumer's rows: the webhooks' consumer group (`<name>.webhooks`) records the same events too
        query = sa.text("SELECT count(*) FROM inbox WHERE event_id = ANY(:ids) AND consumer NOT LIKE '%.webhooks'")
        return (await conn.execute(query, {"ids": list(event_ids)})).scalar() == len(event_ids)


async def test_a_topic_that_does_not_exist_is_reported_not_fatal(metrics_database, kafka_settings):
    engine = create_async_engine(metrics_database)
    lines: list[str] = []
    try:
        async with engine.begin() as conn:
            await _replay_topic(conn, LIVE, kafka_settings, f"continuum.absent-{uuid4().hex[:8]}.events",
                                RebuildReport(), lines.append, 1000)
    finally:
        await engine.dispose()
    assert lines and lines[-1].endswith("no such topic, nothing to replay")
