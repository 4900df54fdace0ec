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
    raised = await client.post(f"{url}/change-requests", headers=pm, json={
        "reason": "regulator", "scope_delta": "second site, no rollout", "schedule_delta_days": 20,
        "budget_delta": "300.00", "descope_milestone_ids": [rollout], "add_milestones": [extra]})
    assert (await ok(raised, 201))["decision"] == "pending"
    change_url = raised.headers["Location"]
    change_id = change_url.rsplit("/", 1)[1]
    assert (await ok(await client.get(change_url, headers=pm)))["decision"] == "pending"
    by_pm = await client.post(f"{change_url}/approve", headers=pm)
    assert by_pm.status_code == 403
    decision = await client.post(f"{change_url}/approve", headers=sponsor)
    assert (await ok(decision))["decision"] == "approved"
    approved = await ok(await client.get(url, headers=pm))
    assert decision.headers["ETag"] == f'"{approved["version"]}"'
    assert approved["baselines"] == 2 and approved["budget_at_completion"] == "1300.00"
    assert approved["planned_end"] == (TODAY + timedelta(days=80)).isoformat()
    milestones = await ok(await client.get(f"{url}/milestones", headers=pm))
    assert [(m["name"], m["descoped"]) for m in milestones] == [("design", False), ("rollout", True),
                                                                ("second site", False)]
    decided = await ok(await client.get(f"{url}/change-requests", headers=pm))
    assert decided[0]["decision"] == "approved" and decided[0]["decided_by"] == "alice"

    unbalanced = await client.post(f"{url}/change-requests", headers=pm,
                                   json={"reason": "more", "budget_delta": "5.00"})
    assert unbalanced.status_code == 409 and unbalanced.json()["rule"] == "planned-values-sum-to-bac"
    other = await client.post(f"{url}/change-requests", headers=pm, json={"reason": "slip", "schedule_delta_days": 5})
    other_url = other.headers["Location"]
    rejected = await ok(await client.post(f"{other_url}/reject", headers=sponsor, json={"reason": "no"}))
    assert rejected["decision"] == "rejected" and rejected["rejection_reason"] == "no"
    unchanged = await ok(await client.get(url, headers=pm))
    assert unchanged["baselines"] == 2 and unchanged["planned_end"] == approved["planned_end"]
    again = await client.post(f"{other_url}/reject", headers=sponsor, json={"reason": "no"})
    assert again.status_code == 409 and again.json()["rule"] == "change-request-pending"
    unknown = await client.post(f"{url}/change-requests/{uuid4()}/approve", headers=sponsor)
    assert unknown.status_code == 404


async def test_risks_are_scored_and_reassessed(client, as_role):
    pm = as_role("project_manager", subject="bob")
    url, _ = await executing_project(client, as_role)
    added = await client.post(f"{url}/risks", headers=pm, json={
        "title": "Key engineer leaves", "probability": 2, "impact": 5, "owner": "bob", "mitigation": "pairing"})
    assert (await ok(added, 201))["score"] == 10
    risk = await ok(await client.get(added.headers["Location"], headers=pm))
    assert risk["score"] == 10 and risk["status"] == "open"
    reassessed = await ok(await client.post(f"{added.headers['Location']}/reassess", headers=pm, json={
        "probability": 1, "impact": 5, "mitigation": "hired a second", "status": "mitigated"}))
    assert (reassessed["score"], reassessed["status"]) == (5, "mitigated")
    risks = await ok(await client.get(f"{url}/risks", headers=pm))
    assert [(r["score"], r["status"]) for r in risks][-1] == (5, "mitigated")
    out_of_scale = await client.post(f"{url}/risks", headers=pm,
                                     json={"title": "x", "probability": 6, "impact": 1, "owner": "bob"})
    assert out_of_scale.status_code == 422
    nul = await client.post("/projects", headers=pm, json={"title": "a\u0000b", "problem_statement": "p",
                                                           "business_case": "b"})
    assert nul.status_code == 422


async def test_only_the_projects_own_sponsor_decides_for_it(client, as_role):
    pm, alice, mallory = (as_role("project_manager", subject="bob"), as_role("sponsor", subject="alice"),
                          as_role("sponsor", subject="mallory"))
    url, _ = await executing_project(client, as_role)  # chartered with alice as its sponsor
    raised = await client.post(f"{url}/change-requests", headers=pm, json={"reason": "slip", "schedule_delta_days": 3})
    change_url = raised.headers["Location"]
    for action, body in (("approve", {}), ("reject", {"reason": "no"})):
        refused = await client.post(f"{change_url}/{action}", json=body, headers=mallory)
        assert refused.status_code == 403 and refused.json()["rule"] == "decided-by-the-projects-sponsor"
    assert (await ok(await client.get(change_url, headers=pm)))["decision"] == "pending"
    importer = as_role("integration", subject="erp-sync")  # imports decisions taken elsewhere, for anyone
    assert (await ok(await client.post(f"{change_url}/approve", headers=importer)))["decided_by"] == "erp-sync"
    proposal = await client.post("/projects", headers=pm, json={"title": "t", "problem_statement": "p",
                                                                "business_case": "b"})
    charter = {"goal": "g", "scope_statement": "s", "budget_at_completion": "10", "planned_start": "2026-01-01",
               "planned_end": "2026-12-31", "team": {"sponsor": "alice", "project_manager": "bob"}}
    by_another = await client.post(f"{proposal.headers['Location']}/approve-charter", json=charter, headers=mallory)
    assert by_another.status_code == 403
    assert (await client.post(f"{proposal.headers['Location']}/approve-charter", json=charter,
                              headers=alice)).status_code == 200
