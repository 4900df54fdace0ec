"""What the outage pieces say about a window's edges (Edge: down time, outages started, crossing and empty),
the services' open outages, and the faults that leave a service's availability uncomputable."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import cache
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from metrics_svc.projection.reads import any_of, aware
from metrics_svc.projection.rollups import USABLE
from metrics_svc.projection.tables import FactTables


@dataclass(frozen=True)
class Edge:
    """What the outage pieces of one day say about [lo, hi) within it, summed in the database: the union of their
    down time there, the outages starting there, and at `lo` the outages crossing it and the empty ones at it."""

    down_us: Decimal = Decimal(0)
    started: int = 0
    crossing: int = 0
    empty_at: int = 0


@cache
def _open_outages_and_faults_statement(t: FactTables) -> sa.TextClause:
    return sa.text(
        f"SELECT i.service_id, i.opened_at, NULL AS fault FROM {t.incidents.name} i WHERE i.service_id = ANY(:ids)"
        f" AND i.outage AND i.resolved_at IS NULL AND {USABLE}"
        f" UNION ALL SELECT p.service_id, NULL, min(p.fault) FROM {t.outage_pieces.name} p"
        " WHERE p.service_id = ANY(:ids) AND p.fault IS NOT NULL GROUP BY p.service_id ORDER BY 2")


async def _open_outages_and_faults(conn: AsyncConnection, t: FactTables, services: list[UUID]
                                   ) -> tuple[dict[UUID, list[datetime]], dict[UUID, str]]:
    """Each service's open outages (their openings, in order) and why its availability cannot be computed (an
    outage span that overflows), in one statement (both by partial indexes)."""
    opens: dict[UUID, list[datetime]] = defaultdict(list)
    found_faults: dict[UUID, str] = {}
    if not services:
        return opens, found_faults
    for service_id, opened_at, fault in await conn.execute(_open_outages_and_faults_statement(t),
                                                           {"ids": services}):
        if fault is not None:
            found_faults[service_id] = fault
        else:
            opens[service_id].append(aware(opened_at))
    return opens, found_faults


@cache
def _edges_statement(t: FactTables) -> sa.TextClause:
    """Per (key, service, lo, hi): the Edge of [lo, hi) from the outage pieces of lo's day (where every outage
    overlapping the range, or crossing lo, has a piece), aggregated here so that a busy day returns one row. Every
    piece an Edge counts ends at or after lo (a piece ends at or after its start), which the index on
    (service_id, day, piece_end) finds without the day's earlier pieces."""
    return sa.text(f"""
        SELECT d.key, coalesce((SELECT sum(extract(epoch FROM upper(m) - lower(m)) * 1000000)
                                FROM unnest(x.down) m), 0), x.started, x.crossing, x.empty_at
        FROM unnest(CAST(:keys AS int[]), CAST(:ids AS uuid[]), CAST(:los AS timestamptz[]),
                    CAST(:his AS timestamptz[])) AS d(key, service_id, lo, hi)
        CROSS JOIN LATERAL (
            SELECT range_agg(tstzrange(greatest(p.piece_start, d.lo), least(p.piece_end, d.hi)))
                     FILTER (WHERE p.piece_start < p.piece_end AND p.piece_start < d.hi AND p.piece_end > d.lo)
                     AS down,
                   count(*) FILTER (WHERE p.first AND p.span_start >= d.lo AND p.span_start < d.hi) AS started,
                   count(*) FILTER (WHERE p.span_start < d.lo AND d.lo < p.span_end) AS crossing,
                   count(*) FILTER (WHERE p.first AND p.span_start = d.lo AND p.span_end = d.lo) AS empty_at
            FROM {t.outage_pieces.name} p
            WHERE p.service_id = d.service_id AND p.day = (d.lo AT TIME ZONE 'UTC')::date AND p.piece_end >= d.lo
              AND p.fault IS NULL) x
    """)


async def _edges(conn: AsyncConnection, t: FactTables, ranges: list[tuple[UUID, datetime, datetime]]
                 ) -> dict[tuple[UUID, datetime, datetime], Edge]:
    if not ranges:
        return {}
    rows = await conn.execute(_edges_statement(t), {
        "keys": list(range(len(ranges))), "ids": [r[0] for r in ranges], "los": [r[1] for r in ranges],
        "his": [r[2] for r in ranges]})
    return {ranges[key]: Edge(Decimal(down), started, crossing, empty_at)
            for key, down, started, crossing, empty_at in rows}


async def faults(conn: AsyncConnection, t: FactTables, services: list[UUID]) -> dict[UUID, str]:
    """Services whose availability cannot be computed (an outage span that overflows), with the reason."""
    if not services:
        return {}
    p = t.outage_pieces.c
    rows = await conn.execute(sa.select(p.service_id, sa.func.min(p.fault))
                              .where(any_of(p.service_id, services), p.fault.is_not(None)).group_by(p.service_id))
    return dict(rows.all())
