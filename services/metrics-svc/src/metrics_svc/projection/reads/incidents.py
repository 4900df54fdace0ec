"""The incident facts read back: a service's history, the incidents touched since a moment per service, those
no figure may use, and those opened within a period (a handover's early life)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping
from datetime import UTC, datetime
from functools import cache
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncConnection

from metrics_svc.domain.facts import IncidentFact
from metrics_svc.domain.windows import Window
from metrics_svc.projection.reads._common import _fields, _grouped, _rows, _service, any_of
from metrics_svc.projection.tables import UNUSABLE_INCIDENT, FactTables, usable_sql


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


async def unusable_incidents(conn: AsyncConnection, t: FactTables, ids: Collection[UUID]
                             ) -> dict[UUID, list[IncidentFact]]:
    """Each service's incidents no figure may use (by the partial index of tables.UNUSABLE_INCIDENT)."""
    query = (sa.select(t.incidents).where(any_of(t.incidents.c.service_id, ids), UNUSABLE_INCIDENT)
             .order_by(t.incidents.c.opened_at))
    return _grouped(await _rows(conn, query), lambda row: IncidentFact(**_fields(row)), _service)


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
