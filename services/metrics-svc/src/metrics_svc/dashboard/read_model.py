"""Lists and time series for the dashboard, computed with the KPI functions over the projected facts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncConnection

from continuum.domain import NotFound

from metrics_svc import queries
from metrics_svc.domain.facts import HandoverFact, ProjectFact
from metrics_svc.domain.handover_kpis import HandoverKpis, handover_kpis
from metrics_svc.domain.project_kpis import EarnedValue, project_kpis
from metrics_svc.domain.service_kpis import availability, mttr, opened_in, sla_compliance
from metrics_svc.domain.windows import Figure, Window
from metrics_svc.projection import reads
from metrics_svc.projection.projector import midnight
from metrics_svc.projection.tables import LIVE

MAX_SERIES_POINTS = 60


@dataclass(frozen=True)
class ServiceWeek:
    week: Window
    incidents: int
    mttr_minutes: Figure
    sla_compliance_pct: Figure
    availability_pct: Figure


@dataclass(frozen=True)
class ProjectEntry:
    fact: ProjectFact
    earned: EarnedValue
    title: str | None = None


@dataclass(frozen=True)
class EarnedValuePoint:
    at: datetime
    pv: Decimal
    ev: Decimal | None  # None after as_of: nothing is earned or spent in the future
    ac: Decimal | None


@dataclass(frozen=True)
class HandoverEntry:
    fact: HandoverFact
    kpis: HandoverKpis


def page_of(ids: list[UUID], *, after: str | None, limit: int) -> tuple[list[UUID], str | None]:
    """One page of ids in a stable order, and the id to continue after (None on the last page)."""
    ordered = sorted(ids, key=str)
    rest = [i for i in ordered if after is None or str(i) > after]
    page = rest[:limit]
    return page, (str(page[-1]) if len(rest) > limit else None)


async def service_ids(conn: AsyncConnection) -> list[UUID]:
    return await reads.service_ids(conn, LIVE)


async def service_weeks(conn: AsyncConnection, service_id: UUID, *, weeks: int, as_of: datetime) -> list[ServiceWeek]:
    """Weekly incidents, MTTR, SLA compliance and availability for the whole weeks ending at `as_of`."""
    incidents = await reads.incidents_of(conn, LIVE, service_id)
    if not incidents and await reads.sla_of(conn, LIVE, service_id) is None:
        raise NotFound("Service", service_id)
    return [ServiceWeek(week, len(opened_in(week, incidents)), mttr(week, incidents), sla_compliance(week, incidents),
                        availability(week, incidents))
            for week in Window.ending(as_of, days=7 * weeks).weeks()]


async def project_ids(conn: AsyncConnection) -> list[UUID]:
    return await reads.project_ids(conn, LIVE)


async def project_entry(conn: AsyncConnection, project_id: UUID, *, as_of: datetime) -> ProjectEntry:
    fact = await reads.project(conn, LIVE, project_id)
    if fact is None:
        raise NotFound("Project", project_id)
    title = (await reads.names_of(conn, LIVE, [project_id])).get(project_id)
    return ProjectEntry(fact, await queries.project_report(conn, project_id, as_of=as_of), title)


def series_moments(fact: ProjectFact, as_of: datetime) -> list[datetime]:
    """From the first fact to the last planned date (or as_of), weekly or coarser, with as_of itself among them."""
    known = ([midnight(m.planned_date) for m in fact.milestones] + [p.recorded_at for p in fact.progress]
             + [c.incurred_at for c in fact.costs])
    if not known:
        return [as_of]
    start, end = min(min(known), as_of), max(max(known), as_of)
    step = max(timedelta(days=7), (end - start) / (MAX_SERIES_POINTS - 3))
    regular = [start + step * k for k in range(int((end - start) / step) + 1)]
    return sorted({*regular, as_of, end})  # as_of among them: the last EV and AC shown are the project's KPIs


async def earned_value_series(conn: AsyncConnection, project_id: UUID, *, as_of: datetime
                              ) -> tuple[Decimal | None, list[EarnedValuePoint]]:
    """The project's BAC, and PV over the whole plan with EV and AC up to as_of."""
    fact = await reads.project(conn, LIVE, project_id)
    if fact is None:
        raise NotFound("Project", project_id)
    points = []
    for moment in series_moments(fact, as_of):
        earned = project_kpis(fact, moment)
        past = moment <= as_of
        points.append(EarnedValuePoint(moment, earned.pv, earned.ev if past else None, earned.ac if past else None))
    return fact.budget_at_completion, points


async def handover_entries(conn: AsyncConnection, *, as_of: datetime) -> list[HandoverEntry]:
    return [HandoverEntry(h, handover_kpis(h, await reads.incidents_of(conn, LIVE, h.service_id), as_of))
            for h in sorted(await reads.handover_rows(conn, LIVE), key=lambda h: h.opened_at)]
