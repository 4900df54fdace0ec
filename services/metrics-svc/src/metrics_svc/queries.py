"""Read side: the KPIs computed at read time by the pure functions from the projected facts."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from continuum.domain import NotFound
from continuum.eventstore.summaries import list_summaries

from metrics_svc.domain.facts import ChangeFact, CostFact, HandoverFact, IncidentFact, ProjectFact, SlaFact
from metrics_svc.domain.handover_kpis import HandoverKpis, LoopKpis, early_life, handover_kpis, loop_kpis
from metrics_svc.domain.opportunity import ImprovementOpportunity
from metrics_svc.domain.project_kpis import EarnedValue, project_kpis
from metrics_svc.domain.service_kpis import (
    ServiceKpis,
    WeekCount,
    change_success_rate,
    improvement_register,
    tco,
    usable_changes,
    usable_incidents,
)
from metrics_svc.domain.windows import (
    COMPUTE_ERRORS,
    Figure,
    Problem,
    Window,
    computed,
    ratio_pct,
    usable_costs,
    usable_moment,
)
from metrics_svc.projection import reads, rollup_reads
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
    services: list[ServiceTotal]
    projects: list[EarnedValue]
    handovers: list[HandoverKpis]
    loop: LoopKpis
    problems: list[ItemProblem] = field(default_factory=list)


@asynccontextmanager
async def snapshot(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """A connection whose reads all see one committed state: a list and the items it names agree, even while the
    consumer commits (an SLA withdrawn between the two reads once made a listed service "not found")."""
    async with engine.connect() as conn:
        await conn.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
        yield conn


async def opportunity_states(conn: AsyncConnection, **contains: str) -> list[str]:
    page = await list_summaries(conn, stream_type=ImprovementOpportunity.stream_type, contains=contains or None,
                                limit=100_000)
    return [item["state"] for item in page.items]


async def service_report(conn: AsyncConnection, service_id: UUID, *, days: int, as_of: datetime) -> ServiceReport:
    reports = await service_reports(conn, [service_id], days=days, as_of=as_of)
    if reports[0].sla is None and reports[0].name is None \
            and not await reads.services_with_facts(conn, LIVE, [service_id]):
        raise NotFound("Service", service_id)  # nothing about it was ever consumed
    return reports[0]


def unavailable_service(service_id: UUID, problem: Problem, *, days: int, as_of: datetime) -> ServiceReport:
    return ServiceReport(service_id, ServiceKpis.unavailable(Window.ending(as_of, days=days), problem), None, 0, 0,
                         problems=(problem,))


@dataclass(frozen=True)
class ServiceFacts:
    """What a window's service KPIs read besides the rollups: each a bounded read (see ServiceFacts.read)."""

    unusable: dict[UUID, list[IncidentFact]]
    changes: dict[UUID, list[ChangeFact]]
    operating_costs: dict[UUID, list[CostFact]]
    project_costs: dict[UUID, list[CostFact]]

    @classmethod
    async def read(cls, conn: AsyncConnection, ids: list[UUID], window: Window) -> ServiceFacts:
        """The incidents no figure may use (their problems), and the changes and costs within the window or
        unusable: never the whole history."""
        return cls(await reads.unusable_incidents(conn, LIVE, ids), await reads.changes_within(conn, LIVE, ids, window),
                   await reads.operating_costs_within(conn, LIVE, ids, window),
                   await reads.delivering_costs_within(conn, LIVE, ids, window))

    def problems(self, service_id: UUID) -> tuple[list[Problem], list[ChangeFact], tuple[list[CostFact], ...]]:
        """The facts left out, named in the order service_kpis names them, and the usable changes and costs."""
        problems: list[Problem] = []
        usable_incidents(self.unusable.get(service_id, []), problems)
        changes = usable_changes(self.changes.get(service_id, []), problems)
        costs = (usable_costs(self.operating_costs.get(service_id, []), problems, of="service"),
                 usable_costs(self.project_costs.get(service_id, []), problems, of="project"))
        return problems, changes, costs


async def service_reports(conn: AsyncConnection, service_ids: list[UUID], *, days: int, as_of: datetime
                          ) -> list[ServiceReport]:
    """Each service's KPIs from the rollups, in a constant number of statements whatever the number of services and
    their histories; one whose figures cannot be computed is reported with its problem, never raised for the list."""
    window = Window.ending(as_of, days=days)
    weeks = window.weeks()
    asks = [ask for s in service_ids for ask in (rollup_reads.Ask(s, window, availability=True),
                                                 rollup_reads.Ask(s, window.before()),
                                                 *(rollup_reads.Ask(s, week) for week in weeks))]
    answers = iter(await rollup_reads.answer(conn, LIVE, asks))
    facts = await ServiceFacts.read(conn, service_ids, window)
    slas, names = await reads.slas_of(conn, LIVE, service_ids), await reads.names_of(conn, LIVE, service_ids)
    improvements = await reads.improvements_of_services(conn, LIVE, service_ids)
    reports = []
    for service_id in service_ids:
        now, before, *per_week = (next(answers) for _ in range(2 + len(weeks)))
        try:
            kpis = _service_kpis(window, now, before, per_week, *facts.problems(service_id))
            problems = list(kpis.problems)
            register = computed("improvements", lambda: improvement_register(as_of, improvements.get(service_id, [])),
                                problems, None)
            reports.append(ServiceReport(service_id, kpis, slas.get(service_id), register.planned if register else 0,
                                         register.implemented if register else 0, names.get(service_id),
                                         tuple(problems)))
        except COMPUTE_ERRORS as error:
            reports.append(unavailable_service(service_id, Problem(
                f"could not be computed from the stored facts ({type(error).__name__})"), days=days, as_of=as_of))
    return reports


