"""Ownership (issue 14): every command on a project is its own sponsor's or project manager's, not the role's.

The matrix test enumerates project-svc's command routes from its OpenAPI document, as the role matrix in
tests/integration/test_services.py does, so a new command route without an ownership case fails here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from uuid import uuid4

from tests.integration.project_svc.test_project_story import TODAY, ok

SPONSOR, OTHER_SPONSOR, PM, OTHER_PM = "alice", "mallory", "bob", "pat"
SPONSORS_RULE, PMS_RULE = "decided-by-the-projects-sponsor", "run-by-the-projects-manager"
STAGES = ("proposed", "chartered", "planning", "executing", "risk", "change", "on_hold", "closing", "accepted")
TEAM = {"sponsor": SPONSOR, "project_manager": PM}
CHARTER = {"goal": "g", "scope_statement": "s", "budget_at_completion": "1000.00",
           "planned_start": (TODAY - timedelta(days=30)).isoformat(),
           "planned_end": (TODAY + timedelta(days=60)).isoformat(), "team": TEAM}


@dataclass(frozen=True)
class Case:
    stage: str  # the project's stage before the command
    duty: str  # "sponsor" or "pm"
    body: dict | None = None


# path (OpenAPI template, without /projects/{project_id}) → the case; bodies as the owner would send them
CASES = {
    "/approve-charter": Case("proposed", "sponsor", CHARTER),
    "/assign-team": Case("executing", "sponsor", {"sponsor": SPONSOR, "project_manager": PM}),
    "/cancel": Case("executing", "sponsor", {"reason": "no longer needed"}),
    "/put-on-hold": Case("executing", "sponsor", {"reason": "budget review"}),
    "/resume": Case("on_hold", "sponsor"),
    "/accept": Case("closing", "sponsor"),
    "/change-requests/{change_request_id}/approve": Case("change", "sponsor"),
    "/change-requests/{change_request_id}/reject": Case("change", "sponsor", {"reason": "not now"}),
    "/start-planning": Case("chartered", "pm"),
    "/milestones": Case("planning", "pm", {"name": "extra", "planned_date": TODAY.isoformat(),
                                           "planned_value": "0.00"}),
    "/baseline": Case("planning", "pm"),
    "/milestones/{milestone_id}/record-progress": Case("executing", "pm", {"percent_complete": "50"}),
    "/milestones/{milestone_id}/complete": Case("executing", "pm", {"actual_date": TODAY.isoformat()}),
    "/record-cost": Case("executing", "pm", {"amount": "10.00", "incurred_on": TODAY.isoformat(),
                                             "category": "labour"}),
    "/risks": Case("executing", "pm", {"title": "vendor late", "probability": 2, "impact": 3, "owner": PM}),
    "/risks/{risk_id}/reassess": Case("risk", "pm", {"probability": 1, "impact": 3, "mitigation": "m",
                                                     "status": "mitigated"}),
    "/change-requests": Case("executing", "pm", {"reason": "slip", "schedule_delta_days": 3}),
    "/enter-closing": Case("executing", "pm"),  # its milestone is completed first (see at_stage)
    "/close": Case("accepted", "pm"),
}


def command_routes(app) -> set[str]:
    """Every POST on an existing project in project-svc's OpenAPI, relative to /projects/{project_id}."""
    paths = app.openapi()["paths"]
    return {path.removeprefix("/projects/{project_id}") for path, methods in paths.items()
            if "post" in methods and path.startswith("/projects/{project_id}/")}


