"""Reads the projected facts back as the pure domain's fact objects."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping
from datetime import datetime
from functools import cache
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncConnection

from continuum.domain import as_utc

from metrics_svc.domain.facts import (
    ChangeFact,
    CostFact,
    CriterionFact,
    HandoverFact,
    ImprovementFact,
    IncidentFact,
    MilestoneFact,
    ProgressFact,
    ProjectFact,
    SlaFact,
)
from metrics_svc.projection.tables import FactTables


async def _rows(conn: AsyncConnection, query: sa.Select) -> list[sa.Row]:
    return list((await conn.execute(query)).all())


def aware(moment: datetime | None) -> datetime | None:
    """A moment as the domain may compare it: asyncpg gives ±infinity back naive (datetime.min/max); as UTC, they
    compare with every other moment, and the KPI functions then leave them out as outside the business calendar."""
    return None if moment is None else as_utc(moment)


def _fields(row: sa.Row) -> dict:
    """A row's columns by name, every moment timezone-aware."""
    return {name: aware(value) if isinstance(value, datetime) else value for name, value in row._mapping.items()}


async def incidents_of(conn: AsyncConnection, t: FactTables, service_id: UUID) -> list[IncidentFact]:
    query = sa.select(t.incidents).where(t.incidents.c.service_id == service_id).order_by(t.incidents.c.opened_at)
    return [IncidentFact(**_fields(row)) for row in await _rows(conn, query)]


async def incidents_touching(conn: AsyncConnection, t: FactTables,
                             since: Mapping[UUID, datetime]) -> dict[UUID, list[IncidentFact]]:
    """Each service's incidents with anything (opening, acknowledgement, resolution, rating) at or after that
    service's own `since`: one statement for any number of services."""
    if not since:
        return {}
    rows = await conn.execute(_touching(t.incidents), {"ids": list(since), "sinces": list(since.values())})
    found: dict[UUID, list[IncidentFact]] = defaultdict(list)
    for row in rows:
        found[row.service_id].append(IncidentFact(**_fields(row)))
    return found


def service_windows(incidents: sa.Table):
    """Each service's own `since`, from two array parameters (`ids`, `sinces`), as a derived table `window`: so any
    number of services share one statement."""
    c = incidents.c
    return sa.func.unnest(
        sa.bindparam("ids", type_=ARRAY(c.service_id.type)), sa.bindparam("sinces", type_=ARRAY(c.opened_at.type)),
    ).table_valued(sa.column("service_id", c.service_id.type), sa.column("since", c.opened_at.type)).render_derived(
        name="window")


@cache
def _touching(incidents: sa.Table) -> sa.Select:
    """Built once per table: every incident with anything at or after its service's `since`."""
    c = incidents.c
    window = service_windows(incidents)
    return sa.select(incidents).join(window, c.service_id == window.c.service_id).where(
        sa.or_(c.opened_at >= window.c.since, c.acknowledged_at >= window.c.since, c.resolved_at >= window.c.since,
               c.csat_at >= window.c.since),
    ).order_by(c.opened_at)


async def latest_incident_moments(conn: AsyncConnection, t: FactTables,
                                  service_ids: Collection[UUID]) -> dict[UUID, datetime]:
    """The latest business time any incident of each service carries (a service without incidents is absent)."""
    c = t.incidents.c
    latest = sa.func.greatest(sa.func.max(c.opened_at), sa.func.max(c.acknowledged_at),
                              sa.func.max(c.resolved_at), sa.func.max(c.csat_at))
    query = sa.select(c.service_id, latest).where(c.service_id.in_(service_ids)).group_by(c.service_id)
    return {service_id: aware(moment) for service_id, moment in await _rows(conn, query)}


async def improvements_of(conn: AsyncConnection, t: FactTables, service_id: UUID) -> list[ImprovementFact]:
    query = sa.select(t.improvements).where(t.improvements.c.service_id == service_id)
    return [ImprovementFact(**_fields(row)) for row in await _rows(conn, query)]


async def names_of(conn: AsyncConnection, t: FactTables, ids: list[UUID]) -> dict[UUID, str]:
    """Service names and project titles, for the ids known by name (an id seen only in other facts has none)."""
    query = sa.select(t.names.c.id, t.names.c.name).where(t.names.c.id.in_(ids))
    return dict((await _rows(conn, query)))


async def sla_of(conn: AsyncConnection, t: FactTables, service_id: UUID) -> SlaFact | None:
    return (await slas_of(conn, t, [service_id])).get(service_id)


