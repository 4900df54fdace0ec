"""The demo organisation, seeded through the public APIs with `occurred_at` (business time) for its history."""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from continuum_dev.demo.client import DemoError, Persona, Progress, Stack, TokenIssuer
from continuum_dev.demo.history import (
    EMAIL_DETECTED_BY,
    SERVICES,
    SLA,
    IncidentPlan,
    ServicePlan,
    service_incidents,
)
from continuum_dev.demo.projects import ProjectSeeder

WEEK = timedelta(days=7)  # incidents imported at once, in business-time order

@dataclass
class Seeded:
    """What the demo made, for its summary and for tests comparing the dashboard with it."""

    now: datetime
    services: dict[str, str] = field(default_factory=dict)  # plan key → service id
    incidents: dict[str, list[IncidentPlan]] = field(default_factory=dict)  # service id → its incidents
    projects: dict[str, str] = field(default_factory=dict)  # label → project id
    handovers: dict[str, str] = field(default_factory=dict)  # label → handover id
    opportunities: dict[str, str] = field(default_factory=dict)  # label → opportunity id
    names: dict[str, str] = field(default_factory=dict)  # service or project id → its name or title


@dataclass(frozen=True)
class Personas:
    pm: Persona
    sponsor: Persona
    owner: Persona
    agent: Persona
    viewer: Persona

    @classmethod
    def of(cls, issue: TokenIssuer) -> Personas:
        return cls(pm=Persona.of(issue, "project_manager", "integration", subject="bob"),
                   sponsor=Persona.of(issue, "sponsor", "integration", subject="alice"),
                   owner=Persona.of(issue, "service_owner", "integration", subject="service-owners"),
                   agent=Persona.of(issue, "support_agent", "integration", subject="monitoring"),
                   viewer=Persona.of(issue, "viewer", subject="dashboard"))