class Projects:
    """Projects of sponsor alice and project manager bob, brought to a stage through the API."""

    def __init__(self, client, as_role) -> None:
        self.client = client
        self.people = {name: as_role(role, subject=name) for name, role in (
            (SPONSOR, "sponsor"), (OTHER_SPONSOR, "sponsor"), (PM, "project_manager"), (OTHER_PM, "project_manager"))}

    async def post(self, path: str, who: str, body: dict | None = None, status: int = 200) -> dict:
        return await ok(await self.client.post(path, json=body or {}, headers=self.people[who]), status)

    async def at_stage(self, stage: str, *, complete_milestone: bool = False) -> dict[str, str]:
        """The project's url and the ids of its parts, at `stage` (see STAGES)."""
        created = await self.post("/projects", PM, {"title": "t", "problem_statement": "p", "business_case": "b"},
                                  201)
        url = f"/projects/{created['id']}"
        ids = {"project_id": created["id"]}
        reached = STAGES.index(stage)
        if reached >= 1:
            await self.post(f"{url}/approve-charter", SPONSOR, CHARTER)
        if reached >= 2:
            await self.post(f"{url}/start-planning", PM)
            milestone = {"name": "all", "planned_date": TODAY.isoformat(), "planned_value": "1000.00"}
            ids["milestone_id"] = (await self.post(f"{url}/milestones", PM, milestone, 201))["id"]
        if reached >= 3:
            await self.post(f"{url}/baseline", PM)
        if stage == "risk":
            risk = {"title": "r", "probability": 2, "impact": 2, "owner": PM}
            ids["risk_id"] = (await self.post(f"{url}/risks", PM, risk, 201))["id"]
        if stage == "change":
            change = {"reason": "slip", "schedule_delta_days": 3}
            ids["change_request_id"] = (await self.post(f"{url}/change-requests", PM, change, 201))["id"]
        if stage == "on_hold":
            await self.post(f"{url}/put-on-hold", SPONSOR, {"reason": "r"})
        if complete_milestone or reached >= STAGES.index("closing"):
            await self.post(f"{url}/milestones/{ids['milestone_id']}/complete", PM, {"actual_date": TODAY.isoformat()})
        if reached >= STAGES.index("closing"):
            await self.post(f"{url}/enter-closing", PM)
        if stage == "accepted":
            await self.post(f"{url}/accept", SPONSOR)
        return ids

    async def history(self, project_id: str) -> list[dict]:
        page = await self.client.get(f"/projects/{project_id}/history", headers=self.people[PM])
        return (await ok(page))["items"]


async def test_every_command_is_refused_to_a_non_owner_of_the_same_role_and_done_by_the_owner(service, as_role):
    app, client = service
    assert command_routes(app) == set(CASES), "every command route on a project needs an ownership case"
    projects = Projects(client, as_role)
    for route, case in CASES.items():
        ids = await projects.at_stage(case.stage, complete_milestone=route == "/enter-closing")
        path = "/projects/{project_id}" + route
        url = re.sub(r"\{(\w+)\}", lambda m: ids[m.group(1)], path)
        owner, stranger, rule = (SPONSOR, OTHER_SPONSOR, SPONSORS_RULE) if case.duty == "sponsor" else \
            (PM, OTHER_PM, PMS_RULE)
        before = len(await projects.history(ids["project_id"]))
        refused = await client.post(url, json=case.body or {}, headers=projects.people[stranger])
        assert refused.status_code == 403, f"{route} by {stranger}: {refused.status_code} {refused.text}"
        assert refused.json()["rule"] == rule, f"{route}: {refused.json()}"
        assert len(await projects.history(ids["project_id"])) == before, f"{route}: a refusal stored something"
        done = await client.post(url, json=case.body or {}, headers=projects.people[owner])
        assert done.status_code in (200, 201), f"{route} by its {case.duty} {owner}: {done.text}"
        assert (await projects.history(ids["project_id"]))[-1]["metadata"]["actor"] == owner


async def test_h1_a_sponsor_or_pm_cannot_make_themselves_sponsor_only_the_sponsor_hands_it_on(client, as_role):
    projects = Projects(client, as_role)
    ids = await projects.at_stage("change")
    url, change = f"/projects/{ids['project_id']}", f"/projects/{ids['project_id']}/change-requests/" \
                                                    f"{ids['change_request_id']}"
    for who in (OTHER_SPONSOR, PM):  # another sponsor, and the project's own PM, naming themselves sponsor
        taken = await client.post(f"{url}/assign-team", headers=projects.people[who],
                                  json={"sponsor": who, "project_manager": PM})
        assert taken.status_code == 403, taken.text
        approve = await client.post(f"{change}/approve", headers=projects.people[who])
        assert approve.status_code == 403
    assert (await ok(await client.get(url, headers=projects.people[PM])))["team"]["sponsor"] == SPONSOR
    for action, body in (("put-on-hold", {"reason": "mine now"}), ("cancel", {"reason": "mine now"})):
        refused = await client.post(f"{url}/{action}", json=body, headers=projects.people[OTHER_SPONSOR])
        assert refused.status_code == 403 and refused.json()["rule"] == SPONSORS_RULE

    zoe = as_role("sponsor", subject="zoe")
    await projects.post(f"{url}/assign-team", SPONSOR, {"sponsor": "zoe", "project_manager": PM})
    refused = await client.post(f"{change}/approve", headers=projects.people[SPONSOR])
    assert refused.status_code == 403 and refused.json()["rule"] == SPONSORS_RULE  # alice handed it on
    assert (await ok(await client.post(f"{change}/approve", headers=zoe)))["decided_by"] == "zoe"


