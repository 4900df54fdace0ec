"""Who may act on which service: every command route of service-svc, by its owner and by another service owner.

Finding M3 of issue 14: a second service owner took over another owner's service, redefined its SLA and
approved its changes. The matrix below names every command route; a route added without a place in it fails
`test_every_command_route_has_a_place_in_the_ownership_matrix`.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.integration.service_svc.seed import SLA, new_service

OWNER_RULE = "decided-by-the-services-owner"


async def _incident(client, agent, service_id: str) -> str:
    body = {"service_id": service_id, "priority": "P3", "category": "mail", "title": "Relay drops", "outage": False}
    response = await client.post("/incidents", json=body, headers=agent)
    assert response.status_code == 201, response.text
    return response.json()["id"]


async def _problem(client, owner, agent, service_id: str, *, root_cause: bool = False) -> str:
    body = {"service_id": service_id, "title": "Relay pool", "incident_ids": [await _incident(client, agent, service_id)]}
    problem = (await client.post("/problems", json=body, headers=owner)).json()["id"]
    if root_cause:
        await client.post(f"/problems/{problem}/record-root-cause", json={"root_cause": "pool"}, headers=owner)
    return problem


async def _change(client, owner, service_id: str, *, approved: bool = False) -> str:
    change = (await client.post("/changes", json=_change_body(service_id), headers=owner)).json()["id"]
    if approved:
        await client.post(f"/changes/{change}/approve", headers=owner)
    return change


def _change_body(service_id: str) -> dict:
    start = datetime.now(UTC) + timedelta(days=1)
    return {"service_id": service_id, "kind": "normal", "title": "Resize", "risk": "low",
            "planned_start": start.isoformat(), "planned_end": (start + timedelta(hours=1)).isoformat()}


async def _improvement(client, owner, service_id: str) -> str:
    planned = await client.post(f"/services/{service_id}/improvements", json={"title": "Automate"}, headers=owner)
    return planned.json()["id"]


# every command route acting on a service or on its problems and changes: its owner's alone
OWNED: set[str] = {
    "/services/{service_id}/assign-owner", "/services/{service_id}/change-stage", "/services/{service_id}/define-sla",
    "/services/{service_id}/withdraw-sla", "/services/{service_id}/record-operating-cost",
    "/services/{service_id}/improvements", "/services/{service_id}/improvements/{improvement_id}/implement",
    "/problems", "/problems/{problem_id}/link-incident", "/problems/{problem_id}/record-root-cause",
    "/problems/{problem_id}/record-known-error", "/problems/{problem_id}/resolve",
    "/changes", "/changes/{change_id}/approve", "/changes/{change_id}/reject", "/changes/{change_id}/implement",
}
# every command route acting on a calendar: its owner's alone (the creation names its owner: its own rule)
CALENDAR_OWNED = {
    "/calendars/{calendar_id}/revise", "/calendars/{calendar_id}/holidays", "/calendars/{calendar_id}/holidays/ical",
    "/calendars/{calendar_id}/holidays/generate", "/calendars/{calendar_id}/delete",
}
CALENDAR_RULE = "decided-by-the-calendars-owner"
WEEK = {"monday": [{"start": "08:00", "end": "17:00"}]}
CALENDAR_BODIES = {  # (json, content): the iCalendar upload is a file
    "revise": ({"time_zone": "UTC", "week": WEEK, "reason": "new hours"}, None),
    "holidays": ({"holidays": [{"first_day": "2026-05-01"}]}, None),
    "ical": (None, "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VEVENT\r\nUID:1\r\n"
                   "DTSTART;VALUE=DATE:20261224\r\nSUMMARY:Eve\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"),
    "generate": ({"country": "FR", "years": [2027]}, None),
    "delete": ({"reason": "closed"}, None),
}
# bulk imports: the caller's subject must own the service (admin: any), tested in test_bulk_import.py
IMPORTS = {"/services/{service_id}/import-incidents"}
# the service desk's work (any support agent, on any service) and the catalog entry itself (its own rule)
NOT_OWNED = {"/services", "/incidents", "/service-requests", "/calendars"}
NOT_OWNED_PREFIXES = ("/incidents/{incident_id}/", "/service-requests/{request_id}/")
SERVICE_BODIES = {
    "assign-owner": {"owner": "mallory"}, "change-stage": {"to_stage": "design", "reason": "go"}, "define-sla": SLA,
    "withdraw-sla": {"reason": "renegotiation"}, "improvements": {"title": "Automate"},
    "record-operating-cost": {"amount": "10.00", "incurred_on": "2026-03-31T00:00:00Z", "category": "hosting"},
}


async def request_for(route: str, client, owner, agent, service_id: str) -> tuple[str, dict | None]:
    """A request acting through `route` on alice's service (or on a problem or change of it)."""
    verb = route.rsplit("/", 1)[1]
    if route.startswith("/services/") and verb in SERVICE_BODIES:
        return f"/services/{service_id}/{verb}", SERVICE_BODIES[verb]
    if route == "/problems":
        return route, {"service_id": service_id, "title": "Relay",
                       "incident_ids": [await _incident(client, agent, service_id)]}
    if route.startswith("/problems/"):
        problem = await _problem(client, owner, agent, service_id, root_cause=verb == "resolve")
        bodies = {"link-incident": {"incident_id": await _incident(client, agent, service_id)},
                  "record-root-cause": {"root_cause": "pool"}, "record-known-error": {"workaround": "restart"},
                  "resolve": {"resolution": "resized"}}
        return f"/problems/{problem}/{verb}", bodies[verb]
    if route == "/changes":
        return route, _change_body(service_id)
    if route.startswith("/changes/"):
        change = await _change(client, owner, service_id, approved=verb == "implement")
        bodies = {"approve": None, "reject": {"reason": "no rollback"}, "implement": {"outcome": "successful"}}
        return f"/changes/{change}/{verb}", bodies[verb]
    improvement = await _improvement(client, owner, service_id)
    return f"/services/{service_id}/improvements/{improvement}/implement", None