async def slas_of(conn: AsyncConnection, t: FactTables, service_ids: Collection[UUID]) -> dict[UUID, SlaFact]:
    query = sa.select(t.slas).where(t.slas.c.service_id.in_(service_ids))
    return {row.service_id: SlaFact(**_fields(row)) for row in await _rows(conn, query)}


async def changes_of(conn: AsyncConnection, t: FactTables, service_id: UUID) -> list[ChangeFact]:
    query = sa.select(t.changes).where(t.changes.c.service_id == service_id)
    return [ChangeFact(**_fields(row)) for row in await _rows(conn, query)]


async def operating_costs_of(conn: AsyncConnection, t: FactTables, service_id: UUID) -> list[CostFact]:
    c = t.operating_costs.c
    query = sa.select(c.service_id, c.amount, c.incurred_at).where(c.service_id == service_id)
    return [CostFact(row[0], row[1], aware(row[2])) for row in await _rows(conn, query)]


async def delivering_project_costs(conn: AsyncConnection, t: FactTables, service_id: UUID) -> list[CostFact]:
    """Actual costs of the projects naming the service among their targets."""
    c, p = t.project_costs.c, t.projects.c
    query = (sa.select(c.project_id, c.amount, c.incurred_at)
             .join_from(t.project_costs, t.projects, c.project_id == p.project_id)
             .where(p.target_service_ids.contains([str(service_id)])))
    return [CostFact(row[0], row[1], aware(row[2])) for row in await _rows(conn, query)]


async def project(conn: AsyncConnection, t: FactTables, project_id: UUID) -> ProjectFact | None:
    row = (await conn.execute(sa.select(t.projects).where(t.projects.c.project_id == project_id))).first()
    if row is None:
        return None
    m, g, c = t.milestones.c, t.progress.c, t.project_costs.c
    milestones = await _rows(conn, sa.select(m.milestone_id, m.planned_date, m.planned_value, m.actual_date)
                             .where(m.project_id == project_id).order_by(m.planned_date))
    progress = await _rows(conn, sa.select(g.milestone_id, g.percent_complete, g.recorded_at)
                           .where(g.project_id == project_id))
    costs = await _rows(conn, sa.select(c.project_id, c.amount, c.incurred_at).where(c.project_id == project_id))
    return ProjectFact(
        project_id=row.project_id, origin=row.origin, opportunity_id=row.opportunity_id,
        target_service_ids=tuple(UUID(s) for s in row.target_service_ids),
        budget_at_completion=row.budget_at_completion, baselined=row.baselined,
        milestones=tuple(MilestoneFact(*r) for r in milestones),
        progress=tuple(ProgressFact(r[0], r[1], aware(r[2])) for r in progress),
        costs=tuple(CostFact(r[0], r[1], aware(r[2])) for r in costs),
    )


async def handover(conn: AsyncConnection, t: FactTables, handover_id: UUID) -> HandoverFact | None:
    row = (await conn.execute(sa.select(t.handovers).where(t.handovers.c.handover_id == handover_id))).first()
    if row is None:
        return None
    criteria = await _criteria(conn, t, t.criteria.c.handover_id == handover_id)
    return HandoverFact(**_fields(row), criteria=tuple(criteria.get(handover_id, ())))


async def _criteria(conn: AsyncConnection, t: FactTables, where: sa.ColumnElement[bool] | None = None
                    ) -> dict[UUID, list[CriterionFact]]:
    c = t.criteria.c
    query = sa.select(c.handover_id, c.key, c.mandatory, c.added_at, c.settled_at).order_by(c.added_at, c.key)
    found: dict[UUID, list[CriterionFact]] = defaultdict(list)
    for row in await _rows(conn, query if where is None else query.where(where)):
        found[row.handover_id].append(CriterionFact(row.key, row.mandatory, aware(row.added_at), aware(row.settled_at)))
    return found


async def project_ids(conn: AsyncConnection, t: FactTables) -> list[UUID]:
    return list((await conn.execute(sa.select(t.projects.c.project_id))).scalars())


async def service_ids(conn: AsyncConnection, t: FactTables) -> list[UUID]:
    query = sa.select(t.incidents.c.service_id).union(sa.select(t.slas.c.service_id))
    return list((await conn.execute(query)).scalars())


async def handover_rows(conn: AsyncConnection, t: FactTables) -> list[HandoverFact]:
    criteria = await _criteria(conn, t)
    return [HandoverFact(**_fields(row), criteria=tuple(criteria.get(row.handover_id, ())))
            for row in await _rows(conn, sa.select(t.handovers))]
