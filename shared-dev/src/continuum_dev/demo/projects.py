"""The demo's projects in every state, their handovers, and the improvement loop: closed once, begun once."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from continuum_dev.demo.history import EMAIL_ACCEPTED, EMAIL_DETECTED_BY

if TYPE_CHECKING:
    from continuum_dev.demo.organisation import Organisation

Step = tuple[float, Callable[[], Awaitable[None]]]  # (days ago, the call)
CRITERIA = ("documentation-complete", "support-team-trained", "knowledge-base-populated", "monitoring-in-place",
            "runbooks-and-escalation-contacts", "early-life-support-period-agreed", "known-errors-documented")
TEAM = {"sponsor": "alice", "project_manager": "bob", "members": [{"name": "carol", "role": "architect"}]}


class ProjectSeeder:
    def __init__(self, org: Organisation) -> None:
        self.org, self.stack, self.who = org, org.stack, org.who

    async def seed_all(self) -> None:
        steps = [("an executing project with months of earned value", self.payments_redundancy),
                 ("a project in closing, its handover in transition", self.warehouse_migration),
                 ("a delivered project: handover rejected once, accepted, project closed", self.hr_launch),
                 ("the loop: opportunity → improvement project → handover → benefits realized", self.email_loop),
                 ("a detected opportunity turned into a project in planning", self.portal_improvement),
                 ("projects proposed, chartered and cancelled", self.early_projects)]
        for text, step in steps:
            self.org.progress.phase(text)
            await step()

    # --- project-svc ---------------------------------------------------------------------------------------

    async def post(self, path: str, who, body: dict[str, Any] | None = None, *, expect: int = 200) -> dict:
        return await self.stack.post("project-svc", path, who, body, expect=expect)

    async def propose(self, label: str, title: str, problem: str, case: str, target: str | None, days: float) -> str:
        body = {"title": title, "problem_statement": problem, "business_case": case,
                "target_service_ids": [target] if target else [], **self.org.at(days)}
        project = await self.post("/projects", self.who.pm, body, expect=201)
        self.org.seeded.projects[label] = project["id"]
        self.org.seeded.names[project["id"]] = title
        return project["id"]

    async def charter(self, project_id: str, *, goal: str, bac: int, start: float, end: float, days: float) -> None:
        body = {"goal": goal, "scope_statement": goal, "budget_at_completion": f"{bac}.00",
                "planned_start": self.org.day(start), "planned_end": self.org.day(end), "team": TEAM,
                **self.org.at(days)}
        await self.post(f"/projects/{project_id}/approve-charter", self.who.sponsor, body)

    async def plan(self, project_id: str, milestones: list[tuple[str, float, int]], *, days: float,
                   baseline: bool = True) -> list[str]:
        """Planning with (name, planned days ago, planned value) milestones; baselining starts execution."""
        await self.post(f"/projects/{project_id}/start-planning", self.who.pm, self.org.at(days))
        ids = []
        for n, (name, planned, value) in enumerate(milestones):
            body = {"name": name, "planned_date": self.org.day(planned), "planned_value": f"{value}.00",
                    **self.org.at(days - 0.01 * (n + 1))}
            ids.append((await self.post(f"/projects/{project_id}/milestones", self.who.pm, body, expect=201))["id"])
        if baseline:
            await self.post(f"/projects/{project_id}/baseline", self.who.pm, self.org.at(days - 0.5))
        return ids

    async def progress(self, project_id: str, milestone_id: str, percent: int, days: float) -> None:
        await self.post(f"/projects/{project_id}/milestones/{milestone_id}/record-progress", self.who.pm,
                        {"percent_complete": str(percent), **self.org.at(days)})

    async def complete(self, project_id: str, milestone_id: str, days: float) -> None:
        await self.post(f"/projects/{project_id}/milestones/{milestone_id}/complete", self.who.pm,
                        {"actual_date": self.org.day(days), **self.org.at(days)})

    async def cost(self, project_id: str, amount: int, days: float) -> None:
        body = {"amount": f"{amount}.00", "incurred_on": self.org.day(days), "category": "labour", **self.org.at(days)}
        await self.post(f"/projects/{project_id}/record-cost", self.who.pm, body)

    def costs(self, project_id: str, amounts: list[tuple[float, int]]) -> list[Step]:
        return [(days, lambda a=amount, d=days: self.cost(project_id, a, d)) for days, amount in amounts]

    @staticmethod
    async def in_order(steps: list[Step]) -> None:
        """Each aggregate hears its history in business-time order, as an import from a real system would be."""
        for _, step in sorted(steps, key=lambda s: -s[0]):
            await step()

    async def risk(self, project_id: str, title: str, probability: int, impact: int, days: float) -> None:
        body = {"title": title, "probability": probability, "impact": impact, "owner": "bob",
                "mitigation": "Weekly review with the vendor", **self.org.at(days)}
        await self.post(f"/projects/{project_id}/risks", self.who.pm, body, expect=201)

    async def close(self, project_id: str, *, days: float) -> None:
        """Sponsor acceptance, then close once project-svc has heard every handover was accepted."""
        await self.post(f"/projects/{project_id}/accept", self.who.sponsor, self.org.at(days))

        async def closed() -> bool:
            response = await self.stack.clients["project-svc"].post(
                f"/projects/{project_id}/close", json=self.org.at(days - 0.5), headers=self.who.pm.headers)
            return response.status_code == 200

        await self.stack.wait_for(closed, what="project-svc to hear of the accepted handover and close")

    # --- handover-svc --------------------------------------------------------------------------------------

    async def handover_of(self, label: str, project_id: str, service_id: str) -> str:
        async def opened():
            page = await self.stack.get("handover-svc", "/handovers", self.who.viewer, project_id=project_id,
                                        service_id=service_id)
            return page["items"][0]["id"] if page["items"] else None

        handover_id = await self.stack.wait_for(opened, what="the handover to open by itself")
        self.org.seeded.handovers[label] = handover_id

        async def service_criteria_met() -> bool:  # SLA defined and owner named tick from service-svc's events
            body = await self.stack.get("handover-svc", f"/handovers/{handover_id}", self.who.viewer)
            states = {c["key"]: c["status"] for c in body["criteria"]}
            return states.get("sla-defined") == states.get("service-owner-named") == "met"

        await self.stack.wait_for(service_criteria_met, what="the SLA and owner criteria to tick")
        return handover_id

    async def meet(self, handover_id: str, keys, days: float) -> None:
        for key in keys:
            body = {"evidence": f"https://wiki.example.com/handover/{key}", **self.org.at(days)}
            if key == "early-life-support-period-agreed":
                body["early_life_support_days"] = 14
            await self.stack.post("handover-svc", f"/handovers/{handover_id}/criteria/{key}/meet", self.who.pm, body)

    async def accept_handover(self, handover_id: str, days: float) -> None:
        await self.stack.post("handover-svc", f"/handovers/{handover_id}/accept", self.who.owner, self.org.at(days))

    # --- the stories -----------------------------------------------------------------------------------------

    async def payments_redundancy(self) -> None:
        service = self.org.seeded.services["payments"]
        pid = await self.propose("executing", "Payments gateway redundancy", "One gateway: every outage stops sales",
                                 "An hour of outage costs about 40k EUR in lost sales", service, 120)
        await self.charter(pid, goal="A second gateway with automatic failover", bac=240000, start=110, end=-50,
                           days=118)
        design, provisioned, failover, load, _, _ = await self.plan(pid, [
            ("Design approved", 95, 30000), ("Second gateway provisioned", 70, 50000),
            ("Failover automation", 40, 60000), ("Load tests passed", 10, 40000), ("Cut-over", -25, 40000),
            ("Hypercare done", -50, 20000)], days=117)
        await self.risk(pid, "Vendor delivers the second gateway late", 3, 4, 116)
        change = {"reason": "The regulator asks for a second data centre", "scope_delta": "Second data centre",
                  "schedule_delta_days": 30, "budget_delta": "20000.00", "descope_milestone_ids": [],
                  "add_milestones": [{"name": "Second data centre", "planned_date": self.org.day(-45),
                                      "planned_value": "20000.00"}], **self.org.at(35)}

        async def change_request_rejected() -> None:
            raised = await self.post(f"/projects/{pid}/change-requests", self.who.pm, change, expect=201)
            await self.post(f"/projects/{pid}/change-requests/{raised['id']}/reject", self.who.sponsor,
                            {"reason": "Next year's budget", **self.org.at(30)})

        await self.in_order([
            (93, lambda: self.complete(pid, design, 93)), (64, lambda: self.complete(pid, provisioned, 64)),
            (90, lambda: self.risk(pid, "Failover breaks card tokenisation", 2, 5, 90)),
            *[(d, lambda p=p, d=d: self.progress(pid, failover, p, d)) for p, d in ((40, 45), (70, 20), (85, 5))],
            (8, lambda: self.progress(pid, load, 30, 8)), (35, change_request_rejected),
            *self.costs(pid, [(100, 12000), (85, 18000), (70, 24000), (55, 22000), (40, 26000), (25, 28000),
                              (10, 25000)]),
        ])

    async def warehouse_migration(self) -> None:
        service = self.org.seeded.services["warehouse"]
        pid = await self.propose("closing", "Data warehouse migration", "The warehouse runs on end-of-life disks",
                                 "Reports fail every month-end", service, 150)
        await self.charter(pid, goal="The warehouse on the new platform", bac=120000, start=140, end=12, days=148)
        mapped, migrated, switched = await self.plan(pid, [("Schema mapped", 120, 50000), ("Data migrated", 60, 50000),
                                                           ("Reports switched", 20, 20000)], days=147)
        await self.in_order([(118, lambda: self.complete(pid, mapped, 118)),
                             (55, lambda: self.complete(pid, migrated, 55)),
                             (14, lambda: self.complete(pid, switched, 14)),
                             *self.costs(pid, [(130, 20000), (100, 30000), (70, 35000), (40, 25000), (15, 15000)])])
        await self.post(f"/projects/{pid}/enter-closing", self.who.pm, self.org.at(12))
        handover = await self.handover_of("in-transition", pid, service)
        await self.meet(handover, ["documentation-complete", "monitoring-in-place", "knowledge-base-populated"], 9)

    async def hr_launch(self) -> None:
        service = self.org.seeded.services["hr"]
        pid = await self.propose("closed", "HR self-service launch", "Leave and payslips run on paper forms",
                                 "HR spends two days a month on forms", service, 110)
        await self.charter(pid, goal="Employees serve themselves", bac=80000, start=100, end=45, days=108)
        built, payroll = await self.plan(pid, [("Portal built", 75, 40000), ("Payroll integration", 50, 40000)],
                                         days=105)
        await self.in_order([(76, lambda: self.complete(pid, built, 76)),
                             (60, lambda: self.progress(pid, payroll, 60, 60)),
                             (48, lambda: self.complete(pid, payroll, 48)),
                             *self.costs(pid, [(90, 25000), (70, 25000), (50, 28000)])])
        await self.post(f"/projects/{pid}/enter-closing", self.who.pm, self.org.at(47))
        handover = await self.handover_of("accepted", pid, service)
        await self.meet(handover, [k for k in CRITERIA if k not in ("support-team-trained", "known-errors-documented")],
                        46)
        await self.stack.post("handover-svc", f"/handovers/{handover}/criteria/known-errors-documented/waive",
                              self.who.owner,
                              {"justification": "A new service: no known errors yet", **self.org.at(46)})
        await self.stack.post("handover-svc", f"/handovers/{handover}/reject", self.who.owner,
                              {"reasons": ["The service desk has not been trained on payslips"], **self.org.at(45)})
        await self.meet(handover, ["support-team-trained"], 44)
        await self.stack.post("handover-svc", f"/handovers/{handover}/resubmit", self.who.pm,
                              {"note": "Training held; see the KB", **self.org.at(44)})
        await self.accept_handover(handover, 43.5)
        await self.close(pid, days=43)

    async def improvement_project(self, label: str, service_key: str, rule: str) -> tuple[str, str]:
        """The opportunity metrics-svc detected on the service and the project project-svc proposed for it."""
        service = self.org.seeded.services[service_key]

        async def detected():
            page = await self.stack.get("metrics-svc", "/opportunities", self.who.viewer, service_id=service, rule=rule)
            return page["items"][0]["id"] if page["items"] else None

        opportunity = await self.stack.wait_for(detected, what=f"metrics-svc to detect {rule} on {service_key}")
        self.org.seeded.opportunities[label] = opportunity

        async def proposed():
            page = await self.stack.get("project-svc", "/projects", self.who.viewer, origin="improvement_opportunity",
                                        target_service_id=service)
            for item in page["items"]:
                project = await self.stack.get("project-svc", f"/projects/{item['id']}", self.who.viewer)
                if project["opportunity_id"] == opportunity:
                    return project["id"]
            return None

        project = await self.stack.wait_for(proposed, what="project-svc to propose the improvement project")
        self.org.seeded.projects[label] = project
        return opportunity, project

    async def email_loop(self) -> None:
        """Chartered (converted) while the rise is on, delivered and handed over; the category then calm again,
        the benefits are judged 28 days of business time after the acceptance."""
        opportunity, pid = await self.improvement_project("loop", "email", "recurring_incidents")
        charter = EMAIL_DETECTED_BY - 0.5
        await self.charter(pid, goal="No more stuck mail queues", bac=15000, start=charter, end=EMAIL_ACCEPTED + 3,
                           days=charter)
        (fix,) = await self.plan(pid, [("Queue watchdog live", EMAIL_ACCEPTED + 4, 15000)], days=charter - 0.1)
        await self.org.import_held(until=EMAIL_ACCEPTED)
        await self.cost(pid, 14000, EMAIL_ACCEPTED + 4.5)
        await self.complete(pid, fix, EMAIL_ACCEPTED + 4)
        await self.post(f"/projects/{pid}/enter-closing", self.who.pm, self.org.at(EMAIL_ACCEPTED + 3.5))
        handover = await self.handover_of("loop", pid, self.org.seeded.services["email"])
        await self.meet(handover, CRITERIA, EMAIL_ACCEPTED + 1)
        await self.accept_handover(handover, EMAIL_ACCEPTED)
        await self.close(pid, days=EMAIL_ACCEPTED - 0.5)
        await self.org.import_held()  # the rest, up to now

        async def realized() -> bool:
            body = await self.stack.get("metrics-svc", f"/opportunities/{opportunity}", self.who.viewer)
            return body["state"] == "benefits_realized"

        self.org.progress.phase("waiting for metrics-svc's verdict, 28 days of business time after the acceptance")
        await self.stack.wait_for(realized, what="the email relay's benefits to be realized", timeout_s=90)

    async def portal_improvement(self) -> None:
        _, pid = await self.improvement_project("planning", "portal", "recurring_incidents")
        await self.charter(pid, goal="Logins that do not time out", bac=60000, start=-5, end=-70, days=3)
        await self.plan(pid, [("Session store replaced", -20, 25000), ("Login load tested", -40, 15000),
                              ("Rolled out", -65, 20000)], days=2, baseline=False)
        await self.risk(pid, "Session migration logs everyone out", 3, 3, 1)

    async def early_projects(self) -> None:
        portal, payments = self.org.seeded.services["portal"], self.org.seeded.services["payments"]
        pid = await self.propose("chartered", "Customer portal mobile app", "Half the logins come from phones",
                                 "Fewer calls to customer care", portal, 20)
        await self.charter(pid, goal="An app for the top five portal tasks", bac=150000, start=-10, end=-180, days=15)
        await self.propose("proposed", "Service desk chatbot", "Password resets are a third of all tickets",
                           "Two agents freed for real problems", portal, 2)
        cancelled = await self.propose("cancelled", "Payments fraud scoring in-house", "Fraud checks are bought in",
                                       "Lower fees", payments, 60)
        await self.post(f"/projects/{cancelled}/cancel", self.who.pm,
                        {"reason": "The provider lowered its fees", **self.org.at(50)})
