"""A charter's optional declared benefit over HTTP: validated at the edge (a KPI metrics-svc can measure, a target
0-100, both or neither), shown on the project, and on CharterApproved for metrics-svc."""

from __future__ import annotations

CHARTER = {"goal": "g", "scope_statement": "s", "budget_at_completion": "10", "planned_start": "2026-01-01",
           "planned_end": "2026-12-31", "team": {"sponsor": "alice", "project_manager": "bob"}}


async def test_a_charter_declares_a_benefit_metrics_can_measure_or_none(client, as_role):
    pm, alice = as_role("project_manager", subject="bob"), as_role("sponsor", subject="alice")
    created = await client.post("/projects", headers=pm, json={"title": "t", "problem_statement": "p",
                                                               "business_case": "b"})
    url = created.headers["Location"]
    for benefit, field in (({"kpi": "nps", "target": "50"}, "kpi"), ({"kpi": "csat_pct", "target": "120"}, "target"),
                           ({"kpi": "csat_pct"}, "target")):
        refused = await client.post(f"{url}/approve-charter", json={**CHARTER, "benefit": benefit}, headers=alice)
        assert refused.status_code == 422 and field in str(refused.json()), refused.json()
    assert (await client.get(url, headers=pm)).json()["state"] == "proposed"  # nothing stored on a refusal
    approved = await client.post(f"{url}/approve-charter", headers=alice,
                                 json={**CHARTER, "benefit": {"kpi": "availability_pct", "target": "99.9"}})
    assert approved.status_code == 200 and approved.json()["benefit"] == {"kpi": "availability_pct", "target": "99.9"}
    history = (await client.get(f"{url}/history", headers=pm)).json()["items"]
    charter = next(item for item in history if item["event_type"] == "CharterApproved")
    assert (charter["data"]["benefit_kpi"], charter["data"]["benefit_target"]) == ("availability_pct", "99.9")