def command_routes(app) -> set[str]:
    return {path for path, methods in app.openapi()["paths"].items() if "post" in methods}


@pytest.fixture
def mallory(tokens):
    """Another service owner: same role as alice, not the owner of alice's services."""
    return tokens("service_owner", subject="mallory")


async def test_every_command_route_has_a_place_in_the_ownership_matrix(make_app):
    routes = command_routes(make_app(watch=False))
    unplaced = {r for r in routes - OWNED - CALENDAR_OWNED - NOT_OWNED - IMPORTS
                if not r.startswith(NOT_OWNED_PREFIXES)}
    assert not unplaced, f"command routes with no place in the ownership matrix: {sorted(unplaced)}"
    assert OWNED | CALENDAR_OWNED <= routes


@pytest.mark.parametrize("route", sorted(CALENDAR_OWNED))
async def test_a_calendar_command_is_refused_to_another_service_owner_and_done_by_the_owner(
        client, owner, mallory, route):
    created = await client.post("/calendars", json={"name": "Office", "time_zone": "Europe/Paris", "week": WEEK},
                                headers=owner)
    calendar_id = created.json()["id"]
    path = route.replace("{calendar_id}", calendar_id)
    body, content = CALENDAR_BODIES[route.rsplit("/", 1)[1]]
    extra = {"Content-Type": "text/calendar"} if content else {}
    before = (await client.get(f"/calendars/{calendar_id}/history", headers=owner)).json()["items"]
    refused = await client.post(path, json=body, content=content, headers={**mallory, **extra})
    assert refused.status_code == 403, f"{route}: {refused.status_code} {refused.text}"
    assert refused.json()["rule"] == CALENDAR_RULE and "mallory" in refused.json()["detail"]
    assert (await client.get(f"/calendars/{calendar_id}/history", headers=owner)).json()["items"] == before
    done = await client.post(path, json=body, content=content, headers={**owner, **extra})
    assert done.status_code == 200, f"{route}: {done.status_code} {done.text}"


async def test_a_service_owner_creates_calendars_for_themselves_only(client, owner, mallory, tokens):
    body = {"name": "Office", "time_zone": "Europe/Paris", "week": WEEK}
    for_alice = await client.post("/calendars", json={**body, "owner": "alice"}, headers=mallory)
    assert for_alice.status_code == 403 and for_alice.json()["rule"] == CALENDAR_RULE
    imported = await client.post("/calendars", json={**body, "owner": "alice"}, headers=tokens("integration"))
    assert imported.status_code == 201 and imported.json()["owner"] == "alice"


