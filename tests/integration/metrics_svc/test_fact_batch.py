"""A FactBatch applies the projector's writes like one-by-one writes, whatever their order (real PostgreSQL)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from uuid import uuid4

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

from metrics_svc.projection.batch import FactBatch
from metrics_svc.projection.projector import _insert, _update, _upsert
from metrics_svc.projection.tables import fact_tables

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def operations(seed: int) -> list[tuple]:
    """Random creations, upserts, updates (also before creation), deletes and reads over a few keys."""
    rng = random.Random(seed)
    keys = [uuid4() for _ in range(rng.choice([3, 12, 30]))]
    service = uuid4()
    ops = []
    for step in range(60):
        key, at = rng.choice(keys), T0 + timedelta(minutes=step)
        kind = rng.choice(["insert", "insert", "update", "update", "upsert_sla", "delete_sla", "read"])
        ops.append((kind, key, service, at, step))
    return ops


async def apply(conn, t, ops) -> None:
    for kind, key, service, at, step in ops:
        if kind == "insert":
            await _insert(conn, t.incidents, {"incident_id": key, "service_id": service, "priority": "P2",
                                              "category": f"c{step}", "outage": False, "opened_at": at})
        elif kind == "update":
            await _update(conn, t.incidents, "incident_id", key, resolved_at=at, csat=step % 5 + 1)
        elif kind == "upsert_sla":
            await _upsert(conn, t.slas, "service_id", {"service_id": service, "defined_at": at,
                                                       "availability_target_pct": Decimal(step),
                                                       "csat_target_pct": Decimal(80)})
        elif kind == "delete_sla":
            await conn.execute(sa.delete(t.slas).where(t.slas.c.service_id == service))
        else:
            await conn.execute(sa.select(sa.func.count()).select_from(t.incidents))


async def rows(conn, t) -> list:
    incidents = (await conn.execute(sa.select(t.incidents).order_by(t.incidents.c.incident_id))).all()
    slas = (await conn.execute(sa.select(t.slas))).all()
    return [tuple(r) for r in incidents] + [tuple(r) for r in slas]


async def test_batched_writes_equal_one_by_one_writes(metrics_database):
    engine = create_async_engine(metrics_database)
    one_by_one, batched = fact_tables("kpi_seq_"), fact_tables("kpi_batch_")
    try:
        async with engine.begin() as conn:
            for tables in (one_by_one, batched):
                await conn.run_sync(tables.metadata.create_all)
            for seed in range(25):
                ops = operations(seed)
                await apply(conn, one_by_one, ops)
                batch = FactBatch(conn)
                for start in range(0, len(ops), 7):  # flushed every few events, as a rebuild flushes per fetch
                    await apply(batch, batched, ops[start:start + 7])
                    await batch.flush()
                assert await rows(conn, batched) == await rows(conn, one_by_one), seed
    finally:
        await engine.dispose()
