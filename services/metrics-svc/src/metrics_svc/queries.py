"""Read side: the KPIs computed at read time by the pure functions from the projected facts."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from continuum.domain import NotFound
from continuum.eventstore.summaries import list_summaries

from metrics_svc.domain.facts import HandoverFact, SlaFact
from metrics_svc.domain.handover_kpis import HandoverKpis, LoopKpis, handover_kpis, loop_kpis
from metrics_svc.domain.opportunity import ImprovementOpportunity
from metrics_svc.domain.project_kpis import EarnedValue, project_kpis
from metrics_svc.domain.service_kpis import ServiceKpis, improvement_register, service_kpis
from metrics_svc.domain.windows import COMPUTE_ERRORS, Figure, Problem, Window, computed
from metrics_svc.projection import reads
from metrics_svc.projection.tables import LIVE


@dataclass(frozen=True)
class ServiceReport:
    service_id: UUID
    kpis: ServiceKpis
    sla: SlaFact | None
    improvements_planned: int
    improvements_implemented: int
    name: str | None = None
    problems: tuple[Problem, ...] = ()


@dataclass(frozen=True)
class ItemProblem:
    """A problem of one service, project or handover, as the portfolio names it."""

    kind: str  # "service" | "project" | "handover"
    id: UUID
    problem: Problem


@dataclass(frozen=True)
class PortfolioReport:
    window: Window
    services: list[ServiceKpis]
    projects: list[EarnedValue]
    handovers: list[HandoverKpis]
    loop: LoopKpis
    problems: list[ItemProblem] = field(default_factory=list)


T = TypeVar("T")


@asynccontextmanager
async def snapshot(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """A connection whose reads all see one committed state: a list and the items it names agree, even while the
    consumer commits (an SLA withdrawn between the two reads once made a listed service "not found")."""
    async with engine.connect() as conn:
        await conn.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
        yield conn


async def each_on_its_own(ids: list[UUID], read: Callable[[UUID], Awaitable[T]],
                          unavailable: Callable[[UUID, Problem], T]) -> list[T]:
    """One read per item: an item whose facts cannot be computed at all is reported as such, never raised for the
    list (an item no longer known, e.g. gone in a rebuild, is left out)."""
    items = []
    for item_id in ids:
        try:
            items.append(await read(item_id))
        except NotFound:
            continue
        except COMPUTE_ERRORS as error:
            items.append(unavailable(item_id, Problem(
                f"could not be computed from the stored facts ({type(error).__name__})")))
    return items


async def opportunity_states(conn: AsyncConnection, **contains: str) -> list[str]:
    page = await list_summaries(conn, stream_type=ImprovementOpportunity.stream_type, contains=contains or None,
                                limit=100_000)
    return [item["state"] for item in page.items]


async def service_report(conn: AsyncConnection, service_id: UUID, *, days: int, as_of: datetime) -> ServiceReport:
    incidents = await reads.incidents_of(conn, LIVE, service_id)
    sla = await reads.sla_of(conn, LIVE, service_id)
    changes = await reads.changes_of(conn, LIVE, service_id)
    operating_costs = await reads.operating_costs_of(conn, LIVE, service_id)
    improvements = await reads.improvements_of(conn, LIVE, service_id)
    name = (await reads.names_of(conn, LIVE, [service_id])).get(service_id)
    if not (incidents or changes or operating_costs or improvements) and sla is None and name is None:
        raise NotFound("Service", service_id)  # nothing about it was ever consumed
    kpis = service_kpis(Window.ending(as_of, days=days), incidents=incidents, changes=changes,
                        operating_costs=operating_costs,
                        project_costs=await reads.delivering_project_costs(conn, LIVE, service_id))
    problems = list(kpis.problems)
    register = computed("improvements", lambda: improvement_register(as_of, improvements), problems, None)
    return ServiceReport(service_id, kpis, sla, register.planned if register else 0,
                         register.implemented if register else 0, name, tuple(problems))


def unavailable_service(service_id: UUID, problem: Problem, *, days: int, as_of: datetime) -> ServiceReport:
    return ServiceReport(service_id, ServiceKpis.unavailable(Window.ending(as_of, days=days), problem), None, 0, 0,
                         problems=(problem,))


async def service_reports(conn: AsyncConnection, service_ids: list[UUID], *, days: int, as_of: datetime
                          ) -> list[ServiceReport]:
    return await each_on_its_own(
        service_ids, lambda i: service_report(conn, i, days=days, as_of=as_of),
        lambda i, problem: unavailable_service(i, problem, days=days, as_of=as_of))


async def project_report(conn: AsyncConnection, project_id: UUID, *, as_of: datetime) -> EarnedValue:
    project = await reads.project(conn, LIVE, project_id)
    if project is None:
        raise NotFound("Project", project_id)
    return project_kpis(project, as_of)


def unavailable_project(problem: Problem, *, as_of: datetime) -> EarnedValue:
    return EarnedValue(as_of=as_of, based_on=0, bac=None, pv=None, ev=None, ac=None, sv=None, cv=None, spi=None,
                       cpi=None, eac=None, vac=None, milestones_missed_pct=None, budget_deviation_pct=None,
                       milestones=[], problems=(problem,))


async def handover_report(conn: AsyncConnection, handover_id: UUID, *, as_of: datetime) -> HandoverKpis:
    handover = await reads.handover(conn, LIVE, handover_id)
    if handover is None:
        raise NotFound("Handover", handover_id)
    return handover_kpis(handover, await reads.incidents_of(conn, LIVE, handover.service_id), as_of)


def unavailable_handover(fact: HandoverFact, problem: Problem, *, as_of: datetime) -> HandoverKpis:
    return HandoverKpis(as_of=as_of, accepted=False, readiness_score=None, days_in_transition=None,
                        early_life_incidents=Figure(None, 0), early_life_incident_rate_per_week=Figure(None, 0),
                        rejections=fact.rejections, problems=(problem,))


async def handover_reports(conn: AsyncConnection, *, as_of: datetime) -> list[tuple[HandoverFact, HandoverKpis]]:
    """Every handover with its KPIs, each computed on its own."""
    facts = {h.handover_id: h for h in await reads.handover_rows(conn, LIVE)}

    async def report(handover_id: UUID) -> tuple[HandoverFact, HandoverKpis]:
        fact = facts[handover_id]
        return fact, handover_kpis(fact, await reads.incidents_of(conn, LIVE, fact.service_id), as_of)

    return await each_on_its_own(list(facts), report,
                                 lambda i, problem: (facts[i], unavailable_handover(facts[i], problem, as_of=as_of)))


async def portfolio_report(conn: AsyncConnection, *, days: int, as_of: datetime) -> PortfolioReport:
    """Every service, project and handover on its own; what one of them cannot give is named in `problems`."""
    services = await service_reports(conn, await reads.service_ids(conn, LIVE), days=days, as_of=as_of)
    projects = await each_on_its_own(await reads.project_ids(conn, LIVE),
                                     lambda i: _identified(i, project_report(conn, i, as_of=as_of)),
                                     lambda i, problem: (i, unavailable_project(problem, as_of=as_of)))
    handovers = [(fact.handover_id, kpis) for fact, kpis in await handover_reports(conn, as_of=as_of)]
    problems = ([ItemProblem("service", s.service_id, p) for s in services for p in s.problems]
                + [ItemProblem("project", i, p) for i, ev in projects for p in ev.problems]
                + [ItemProblem("handover", i, p) for i, h in handovers for p in h.problems])
    return PortfolioReport(Window.ending(as_of, days=days), [s.kpis for s in services], [ev for _, ev in projects],
                           [h for _, h in handovers], loop_kpis(await opportunity_states(conn)), problems)


async def _identified(item_id: UUID, report: Awaitable[T]) -> tuple[UUID, T]:
    return item_id, await report
