"""metrics-svc over HTTP with its consumer projecting real CloudEvents from Kafka, and its relay publishing."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from uuid import UUID, uuid4

import pytest
import sqlalchemy as sa

from continuum.contracts import handover as ho
from continuum.contracts import service as sv
from metrics_svc.consumers import ImprovementLoop
from metrics_svc.domain.commands import DetectOpportunity
from metrics_svc.domain.detection import Detection
from tests.integration.metrics_svc.conftest import eventually

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
    assert body["window"]["days"] == 7 and body["incident_count"] == {"value": "2", "based_on": 2}
    assert body["mtta_minutes"] == {"value": "20", "based_on": 2}
    assert body["mttr_minutes"] == {"value": "150", "based_on": 2}
    assert body["sla_compliance_pct"] == {"value": "50", "based_on": 2}
    assert body["availability_pct"] == {"value": "98.5714", "based_on": 1}  # 100 × (10080 − 144) / 10080
    assert body["csat_pct"] == {"value": "50", "based_on": 2}
    assert body["change_success_rate_pct"] == {"value": None, "based_on": 0}
    assert body["availability_target_pct"] == "99.5"
    earlier = await kpis(client, reader, service_id, window=7, as_of=(day - timedelta(days=1)).isoformat())
    assert earlier["incident_count"]["value"] == "0" and earlier["mtta_minutes"]["value"] is None
    unknown = await client.get(f"/kpis/services/{uuid4()}", headers=reader)
    assert unknown.status_code == 404
    bad = await client.get(f"/kpis/services/{service_id}", params={"window": 5}, headers=reader)
    assert bad.status_code == 422


async def _complete(client, reader, service_id, as_of) -> dict | None:
    body = await kpis(client, reader, service_id, window=7, as_of=as_of)
    # the SLA (keyed by service) and the incidents (keyed by incident) travel on different partitions
    complete = body and body["csat_pct"]["based_on"] == 2 and body["availability_target_pct"] is not None
    return body if complete else None


async def opportunities(client, headers, **params) -> list[dict]:
    return (await client.get("/opportunities", params=params, headers=headers)).json()["items"]


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

    async def readiness(as_of) -> str | None:
        body = (await client.get(f"/kpis/handovers/{handover_id}", params={"as_of": as_of.isoformat()},
                                 headers=reader)).json()
        return body.get("readiness_pct")

    await eventually(lambda: _readiness_is(readiness, T0 + 4 * day, "50"), app=app)  # runbook met, training waived
    assert await readiness(T0 + day) == "25"
    assert await readiness(T0 - day) is None  # before any criterion was added
    listed, cursor = [], None  # other tests' handovers are on the topic too: read every page
    while True:
        page = (await client.get("/kpis/handovers", params={"cursor": cursor} if cursor else {},
                                 headers=reader)).json()
        listed += page["items"]
        if not (cursor := page["next_cursor"]):
            break
    mine = next(h for h in listed if h["handover_id"] == str(handover_id))
    assert mine["readiness_pct"] == "50" and mine["accepted"] is False


async def _readiness_is(readiness, as_of, expected: str) -> bool:
    return await readiness(as_of) == expected


async def test_concurrent_detections_for_one_service_and_rule_make_one_opportunity(metrics, reader):
    """Two consumers (instances, partitions) detecting the same rule and category at once: the second waits for the first's
    commit, then is refused; its reaction is undone in a savepoint and the fact's transaction goes on."""
    app, client = metrics
    service_id = uuid4()
    detection = Detection("recurring_incidents", "'db' incidents at 3.0× their usual rate for 5 days",
                          "incidents_in_category_per_day", Decimal(1), Decimal(3), 5, category="db",
                          evidence={"category": "db"})
    loop = ImprovementLoop(bus=app.state.bus, config=app.state.config)
    async with app.state.engine.connect() as first, app.state.engine.connect() as second:
        await first.begin()
        await second.begin()
        detect = DetectOpportunity(service_id=service_id, detection=detection, cooldown_days=14, at=NOW)
        await app.state.bus.handle(detect, connection=first)
        racing = asyncio.create_task(loop._react(detect, second))
        await asyncio.sleep(0.5)
        assert not racing.done(), "the second detection did not wait for the first"
        await first.commit()
        await racing  # refused and undone, not raised
        assert (await second.execute(sa.text("SELECT 1"))).scalar() == 1  # its transaction is still usable
        await second.commit()
    assert len(await opportunities(client, reader, service_id=str(service_id))) == 1


async def test_an_extension_lengthens_the_early_life_period_its_rate_is_judged_over(metrics, publish, reader):
    """One definition with handover-svc (docs/early-life-support.md): incidents in the period × 7 / its days,
    an extension included — 3 incidents in 14 + 7 days are 1.00 a week, not 1.50."""
    app, client = metrics
    service_id, handover_id = uuid4(), uuid4()
    ids = {"handover_id": handover_id, "service_id": service_id}
    accepted = NOW - timedelta(days=30)
    await publish(ho.HandoverOpenedV1(**ids, opened_at=accepted - timedelta(days=5)), at=accepted - timedelta(days=5),
                  subject=handover_id)
    await publish(ho.HandoverAcceptedV1(**ids, accepted_by="owner", accepted_at=accepted, readiness_score=Decimal(1),
                                        early_life_support_days=14), at=accepted, subject=handover_id)
    for day in (2, 9, 17):  # the third only inside the extension
        await incident(publish, service_id, accepted + timedelta(days=day), category="network")

    async def rate() -> str | None:
        body = (await client.get(f"/kpis/handovers/{handover_id}", headers=reader)).json()
        figure = body.get("early_life_incident_rate_per_week") or {}
        return figure.get("value") if (body.get("early_life_incidents") or {}).get("value") == str(expected) else None

    expected = 2
    assert await eventually(rate, app=app) == "1"  # 2 × 7 / 14
    await publish(ho.EarlyLifeSupportExtendedV1(**ids, days=7, reason="P2 under analysis", extended_by="owner",
                                                extended_at=accepted + timedelta(days=13)),
                  at=accepted + timedelta(days=13), subject=handover_id)
    expected = 3
    assert await eventually(rate, app=app) == "1"  # 3 × 7 / 21
