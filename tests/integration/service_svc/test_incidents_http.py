"""Incidents over HTTP on the real stack: life cycle with live SLA clocks, bad input, history as of a date."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from tests.integration.service_svc.seed import SLA, new_service
from tests.support.kafka import read_topic


def ago(minutes: float, *, now: datetime | None = None) -> str:
    return ((now or datetime.now(UTC)) - timedelta(minutes=minutes)).isoformat()


async def open_incident(client, headers, service_id: str, **overrides) -> dict:
    body = {"service_id": service_id, "priority": "P2", "category": "network", "title": "Payslips not delivered",
            "outage": False, **overrides}
    response = await client.post("/incidents", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


async def test_an_incident_from_open_to_closed_with_its_clocks_and_events(client, owner, agent, importer,
                                                                          kafka_settings, spec):
    service = await new_service(client, owner)
    now = datetime.now(UTC)
    incident = await open_incident(client, importer, service["id"], detected_at=ago(22, now=now),
                                   occurred_at=ago(20, now=now))
    url = f"/incidents/{incident['id']}"
    assert incident["clocks"]["response"]["target_minutes"] == 30
    acknowledged = await client.post(f"{url}/acknowledge", json={"occurred_at": ago(10, now=now)}, headers=importer)
    assert acknowledged.status_code == 200
    assigned = await client.post(f"{url}/assign", json={"assignee": "bob", "occurred_at": ago(8, now=now)},
                                 headers=importer)  # imported too: business time never runs backwards
    assert assigned.status_code == 200, assigned.text
    held = await client.post(f"{url}/hold", json={"reason": "awaiting customer", "occurred_at": ago(5, now=now)},
                             headers=importer)
    clocks = held.json()["clocks"]
    assert clocks["response"]["state"] == "stopped" and Decimal(clocks["response"]["elapsed_minutes"]) == 10
    resolution = clocks["resolution"]
    assert resolution["state"] == "paused" and resolution["due_at"] is None
    assert Decimal(resolution["elapsed_minutes"]) == 15 and 4.9 <= float(resolution["paused_minutes"]) <= 6
    revised = {**SLA, "targets": {**SLA["targets"], "P2": {"response_minutes": 30, "resolution_minutes": 600}}}
    assert (await client.post(f"/services/{service['id']}/define-sla", json=revised, headers=owner)).status_code == 200
    after_change = (await client.get(url, headers=agent)).json()["clocks"]["resolution"]
    assert after_change["target_minutes"] == 600 and Decimal(after_change["elapsed_minutes"]) == 15
    assert float(after_change["paused_minutes"]) >= 4.9  # the pause is kept across the SLA change
    await client.post(f"{url}/resume", headers=agent)
    resolved = (await client.post(f"{url}/resolve", json={"resolution_code": "relay-restarted"}, headers=agent)).json()
    assert resolved["status"] == "resolved" and resolved["response_sla_met"] and resolved["resolution_sla_met"]
    assert (await client.post(f"{url}/rate", json={"score": 4, "comment": "quick"}, headers=agent)).status_code == 200
    twice = await client.post(f"{url}/rate", json={"score": 5}, headers=agent)
    assert twice.status_code == 409 and twice.json()["rule"] == "csat-once"
    closed = await client.post(f"{url}/close", headers={**agent, "If-Match": f'"{resolved["version"] + 1}"'})
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    expected = ["IncidentOpened", "IncidentSlaApplied", "IncidentAcknowledged", "IncidentAssigned",
                "IncidentPutOnHold", "IncidentSlaApplied", "IncidentResumed", "IncidentResolved", "IncidentCsatRated",
                "IncidentClosed"]
    ce_types = [f"continuum.{spec.context}.{name}.v1" for name in expected]

    def mine(messages):
        return [m.headers["ce_type"] for m in messages if m.headers["ce_subject"] == incident["id"]]

    messages = await read_topic(kafka_settings.bootstrap_servers, spec.topic,
                                until=lambda messages: len(mine(messages)) >= len(ce_types))
    assert mine(messages) == ce_types


async def test_bad_input_is_a_problem_and_changes_nothing(client, owner, agent, importer):
    service = await new_service(client, owner)
    unknown = await client.post("/incidents", json={"service_id": "00000000-0000-4000-8000-000000000000",
                                                    "priority": "P1", "category": "x", "title": "x",
                                                    "outage": False}, headers=agent)
    assert unknown.status_code == 404 and unknown.headers["content-type"] == "application/problem+json"
    p7 = await client.post("/incidents", json={"service_id": service["id"], "priority": "P7", "category": "x",
                                               "title": "x", "outage": False}, headers=agent)
    assert p7.status_code == 422 and p7.json()["errors"][0]["field"] == "body.priority"
    incident = await open_incident(client, agent, service["id"])
    url = f"/incidents/{incident['id']}"
    not_allowed = await client.post(f"{url}/acknowledge", json={"occurred_at": ago(60)}, headers=agent)
    assert not_allowed.status_code == 403
    backwards = await client.post(f"{url}/acknowledge", json={"occurred_at": ago(60)}, headers=importer)
    assert backwards.status_code == 409 and backwards.json()["rule"] == "time-in-order"
    await client.post(f"{url}/resolve", json={"resolution_code": "fixed"}, headers=agent)
    assert (await client.post(f"{url}/rate", json={"score": 9}, headers=agent)).status_code == 422
    await client.post(f"{url}/close", headers=agent)
    again = await client.post(f"{url}/resolve", json={"resolution_code": "fixed"}, headers=agent)
    assert again.status_code == 409 and again.json()["rule"] == "resolve-open-incident"
    history = (await client.get(f"{url}/history", headers=agent)).json()
    assert [item["event_type"] for item in history["items"]] == [
        "IncidentOpened", "IncidentSlaApplied", "IncidentResolved", "IncidentClosed"]
    assert (await client.get("/incidents", params={"service_id": service["id"]}, headers=agent)).json()["items"][0][
        "status"] == "closed"


async def test_an_outage_resolves_with_its_downtime_and_a_reopen_continues_the_clock(client, owner, agent, importer):
    service = await new_service(client, owner)
    now = datetime.now(UTC)
    incident = await open_incident(client, importer, service["id"], outage=True, occurred_at=ago(100, now=now))
    url = f"/incidents/{incident['id']}"
    missing = await client.post(f"{url}/resolve", json={"resolution_code": "fixed", "occurred_at": ago(60, now=now)},
                                headers=importer)
    assert missing.status_code == 409 and missing.json()["rule"] == "outage-downtime-recorded"
    resolved = await client.post(f"{url}/resolve", json={"resolution_code": "fixed", "downtime_minutes": "40",
                                                         "occurred_at": ago(60, now=now)}, headers=importer)
    assert resolved.json()["downtime_minutes"] == "40"
    reopened = (await client.post(f"{url}/reopen", json={"reason": "back again", "occurred_at": ago(30, now=now)},
                                  headers=importer)).json()
    resolution = reopened["clocks"]["resolution"]
    assert resolution["state"] == "running" and 69.9 <= float(resolution["elapsed_minutes"]) <= 71


async def test_ninety_days_of_imported_incidents_read_back_as_of_a_past_date(client, owner, importer, agent):
    service = await new_service(client, owner)
    start = datetime.now(UTC) - timedelta(days=90)
    ids = []
    for day in (0, 30, 60):
        opened_at = start + timedelta(days=day)
        incident = await open_incident(client, importer, service["id"], occurred_at=opened_at.isoformat(),
                                       detected_at=opened_at.isoformat())
        url = f"/incidents/{incident['id']}"
        await client.post(f"{url}/acknowledge", json={"occurred_at": (opened_at + timedelta(minutes=10)).isoformat()},
                          headers=importer)
        await client.post(f"{url}/resolve", json={"resolution_code": "fixed",
                                                  "occurred_at": (opened_at + timedelta(hours=2)).isoformat()},
                          headers=importer)
        ids.append(incident["id"])
    one_hour_in = (start + timedelta(hours=1)).isoformat()
    then = (await client.get(f"/incidents/{ids[0]}", params={"as_of": one_hour_in}, headers=agent)).json()
    assert then["status"] == "acknowledged" and then["clocks"]["resolution"]["state"] == "running"
    assert Decimal(then["clocks"]["resolution"]["elapsed_minutes"]) == 60
    now = (await client.get(f"/incidents/{ids[0]}", headers=agent)).json()
    assert now["status"] == "resolved" and now["resolution_sla_met"] is True
    before = await client.get(f"/incidents/{ids[2]}", params={"as_of": one_hour_in}, headers=agent)
    assert before.status_code == 404
    listed = (await client.get("/incidents", params={"service_id": service["id"], "status": "resolved"},
                               headers=agent)).json()
    assert [item["id"] for item in listed["items"]] == ids


async def test_incidents_opened_while_the_sla_changes_all_run_on_the_new_targets(client, owner, agent):
    service = await new_service(client, owner)
    revised = {**SLA, "targets": {**SLA["targets"], "P2": {"response_minutes": 45, "resolution_minutes": 300}}}
    body = {"service_id": service["id"], "priority": "P2", "category": "network", "title": "t", "outage": False}
    responses = await asyncio.gather(
        *(client.post("/incidents", json=body, headers=agent) for _ in range(8)),
        client.post(f"/services/{service['id']}/define-sla", json=revised, headers=owner),
        *(client.post("/incidents", json=body, headers=agent) for _ in range(8)),
    )
    assert {r.status_code for r in responses} == {200, 201}
    incidents = [(await client.get(f"/incidents/{r.json()['id']}", headers=agent)).json()
                 for r in responses if r.status_code == 201]
    assert {(i["clocks"]["response"]["target_minutes"], i["clocks"]["resolution"]["target_minutes"])
            for i in incidents} == {(45, 300)}