def _service_kpis(window: Window, now: rollup_reads.Answer, before: rollup_reads.Answer,
                  weeks: list[rollup_reads.Answer], problems: list[Problem], changes: list[ChangeFact],
                  costs: tuple[list[CostFact], ...]) -> ServiceKpis:
    """domain.service_kpis.service_kpis over the rollups' sums: the same figures, the same problems, in order."""
    s = now.sums
    if now.problem is not None:
        problems.append(now.problem)
    baseline = before.sums.opened
    return ServiceKpis(
        window=window, mtta_minutes=s.mtta(), mttr_minutes=s.mttr(), incident_count=s.incident_count(),
        weekly_incidents=[WeekCount(w, a.sums.opened) for w, a in zip(window.weeks(), weeks)],
        sla_compliance_pct=s.sla_compliance(), availability_pct=now.availability, csat_pct=s.csat(),
        change_success_rate_pct=computed("change_success_rate_pct", lambda: change_success_rate(window, changes),
                                         problems, Figure(None, 0)),
        tco=computed("tco", lambda: tco(window, *costs), problems, Figure(None, 0)),
        incident_reduction_pct=Figure(ratio_pct(baseline - s.opened, baseline), s.opened + baseline),
        business_mtta_minutes=s.business_mtta(), business_mttr_minutes=s.business_mttr(),
        problems=tuple(problems),
    )


async def project_report(conn: AsyncConnection, project_id: UUID, *, as_of: datetime) -> EarnedValue:
    project = (await reads.projects(conn, LIVE, [project_id])).get(project_id)
    if project is None:
        raise NotFound("Project", project_id)
    return project_kpis(project, as_of)


def unavailable_project(problem: Problem, *, as_of: datetime) -> EarnedValue:
    return EarnedValue(as_of=as_of, based_on=0, bac=None, pv=None, ev=None, ac=None, sv=None, cv=None, spi=None,
                       cpi=None, eac=None, vac=None, milestones_missed_pct=None, budget_deviation_pct=None,
                       milestones=[], problems=(problem,))


async def project_reports(conn: AsyncConnection, ids: list[UUID], *, as_of: datetime
                          ) -> list[tuple[UUID, ProjectFact | None, EarnedValue]]:
    """Each project's earned value, its facts read in four statements for any number of projects; one whose
    figures cannot be computed is reported with its problem (an id no longer known is left out)."""
    facts = await reads.projects(conn, LIVE, ids)
    found = []
    for project_id in (i for i in ids if i in facts):
        try:
            found.append((project_id, facts[project_id], project_kpis(facts[project_id], as_of)))
        except COMPUTE_ERRORS as error:
            found.append((project_id, None, unavailable_project(Problem(
                f"could not be computed from the stored facts ({type(error).__name__})"), as_of=as_of)))
    return found


async def handover_report(conn: AsyncConnection, handover_id: UUID, *, as_of: datetime) -> HandoverKpis:
    handover = await reads.handover(conn, LIVE, handover_id)
    if handover is None:
        raise NotFound("Handover", handover_id)
    return (await handovers_with_kpis(conn, [handover], as_of=as_of))[0][1]


def unavailable_handover(fact: HandoverFact, problem: Problem, *, as_of: datetime) -> HandoverKpis:
    return HandoverKpis(as_of=as_of, accepted=False, readiness_score=None, days_in_transition=None,
                        early_life_incidents=Figure(None, 0), early_life_incident_rate_per_week=Figure(None, 0),
                        rejections=fact.rejections, problems=(problem,))


def _early_life(handover: HandoverFact, as_of: datetime) -> Window | None:
    """The early-life period handover_kpis counts incidents in (None where it counts none)."""
    if not (usable_moment(handover.opened_at) and usable_moment(handover.accepted_at)):
        return None
    try:
        return early_life(handover, as_of)
    except COMPUTE_ERRORS:
        return None


async def handovers_with_kpis(conn: AsyncConnection, handovers: list[HandoverFact], *, as_of: datetime
                              ) -> list[tuple[HandoverFact, HandoverKpis]]:
    """Each handover's KPIs in a constant number of statements: handover_kpis over the incidents of its service
    opened in its early life and those no figure may use (the ones it names), never the whole history."""
    periods = {h.handover_id: (h.service_id, period) for h in handovers
               if (period := _early_life(h, as_of)) is not None}
    early = await reads.incidents_opened_within(conn, LIVE, periods)
    unusable = await reads.unusable_incidents(conn, LIVE, {h.service_id for h in handovers})
    found = []
    for h in handovers:
        try:
            incidents = [*unusable.get(h.service_id, []), *early.get(h.handover_id, [])]
            found.append((h, handover_kpis(h, incidents, as_of)))
        except COMPUTE_ERRORS as error:
            found.append((h, unavailable_handover(h, Problem(
                f"could not be computed from the stored facts ({type(error).__name__})"), as_of=as_of)))
    return found


async def handover_reports(conn: AsyncConnection, *, as_of: datetime) -> list[tuple[HandoverFact, HandoverKpis]]:
    """Every handover with its KPIs, each computed on its own."""
    return await handovers_with_kpis(conn, await reads.handover_rows(conn, LIVE), as_of=as_of)


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