class Organisation:
    def __init__(self, stack: Stack, issue: TokenIssuer, *, progress: Progress, now: datetime | None = None,
                 seed: int = 7) -> None:
        self.stack, self.who, self.progress, self.issue = stack, Personas.of(issue), progress, issue
        self.owners: dict[str, str] = {}  # service id → its owner's subject
        self.importers: dict[str, Persona] = {}
        self.seeded = Seeded(now=(now or datetime.now(UTC)).replace(microsecond=0))
        self.rng = random.Random(seed)
        self.held: list[tuple[str, IncidentPlan]] = []  # incidents imported as the email relay's loop unfolds

    def days_ago(self, days: float) -> datetime:
        return self.seeded.now - timedelta(days=days)

    def at(self, days: float) -> dict[str, str]:
        return {"occurred_at": self.days_ago(days).isoformat()}

    def day(self, days: float) -> str:
        return self.days_ago(days).date().isoformat()

    async def seed(self) -> Seeded:
        self.progress.phase(f"registering {len(SERVICES)} services with owners and SLAs")
        for plan in SERVICES:
            self.seeded.services[plan.key] = await self.register(plan)
        await self.import_incidents()
        await ProjectSeeder(self).seed_all()
        await self.wait_until_projected()
        return self.seeded

    async def register(self, plan: ServicePlan) -> str:
        body = {"name": plan.name, "description": plan.description, "demanded_by": plan.demanded_by,
                "expected_volume": plan.expected_volume, **self.at(200)}
        service = await self.stack.post("service-svc", "/services", self.who.owner, body, expect=201)
        self.seeded.names[service["id"]] = plan.name
        self.owners[service["id"]] = plan.owner
        url = f"/services/{service['id']}"
        await self.stack.post("service-svc", f"{url}/assign-owner", self.who.owner,
                              {"owner": plan.owner, **self.at(199)})
        await self.stack.post("service-svc", f"{url}/define-sla", self.who.owner, {**SLA, **self.at(198)})
        for stage, days in (("design", 197.8), ("transition", 197.6)):  # handovers are accepted from transition on
            await self.stack.post("service-svc", f"{url}/change-stage", self.who.owner,
                                  {"to_stage": stage, "reason": "built and being handed over", **self.at(days)})
        for months_ago in range(5, -1, -1):  # hosting and licences, monthly (TCO)
            cost = {"amount": f"{2000 + 350 * len(plan.name)}.00", "category": "hosting",
                    "incurred_on": self.days_ago(30 * months_ago + 1).isoformat(), **self.at(30 * months_ago + 1)}
            await self.stack.post("service-svc", f"{url}/record-operating-cost", self.who.owner, cost)
        return service["id"]

    async def import_incidents(self) -> None:
        """Every service's history up to the email relay's detection; the rest follows its loop (`import_held`),
        so that the project is chartered and its handover accepted while the rise is on, as it would happen live.
        All services are held, not only the email relay: business time on the topic then stops where its history
        stops, and the loop does not judge the relay's held days as quiet (a lapse) before the charter."""
        plans = {self.seeded.services[p.key]: service_incidents(p, now=self.seeded.now, rng=self.rng) for p in SERVICES}
        self.seeded.incidents = plans
        cut = self.days_ago(EMAIL_DETECTED_BY)
        rows = sorted(((s, i) for s, incidents in plans.items() for i in incidents), key=lambda row: row[1].opened_at)
        self.held = [row for row in rows if row[1].opened_at >= cut]
        rows = [row for row in rows if row[1].opened_at < cut]
        days = (self.seeded.now - rows[0][1].opened_at).days
        self.progress.phase(f"importing {len(rows)} incidents over {days} days (opened, acknowledged, resolved, rated)")
        await self.send(rows)

    async def import_held(self, *, until: float | None = None) -> None:
        """The held incidents opened before `until` days ago (None: all, up to now)."""
        end = self.seeded.now if until is None else self.days_ago(until)
        rows = [row for row in self.held if until is None or row[1].opened_at < end]
        self.held = self.held[len(rows):]  # (held in business-time order)
        self.progress.phase(f"importing the next {len(rows)} incidents, up to "
                            + ("now" if until is None else f"{until:g} days ago"))
        await self.send(rows)

    async def send(self, rows: list[tuple[str, IncidentPlan]]) -> None:
        """In business-time order, a week of incidents at a time: each service's through its bulk import
        (`POST /services/{id}/import-incidents`, as its owner), the services of a week side by side."""
        done, start = 0, 0
        while start < len(rows):
            week_end = rows[start][1].opened_at + WEEK
            end = next((n for n in range(start, len(rows)) if rows[n][1].opened_at >= week_end), len(rows))
            by_service: dict[str, list[IncidentPlan]] = {}
            for service_id, plan in rows[start:end]:
                by_service.setdefault(service_id, []).append(plan)
            await asyncio.gather(*(self.import_lines(service_id, plans) for service_id, plans in by_service.items()))
            done, start = done + end - start, end
            self.progress.count("incidents", done, len(rows))

    async def import_lines(self, service_id: str, plans: list[IncidentPlan]) -> None:
        lines = [line for plan in plans for line in self.incident_lines(service_id, plan)]
        await self.stack.post_lines("service-svc", f"/services/{service_id}/import-incidents",
                                    self.importer(service_id), lines)

    def importer(self, service_id: str) -> Persona:
        """The service's own owner (a bulk import is the owner's), with the integration role for `occurred_at`."""
        owner = self.owners[service_id]
        if owner not in self.importers:
            self.importers[owner] = Persona.of(self.issue, "service_owner", "integration", subject=owner)
        return self.importers[owner]

    def incident_lines(self, service_id: str, plan: IncidentPlan) -> list[dict[str, Any]]:
        """open, acknowledge, resolve (and rate) of one planned incident, keyed by a reference of its own."""
        ref = f"DEMO-{service_id[:8]}-{plan.opened_at:%Y%m%dT%H%M%S}-{plan.title[:24]}"
        opened = plan.opened_at.isoformat()
        lines: list[dict[str, Any]] = [
            {"ref": ref, "command": "open", "occurred_at": opened, "priority": plan.priority,
             "category": plan.category, "title": plan.title, "outage": plan.outage, "detected_at": opened},
            {"ref": ref, "command": "acknowledge",
             "occurred_at": (plan.opened_at + timedelta(minutes=plan.ack_minutes)).isoformat()}]
        resolution: dict[str, Any] = {"ref": ref, "command": "resolve", "resolution_code": "fixed",
                                      "occurred_at": plan.resolved_at.isoformat()}
        if plan.outage:
            resolution["downtime_minutes"] = f"{plan.resolve_minutes:.2f}"
        lines.append(resolution)
        if plan.csat is not None:
            rated = min(plan.resolved_at + timedelta(hours=2), self.seeded.now)
            lines.append({"ref": ref, "command": "rate", "score": plan.csat, "occurred_at": rated.isoformat()})
        return lines

    async def wait_until_projected(self) -> None:
        """metrics-svc has every incident, project and handover: the dashboard shows the whole organisation."""
        self.progress.phase("waiting for metrics-svc to project everything from Kafka")
        for service_id, incidents in self.seeded.incidents.items():
            async def counted(service_id: str = service_id, expected: int = len(incidents)) -> bool:
                weekly = await self.stack.get("metrics-svc", f"/kpis/services/{service_id}/weekly", self.who.viewer,
                                              weeks=52)
                return sum(week["incidents"] for week in weekly["weeks"]) >= expected

            await self.stack.wait_for(counted, what=f"metrics-svc to count the incidents of service {service_id}")
        expected_projects = set(self.seeded.projects.values())

        async def projects_known() -> bool:
            page = await self.stack.get("metrics-svc", "/kpis/projects", self.who.viewer, limit=200)
            return expected_projects <= {item["project_id"] for item in page["items"]}

        await self.stack.wait_for(projects_known, what="metrics-svc to know every project")


async def seed_organisation(urls: dict[str, str], issue: TokenIssuer, *, progress: Progress) -> Seeded:
    """Seed the organisation into the services at `urls` (by service name); DemoError if one is not up."""
    stack = Stack(urls)
    try:
        for name, client in stack.clients.items():
            try:
                (await client.get("/healthz")).raise_for_status()
            except httpx.HTTPError as error:
                raise DemoError(f"{name} does not answer at {client.base_url} ({error}); start the stack with "
                                "`make run` first, or pass --url NAME=URL") from None
        return await Organisation(stack, issue, progress=progress).seed()
    finally:
        await stack.aclose()
