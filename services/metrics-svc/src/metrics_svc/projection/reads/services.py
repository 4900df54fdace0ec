"""A service's facts read back (its SLA, name, changes, costs, improvements), and which services are known."""

from __future__ import annotations

from collections.abc import Collection
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from metrics_svc.domain.facts import ChangeFact, CostFact, ImprovementFact, SlaFact
from metrics_svc.projection.reads._common import _fields, _grouped, _rows, _service, any_of, aware
from metrics_svc.projection.tables import FactTables


async def improvements_of(conn: AsyncConnection, t: FactTables, service_id: UUID) -> list[ImprovementFact]:
    query = sa.select(t.improvements).where(t.improvements.c.service_id == service_id)
    return [ImprovementFact(**_fields(row)) for row in await _rows(conn, query)]


async def names_of(conn: AsyncConnection, t: FactTables, ids: list[UUID]) -> dict[UUID, str]:
    """Service names and project titles, for the ids known by name (an id seen only in other facts has none)."""
    query = sa.select(t.names.c.id, t.names.c.name).where(any_of(t.names.c.id, ids))
    return dict((await _rows(conn, query)))


async def sla_of(conn: AsyncConnection, t: FactTables, service_id: UUID) -> SlaFact | None:
    return (await slas_of(conn, t, [service_id])).get(service_id)


async def slas_of(conn: AsyncConnection, t: FactTables, service_ids: Collection[UUID]) -> dict[UUID, SlaFact]:
    query = sa.select(t.slas).where(any_of(t.slas.c.service_id, service_ids))
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


async def service_ids(conn: AsyncConnection, t: FactTables, *, after: UUID | None = None,
                      limit: int | None = None) -> list[UUID]:
    """The services known here (an incident or an SLA), in id order (the string order of the ids), from `after`."""
    known = sa.select(t.known_services.c.service_id.label("id")).union(sa.select(t.slas.c.service_id)).subquery()
    query = sa.select(known.c.id).order_by(known.c.id)
    if after is not None:
        query = query.where(known.c.id > after)
    return list((await conn.execute(query if limit is None else query.limit(limit))).scalars())


async def improvements_of_services(conn: AsyncConnection, t: FactTables, ids: Collection[UUID]
                                   ) -> dict[UUID, list[ImprovementFact]]:
    query = sa.select(t.improvements).where(any_of(t.improvements.c.service_id, ids))
    return _grouped(await _rows(conn, query), lambda row: ImprovementFact(**_fields(row)), _service)


async def services_with_facts(conn: AsyncConnection, t: FactTables, ids: Collection[UUID]) -> set[UUID]:
    """Those of the services that any incident, change, cost or improvement names."""
    ids = list(ids)
    query = sa.union(*(sa.select(table.c.service_id).where(any_of(table.c.service_id, ids))
                       for table in (t.known_services, t.changes, t.operating_costs, t.improvements)))
    return set((await conn.execute(query)).scalars())