@pytest.mark.parametrize("route", sorted(OWNED))
async def test_an_owned_command_is_refused_to_another_service_owner_and_done_by_the_owner(
        client, owner, agent, mallory, route):
    service = await new_service(client, owner, sla=route.endswith("withdraw-sla"))
    path, body = await request_for(route, client, owner, agent, service["id"])
    before = (await client.get(f"/services/{service['id']}/history", headers=agent)).json()["items"]
    refused = await client.post(path, json=body, headers=mallory)
    assert refused.status_code == 403, f"{route}: {refused.status_code} {refused.text}"
    assert refused.json()["rule"] == OWNER_RULE and "mallory" in refused.json()["detail"]
    after = (await client.get(f"/services/{service['id']}/history", headers=agent)).json()["items"]
    assert after == before
    done = await client.post(path, json=body, headers=owner)
    assert done.status_code in (200, 201), f"{route}: {done.status_code} {done.text}"


async def test_the_m3_chain_a_second_owner_can_neither_take_over_nor_redefine_nor_approve(client, owner, mallory):
    service = await new_service(client, owner)
    url = f"/services/{service['id']}"
    takeover = await client.post(f"{url}/assign-owner", json={"owner": "mallory"}, headers=mallory)
    assert takeover.status_code == 403 and takeover.json()["rule"] == OWNER_RULE
    lax = {**SLA, "availability_target_pct": "50"}
    redefined = await client.post(f"{url}/define-sla", json=lax, headers=mallory)
    assert redefined.status_code == 403 and redefined.json()["rule"] == OWNER_RULE
    change = await _change(client, owner, service["id"])
    approved = await client.post(f"/changes/{change}/approve", headers=mallory)
    assert approved.status_code == 403 and approved.json()["rule"] == OWNER_RULE
    read = (await client.get(url, headers=owner)).json()
    assert read["owner"] == "alice" and read["sla"]["availability_target_pct"] == "99.5"
    assert (await client.get(f"/changes/{change}", headers=owner)).json()["status"] == "requested"


async def test_the_owner_hands_the_service_on_and_then_no_longer_decides(client, owner, tokens):
    service = await new_service(client, owner)
    url = f"/services/{service['id']}"
    handed = await client.post(f"{url}/assign-owner", json={"owner": "bob"}, headers=owner)
    assert handed.status_code == 200 and handed.json()["owner"] == "bob"
    assert (await client.post(f"{url}/define-sla", json=SLA, headers=owner)).status_code == 403
    bob = tokens("service_owner", subject="bob")
    assert (await client.post(f"{url}/define-sla", json=SLA, headers=bob)).status_code == 200


async def test_a_service_with_no_owner_is_claimed_by_a_service_owner_for_themselves(client, owner, mallory):
    service = await new_service(client, owner, sla=False, owned_by=None)
    url = f"/services/{service['id']}"
    before_claim = await client.post(f"{url}/define-sla", json=SLA, headers=owner)
    assert before_claim.status_code == 403 and "no owner yet" in before_claim.json()["detail"]
    for someone_else in ("bob", "mallory"):
        named = await client.post(f"{url}/assign-owner", json={"owner": someone_else}, headers=owner)
        assert named.status_code == 403 and named.json()["rule"] == "unowned-service-claimed-for-oneself"
    claimed = await client.post(f"{url}/assign-owner", json={"owner": "alice"}, headers=owner)
    assert claimed.status_code == 200 and claimed.json()["owner"] == "alice"
    assert (await client.post(f"{url}/assign-owner", json={"owner": "mallory"}, headers=mallory)).status_code == 403
    registered_for_another = await client.post("/services", headers=mallory, json={
        "name": "x", "description": "", "demanded_by": "HR", "expected_volume": "1", "owner": "alice"})
    assert registered_for_another.status_code == 403


async def test_admin_and_integration_act_on_any_service_and_the_actor_says_so(client, owner, tokens):
    service = await new_service(client, owner)
    url = f"/services/{service['id']}"
    admin, importer = tokens("admin", subject="root"), tokens("integration", subject="importer")
    assert (await client.post(f"{url}/withdraw-sla", json={"reason": "audit"}, headers=admin)).status_code == 200
    assert (await client.post(f"{url}/define-sla", json=SLA, headers=importer)).status_code == 200
    assert (await client.post(f"{url}/define-sla", json=SLA, headers=owner)).status_code == 200
    history = (await client.get(f"{url}/history", headers=owner)).json()["items"]
    actors = [(item["event_type"], item["metadata"]["actor"]) for item in history]
    assert actors[-3:] == [("SlaWithdrawn", "admin:root"), ("SlaDefined", "integration:importer"),
                           ("SlaDefined", "alice")]
