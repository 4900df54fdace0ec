"""The portfolio (PortfolioReport): every service's incident count and problems, every project and handover on
its own, and the improvement loop's KPIs; what one of them cannot give is named in its problems."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncConnection

from continuum.eventstore.summaries import list_summaries

from metrics_svc.domain.handover_kpis import HandoverKpis, LoopKpis, loop_kpis
from metrics_svc.domain.opportunity import ImprovementOpportunity
from metrics_svc.domain.project_kpis import EarnedValue
from metrics_svc.domain.service_kpis import change_success_rate, tco
from metrics_svc.domain.windows import Figure, Problem, Window, computed
from metrics_svc.projection import reads, rollup_reads
from metrics_svc.projection.tables import LIVE
from metrics_svc.queries.handovers import handover_reports
from metrics_svc.queries.projects import project_reports
from metrics_svc.queries.services import ServiceFacts


@dataclass(frozen=True)
class ItemProblem:
    """A problem of one service, project or handover, as the portfolio names it."""

    kind: str  # "service" | "project" | "handover"
    id: UUID
    problem: Problem


@dataclass(frozen=True)
class PortfolioReport:
    window: Window
    services: list[ServiceTotal]
    projects: list[EarnedValue]
    handovers: list[HandoverKpis]
    loop: LoopKpis
    problems: list[ItemProblem] = field(default_factory=list)


async def opportunity_states(conn: AsyncConnection, **contains: str) -> list[str]:
    page = await list_summaries(conn, stream_type=ImprovementOpportunity.stream_type, contains=contains or None,
                                limit=100_000)
    return [item["state"] for item in page.items]


@dataclass(frozen=True)
class ServiceTotal:
    """What the portfolio sums of a service: its incidents in the window, and its problems."""

    service_id: UUID
    incident_count: Figure
    problems: tuple[Problem, ...]


async def service_totals(conn: AsyncConnection, ids: list[UUID], *, days: int, as_of: datetime
                         ) -> list[ServiceTotal]:
    """Each service's incident count and problems (as its report names them), in a constant number of statements."""
    window = Window.ending(as_of, days=days)
    counts = await rollup_reads.opened_counts(conn, LIVE, ids, window)
    facts = await ServiceFacts.read(conn, ids, window)
    faults = await rollup_reads.faults(conn, LIVE, ids)
    totals = []
    for service_id in ids:
        problems, changes, costs = facts.problems(service_id)
        if service_id in faults:
            problems.append(Problem(faults[service_id], figure="availability_pct"))
        for name, compute in (("change_success_rate_pct", lambda: change_success_rate(window, changes)),
                              ("tco", lambda: tco(window, *costs))):
            computed(name, compute, problems, None)
        count = counts.get(service_id, 0)
        totals.append(ServiceTotal(service_id, Figure(Decimal(count), count), tuple(problems)))
    return totals


async def portfolio_report(conn: AsyncConnection, *, days: int, as_of: datetime) -> PortfolioReport:
    """Every service, project and handover on its own; what one of them cannot give is named in `problems`. A
    constant number of statements, whatever the number of services and their histories."""
    services = await service_totals(conn, await reads.service_ids(conn, LIVE), days=days, as_of=as_of)
    projects = [(i, ev) for i, _, ev in await project_reports(conn, await reads.project_ids(conn, LIVE), as_of=as_of)]
    handovers = [(fact.handover_id, kpis) for fact, kpis in await handover_reports(conn, as_of=as_of)]
    problems = ([ItemProblem("service", s.service_id, p) for s in services for p in s.problems]
                + [ItemProblem("project", i, p) for i, ev in projects for p in ev.problems]
                + [ItemProblem("handover", i, p) for i, h in handovers for p in h.problems])
    return PortfolioReport(Window.ending(as_of, days=days), services, [ev for _, ev in projects],
                           [h for _, h in handovers], loop_kpis(await opportunity_states(conn)), problems)
