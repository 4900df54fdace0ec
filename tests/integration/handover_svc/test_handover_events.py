"""handover-svc reacting to real CloudEvents on the project and service topics, and publishing its own."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from uuid import UUID, uuid4

import pytest
import sqlalchemy as sa

from continuum.contracts import catalog
from continuum.contracts import handover as handover_contracts
from continuum.contracts import project, service
from continuum.kafka.topics import events_topic

from handover_svc.read_model import service_facts
from tests.integration.handover_svc.conftest import OWNER, eventually
from tests.integration.handover_svc.test_handover_api import meet_all, open_by_hand
from tests.support.kafka import read_topic

@pytest.fixture
def client(consuming_client):
    return consuming_client


SLA = {"availability_target_pct": Decimal("99.9"), "csat_target_pct": Decimal(80),
       "targets": {"P1": service.SlaTargets(response_minutes=15, resolution_minutes=240)}}


async def handovers_of(client, role, **filters) -> list[dict]:
    query = "&".join(f"{key}={value}" for key, value in filters.items())
    return (await client.get(f"/handovers?{query}", headers=role("viewer"))).json()["items"]


async def criterion(client, role, handover_id, key) -> dict:
    return (await client.get(f"/handovers/{handover_id}/criteria/{key}", headers=role("viewer"))).json()


async def test_closing_with_two_target_services_opens_two_handovers_exactly_once(client, role, known, publish):
    project_id, services = uuid4(), [uuid4(), uuid4()]
    closing = project.ProjectClosingStartedV1(project_id=project_id, title="Billing revamp",
                                              target_service_ids=services)
    ce_id = await publish(closing, key=project_id)
    await publish(closing, key=project_id, ce_id=ce_id)  # redelivered
    await publish(closing, key=project_id)  # a second ProjectClosingStarted (another event id)
    marker = uuid4()  # same key: the marker is consumed after the three messages above
    await publish(project.ProjectClosingStartedV1(project_id=project_id, title="x", target_service_ids=[]), key=project_id)
    await publish(project.ProjectClosingStartedV1(project_id=marker, title="marker", target_service_ids=[uuid4()]),
                  key=project_id)
    await eventually(lambda: handovers_of(client, role, project_id=marker), what="the marker's handover")
    opened = await handovers_of(client, role, project_id=project_id)
    assert sorted(UUID(h["service_id"]) for h in opened) == sorted(services)
    assert all(h["state"] == "open" and h["awaiting_acceptance"] for h in opened)


async def test_a_handover_opened_by_hand_is_not_doubled_when_the_project_enters_closing(client, role, known, publish):
    manual = await open_by_hand(client, role, known)
    project_id, service_id = UUID(manual["project_id"]), UUID(manual["service_id"])
    other_service = uuid4()
    await publish(project.ProjectClosingStartedV1(project_id=project_id, title="Billing",
                                                  target_service_ids=[service_id, other_service]), key=project_id)

    async def both():
        found = await handovers_of(client, role, project_id=project_id)
        return found if len(found) >= 2 else None

    await eventually(both, what="the handover of the other service")
    await asyncio.sleep(0.5)
    opened = await handovers_of(client, role, project_id=project_id)
    assert sorted(h["service_id"] for h in opened) == sorted([str(service_id), str(other_service)])
    assert manual["id"] in {h["id"] for h in opened}


async def test_sla_defined_ticks_the_criterion_and_sla_withdrawn_unticks_it(client, role, known, publish):
    handover = await open_by_hand(client, role, known)
    service_id = UUID(handover["service_id"])
    sla_defined = service.SlaDefinedV1(service_id=service_id, **SLA)
    ce_id = await publish(sla_defined, key=service_id)

    async def sla_met():
        found = await criterion(client, role, handover["id"], "sla-defined")
        return found if found["status"] == "met" else None

    met = await eventually(sla_met, what="SLA defined ticked")
    assert met["automatic"] and "99.9" in met["evidence"]
    await publish(sla_defined, key=service_id, ce_id=ce_id)  # redelivery ticks nothing twice
    await publish(service.SlaWithdrawnV1(service_id=service_id, reason="renegotiation"), key=service_id)

    async def sla_pending():
        found = await criterion(client, role, handover["id"], "sla-defined")
        return found if found["status"] == "pending" else None

    await eventually(sla_pending, what="SLA defined un-ticked")
    history = (await client.get(f"/handovers/{handover['id']}/history", headers=role("viewer"))).json()["items"]
    changes = [(e["event_type"], e["data"].get("key")) for e in history if e["data"].get("key") == "sla-defined"]
    assert changes == [("CriterionAdded", "sla-defined"), ("CriterionMet", "sla-defined"),
                       ("CriterionReset", "sla-defined")]


async def test_service_facts_learned_before_the_handover_apply_when_it_opens(client, role, known, publish, database):
    service_id, project_id = uuid4(), uuid4()
    await publish(service.ServiceRegisteredV1(service_id=service_id, name="Billing", description="b",
                                              owner="owner@example.com", stage="design"), key=service_id)
    await publish(service.SlaDefinedV1(service_id=service_id, **SLA), key=service_id)

    async def facts():
        async with database.connect() as conn:
            row = (await conn.execute(sa.select(service_facts).where(service_facts.c.service_id == service_id))).first()
        return row if row is not None and row.sla_defined and row.owner else None

    await eventually(facts, what="the service facts")
    await publish(project.ProjectClosingStartedV1(project_id=project_id, title="Billing", target_service_ids=[service_id]),
                  key=project_id)
    [summary] = await eventually(lambda: handovers_of(client, role, project_id=project_id), what="the handover")
    body = (await client.get(f"/handovers/{summary['id']}", headers=role("viewer"))).json()
    statuses = {c["key"]: c["status"] for c in body["criteria"]}
    assert statuses["sla-defined"] == "met" and statuses["service-owner-named"] == "met"
    assert body["readiness"]["score_pct"] == "22.22"


async def test_accept_publishes_handover_accepted_on_the_handover_topic(client, role, known, kafka_settings):
    handover = await open_by_hand(client, role, known)
    await meet_all(client, role, handover["id"], days=21)
    accepted = await client.post(f"/handovers/{handover['id']}/accept", json={},
                                 headers=role("service_owner", subject="owner@example.com"))
    assert accepted.status_code == 200
    topic = events_topic("handover")
    ce_type = handover_contracts.HandoverAcceptedV1.ce_type()

    async def published():
        messages = await read_topic(kafka_settings.bootstrap_servers, topic, expect=10**9, timeout_s=1.5)
        return [m for m in messages if m.headers.get("ce_subject") == handover["id"] and m.headers["ce_type"] == ce_type]

    [message] = await eventually(published, what="HandoverAccepted on Kafka")
    event = catalog.parse_json(handover_contracts.HandoverAcceptedV1, message.value)
    assert event.handover_id == UUID(handover["id"]) and event.service_id == UUID(handover["service_id"])
    assert event.project_id == UUID(handover["project_id"]) and event.accepted_by == "owner@example.com"
    assert event.readiness_score == Decimal("1.0000") and event.early_life_support_days == 21
    assert message.key == handover["id"].encode() and message.headers["ce_source"] == "/continuum/handover-svc"


async def test_early_life_support_exits_on_incident_events(client, role, known, publish):
    owner = role("service_owner", subject=OWNER)
    importer = role("service_owner", "integration")  # an import tool acting for the service owner
    started = datetime.now(UTC) - timedelta(days=10)
    handover = await open_by_hand(client, role, known, at=started)
    service_id, url = UUID(handover["service_id"]), f"/handovers/{handover['id']}"
    await meet_all(client, role, handover["id"], days=7, at=started)
    accepted = await client.post(f"{url}/accept", json={"occurred_at": started.isoformat()}, headers=importer)
    assert accepted.status_code == 200
    p1 = uuid4()
    await publish(service.IncidentOpenedV1(service_id=service_id, incident_id=p1, priority="P1", category="db",
                                           title="down", outage=True, detected_at=started + timedelta(days=1)),
                  key=service_id)
    await publish(service.IncidentOpenedV1(service_id=service_id, incident_id=uuid4(), priority="P2", category="db",
                                           title="before", outage=False, detected_at=started - timedelta(days=1)),
                  key=service_id)

    async def one_open_p1():
        body = (await client.get(url, headers=role("viewer"))).json()
        return body if body["early_life"]["open_p1"] == 1 else None

    body = await eventually(one_open_p1, what="the P1 recorded")
    assert body["early_life"]["incidents"] == 1 and body["early_life"]["incident_rate_per_week"] == "1.00"
    blocked = await client.post(f"{url}/early-life-support/evaluate", json={}, headers=owner)
    assert blocked.status_code == 409 and blocked.json()["rule"] == "early-life-exit-criteria-hold"
    assert "no-open-p1" in blocked.json()["detail"]
    await publish(service.IncidentResolvedV1(service_id=service_id, incident_id=p1, resolution_code="fixed",
                                             resolved_at=started + timedelta(days=1, hours=2)), key=service_id)

    async def resolved():
        body = (await client.get(url, headers=role("viewer"))).json()
        return body if body["early_life"]["open_p1"] == 0 else None

    await eventually(resolved, what="the P1 resolved")
    done = await client.post(f"{url}/early-life-support/evaluate", json={}, headers=owner)
    assert done.status_code == 200 and done.json()["state"] == "completed"
    history = (await client.get(f"{url}/history", headers=role("viewer"))).json()["items"]
    [completed] = [e["data"] for e in history if e["event_type"] == "HandoverCompleted"]
    assert completed["early_life_incidents"] == 1 and completed["sla_met"] is True


async def test_an_extension_keeps_early_life_support_running(client, role, known):
    owner = role("service_owner", subject=OWNER)
    handover = await open_by_hand(client, role, known)
    url = f"/handovers/{handover['id']}"
    await meet_all(client, role, handover["id"], days=7)
    await client.post(f"{url}/accept", json={}, headers=owner)
    no_reason = await client.post(f"{url}/early-life-support/extend", json={"days": 7, "reason": " "},
                                  headers=owner)
    assert no_reason.status_code == 409 and no_reason.json()["rule"] == "extension-needs-reason"
    extended = await client.post(f"{url}/early-life-support/extend", json={"days": 7, "reason": "P2 under analysis"},
                                 headers=owner)
    assert extended.json()["early_life"]["days"] == 14
    early = await client.post(f"{url}/early-life-support/evaluate", json={}, headers=owner)
    assert early.status_code == 409 and "early-life-period-ended" in early.json()["detail"]


async def test_services_projects_owners_and_stages_are_learned_from_their_events(client, role, publish):
    service_id, project_id = uuid4(), uuid4()
    pm, sam, pat = role("project_manager"), role("service_owner", subject="sam"), role("service_owner", subject="pat")
    body = {"service_id": str(service_id), "project_id": str(project_id)}
    unknown = await client.post("/handovers", json=body, headers=pm)
    assert unknown.status_code == 422 and unknown.json()["rule"] == "service-known"
    await publish(service.ServiceRegisteredV1(service_id=service_id, name="Billing", description="b", owner="sam",
                                              stage="strategy"), key=service_id)
    await publish(project.ProjectProposedV1(project_id=project_id, title="Billing", problem_statement="p",
                                            business_case="b", origin="manual"), key=project_id)

    async def opened():
        response = await client.post("/handovers", json=body, headers=pm)
        return response.json() if response.status_code == 201 else None

    handover = await eventually(opened, what="the service and project to be known")
    url = f"/handovers/{handover['id']}"
    await meet_all(client, role, handover["id"])
    in_strategy = await client.post(f"{url}/accept", json={}, headers=sam)
    assert in_strategy.status_code == 409 and in_strategy.json()["rule"] == "service-in-transition-or-operation"
    for from_stage, to_stage in (("strategy", "design"), ("design", "transition")):
        await publish(service.ServiceStageChangedV1(service_id=service_id, from_stage=from_stage, to_stage=to_stage,
                                                    reason="ready"), key=service_id)
    await publish(service.ServiceOwnerAssignedV1(service_id=service_id, owner="pat"), key=service_id)

    async def accepted_by_pat():
        response = await client.post(f"{url}/accept", json={}, headers=pat)
        return response.json() if response.status_code == 200 else None

    assert (await eventually(accepted_by_pat, what="the new owner and the stage to be known"))["state"] == "accepted"
    history = (await client.get(f"{url}/history", headers=role("viewer"))).json()["items"]
    assert history[-1]["data"]["accepted_by"] == "pat"
    assert (await client.post(f"{url}/reject", json={"reasons": ["x"]}, headers=sam)).status_code == 403


async def test_a_handover_opened_for_a_service_never_heard_of_cannot_be_accepted(client, role, publish):
    project_id, phantom = uuid4(), uuid4()
    await publish(project.ProjectClosingStartedV1(project_id=project_id, title="Ghost", target_service_ids=[phantom]),
                  key=project_id)
    [summary] = await eventually(lambda: handovers_of(client, role, project_id=project_id), what="the handover")
    await meet_all(client, role, summary["id"])
    refused = await client.post(f"/handovers/{summary['id']}/accept", json={}, headers=role("admin"))
    assert refused.status_code == 409 and refused.json()["rule"] == "service-in-transition-or-operation"
