"""metrics-svc over HTTP with its consumer projecting real CloudEvents from Kafka, and its relay publishing."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from uuid import UUID, uuid4

import pytest
import sqlalchemy as sa

from continuum.contracts import handover as ho
from continuum.contracts import metrics as mc
from continuum.contracts import project as pr
from continuum.contracts import service as sv
from metrics_svc.consumers import ImprovementLoop
from metrics_svc.domain.commands import DetectOpportunity
from metrics_svc.domain.detection import Detection
from tests.integration.metrics_svc.conftest import eventually
from tests.support.kafka import read_topic

NOW = datetime.now(UTC).replace(microsecond=0)
T0 = NOW - timedelta(days=120)


@pytest.fixture
def reader(issue_token) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_token('viewer')}"}


async def define_sla(publish, service_id: UUID, at: datetime) -> None:
    targets = {p: sv.SlaTargets(response_minutes=30, resolution_minutes=240) for p in ("P1", "P2", "P3", "P4")}
    await publish(sv.SlaDefinedV1(service_id=service_id, availability_target_pct=Decimal("99.5"), targets=targets,
                                  csat_target_pct=Decimal(50)), at=at, subject=service_id)


async def incident(publish, service_id: UUID, opened: datetime, *, category: str, outage: int = 0,
                   ack_min: int = 10, resolve_min: int = 60, sla_met: bool = True, csat: int | None = None) -> UUID:
    incident_id = uuid4()
    ids = {"service_id": service_id, "incident_id": incident_id}
    await publish(sv.IncidentOpenedV1(**ids, priority="P2", category=category, title="slow", outage=outage > 0,
                                      detected_at=opened), at=opened, subject=incident_id)
    acknowledged, resolved = opened + timedelta(minutes=ack_min), opened + timedelta(minutes=resolve_min)
    await publish(sv.IncidentAcknowledgedV1(**ids, acknowledged_at=acknowledged), at=acknowledged, subject=incident_id)
    await publish(sv.IncidentResolvedV1(**ids, resolved_at=resolved, resolution_code="fixed",
                                        outage_minutes=Decimal(outage), response_sla_met=True,
                                        resolution_sla_met=sla_met), at=resolved, subject=incident_id)
    if csat is not None:
        await publish(sv.IncidentCsatRatedV1(**ids, score=csat), at=resolved, subject=incident_id)
    return incident_id


async def kpis(client, headers, service_id: UUID, **params) -> dict | None:
    response = await client.get(f"/kpis/services/{service_id}", params=params, headers=headers)
    return response.json() if response.status_code == 200 else None


async def detections_for(kafka_settings, service_id: UUID, expect: int = 1, settle_s: float = 1.0) -> list[dict]:
    messages = await read_topic(kafka_settings.bootstrap_servers, mc.ImprovementOpportunityDetectedV1.topic(),
                                expect=0, settle_s=settle_s)
    found = [json.loads(m.value) for m in messages
             if m.headers.get("ce_type") == mc.ImprovementOpportunityDetectedV1.ce_type()]
    return [f for f in found if f["service_id"] == str(service_id)]


async def test_service_kpis_are_projected_from_the_service_topic(metrics, publish, reader):
    _, client = metrics
    service_id = uuid4()
    await define_sla(publish, service_id, T0)
    day = T0 + timedelta(days=50)
    await incident(publish, service_id, day, category="db", ack_min=10, resolve_min=100, outage=144, csat=5)
    await incident(publish, service_id, day + timedelta(days=1), category="net", ack_min=30, resolve_min=200,
                   sla_met=False, csat=2)
    as_of = (day + timedelta(days=6)).isoformat()
    body = await eventually(lambda: _complete(client, reader, service_id, as_of))
    assert body["window"]["days"] == 7 and body["incident_count"] == {"value": 2.0, "based_on": 2}
    assert body["mtta_minutes"] == {"value": 20.0, "based_on": 2}
    assert body["mttr_minutes"] == {"value": 150.0, "based_on": 2}
    assert body["sla_compliance_pct"] == {"value": 50.0, "based_on": 2}
    assert body["availability_pct"] == {"value": round(100 * (10080 - 144) / 10080, 4), "based_on": 1}
    assert body["csat_pct"] == {"value": 50.0, "based_on": 2}
    assert body["change_success_rate_pct"] == {"value": None, "based_on": 0}
    assert body["availability_target_pct"] == 99.5
    earlier = await kpis(client, reader, service_id, window=7, as_of=(day - timedelta(days=1)).isoformat())
    assert earlier["incident_count"]["value"] == 0 and earlier["mtta_minutes"]["value"] is None
    unknown = await client.get(f"/kpis/services/{uuid4()}", headers=reader)
    assert unknown.status_code == 404
    bad = await client.get(f"/kpis/services/{service_id}", params={"window": 5}, headers=reader)
    assert bad.status_code == 422


async def _complete(client, reader, service_id, as_of) -> dict | None:
    body = await kpis(client, reader, service_id, window=7, as_of=as_of)
    # the SLA (keyed by service) and the incidents (keyed by incident) travel on different partitions
    complete = body and body["csat_pct"]["based_on"] == 2 and body["availability_target_pct"] is not None
    return body if complete else None


async def stable_then_burst(publish, service_id: UUID, start: datetime) -> tuple[datetime, list[UUID]]:
    """Five calm weeks (one incident each, every one in its own category), then six incidents in two days."""
    await define_sla(publish, service_id, start)
    for week in range(5):
        await incident(publish, service_id, start + timedelta(days=7 * week + 1), category=f"calm-{week}")
    burst_start = start + timedelta(days=36)
    burst = [await incident(publish, service_id, burst_start + timedelta(hours=8 * n), category=f"burst-{n}")
             for n in range(6)]
    return burst_start + timedelta(days=2), burst


async def opportunities(client, headers, **params) -> list[dict]:
    return (await client.get("/opportunities", params=params, headers=headers)).json()["items"]


async def test_a_burst_of_incidents_yields_exactly_one_opportunity_which_can_be_dismissed(
    metrics, publish, reader, issue_token, kafka_settings
):
    _, client = metrics
    service_id = uuid4()
    _, burst = await stable_then_burst(publish, service_id, T0)
    listed = await eventually(lambda: opportunities(client, reader, service_id=str(service_id)))
    detected = await eventually(lambda: detections_for(kafka_settings, service_id, settle_s=2))
    assert len(detected) == 1 and len(listed) == 1
    assert detected[0]["rule"] == "incident_rate_rise" and detected[0]["opportunity_id"] == listed[0]["id"]
    assert set(detected[0]["evidence"]["incident_ids"]) <= {str(i) for i in burst}
    assert len(detected[0]["evidence"]["incident_ids"]) >= 5 and detected[0]["evidence"]["baseline_incidents"] >= 3
    url = f"/opportunities/{listed[0]['id']}"
    assert (await client.get(url, headers=reader)).json()["state"] == "open"
    refused = await client.post(f"{url}/dismiss", json={"reason": "seasonal"}, headers=reader)
    assert refused.status_code == 403
    owner = {"Authorization": f"Bearer {issue_token('service_owner')}"}
    dismissed = await client.post(f"{url}/dismiss", json={"reason": "seasonal peak"}, headers=owner)
    assert dismissed.status_code == 200 and dismissed.json()["state"] == "dismissed"
    again = await client.post(f"{url}/dismiss", json={"reason": "seasonal peak"}, headers=owner)
    assert again.status_code == 409 and again.json()["rule"] == "only-open-opportunities-can-be-dismissed"
    history = (await client.get(f"{url}/history", headers=reader)).json()["items"]
    assert [h["event_type"] for h in history] == ["ImprovementOpportunityDetected", "ImprovementOpportunityDismissed"]
    assert await opportunities(client, reader, service_id=str(service_id), state="open") == []


async def test_the_improvement_register_comes_from_service_svc_events(metrics, publish, reader):
    _, client = metrics
    service_id, first, second = uuid4(), uuid4(), uuid4()
    day = T0 + timedelta(days=60)
    await define_sla(publish, service_id, T0)
    await publish(sv.ImprovementPlannedV1(service_id=service_id, improvement_id=first, title="Automate payslips"),
                  at=day, subject=service_id)
    await publish(sv.ImprovementPlannedV1(service_id=service_id, improvement_id=second, title="Self-service"),
                  at=day + timedelta(days=1), subject=service_id)
    await publish(sv.ImprovementImplementedV1(service_id=service_id, improvement_id=first,
                                              implemented_at=day + timedelta(days=3)),
                  at=day + timedelta(days=3), subject=service_id)

    async def register(as_of: datetime) -> tuple[int, int] | None:
        body = await kpis(client, reader, service_id, window=7, as_of=as_of.isoformat())
        return body and (body["improvements_planned"], body["improvements_implemented"])

    assert await eventually(lambda: _equal(register(day + timedelta(days=4)), (2, 1)))
    assert await register(day + timedelta(days=2)) == (2, 0)
    assert await register(day) == (0, 0)


async def _equal(pending, expected) -> bool:
    return await pending == expected


async def test_a_cancelled_project_abandons_the_opportunity_it_came_from(metrics, publish, reader):
    app, client = metrics
    service_id, project_id = uuid4(), uuid4()
    after_burst, _ = await stable_then_burst(publish, service_id, T0)
    found = await eventually(lambda: opportunities(client, reader, service_id=str(service_id)), app=app)
    opportunity_id = UUID(found[0]["id"])
    at = after_burst + timedelta(days=1)
    await publish(pr.ProjectProposedV1(project_id=project_id, title="Stabilise", problem_statement="incidents",
                                       business_case="fewer outages", origin="improvement_opportunity",
                                       opportunity_id=opportunity_id, target_service_ids=[service_id]),
                  at=at, subject=project_id)
    await publish(pr.ProjectCancelledV1(project_id=project_id, reason="budget withdrawn"),
                  at=at + timedelta(days=2), subject=project_id)
    url = f"/opportunities/{opportunity_id}"

    async def abandoned() -> dict | None:
        view = (await client.get(url, headers=reader)).json()
        return view if view["state"] == "abandoned" else None

    view = await eventually(abandoned, app=app)
    assert view["abandonment_reason"] == "budget withdrawn" and view["project_id"] == str(project_id)
    history = (await client.get(f"{url}/history", headers=reader)).json()["items"]
    assert [h["event_type"] for h in history][-2:] == ["ImprovementOpportunityConverted",
                                                       "ImprovementOpportunityAbandoned"]
    assert await opportunities(client, reader, service_id=str(service_id), state="open") == []

async def test_bad_requests_are_problems_not_errors(metrics, reader, issue_token):
    _, client = metrics
    owner = {"Authorization": f"Bearer {issue_token('service_owner')}"}
    unknown = await client.post(f"/opportunities/{uuid4()}/dismiss", json={"reason": "none"}, headers=owner)
    assert unknown.status_code == 404
    short = await client.post(f"/opportunities/{uuid4()}/dismiss", json={"reason": ""}, headers=owner)
    assert short.status_code == 422 and short.json()["errors"][0]["field"] == "body.reason"
    for url, params in [("/opportunities", {"rule": "bogus"}), ("/opportunities", {"cursor": "not-ours"}),
                        ("/kpis/portfolio", {"as_of": "yesterday"}), ("/kpis/portfolio", {"window": "x"}),
                        ("/opportunities/not-a-uuid", {})]:
        response = await client.get(url, params=params, headers=reader)
        assert response.status_code == 422, (url, params, response.text)
    assert (await client.get(f"/kpis/projects/{uuid4()}", headers=reader)).status_code == 404
    assert (await client.get(f"/kpis/handovers/{uuid4()}", headers=reader)).status_code == 404
    portfolio = await client.get("/kpis/portfolio", params={"window": 90}, headers=reader)
    assert portfolio.status_code == 200 and portfolio.json()["window"]["days"] == 90


async def test_the_loop_closes_with_benefits_measured_after_the_handover(
    metrics, publish, reader, kafka_settings
):
    app, client = metrics
    service_id, project_id, handover_id = uuid4(), uuid4(), uuid4()
    after_burst, _ = await stable_then_burst(publish, service_id, T0)
    found = await eventually(lambda: opportunities(client, reader, service_id=str(service_id)), app=app)
    opportunity_id = UUID(found[0]["id"])
    at = after_burst + timedelta(days=1)
    await publish(pr.ProjectProposedV1(project_id=project_id, title="Stabilise", problem_statement="incidents",
                                       business_case="fewer outages", origin="improvement_opportunity",
                                       opportunity_id=opportunity_id, target_service_ids=[service_id]),
                  at=at, subject=project_id)
    milestone = uuid4()
    await publish(pr.PlanBaselinedV1(project_id=project_id, budget_at_completion=Decimal(1000),
                                     planned_start=at.date(), planned_end=(at + timedelta(days=20)).date(),
                                     milestones=[pr.PlannedMilestone(milestone_id=milestone, name="fix",
                                                                     planned_date=(at + timedelta(days=10)).date(),
                                                                     planned_value=Decimal(1000))]),
                  at=at, subject=project_id)
    await publish(pr.MilestoneProgressRecordedV1(project_id=project_id, milestone_id=milestone,
                                                 percent_complete=Decimal(40)), at=at + timedelta(days=5),
                  subject=project_id)
    await publish(pr.ActualCostRecordedV1(project_id=project_id, amount=Decimal(500), incurred_on=at.date(),
                                          category="labour"), at=at + timedelta(days=5), subject=project_id)
    accepted_at = at + timedelta(days=21)
    await publish(ho.HandoverOpenedV1(handover_id=handover_id, service_id=service_id, project_id=project_id,
                                      opened_at=at + timedelta(days=15)), at=at + timedelta(days=15),
                  subject=handover_id)
    await publish(ho.HandoverAcceptedV1(handover_id=handover_id, service_id=service_id, project_id=project_id,
                                        accepted_by="owner", accepted_at=accepted_at, readiness_score=Decimal("0.9"),
                                        early_life_support_days=14), at=accepted_at, subject=handover_id)
    await incident(publish, service_id, accepted_at + timedelta(days=10), category="after")
    window_end = (accepted_at + timedelta(days=30)).isoformat()
    await eventually(lambda: _state_and_count(client, reader, opportunity_id, service_id, window_end), app=app)
    await incident(publish, service_id, accepted_at + timedelta(days=31), category="later")  # past the window

    measured = await eventually(lambda: _benefits(kafka_settings, service_id), app=app)
    assert measured["ce_type"] == mc.BenefitsRealizedV1.ce_type()
    assert measured["data"]["project_id"] == str(project_id) and measured["data"]["window_days"] == 30
    assert Decimal(measured["data"]["measured"]) == Decimal(1) * 7 / 30
    view = (await client.get(f"/opportunities/{opportunity_id}", headers=reader)).json()
    assert view["state"] == "benefits_realized" and view["project_id"] == str(project_id)

    as_of = (at + timedelta(days=6)).isoformat()
    project = (await client.get(f"/kpis/projects/{project_id}", params={"as_of": as_of}, headers=reader)).json()
    assert (project["pv"], project["ev"], project["ac"], project["cpi"]) == (0.0, 400.0, 500.0, 0.8)
    assert project["spi"] is None and project["eac"] == 1250.0
    handover = (await client.get(f"/kpis/handovers/{handover_id}", params={"as_of": accepted_at.isoformat()},
                                 headers=reader)).json()
    assert handover["days_in_transition"] == 6.0 and handover["readiness_score"] == 0.9
    portfolio = (await client.get("/kpis/portfolio", headers=reader)).json()
    assert portfolio["loop"]["benefits_realized"] >= 1 and portfolio["projects"] >= 1


async def _benefits(kafka_settings, service_id: UUID) -> dict | None:
    messages = await read_topic(kafka_settings.bootstrap_servers, mc.BenefitsRealizedV1.topic(), expect=0,
                                settle_s=0.5)
    types = {mc.BenefitsRealizedV1.ce_type(), mc.BenefitsNotRealizedV1.ce_type()}
    found = [{"ce_type": m.headers["ce_type"], "data": json.loads(m.value)} for m in messages
             if m.headers.get("ce_type") in types and json.loads(m.value)["service_id"] == str(service_id)]
    return found[0] if found else None


async def _state_and_count(client, reader, opportunity_id, service_id, as_of) -> bool:
    """The measurement is scheduled and the incident inside its window is projected."""
    state = (await client.get(f"/opportunities/{opportunity_id}", headers=reader)).json()["state"]
    body = await kpis(client, reader, service_id, window=30, as_of=as_of)
    return state == "measuring" and body["incident_count"]["value"] == 1


async def test_benefits_not_realized_are_found_by_the_periodic_check(metrics_app, publish, reader, kafka_settings):
    """Incidents do not fall after the handover, and no later event arrives: the clock closes the measurement."""
    service_id, project_id, handover_id = uuid4(), uuid4(), uuid4()
    async with metrics_app(check_interval_s=0.5) as app:
        client = app.state.test_client
        after_burst, _ = await stable_then_burst(publish, service_id, T0)
        found = await eventually(lambda: opportunities(client, reader, service_id=str(service_id)), app=app)
        opportunity_id = UUID(found[0]["id"])
        await publish(pr.ProjectProposedV1(project_id=project_id, title="Stabilise", problem_statement="incidents",
                                           business_case="fewer outages", origin="improvement_opportunity",
                                           opportunity_id=opportunity_id, target_service_ids=[service_id]),
                      at=after_burst, subject=project_id)
        accepted_at = after_burst + timedelta(days=10)
        for n in range(24):  # the burst's rate goes on through the measurement window
            await incident(publish, service_id, accepted_at + timedelta(days=1, hours=28 * n), category=f"still-{n}")
        window_end = (accepted_at + timedelta(days=30)).isoformat()
        await eventually(lambda: _counted(client, reader, service_id, window_end, 24), app=app)
        await publish(ho.HandoverAcceptedV1(handover_id=handover_id, service_id=service_id, project_id=project_id,
                                            accepted_by="owner", accepted_at=accepted_at,
                                            readiness_score=Decimal(1), early_life_support_days=14),
                      at=accepted_at, subject=handover_id)
        measured = await eventually(lambda: _benefits(kafka_settings, service_id), app=app)
    assert measured["ce_type"] == mc.BenefitsNotRealizedV1.ce_type()
    assert Decimal(measured["data"]["measured"]) == Decimal(24 * 7) / 30  # 24 in 30 days, per 7 days


async def test_a_handovers_readiness_is_known_while_in_transition(metrics, publish, reader):
    """From the criterion events on the handover topic: met and waived count, a reset one is pending again."""
    app, client = metrics
    service_id, handover_id = uuid4(), uuid4()
    ids = {"handover_id": handover_id, "service_id": service_id}
    await publish(ho.HandoverOpenedV1(**ids, opened_at=T0), at=T0, subject=handover_id)
    for key in ("runbook", "monitoring", "sla", "training"):
        await publish(ho.CriterionAddedV1(**ids, key=key, title=key, mandatory=True), at=T0, subject=handover_id)
    day = timedelta(days=1)
    await publish(ho.CriterionMetV1(**ids, key="runbook", evidence="wiki", confirmed_by="pm", confirmed_at=T0 + day,
                                    automatic=False), at=T0 + day, subject=handover_id)
    await publish(ho.CriterionWaivedV1(**ids, key="training", justification="none needed", waived_by="owner",
                                       waived_at=T0 + 2 * day), at=T0 + 2 * day, subject=handover_id)
    await publish(ho.CriterionMetV1(**ids, key="sla", evidence="defined", confirmed_by="service-svc",
                                    confirmed_at=T0 + 2 * day, automatic=True), at=T0 + 2 * day, subject=handover_id)
    await publish(ho.CriterionResetV1(**ids, key="sla", reason="SLA withdrawn", reset_by="service-svc",
                                      reset_at=T0 + 3 * day), at=T0 + 3 * day, subject=handover_id)

    async def readiness(as_of) -> float | None:
        body = (await client.get(f"/kpis/handovers/{handover_id}", params={"as_of": as_of.isoformat()},
                                 headers=reader)).json()
        return body.get("readiness_score")

    await eventually(lambda: _readiness_is(readiness, T0 + 4 * day, 0.5), app=app)  # runbook met, training waived
    assert await readiness(T0 + day) == 0.25
    assert await readiness(T0 - day) is None  # before any criterion was added
    listed, cursor = [], None  # other tests' handovers are on the topic too: read every page
    while True:
        page = (await client.get("/kpis/handovers", params={"cursor": cursor} if cursor else {},
                                 headers=reader)).json()
        listed += page["items"]
        if not (cursor := page["next_cursor"]):
            break
    mine = next(h for h in listed if h["handover_id"] == str(handover_id))
    assert mine["readiness_score"] == 0.5 and mine["accepted"] is False


async def _readiness_is(readiness, as_of, expected: float) -> bool:
    return await readiness(as_of) == expected


async def _counted(client, reader, service_id, as_of, expected: int) -> bool:
    body = await kpis(client, reader, service_id, window=30, as_of=as_of)
    return body is not None and body["incident_count"]["value"] == expected



async def test_concurrent_detections_for_one_service_and_rule_make_one_opportunity(metrics, reader):
    """Two consumers (instances, partitions) detecting the same rule at once: the second waits for the first's
    commit, then is refused; its reaction is undone in a savepoint and the fact's transaction goes on."""
    app, client = metrics
    service_id = uuid4()
    detection = Detection("recurring_incidents", "5 recurring 'db' incidents in 30 days",
                          "incidents_in_category_per_30_days", Decimal(4), Decimal(5), 30, {"category": "db"})
    loop = ImprovementLoop(bus=app.state.bus, config=app.state.config)
    async with app.state.engine.connect() as first, app.state.engine.connect() as second:
        await first.begin()
        await second.begin()
        await app.state.bus.handle(DetectOpportunity(service_id, detection, NOW), connection=first)
        racing = asyncio.create_task(loop._react(DetectOpportunity(service_id, detection, NOW), second))
        await asyncio.sleep(0.5)
        assert not racing.done(), "the second detection did not wait for the first"
        await first.commit()
        await racing  # refused and undone, not raised
        assert (await second.execute(sa.text("SELECT 1"))).scalar() == 1  # its transaction is still usable
        await second.commit()
    assert len(await opportunities(client, reader, service_id=str(service_id))) == 1
