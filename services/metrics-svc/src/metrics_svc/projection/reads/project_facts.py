"""The projects' facts read back with their milestones, progress and costs, and the handovers with their
criteria."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from metrics_svc.domain.facts import CostFact, CriterionFact, HandoverFact, MilestoneFact, ProgressFact, ProjectFact
from metrics_svc.projection.reads._common import _fields, _grouped, _rows, any_of, aware
from metrics_svc.projection.tables import FactTables


async def project(conn: AsyncConnection, t: FactTables, project_id: UUID) -> ProjectFact | None:
    return (await projects(conn, t, [project_id])).get(project_id)


async def projects(conn: AsyncConnection, t: FactTables, ids: Collection[UUID]) -> dict[UUID, ProjectFact]:
    """The projects' facts with their milestones, progress and costs: four statements for any number of them."""
    ids = list(ids)
    rows = await _rows(conn, sa.select(t.projects).where(any_of(t.projects.c.project_id, ids)))
    if not rows:
        return {}
    m, g, c = t.milestones.c, t.progress.c, t.project_costs.c
    milestones = _grouped(await _rows(conn, sa.select(m.project_id, m.milestone_id, m.planned_date, m.planned_value,
                                                       m.actual_date).where(any_of(m.project_id, ids))
                                      .order_by(m.planned_date)), lambda r: MilestoneFact(*r[1:]))
    progress = _grouped(await _rows(conn, sa.select(g.project_id, g.milestone_id, g.percent_complete, g.recorded_at)
                                    .where(any_of(g.project_id, ids))), lambda r: ProgressFact(r[1], r[2], aware(r[3])))
    costs = _grouped(await _rows(conn, sa.select(c.project_id, c.amount, c.incurred_at)
                                 .where(any_of(c.project_id, ids))), lambda r: CostFact(r[0], r[1], aware(r[2])))
    return {row.project_id: ProjectFact(
        project_id=row.project_id, origin=row.origin, opportunity_id=row.opportunity_id,
        target_service_ids=tuple(UUID(s) for s in row.target_service_ids),
        budget_at_completion=row.budget_at_completion, baselined=row.baselined,
        milestones=tuple(milestones.get(row.project_id, ())), progress=tuple(progress.get(row.project_id, ())),
        costs=tuple(costs.get(row.project_id, ())),
    ) for row in rows}


async def project_ids(conn: AsyncConnection, t: FactTables, *, after: UUID | None = None,
                      limit: int | None = None) -> list[UUID]:
    """Project ids in id order, from `after`."""
    c = t.projects.c
    query = sa.select(c.project_id).order_by(c.project_id)
    if after is not None:
        query = query.where(c.project_id > after)
    return list((await conn.execute(query if limit is None else query.limit(limit))).scalars())


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


async def handover_rows(conn: AsyncConnection, t: FactTables) -> list[HandoverFact]:
    criteria = await _criteria(conn, t)
    return [HandoverFact(**_fields(row), criteria=tuple(criteria.get(row.handover_id, ())))
            for row in await _rows(conn, sa.select(t.handovers))]