async def test_a_pm_cannot_record_costs_on_another_pms_project(client, as_role):
    projects = Projects(client, as_role)
    ids = await projects.at_stage("executing")
    url = f"/projects/{ids['project_id']}"
    cost = {"amount": "999.00", "incurred_on": TODAY.isoformat(), "category": "someone else's"}
    refused = await client.post(f"{url}/record-cost", json=cost, headers=projects.people[OTHER_PM])
    assert refused.status_code == 403 and refused.json()["rule"] == PMS_RULE
    assert refused.headers["content-type"] == "application/problem+json"
    project = await ok(await client.get(url, headers=projects.people[PM]))
    assert Decimal(project["earned_value"]["actual_cost"]) == 0


async def test_admin_acts_on_any_project_and_integration_imports_each_recorded_as_such(client, as_role):
    projects = Projects(client, as_role)
    ids = await projects.at_stage("executing")
    url = f"/projects/{ids['project_id']}"
    cost = {"amount": "5.00", "incurred_on": TODAY.isoformat(), "category": "licences"}
    await ok(await client.post(f"{url}/record-cost", json=cost, headers=as_role("admin", subject="root")))
    await ok(await client.post(f"{url}/put-on-hold", json={"reason": "audit"},
                               headers=as_role("integration", subject="erp-sync")))
    actors = [item["metadata"]["actor"] for item in await projects.history(ids["project_id"])][-2:]
    assert actors == ["admin:root", "integration:erp-sync"]
    # holding the business role as well changes nothing: integration acts for others, and says so
    both = as_role("integration", "sponsor", subject=OTHER_SPONSOR)
    await ok(await client.post(f"{url}/resume", headers=both))
    assert (await projects.history(ids["project_id"]))[-1]["metadata"]["actor"] == f"integration:{OTHER_SPONSOR}"


async def test_the_first_sponsor_is_the_charter_approver_naming_themselves(client, as_role):
    projects = Projects(client, as_role)
    ids = await projects.at_stage("proposed")
    url = f"/projects/{ids['project_id']}"
    for_another = await client.post(f"{url}/approve-charter", headers=projects.people[OTHER_SPONSOR],
                                    json={**CHARTER, "team": {"sponsor": "zoe", "project_manager": PM}})
    assert for_another.status_code == 403 and for_another.json()["rule"] == SPONSORS_RULE
    await projects.post(f"{url}/approve-charter", OTHER_SPONSOR,
                        {**CHARTER, "team": {"sponsor": OTHER_SPONSOR, "project_manager": PM}})
    refused = await client.post(f"{url}/cancel", json={"reason": "r"}, headers=projects.people[SPONSOR])
    assert refused.status_code == 403  # chartered: from now on it is mallory's to decide
    named = await ok(await client.post(f"{url}/approve-charter", json=CHARTER,
                                       headers=as_role("integration", subject="erp-sync")), 409)
    assert named["rule"] == "approve-charter-requires-proposed"
    ids = await projects.at_stage("proposed")
    await ok(await client.post(f"/projects/{ids['project_id']}/approve-charter", json=CHARTER,
                               headers=as_role("admin", subject="root")))  # admin names anyone
    project = await ok(await client.get(f"/projects/{ids['project_id']}", headers=projects.people[PM]))
    assert project["team"]["sponsor"] == SPONSOR
    proposal = await projects.at_stage("proposed")  # nobody chartered it: any sponsor may cancel the proposal
    await projects.post(f"/projects/{proposal['project_id']}/cancel", OTHER_SPONSOR, {"reason": "duplicate"})
