"""An opportunity becomes one proposed project however often it arrives, and its dismissal or lapse cancels it;
lists filter and page."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

import sqlalchemy as sa

from continuum.contracts.metrics import (
    ImprovementOpportunityDetectedV1, ImprovementOpportunityDismissedV1, ImprovementOpportunityLapsedV1,
)
from continuum.eventstore.schema import inbox
from project_svc.handlers import project_id_for_opportunity
from tests.integration.project_svc.conftest import eventually, publish


def opportunity(service_id: str) -> dict:
    return {"opportunity_id": str(uuid4()), "service_id": service_id, "rule": "recurring_incidents",
            "title": "Recurring gateway timeouts", "kpi": "incident_count", "baseline": "2", "observed": "9",
            "window_days": 30, "evidence": {"incident_ids": ["a1", "b2"], "category": "timeout"},
            "detected_at": datetime.now(UTC).isoformat()}


async def in_inbox(app, ce_id: str) -> bool:
    async with app.state.engine.connect() as conn:
        found = await conn.execute(sa.select(inbox.c.event_id).where(inbox.c.event_id == ce_id))
        return found.first() is not None


async def test_an_opportunity_becomes_one_proposed_project_however_often_delivered(service, as_role, producer):
    app, client = service
    service_id = str(uuid4())  # not (yet) known to project-svc: an opportunity's proposal stands all the same
    detected = opportunity(service_id)
    key = detected["opportunity_id"]
    first = await publish(producer, ImprovementOpportunityDetectedV1, detected, key=key)
    await publish(producer, ImprovementOpportunityDetectedV1, detected, ce_id=first, key=key)  # redelivered
    last = await publish(producer, ImprovementOpportunityDetectedV1, detected, key=key)  # emitted again
    await eventually(lambda: in_inbox(app, last))

    viewer = as_role("viewer")
    project_id = project_id_for_opportunity(detected["opportunity_id"])
    project = (await client.get(f"/projects/{project_id}", headers=viewer)).json()
    assert project["state"] == "proposed" and project["origin"] == "improvement_opportunity"
    assert project["opportunity_id"] == detected["opportunity_id"] and project["target_service_ids"] == [service_id]
    assert "incident_count observed 9" in project["business_case"] and '"a1"' in project["business_case"]
    history = (await client.get(f"/projects/{project_id}/history", headers=viewer)).json()["items"]
    assert [item["event_type"] for item in history] == ["ProjectProposed"]
    listed = (await client.get("/projects", params={"target_service_id": service_id}, headers=viewer)).json()
    assert [item["id"] for item in listed["items"]] == [str(project_id)]


async def test_lists_filter_by_state_sponsor_target_and_origin_and_page_with_a_cursor(client, as_role, known_services):
    pm, sponsor, viewer = as_role("service_owner"), as_role("sponsor", subject="zoe"), as_role("viewer")
    target = str(uuid4())
    await known_services(target)
    urls = []
    for index in range(3):
        created = await client.post("/projects", headers=pm, json={
            "title": f"p{index}", "problem_statement": "p", "business_case": "b", "target_service_ids": [target]})
        assert created.status_code == 201, created.text
        urls.append(created.headers["Location"])
    charter = {"goal": "g", "scope_statement": "s", "budget_at_completion": "10", "planned_start": "2026-01-01",
               "planned_end": "2026-12-31", "team": {"sponsor": "zoe", "project_manager": "bob"}}
    assert (await client.post(f"{urls[0]}/approve-charter", json=charter, headers=sponsor)).status_code == 200
    # nobody has chartered urls[1]: it has no sponsor yet, so any sponsor may cancel it
    assert (await client.post(f"{urls[1]}/cancel", json={"reason": "duplicate"}, headers=sponsor)).status_code == 200

    async def ids(**params) -> list[str]:
        page = (await client.get("/projects", params={"target_service_id": target, **params}, headers=viewer)).json()
        return [item["id"] for item in page["items"]]

    project_ids = [url.rsplit("/", 1)[1] for url in urls]
    assert await ids() == project_ids
    assert await ids(state="chartered") == [project_ids[0]]
    assert await ids(sponsor="zoe") == [project_ids[0]]
    assert await ids(state="cancelled", origin="manual") == [project_ids[1]]
    assert await ids(origin="improvement_opportunity") == []
    seen, cursor = [], None
    while True:
        params = {"target_service_id": target, "limit": 2, **({"cursor": cursor} if cursor else {})}
        page = (await client.get("/projects", params=params, headers=viewer)).json()
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == project_ids
    bad_state = await client.get("/projects", params={"state": "dreaming"}, headers=viewer)
    assert bad_state.status_code == 422


async def test_a_retried_proposal_with_its_idempotency_key_creates_one_project(client, as_role, known_services):
    headers = {**as_role("project_manager"), "Idempotency-Key": f"propose-{uuid4()}"}
    body = {"title": "once", "problem_statement": "p", "business_case": "b", "target_service_ids": [str(uuid4())]}
    await known_services(*body["target_service_ids"])
    first = await client.post("/projects", json=body, headers=headers)
    retry = await client.post("/projects", json=body, headers=headers)
    assert first.status_code == retry.status_code == 201
    assert retry.headers["Location"] == first.headers["Location"]
    listed = (await client.get("/projects", params={"target_service_id": body["target_service_ids"][0]},
                               headers=headers)).json()
    assert len(listed["items"]) == 1


async def test_the_asyncapi_document_lists_what_project_svc_consumes(client):
    document = (await client.get("/asyncapi.json")).json()
    addresses = {channel["address"] for channel in document["channels"].values()}
    assert {"continuum.project.events", "continuum.handover.events", "continuum.metrics.events",
            "continuum.service.events"} <= addresses


async def test_a_dismissed_or_lapsed_opportunity_cancels_its_project_while_it_is_open(service, as_role, producer):
    app, client = service
    viewer, sponsor = as_role("viewer"), as_role("sponsor", subject="alice")
    dismissed, lapsed = opportunity(str(uuid4())), opportunity(str(uuid4()))
    for detected in (dismissed, lapsed):
        await publish(producer, ImprovementOpportunityDetectedV1, detected, key=detected["opportunity_id"])
    urls = [f"/projects/{project_id_for_opportunity(o['opportunity_id'])}" for o in (dismissed, lapsed)]

    async def state_of(url: str) -> str | None:
        response = await client.get(url, headers=viewer)
        return response.json()["state"] if response.status_code == 200 else None

    for url in urls:
        assert await eventually(lambda: state_of(url)) == "proposed"
    charter = {"goal": "g", "scope_statement": "s", "budget_at_completion": "10", "planned_start": "2026-01-01",
               "planned_end": "2026-12-31", "team": {"sponsor": "alice", "project_manager": "bob"}}
    assert (await client.post(f"{urls[1]}/approve-charter", json=charter, headers=sponsor)).status_code == 200

    common = {"opportunity_id": dismissed["opportunity_id"], "service_id": dismissed["service_id"]}
    first = await publish(producer, ImprovementOpportunityDismissedV1,
                          {**common, "reason": "a one-off migration", "dismissed_by": "sam"},
                          key=common["opportunity_id"])
    await publish(producer, ImprovementOpportunityLapsedV1, {
        "opportunity_id": lapsed["opportunity_id"], "service_id": lapsed["service_id"], "rule": "recurring_incidents",
        "category": "timeout", "reason": "the incident rate is back to its baseline",
        "lapsed_at": datetime.now(UTC).isoformat()}, key=lapsed["opportunity_id"])
    for url in urls:
        await eventually(lambda: _equals(state_of(url), "cancelled"))
    projects = [(await client.get(url, headers=viewer)).json() for url in urls]
    assert projects[0]["cancel_reason"] == "improvement opportunity dismissed by sam: a one-off migration"
    assert projects[1]["cancel_reason"] == "improvement opportunity lapsed: the incident rate is back to its baseline"
    assert projects[1]["team"]["disbanded"]  # the chartered one had a team
    history = (await client.get(f"{urls[0]}/history", headers=viewer)).json()["items"]
    assert [item["event_type"] for item in history] == ["ProjectProposed", "ProjectCancelled"]
    assert history[-1]["metadata"]["actor"].startswith("consumer:project-svc")
    # the dismissal's CloudEvent says 2026-03-01 (see publish): the cancel is still not dated before the proposal
    proposed_at, cancelled_at = (datetime.fromisoformat(item["occurred_at"]) for item in history)
    assert cancelled_at >= proposed_at

    again = await publish(producer, ImprovementOpportunityDismissedV1,  # emitted again: already cancelled
                          {**common, "reason": "still a false alarm"}, key=common["opportunity_id"])
    await eventually(lambda: in_inbox(app, again))
    assert first != again and len((await client.get(f"{urls[0]}/history", headers=viewer)).json()["items"]) == 2


async def _equals(value, expected) -> bool:
    return (await value) == expected
