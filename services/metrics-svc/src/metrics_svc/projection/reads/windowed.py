"""Many services' changes and costs within a window, or outside the business calendar (facts left out, which
the problems name): one statement each for any number of services."""

from __future__ import annotations

from collections.abc import Collection
from decimal import Decimal
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncConnection

from continuum.domain import EARLIEST_BUSINESS_TIME, LATEST_BUSINESS_TIME

from metrics_svc.domain.facts import ChangeFact, CostFact
from metrics_svc.domain.windows import Window
from metrics_svc.projection.reads._common import _fields, _grouped, _rows, _service, any_of, aware
from metrics_svc.projection.tables import FactTables


def _outside(column: sa.ColumnElement) -> sa.ColumnElement[bool]:
    return sa.or_(column < EARLIEST_BUSINESS_TIME, column > LATEST_BUSINESS_TIME)


def _in_or_outside(column: sa.ColumnElement, window: Window) -> sa.ColumnElement[bool]:
    """Within the window, or outside the business calendar (a fact left out, which the problems name)."""
    return sa.or_(sa.and_(column >= window.start, column < window.end), _outside(column))


NOT_FINITE_AMOUNTS = [Decimal("NaN"), Decimal("Infinity"), Decimal("-Infinity")]


async def changes_within(conn: AsyncConnection, t: FactTables, ids: Collection[UUID], window: Window
                         ) -> dict[UUID, list[ChangeFact]]:
    c = t.changes.c
    query = sa.select(t.changes).where(any_of(c.service_id, ids), _in_or_outside(c.implemented_at, window))
    return _grouped(await _rows(conn, query), lambda row: ChangeFact(**_fields(row)), _service)


async def operating_costs_within(conn: AsyncConnection, t: FactTables, ids: Collection[UUID], window: Window
                                 ) -> dict[UUID, list[CostFact]]:
    c = t.operating_costs.c
    query = sa.select(c.service_id, c.amount, c.incurred_at).where(
        any_of(c.service_id, ids), sa.or_(_in_or_outside(c.incurred_at, window), c.amount.in_(NOT_FINITE_AMOUNTS)))
    return _grouped(await _rows(conn, query), lambda row: CostFact(row[0], row[1], aware(row[2])))


async def delivering_costs_within(conn: AsyncConnection, t: FactTables, ids: Collection[UUID], window: Window
                                  ) -> dict[UUID, list[CostFact]]:
    """Actual costs of the projects naming each service among their targets, within the window (or unusable)."""
    c, p = t.project_costs.c, t.projects.c
    services = sa.func.unnest(sa.bindparam("ids", type_=ARRAY(t.incidents.c.service_id.type))).table_valued(
        sa.column("service_id", t.incidents.c.service_id.type)).render_derived(name="s")
    query = (sa.select(services.c.service_id, c.project_id, c.amount, c.incurred_at)
             .join_from(t.project_costs, t.projects, c.project_id == p.project_id)
             .join(services, p.target_service_ids.contains(sa.func.jsonb_build_array(sa.cast(services.c.service_id,
                                                                                              sa.Text))))
             .where(sa.or_(_in_or_outside(c.incurred_at, window), c.amount.in_(NOT_FINITE_AMOUNTS))))
    rows = (await conn.execute(query, {"ids": list(ids)})).all()
    return _grouped(rows, lambda row: CostFact(row[1], row[2], aware(row[3])))
