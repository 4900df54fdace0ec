"""Monitoring and control over HTTP: risks, hold and resume, change requests that re-baseline, the parts' reads."""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

from tests.integration.project_svc.test_project_story import TODAY, executing_project, ok


async def test_change_requests_rebaseline_and_the_parts_read_back(client, as_role):
    pm, sponsor = as_role("project_manager", subject="bob"), as_role("sponsor", subject="alice")
    url, (design, rollout) = await executing_project(client, as_role)
    held = await ok(await client.post(f"{url}/put-on-hold", json={"reason": "vendor contract"}, headers=sponsor))
    assert held["on_hold"]
    blocked = await client.post(f"{url}/record-cost", headers=pm,
                                json={"amount": "1.00", "incurred_on": TODAY.isoformat(), "category": "x"})
    assert blocked.status_code == 409 and blocked.json()["rule"] == "project-on-hold"
    await ok(await client.post(f"{url}/resume", headers=sponsor))

    extra = {"name": "second site", "planned_date": (TODAY + timedelta(days=70)).isoformat(), "planned_value": "900.00"}
    raised = await client.post(f"{url}/raise-change-request", headers=pm, json={
        "reason": "regulator", "scope_delta": "second site, no rollout", "schedule_delta_days": 20,
        "budget_delta": "300.00", "descope_milestone_ids": [rollout], "add_milestones": [extra]})
    await ok(raised)
    change_url = raised.headers["Location"]
    change_id = change_url.rsplit("/", 1)[1]
    assert (await ok(await client.get(change_url, headers=pm)))["decision"] == "pending"
    by_pm = await client.post(f"{url}/approve-change-request", json={"change_request_id": change_id}, headers=pm)
    assert by_pm.status_code == 403
    approved = await ok(await client.post(f"{url}/approve-change-request", json={"change_request_id": change_id},
                                          headers=sponsor))
    assert approved["baselines"] == 2 and approved["budget_at_completion"] == "1300.00"
    assert approved["planned_end"] == (TODAY + timedelta(days=80)).isoformat()
    milestones = await ok(await client.get(f"{url}/milestones", headers=pm))
    assert [(m["name"], m["descoped"]) for m in milestones] == [("design", False), ("rollout", True),
                                                                ("second site", False)]
    decided = await ok(await client.get(f"{url}/change-requests", headers=pm))
    assert decided[0]["decision"] == "approved" and decided[0]["decided_by"] == "alice"

    unbalanced = await client.post(f"{url}/raise-change-request", headers=pm,
                                   json={"reason": "more", "budget_delta": "5.00"})
    assert unbalanced.status_code == 409 and unbalanced.json()["rule"] == "planned-values-sum-to-bac"
    other = await client.post(f"{url}/raise-change-request", headers=pm, json={"reason": "slip", "schedule_delta_days": 5})
    other_id = other.headers["Location"].rsplit("/", 1)[1]
    rejected = await ok(await client.post(f"{url}/reject-change-request", headers=sponsor,
                                          json={"change_request_id": other_id, "reason": "no"}))
    assert rejected["baselines"] == 2 and rejected["planned_end"] == approved["planned_end"]
    again = await client.post(f"{url}/reject-change-request", headers=sponsor,
                              json={"change_request_id": other_id, "reason": "no"})
    assert again.status_code == 409 and again.json()["rule"] == "change-request-pending"
    unknown = await client.post(f"{url}/approve-change-request", headers=sponsor,
                                json={"change_request_id": str(uuid4())})
    assert unknown.status_code == 404


async def test_risks_are_scored_and_reassessed(client, as_role):
    pm = as_role("project_manager")
    url, _ = await executing_project(client, as_role)
    added = await client.post(f"{url}/identify-risk", headers=pm, json={
        "title": "Key engineer leaves", "probability": 2, "impact": 5, "owner": "bob", "mitigation": "pairing"})
    risk = await ok(await client.get(added.headers["Location"], headers=pm))
    assert risk["score"] == 10 and risk["status"] == "open"
    await ok(await client.post(f"{url}/reassess-risk", headers=pm, json={
        "risk_id": risk["id"], "probability": 1, "impact": 5, "mitigation": "hired a second", "status": "mitigated"}))
    risks = await ok(await client.get(f"{url}/risks", headers=pm))
    assert [(r["score"], r["status"]) for r in risks][-1] == (5, "mitigated")
    out_of_scale = await client.post(f"{url}/identify-risk", headers=pm,
                                     json={"title": "x", "probability": 6, "impact": 1, "owner": "bob"})
    assert out_of_scale.status_code == 422
    nul = await client.post("/projects", headers=pm, json={"title": "a\u0000b", "problem_statement": "p",
                                                           "business_case": "b"})
    assert nul.status_code == 422
