"""Who may act on which handover: every command route of handover-svc, by the service's owner and by another
service owner; the M3 chain of issue 14 (a second service owner waiving every criterion and accepting).

The service's owner waives, accepts, rejects and runs early life support; the project's team (any project
manager) opens, adds, meets, resets and resubmits, as the roles say. A route added without a place in the
matrix fails `test_every_command_route_has_a_place_in_the_ownership_matrix`.
"""

from __future__ import annotations

from uuid import UUID

import pytest

from tests.integration.handover_svc.conftest import OWNER
from tests.integration.handover_svc.test_handover_api import DEFAULT_KEYS, meet_all, open_by_hand, owner

OWNER_RULE = "decided-by-the-services-owner"
OWNED = {  # route → (verb path after /handovers/{id}, body, state the handover needs)
    "/handovers/{handover_id}/criteria/{key}/waive": ("criteria/monitoring-in-place/waive",
                                                     {"justification": "shared monitoring"}, "open"),
    "/handovers/{handover_id}/accept": ("accept", {}, "ready"),
    "/handovers/{handover_id}/reject": ("reject", {"reasons": ["KB incomplete"]}, "ready"),
    "/handovers/{handover_id}/early-life-support/extend": ("early-life-support/extend",
                                                          {"days": 7, "reason": "P2 open"}, "accepted"),
    "/handovers/{handover_id}/early-life-support/evaluate": ("early-life-support/evaluate", {}, "accepted"),
    "/handovers/{handover_id}/early-life-support/end-early": ("early-life-support/end-early",
                                                             {"justification": "stable since the fix"}, "accepted"),
}
# the project's team acts here in its role; a service owner acting here must own the service
TEAM_OR_OWNER = {
    "/handovers/{handover_id}/criteria/{key}/meet": ("criteria/documentation-complete/meet", {"evidence": "wiki"}),
    "/handovers/{handover_id}/criteria/{key}/reset": ("criteria/documentation-complete/reset", {"reason": "stale"}),
}
TEAM = {"/handovers", "/handovers/{handover_id}/criteria", "/handovers/{handover_id}/resubmit"}


@pytest.fixture
def mallory(role):
    """Another service owner: the same role as the owner, not the owner of this service."""
    return role("service_owner", subject="mallory")


async def handover_in(client, role, known, state: str) -> dict:
    handover = await open_by_hand(client, role, known)
    if state in ("ready", "accepted"):
        handover = await meet_all(client, role, handover["id"], days=7)
    if state == "accepted":
        accepted = await client.post(f"/handovers/{handover['id']}/accept", json={}, headers=owner(role))
        assert accepted.status_code == 200, accepted.text
    return handover


async def test_every_command_route_has_a_place_in_the_ownership_matrix(client):
    routes = {path for path, methods in client._transport.app.openapi()["paths"].items() if "post" in methods}
    assert routes == set(OWNED) | set(TEAM_OR_OWNER) | TEAM


@pytest.mark.parametrize("route", sorted(OWNED))
async def test_an_owned_command_is_refused_to_another_service_owner_and_done_by_the_owner(
        client, role, known, mallory, route):
    verb, body, state = OWNED[route]
    handover = await handover_in(client, role, known, state)
    url = f"/handovers/{handover['id']}/{verb}"
    before = (await client.get(f"/handovers/{handover['id']}", headers=role("viewer"))).headers["ETag"]
    refused = await client.post(url, json=body, headers=mallory)
    assert refused.status_code == 403, f"{route}: {refused.status_code} {refused.text}"
    assert refused.json()["rule"] == OWNER_RULE and "mallory" in refused.json()["detail"]
    assert (await client.get(f"/handovers/{handover['id']}", headers=role("viewer"))).headers["ETag"] == before
    done = await client.post(url, json=body, headers=owner(role))
    if verb.endswith("evaluate"):  # the period has not run yet: refused by its own rule, past the owner's
        assert done.status_code == 409 and done.json()["rule"] == "early-life-exit-criteria-hold", done.text
    else:
        assert done.status_code == 200, f"{route}: {done.status_code} {done.text}"


@pytest.mark.parametrize("route", sorted(TEAM_OR_OWNER))
async def test_the_team_or_the_owner_meets_and_resets_criteria_but_not_another_service_owner(
        client, role, known, mallory, route):
    verb, body = TEAM_OR_OWNER[route]
    handover = await open_by_hand(client, role, known)
    url = f"/handovers/{handover['id']}/{verb}"
    if verb.endswith("reset"):
        await client.post(f"/handovers/{handover['id']}/criteria/documentation-complete/meet",
                          json={"evidence": "wiki"}, headers=role("project_manager"))
    refused = await client.post(url, json=body, headers=mallory)
    assert refused.status_code == 403 and refused.json()["rule"] == OWNER_RULE
    assert (await client.post(url, json=body, headers=owner(role))).status_code == 200
    back = "meet" if verb.endswith("reset") else "reset"
    again = {"evidence": "wiki"} if back == "meet" else {"reason": "again"}
    await client.post(url.rsplit("/", 1)[0] + f"/{back}", json=again, headers=owner(role))
    by_any_pm = await client.post(url, json=body, headers=role("project_manager", subject="another-pm"))
    assert by_any_pm.status_code == 200


async def test_the_m3_chain_a_second_owner_can_neither_waive_nor_accept(client, role, known, mallory):
    handover = await open_by_hand(client, role, known)
    url = f"/handovers/{handover['id']}"
    for key in DEFAULT_KEYS:
        waived = await client.post(f"{url}/criteria/{key}/waive", json={"justification": "not needed"},
                                   headers=mallory)
        assert waived.status_code == 403 and waived.json()["rule"] == OWNER_RULE, key
    accepted = await client.post(f"{url}/accept", json={}, headers=mallory)
    assert accepted.status_code == 403 and accepted.json()["rule"] == OWNER_RULE
    body = (await client.get(url, headers=role("viewer"))).json()
    assert body["state"] == "open" and not [c for c in body["criteria"] if c["status"] == "waived"]


async def test_a_service_in_strategy_cannot_be_accepted_even_by_its_owner_or_an_admin(client, role, known):
    handover = await open_by_hand(client, role, known)
    await known(service_id=UUID(handover["service_id"]), stage="strategy")
    await meet_all(client, role, handover["id"])
    for headers in (owner(role), role("admin", subject="root")):
        refused = await client.post(f"/handovers/{handover['id']}/accept", json={}, headers=headers)
        assert refused.status_code == 409 and refused.json()["rule"] == "service-in-transition-or-operation"


async def test_a_service_with_no_owner_has_its_handovers_decided_by_admin_or_integration(client, role, known):
    unowned = await open_by_hand(client, role, known, owned_by=None)
    await meet_all(client, role, unowned["id"])
    refused = await client.post(f"/handovers/{unowned['id']}/accept", json={}, headers=owner(role))
    assert refused.status_code == 403 and "no owner yet" in refused.json()["detail"]
    admin = await client.post(f"/handovers/{unowned['id']}/accept", json={}, headers=role("admin", subject="root"))
    assert admin.status_code == 200
    history = (await client.get(f"/handovers/{unowned['id']}/history", headers=role("viewer"))).json()["items"]
    assert history[-1]["event_type"] == "HandoverAccepted" and history[-1]["metadata"]["actor"] == "admin:root"
