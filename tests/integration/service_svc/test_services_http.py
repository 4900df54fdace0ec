"""A service through its stages, owner, SLA, costs and improvements, over HTTP on the real stack."""

from __future__ import annotations

from uuid import uuid4

from tests.integration.service_svc.seed import SLA, new_service


async def test_a_service_goes_through_its_stages(client, owner, tokens):
    service = await new_service(client, owner, sla=False)
    url = f"/services/{service['id']}"
    assert service["stage"] == "strategy" and service["demanded_by"] == "HR"
    design = await client.post(f"{url}/change-stage", json={"to_stage": "design", "reason": "approved"},
                               headers={**owner, "If-Match": '"1"'})
    assert design.status_code == 200 and design.headers["ETag"] == '"2"'
    stale = await client.post(f"{url}/change-stage", json={"to_stage": "transition", "reason": "built"},
                              headers={**owner, "If-Match": '"1"'})
    assert stale.status_code == 412
    skip = await client.post(f"{url}/change-stage", json={"to_stage": "operation", "reason": "now"}, headers=owner)
    assert skip.status_code == 409 and skip.json()["rule"] == "operation-needs-handover"
    await client.post(f"{url}/change-stage", json={"to_stage": "transition", "reason": "built"}, headers=owner)
    admin = tokens("admin")
    live = await client.post(f"{url}/change-stage", json={"to_stage": "operation", "reason": "board decision"},
                             headers=admin)
    assert live.status_code == 200 and live.json()["stage"] == "operation"
    history = (await client.get(f"{url}/history", headers=owner)).json()
    assert [item["data"].get("to_stage") for item in history["items"]][1:] == ["design", "transition", "operation"]
    as_of = history["items"][1]["occurred_at"]
    assert (await client.get(url, params={"as_of": as_of}, headers=owner)).json()["stage"] == "design"


async def test_owner_sla_costs_and_improvements(client, owner, agent):
    service = await new_service(client, owner, sla=False, owned_by=None)
    url = f"/services/{service['id']}"
    assert (await client.post(f"{url}/define-sla", json=SLA, headers=agent)).status_code == 403
    unowned = await client.post(f"{url}/define-sla", json=SLA, headers=owner)
    assert unowned.status_code == 403 and unowned.json()["rule"] == "decided-by-the-services-owner"
    assert (await client.post(f"{url}/assign-owner", json={"owner": "alice"}, headers=owner)).json()["owner"] == "alice"
    partial = {**SLA, "targets": {"P1": SLA["targets"]["P1"]}}
    refused = await client.post(f"{url}/define-sla", json=partial, headers=owner)
    assert refused.status_code == 409 and refused.json()["rule"] == "sla-covers-every-priority"
    bad_priority = await client.post(f"{url}/define-sla", json={**SLA, "targets": {"P7": SLA["targets"]["P1"]}},
                                     headers=owner)
    assert bad_priority.status_code == 422
    defined = (await client.post(f"{url}/define-sla", json=SLA, headers=owner)).json()
    assert defined["sla"]["targets"]["P2"] == {"response_minutes": 30, "resolution_minutes": 240, "calendar_id": "24x7"}
    for amount in ("100.00", "50.25"):
        cost = {"amount": amount, "incurred_on": "2026-03-31T00:00:00Z", "category": "hosting"}
        assert (await client.post(f"{url}/record-operating-cost", json=cost, headers=owner)).status_code == 200
    planned = await client.post(f"{url}/improvements", json={"title": "Automate payslips"}, headers=owner)
    assert planned.status_code == 201
    item = planned.json()["id"]  # a creation answers with what it created: the item, not the service
    assert planned.headers["Location"] == f"{url}/improvements/{item}"
    read_back = (await client.get(planned.headers["Location"], headers=agent)).json()
    assert read_back == planned.json() == {"id": item, "title": "Automate payslips", "status": "planned",
                                           "project_id": None}
    second = (await client.post(f"{url}/improvements", json={"title": "Self-service"}, headers=owner)).json()
    first_page = (await client.get(f"{url}/improvements", params={"limit": 1}, headers=agent)).json()
    assert first_page["items"] == [read_back] and first_page["next_cursor"]
    rest = (await client.get(f"{url}/improvements", params={"cursor": first_page["next_cursor"]}, headers=agent))
    assert rest.json() == {"items": [second], "next_cursor": None}
    assert (await client.get(f"{url}/improvements/{uuid4()}", headers=agent)).status_code == 404
    implemented = await client.post(f"{url}/improvements/{item}/implement", headers=owner)
    assert implemented.json()["status"] == "implemented" and implemented.headers["ETag"]
    assert (await client.get(url, headers=agent)).json()["operating_cost_total"] == "150.25"
    again = await client.post(f"{url}/improvements/{item}/implement", headers=owner)
    assert again.status_code == 409 and again.json()["rule"] == "improvement-implemented-once"
    listed = (await client.get("/services", params={"owner": "alice", "sla_defined": True}, headers=agent)).json()
    assert [s["id"] for s in listed["items"]] == [service["id"]]


async def test_service_lists_page_with_a_cursor_and_filter_by_stage(client, owner):
    ids = [(await new_service(client, owner, sla=False))["id"] for _ in range(3)]
    await client.post(f"/services/{ids[1]}/change-stage", json={"to_stage": "design", "reason": "go"}, headers=owner)
    first = (await client.get("/services", params={"limit": 2}, headers=owner)).json()
    second = (await client.get("/services", params={"limit": 2, "cursor": first["next_cursor"]}, headers=owner)).json()
    assert [s["id"] for s in first["items"] + second["items"]] == ids and second["next_cursor"] is None
    design = (await client.get("/services", params={"stage": "design"}, headers=owner)).json()
    assert [s["id"] for s in design["items"]] == [ids[1]]
