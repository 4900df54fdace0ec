"""A project from proposal to closed over HTTP, its events on Kafka, and the handover gate on close."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from uuid import uuid4

from continuum.contracts import catalog
from continuum.contracts import project as contracts
from continuum.contracts.handover import HandoverAcceptedV1
from continuum.kafka.topics import events_topic
from tests.integration.project_svc.conftest import eventually, messages_of, publish

TODAY = datetime.now(UTC).date()
SERVICE = str(uuid4())
CONTRACTS = {c.ce_type(): c for c in contracts.PUBLISHED}


def charter(bac: str = "1000.00", start: date = TODAY - timedelta(days=30), end: date = TODAY + timedelta(days=60)):
    return {"goal": "Cut outages", "scope_statement": "Failover", "budget_at_completion": bac,
            "planned_start": start.isoformat(), "planned_end": end.isoformat(),
            "team": {"sponsor": "alice", "project_manager": "bob",
                     "members": [{"name": "carol", "role": "engineer"}]}}


async def ok(response, status: int = 200) -> dict:
    assert response.status_code == status, response.text
    return response.json()


async def executing_project(client, as_role, targets=()) -> tuple[str, list[str]]:
    """A project of sponsor alice and project manager bob, baselined; `targets` must be known services."""
    pm, sponsor = as_role("project_manager", subject="bob"), as_role("sponsor", subject="alice")
    proposal = {"title": "Stabilise the gateway", "problem_statement": "Outages", "business_case": "Lost sales",
                "target_service_ids": list(targets)}
    created = await client.post("/projects", json=proposal, headers=pm)
    project = await ok(created, 201)
    url = created.headers["Location"]
    assert url == f"/projects/{project['id']}" and created.headers["ETag"] == '"1"'
    await ok(await client.post(f"{url}/approve-charter", json=charter(), headers=sponsor))
    await ok(await client.post(f"{url}/start-planning", headers=pm))
    milestones = []
    for name, when, value in (("design", TODAY - timedelta(days=10), "400.00"),
                              ("rollout", TODAY + timedelta(days=30), "600.00")):
        added = await client.post(f"{url}/milestones", headers=pm,
                                  json={"name": name, "planned_date": when.isoformat(), "planned_value": value})
        milestone = await ok(added, 201)
        assert added.headers["Location"] == f"{url}/milestones/{milestone['id']}" and milestone["name"] == name
        milestones.append(milestone["id"])
    await ok(await client.post(f"{url}/risks", headers=pm,
                               json={"title": "Vendor late", "probability": 3, "impact": 4, "owner": "bob"}), 201)
    version = (await client.get(url, headers=pm)).headers["ETag"]
    body = await ok(await client.post(f"{url}/baseline", headers={**pm, "If-Match": version}))
    assert body["state"] == "executing" and body["earned_value"]["planned_value"] == "400.00"
    return url, milestones


async def test_a_project_goes_from_proposal_to_closed_once_its_handover_is_accepted(
    service, client, as_role, producer, kafka_settings, known_services
):
    pm, sponsor = as_role("project_manager", subject="bob"), as_role("sponsor", subject="alice")
    await known_services(SERVICE)
    url, (design, rollout) = await executing_project(client, as_role, targets=[SERVICE])
    progress = await ok(await client.post(f"{url}/milestones/{rollout}/record-progress",
                                          json={"percent_complete": "50"}, headers=pm))
    assert progress["id"] == rollout and progress["percent_complete"] == "50"
    await ok(await client.post(f"{url}/record-cost", headers=pm,
                               json={"amount": "500.00", "incurred_on": TODAY.isoformat(), "category": "labour"}))
    live = await ok(await client.get(url, headers=as_role("viewer")))
    figures = live["earned_value"]
    assert (figures["earned_value"], figures["actual_cost"]) == ("300.00", "500.00")
    assert (figures["schedule_performance_index"], figures["cost_performance_index"]) == ("0.7500", "0.6000")
    assert figures["milestones_missed_percent"] == "100.00"  # design is overdue
    assert [m["schedule_variance_days"] for m in live["milestones"]] == [-10, None]

    for milestone in (design, rollout):
        await ok(await client.post(f"{url}/milestones/{milestone}/complete", headers=pm,
                                   json={"actual_date": TODAY.isoformat()}))
    closing = await ok(await client.post(f"{url}/enter-closing", headers=pm))
    assert closing["state"] == "closing"
    await ok(await client.post(f"{url}/accept", headers=sponsor))
    refused = await client.post(f"{url}/close", headers=pm)
    assert refused.status_code == 409 and refused.json()["rule"] == "handovers-accepted"

    project_id = url.rsplit("/", 1)[1]
    accepted = {"handover_id": str(uuid4()), "service_id": SERVICE, "project_id": project_id, "accepted_by": "sam",
                "accepted_at": datetime.now(UTC).isoformat(), "readiness_score": "1", "early_life_support_days": 14}
    await publish(producer, HandoverAcceptedV1, accepted, key=accepted["handover_id"])

    async def handover_recorded():
        project = (await client.get(url, headers=pm)).json()
        return project["handovers_accepted"]

    assert (await eventually(handover_recorded))[0]["accepted_by"] == "sam"
    closed = await ok(await client.post(f"{url}/close", headers=pm))
    assert closed["state"] == "closed" and closed["team"]["disbanded"]
    assert closed["success"]["scope_delivered"] and closed["success"]["on_time"]
    assert closed["success"]["within_budget"]

    history = (await client.get(f"{url}/history", headers=pm)).json()["items"]
    types = [item["event_type"] for item in history]
    assert types[-3:] == ["ProjectSuccessEvaluated", "ProjectClosed", "TeamDisbanded"]
    assert history[-1]["metadata"]["actor"] == "bob"
    recorded = next(item for item in history if item["event_type"] == "HandoverAcceptanceRecorded")
    assert recorded["metadata"]["actor"].startswith("consumer:project-svc")

    published = await messages_of(kafka_settings.bootstrap_servers, events_topic("project"), project_id, len(types))
    assert [m.headers["ce_type"] for m in published] == [f"continuum.project.{t}.v1" for t in types]
    for message in published:
        assert message.headers["ce_subject"] == project_id and message.headers["ce_specversion"] == "1.0"
        assert message.headers["ce_source"].startswith("/continuum/project-svc")
        catalog.parse_json(CONTRACTS[message.headers["ce_type"]], message.value)
    closing_started = next(m for m in published if m.headers["ce_type"].endswith("ProjectClosingStarted.v1"))
    assert catalog.parse_json(contracts.ProjectClosingStartedV1, closing_started.value).target_service_ids[0].hex == \
        SERVICE.replace("-", "")


async def test_bad_input_gets_a_problem_and_leaves_the_stream_unchanged(client, as_role):
    pm, sponsor = as_role("project_manager", subject="bob"), as_role("sponsor", subject="alice")
    missing = await client.post(f"/projects/{uuid4()}/start-planning", headers=pm)
    assert missing.status_code == 404 and missing.headers["content-type"] == "application/problem+json"
    created = await client.post("/projects", headers=pm, json={"title": "t", "problem_statement": "p",
                                                               "business_case": "b"})
    url = created.headers["Location"]
    negative = await client.post(f"{url}/approve-charter", json=charter(bac="-5"), headers=sponsor)
    assert negative.status_code == 422
    reversed_dates = await client.post(f"{url}/approve-charter", headers=sponsor,
                                       json=charter(start=TODAY, end=TODAY - timedelta(days=1)))
    assert reversed_dates.status_code == 409 and reversed_dates.json()["rule"] == "planned-end-not-before-start"
    not_a_sponsor = await client.post(f"{url}/approve-charter", json=charter(), headers=pm)
    assert not_a_sponsor.status_code == 403
    stale = await client.post(f"{url}/approve-charter", json=charter(), headers={**sponsor, "If-Match": '"7"'})
    assert stale.status_code == 412
    early = await client.post(f"{url}/milestones", headers=pm,
                              json={"name": "m", "planned_date": TODAY.isoformat(), "planned_value": "1"})
    assert early.status_code == 409 and early.json()["rule"] == "add-milestone-requires-planning"
    history = (await client.get(f"{url}/history", headers=pm)).json()["items"]
    assert [item["event_type"] for item in history] == ["ProjectProposed"]

    await ok(await client.post(f"{url}/approve-charter", json=charter(), headers=sponsor))
    await ok(await client.post(f"{url}/start-planning", headers=pm))
    await ok(await client.post(f"{url}/milestones", headers=pm,
                               json={"name": "m", "planned_date": TODAY.isoformat(), "planned_value": "999.99"}), 201)
    unbalanced = await client.post(f"{url}/baseline", headers=pm)
    assert unbalanced.status_code == 409 and unbalanced.json()["rule"] == "planned-values-sum-to-bac"
    unknown = await client.get(f"{url}/milestones/{uuid4()}", headers=pm)
    assert unknown.status_code == 404
    nan = await client.post(f"{url}/milestones", headers=pm,
                            json={"name": "m", "planned_date": TODAY.isoformat(), "planned_value": "NaN"})
    assert nan.status_code == 422
    assert len((await client.get(f"{url}/history", headers=pm)).json()["items"]) == 5


async def test_as_of_answers_the_state_of_last_week(client, as_role):
    importer = as_role("integration")
    ago = lambda days: (datetime.now(UTC) - timedelta(days=days)).isoformat()  # noqa: E731
    created = await client.post("/projects", headers=importer, json={
        "title": "Imported", "problem_statement": "p", "business_case": "b", "occurred_at": ago(40)})
    url = created.headers["Location"]
    await ok(await client.post(f"{url}/approve-charter", headers=importer, json={**charter(), "occurred_at": ago(39)}))
    await ok(await client.post(f"{url}/start-planning", headers=importer, json={"occurred_at": ago(38)}))
    added = await client.post(f"{url}/milestones", headers=importer, json={
        "name": "all", "planned_date": (TODAY - timedelta(days=14)).isoformat(), "planned_value": "1000.00",
        "occurred_at": ago(37)})
    milestone = added.headers["Location"].rsplit("/", 1)[1]
    await ok(await client.post(f"{url}/baseline", headers=importer, json={"occurred_at": ago(36)}))
    await ok(await client.post(f"{url}/milestones/{milestone}/record-progress", headers=importer, json={
        "percent_complete": "40", "occurred_at": ago(10)}))
    await ok(await client.post(f"{url}/milestones/{milestone}/record-progress", headers=importer, json={
        "percent_complete": "90", "occurred_at": ago(1)}))
    last_week = await ok(await client.get(url, params={"as_of": ago(7)}, headers=as_role("viewer")))
    now = await ok(await client.get(url, headers=as_role("viewer")))
    assert last_week["milestones"][0]["percent_complete"] == "40"
    assert last_week["earned_value"]["earned_value"] == "400.00"
    assert last_week["earned_value"]["as_of"] == (TODAY - timedelta(days=7)).isoformat()
    assert last_week["milestones"][0]["schedule_variance_days"] == -7
    assert now["earned_value"]["earned_value"] == "900.00"
    before = await client.get(url, params={"as_of": ago(45)}, headers=as_role("viewer"))
    assert before.status_code == 404
    not_importer = await client.post(f"{url}/put-on-hold", headers=as_role("sponsor", subject="alice"),
                                     json={"reason": "x", "occurred_at": ago(1)})  # the sponsor, but not importing
    assert not_importer.status_code == 403 and not_importer.json()["type"].endswith("occurred-at-not-allowed")
    imported = (await client.get(f"{url}/history", headers=as_role("viewer"))).json()["items"]
    assert {item["metadata"]["actor"] for item in imported} == {"integration:tester"}
