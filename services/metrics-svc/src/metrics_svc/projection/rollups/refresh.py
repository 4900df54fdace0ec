"""Every rollup of some services derived again from their facts in a few grouped passes (migration 0009's
backfill, a rebuild, a bulk load): the same rows as the consumer's maintenance."""

from __future__ import annotations

from collections.abc import Collection
from functools import cache
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert

from metrics_svc.projection.reads import incident_facts
from metrics_svc.projection.rollups.pieces import pieces_of
from metrics_svc.projection.rollups.sql import SUM_NAMES, _sums_select
from metrics_svc.projection.tables import FactTables


async def refresh_services(conn, t: FactTables, service_ids: Collection[UUID], *, chunk: int = 5000) -> None:
    """Every rollup of these services derived again from their facts (facts stored without the projector: migration
    0009's backfill, a bulk load, a test's rows), in a few grouped passes over them, however many they are. The same
    sums as the consumer's recomputation (tests/integration/metrics_svc/test_rollups.py holds them equal)."""
    ids = list(service_ids)
    for table in (t.service_days, t.service_hours, t.outage_pieces):
        await conn.execute(sa.delete(table).where(table.c.service_id.in_(ids)))
    await conn.execute(bulk_sums_statement(t, hourly=False), {"ids": ids})
    await conn.execute(bulk_sums_statement(t, hourly=True), {"ids": ids})
    c = t.incidents.c
    outages = await incident_facts(conn, t, sa.and_(c.service_id.in_(ids), c.outage, c.resolved_at.is_not(None)))
    pieces = [piece for fact in outages for piece in pieces_of(fact)]
    for start in range(0, len(pieces), chunk):
        await conn.execute(pg_insert(t.outage_pieces), pieces[start:start + chunk])
    await conn.execute(bulk_outages_statement(t), {"ids": ids})
    known = (await conn.execute(sa.select(c.service_id).where(c.service_id.in_(ids)).distinct())).scalars().all()
    if known:
        await conn.execute(pg_insert(t.known_services).on_conflict_do_nothing(), [{"service_id": s} for s in known])


@cache
def bulk_sums_statement(t: FactTables, *, hourly: bool) -> sa.TextClause:
    """Every day's (or hour's) sums of the services `ids`, grouped in one pass per moment (see lateral_sums)."""
    table, key = (t.service_hours.name, "hour") if hourly else (t.service_days.name, "day")
    return sa.text(f"INSERT INTO {table} (service_id, {key}, {', '.join(SUM_NAMES)}) "
                   + _sums_select(t, hourly=hourly, where="i.service_id = ANY(:ids)"))


@cache
def bulk_outages_statement(t: FactTables) -> sa.TextClause:
    """Every day's outages started and down time of the services `ids`, from their pieces (see recompute_statement)."""
    return sa.text(f"""
        INSERT INTO {t.service_days.name} (service_id, day, outages_started, down_us)
        SELECT g.service_id, g.day, g.started,
               coalesce((SELECT sum(extract(epoch FROM upper(m) - lower(m)) * 1000000) FROM unnest(g.down) m), 0)
        FROM (SELECT p.service_id, p.day, count(*) FILTER (WHERE p.first AND p.fault IS NULL) AS started,
                     range_agg(tstzrange(p.piece_start, p.piece_end))
                       FILTER (WHERE p.piece_start < p.piece_end AND p.fault IS NULL) AS down
              FROM {t.outage_pieces.name} p WHERE p.service_id = ANY(:ids) GROUP BY p.service_id, p.day) g
        ON CONFLICT (service_id, day) DO UPDATE
        SET outages_started = excluded.outages_started, down_us = excluded.down_us
    """)
