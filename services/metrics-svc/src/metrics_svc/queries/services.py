"""A service's report (ServiceReport): its KPIs from the rollups, and the facts left out named as problems, in
a constant number of statements for any number of services."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncConnection

from continuum.domain import NotFound

from metrics_svc.domain.facts import ChangeFact, CostFact, IncidentFact, SlaFact
from metrics_svc.domain.service_kpis import (
    ServiceKpis,
    WeekCount,
    change_success_rate,
    improvement_register,
    tco,
    usable_changes,
    usable_incidents,
)
from metrics_svc.domain.windows import COMPUTE_ERRORS, Figure, Problem, Window, computed, ratio_pct, usable_costs
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
