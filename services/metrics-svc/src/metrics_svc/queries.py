"""Read side: the KPIs computed at read time by the pure functions from the projected facts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncConnection

from continuum.domain import NotFound
from continuum.eventstore.summaries import list_summaries

from metrics_svc.domain.facts import SlaFact
from metrics_svc.domain.handover_kpis import HandoverKpis, LoopKpis, handover_kpis, loop_kpis
from metrics_svc.domain.opportunity import ImprovementOpportunity
from metrics_svc.domain.project_kpis import EarnedValue, project_kpis
from metrics_svc.domain.service_kpis import ServiceKpis, improvement_register, service_kpis
from metrics_svc.domain.windows import Window
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


@dataclass(frozen=True)
class PortfolioReport:
    window: Window
    services: list[ServiceKpis]
    projects: list[EarnedValue]
    handovers: list[HandoverKpis]
    loop: LoopKpis


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
    if not (incidents or changes or operating_costs or improvements) and sla is None:
        raise NotFound("Service", service_id)  # nothing about it was ever consumed
    kpis = service_kpis(Window.ending(as_of, days=days), incidents=incidents, changes=changes,
                        operating_costs=operating_costs,
                        project_costs=await reads.delivering_project_costs(conn, LIVE, service_id))
    register = improvement_register(as_of, improvements)
    name = (await reads.names_of(conn, LIVE, [service_id])).get(service_id)
    return ServiceReport(service_id, kpis, sla, register.planned, register.implemented, name)


async def project_report(conn: AsyncConnection, project_id: UUID, *, as_of: datetime) -> EarnedValue:
    project = await reads.project(conn, LIVE, project_id)
    if project is None:
        raise NotFound("Project", project_id)
    return project_kpis(project, as_of)


async def handover_report(conn: AsyncConnection, handover_id: UUID, *, as_of: datetime) -> HandoverKpis:
    handover = await reads.handover(conn, LIVE, handover_id)
    if handover is None:
        raise NotFound("Handover", handover_id)
    return handover_kpis(handover, await reads.incidents_of(conn, LIVE, handover.service_id), as_of)


async def portfolio_report(conn: AsyncConnection, *, days: int, as_of: datetime) -> PortfolioReport:
    window = Window.ending(as_of, days=days)
    services = [(await service_report(conn, service_id, days=days, as_of=as_of)).kpis
                for service_id in await reads.service_ids(conn, LIVE)]
    projects = [await project_report(conn, project_id, as_of=as_of) for project_id in await reads.project_ids(conn, LIVE)]
    handovers = [handover_kpis(h, await reads.incidents_of(conn, LIVE, h.service_id), as_of)
                 for h in await reads.handover_rows(conn, LIVE)]
    return PortfolioReport(window, services, projects, handovers, loop_kpis(await opportunity_states(conn)))
