"""Reads the projected facts back as the pure domain's fact objects."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping
from datetime import UTC, datetime
from decimal import Decimal
from functools import cache
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncConnection

from continuum.domain import EARLIEST_BUSINESS_TIME, LATEST_BUSINESS_TIME, as_utc

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
from metrics_svc.domain.windows import Window
from metrics_svc.projection.tables import UNUSABLE_INCIDENT, FactTables, usable_sql


async def _rows(conn: AsyncConnection, query: sa.Select) -> list[sa.Row]:
    return list((await conn.execute(query)).all())


def any_of(column: sa.ColumnElement, ids: Collection) -> sa.ColumnElement[bool]:
    """`column = ANY(<one array parameter>)`: one parameter however many ids (an IN list renders one each)."""
    return column == sa.any_(sa.bindparam(None, list(ids), type_=ARRAY(column.type)))


def aware(moment: datetime | None) -> datetime | None:
    """A moment as the domain may compare it: asyncpg gives ±infinity back naive (datetime.min/max); as UTC, they
    compare with every other moment, and the KPI functions then leave them out as outside the business calendar."""
    return None if moment is None else as_utc(moment)


def _fields(row: sa.Row) -> dict:
    """A row's columns by name, every moment timezone-aware."""
    return {name: aware(value) if isinstance(value, datetime) else value for name, value in row._mapping.items()}


async def incidents_of(conn: AsyncConnection, t: FactTables, service_id: UUID) -> list[IncidentFact]:
    """The service's whole incident history: the KPI reads use the rollups instead (projection.rollup_reads); this
    stays for the benchmark's baseline and the tests that prove the rollups equal the pure functions over it."""
    return await incident_facts(conn, t, t.incidents.c.service_id == service_id)


async def incident_facts(conn: AsyncConnection, t: FactTables, where: sa.ColumnElement[bool]) -> list[IncidentFact]:
    query = sa.select(t.incidents).where(where).order_by(t.incidents.c.opened_at)
    return [IncidentFact(**_fields(row)) for row in await _rows(conn, query)]


async def incidents_touching(conn: AsyncConnection, t: FactTables, since: Mapping[UUID, datetime],
                             until: Mapping[UUID, datetime] | None = None) -> dict[UUID, list[IncidentFact]]:
    """Each service's incidents with anything (opening, acknowledgement, resolution, rating) at or after that
    service's own `since` (and opened before its `until`, when given): one statement for any number of services."""
    if not since:
        return {}
    if until is not None:
        ids = list(since)
        rows = await conn.execute(_touching_until(t.incidents), {
            "ids": ids, "sinces": [since[s] for s in ids], "untils": [until.get(s, LATEST) for s in ids]})
        found: dict[UUID, list[IncidentFact]] = defaultdict(list)
        for row in rows:
            found[row.service_id].append(IncidentFact(**_fields(row)))
        return found
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


LATEST = datetime.max.replace(tzinfo=UTC)


@cache
def _touching_until(incidents: sa.Table) -> sa.TextClause:
    """As _touching, each service's incidents also opened before its `until`: a run of day ends reads its own
    stretch of the history, not everything after it."""
    moments = " OR ".join(f"i.{m} >= w.since" for m in ("opened_at", "acknowledged_at", "resolved_at", "csat_at"))
    return sa.text(f"""
        SELECT i.* FROM unnest(CAST(:ids AS uuid[]), CAST(:sinces AS timestamptz[]), CAST(:untils AS timestamptz[]))
             AS w(service_id, since, until)
        JOIN {incidents.name} i ON i.service_id = w.service_id AND i.opened_at < w.until AND ({moments})
        ORDER BY i.opened_at""")


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


async def service_ids(conn: AsyncConnection, t: FactTables, *, after: UUID | None = None,
                      limit: int | None = None) -> list[UUID]:
    """The services known here (an incident or an SLA), in id order (the string order of the ids), from `after`."""
    known = sa.select(t.known_services.c.service_id.label("id")).union(sa.select(t.slas.c.service_id)).subquery()
    query = sa.select(known.c.id).order_by(known.c.id)
    if after is not None:
        query = query.where(known.c.id > after)
    return list((await conn.execute(query if limit is None else query.limit(limit))).scalars())


def _grouped(rows, make, key=lambda row: row[0]) -> dict[UUID, list]:
    found: dict[UUID, list] = defaultdict(list)
    for row in rows:
        found[key(row)].append(make(row))
    return found


def _service(row: sa.Row) -> UUID:
    return row.service_id


def _outside(column: sa.ColumnElement) -> sa.ColumnElement[bool]:
    return sa.or_(column < EARLIEST_BUSINESS_TIME, column > LATEST_BUSINESS_TIME)


def _in_or_outside(column: sa.ColumnElement, window: Window) -> sa.ColumnElement[bool]:
    """Within the window, or outside the business calendar (a fact left out, which the problems name)."""
    return sa.or_(sa.and_(column >= window.start, column < window.end), _outside(column))


NOT_FINITE_AMOUNTS = [Decimal("NaN"), Decimal("Infinity"), Decimal("-Infinity")]


async def unusable_incidents(conn: AsyncConnection, t: FactTables, ids: Collection[UUID]
                             ) -> dict[UUID, list[IncidentFact]]:
    """Each service's incidents no figure may use (by the partial index of tables.UNUSABLE_INCIDENT)."""
    query = (sa.select(t.incidents).where(any_of(t.incidents.c.service_id, ids), UNUSABLE_INCIDENT)
             .order_by(t.incidents.c.opened_at))
    return _grouped(await _rows(conn, query), lambda row: IncidentFact(**_fields(row)), _service)


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


async def incidents_opened_within(conn: AsyncConnection, t: FactTables, periods: dict[UUID, tuple[UUID, Window]]
                                  ) -> dict[UUID, list[IncidentFact]]:
    """For each key, the usable incidents of its service opened within its period (a handover's early life)."""
    if not periods:
        return {}
    keys = list(periods)
    c = t.incidents.c
    spans = sa.func.unnest(
        sa.bindparam("keys", type_=ARRAY(c.service_id.type)), sa.bindparam("ids", type_=ARRAY(c.service_id.type)),
        sa.bindparam("los", type_=ARRAY(c.opened_at.type)), sa.bindparam("his", type_=ARRAY(c.opened_at.type)),
    ).table_valued(sa.column("key", c.service_id.type), sa.column("service_id", c.service_id.type),
                   sa.column("lo", c.opened_at.type), sa.column("hi", c.opened_at.type)).render_derived(name="p")
    within = sa.and_(c.service_id == spans.c.service_id, c.opened_at >= spans.c.lo, c.opened_at < spans.c.hi)
    query = (sa.select(spans.c.key, t.incidents).join(spans, within)
             .where(sa.text(usable_sql(t.incidents.name))).order_by(c.opened_at))
    rows = await conn.execute(query, {"keys": keys, "ids": [periods[k][0] for k in keys],
                                      "los": [periods[k][1].start for k in keys],
                                      "his": [periods[k][1].end for k in keys]})
    return _grouped(rows, lambda row: IncidentFact(**{k: v for k, v in _fields(row).items() if k != "key"}))


async def handover_rows(conn: AsyncConnection, t: FactTables) -> list[HandoverFact]:
    criteria = await _criteria(conn, t)
    return [HandoverFact(**_fields(row), criteria=tuple(criteria.get(row.handover_id, ())))
            for row in await _rows(conn, sa.select(t.handovers))]
