"""Problems resolving their incidents, changes approved by the owner, service requests fulfilled, over HTTP."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.integration.service_svc.seed import new_service
from tests.support.kafka import read_topic


async def open_incident(client, headers, service_id: str, **overrides) -> str:
    body = {"service_id": service_id, "priority": "P3", "category": "mail", "title": "Mail relay drops",
            "outage": False, **overrides}
    response = await client.post("/incidents", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()["id"]


async def test_a_problem_resolves_its_open_incidents(client, owner, agent):
    service = await new_service(client, owner)
    first, second, outage, done = [await open_incident(client, agent, service["id"], outage=(n == 2))
                                   for n in range(4)]
    await client.post(f"/incidents/{done}/resolve", json={"resolution_code": "workaround"}, headers=agent)
    other = await new_service(client, owner)
    foreign = await open_incident(client, agent, other["id"])
    assert (await client.post("/problems", json={"service_id": service["id"], "title": "relay",
                                                 "incident_ids": [first]}, headers=agent)).status_code == 403
    created = await client.post("/problems", json={"service_id": service["id"], "title": "Relay pool exhausted",
                                                   "incident_ids": [first, done]}, headers=owner)
    assert created.status_code == 201 and created.headers["Location"] == f"/problems/{created.json()['id']}"
    url = created.headers["Location"]
    for incident in (second, outage):
        assert (await client.post(f"{url}/link-incident", json={"incident_id": incident}, headers=owner)).status_code == 200
    wrong = await client.post(f"{url}/link-incident", json={"incident_id": foreign}, headers=owner)
    assert wrong.status_code == 409 and wrong.json()["rule"] == "incident-of-the-service"
    early = await client.post(f"{url}/resolve", json={"resolution": "resized"}, headers=owner)
    assert early.status_code == 409 and early.json()["rule"] == "root-cause-before-resolution"
    await client.post(f"{url}/record-root-cause", json={"root_cause": "pool too small"}, headers=owner)
    known = await client.post(f"{url}/record-known-error", json={"workaround": "restart relay"}, headers=owner)
    assert known.json()["status"] == "known_error"
    resolved = await client.post(f"{url}/resolve", json={"resolution": "pool resized", "resolve_incidents": True},
                                 headers=owner)
    assert resolved.status_code == 200 and resolved.json()["status"] == "resolved"
    states = {i: (await client.get(f"/incidents/{i}", headers=agent)).json() for i in (first, second, outage, done)}
    assert {i: s["resolution_code"] for i, s in states.items()} == {
        first: "resolved-by-problem", second: "resolved-by-problem", outage: "resolved-by-problem", done: "workaround"}
    assert float(states[outage]["downtime_minutes"]) >= 0
    listed = (await client.get("/problems", params={"service_id": service["id"], "status": "resolved"},
                               headers=agent)).json()
    assert [p["incident_count"] for p in listed["items"]] == [4]


async def test_a_change_is_approved_by_the_owner_and_implemented(client, owner, agent, kafka_settings, spec):
    service = await new_service(client, owner)
    start = datetime.now(UTC) + timedelta(days=1)
    body = {"service_id": service["id"], "kind": "normal", "title": "Resize pool", "risk": "medium",
            "planned_start": start.isoformat(), "planned_end": (start - timedelta(hours=1)).isoformat()}
    backwards = await client.post("/changes", json=body, headers=owner)
    assert backwards.status_code == 409 and backwards.json()["rule"] == "planned-window-in-order"
    body["planned_end"] = (start + timedelta(hours=2)).isoformat()
    change = (await client.post("/changes", json=body, headers=owner)).json()
    url = f"/changes/{change['id']}"
    unapproved = await client.post(f"{url}/implement", json={"outcome": "successful"}, headers=owner)
    assert unapproved.status_code == 409 and unapproved.json()["rule"] == "change-approved-before-implementation"
    assert (await client.post(f"{url}/approve", headers=agent)).status_code == 403
    approved = (await client.post(f"{url}/approve", headers=owner)).json()
    assert approved["status"] == "approved" and approved["decided_by"] == "alice"
    done = (await client.post(f"{url}/implement", json={"outcome": "failed"}, headers=owner)).json()
    assert (done["status"], done["outcome"]) == ("implemented", "failed")
    rejected = (await client.post("/changes", json=body, headers=owner)).json()
    await client.post(f"/changes/{rejected['id']}/reject", json={"reason": "no rollback plan"}, headers=owner)
    listed = (await client.get("/changes", params={"status": "rejected"}, headers=agent)).json()
    assert [c["id"] for c in listed["items"]] == [rejected["id"]]
    def implemented_in(messages):
        return [m for m in messages
                if m.headers["ce_type"].endswith("ChangeImplemented.v1") and m.headers["ce_subject"] == change["id"]]

    messages = await read_topic(kafka_settings.bootstrap_servers, spec.topic,
                                until=lambda messages: bool(implemented_in(messages)))
    assert len(implemented_in(messages)) == 1


async def test_a_service_request_is_fulfilled_with_its_fulfilment_time_or_cancelled(client, owner, agent, importer):
    service = await new_service(client, owner)
    submitted_at = datetime.now(UTC) - timedelta(hours=3)
    body = {"service_id": service["id"], "title": "Account for Carol", "requested_by": "carol",
            "occurred_at": submitted_at.isoformat()}
    request = (await client.post("/service-requests", json=body, headers=importer)).json()
    url = f"/service-requests/{request['id']}"
    fulfilled = await client.post(f"{url}/fulfil", json={"occurred_at": (submitted_at + timedelta(minutes=150))
                                                         .isoformat()}, headers=importer)
    assert fulfilled.json()["fulfilment_minutes"] == "150.00"
    cancel = await client.post(f"{url}/cancel", json={"reason": "late"}, headers=agent)
    assert cancel.status_code == 409 and cancel.json()["rule"] == "cancel-submitted-request"
    other = (await client.post("/service-requests", json={**body, "occurred_at": None}, headers=agent)).json()
    cancelled = await client.post(f"/service-requests/{other['id']}/cancel", json={"reason": "duplicate"},
                                  headers=agent)
    assert cancelled.json()["status"] == "cancelled"
    listed = (await client.get("/service-requests", params={"service_id": service["id"], "status": "fulfilled"},
                               headers=agent)).json()
    assert [r["id"] for r in listed["items"]] == [request["id"]]
