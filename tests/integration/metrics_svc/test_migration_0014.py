"""Migration 0014 adds the business-minute facts and rollup sums to a database made before them, keeping its facts
and rollups (null business minutes, zero sums: what those facts sum to), and removes them again on downgrade."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import sqlalchemy as sa
from alembic import command
from sqlalchemy.ext.asyncio import create_async_engine

from continuum import migrations
from continuum.operations import discover_services
from continuum_dev.testing.plugin import create_database
from metrics_svc import queries
from metrics_svc.projection import rollups
from metrics_svc.projection.tables import LIVE

NEW = {"kpi_incidents": ("ack_business_minutes", "resolve_business_minutes"),
       "kpi_service_days": ("ack_business", "ack_business_us", "resolved_business", "resolve_business_us"),
       "kpi_service_hours": ("ack_business", "ack_business_us", "resolved_business", "resolve_business_us")}


def _downgrade(migrations_dir, url: str, revision: str) -> None:
    """continuum.migrations.upgrade's configuration, downwards."""
    captured = {}
    original = command.upgrade
    command.upgrade = lambda config, _: captured.setdefault("config", config)
    try:
        migrations.upgrade(migrations_dir=migrations_dir, database_url=url)
    finally:
        command.upgrade = original
    command.downgrade(captured["config"], revision)


async def _columns(engine) -> dict[str, set[str]]:
    async with engine.connect() as conn:
        rows = await conn.execute(sa.text("SELECT table_name, column_name FROM information_schema.columns"
                                          " WHERE table_name = ANY(:t)"), {"t": list(NEW)})
        found: dict[str, set[str]] = {name: set() for name in NEW}
        for table, column in rows:
            found[table].add(column)
        return found


def _none_of(found: dict[str, set[str]]) -> bool:
    return all(not set(columns) & found[table] for table, columns in NEW.items())


def _all_of(found: dict[str, set[str]]) -> bool:
    return all(set(columns) <= found[table] for table, columns in NEW.items())


async def _database_at(infrastructure, revision: str):
    """A new metrics-svc database upgraded to `revision`: the service's entry and the database's URL."""
    entry = next(s for s in discover_services() if s.spec.name == "metrics-svc")
    url = await create_database(infrastructure.database_url, f"metrics_{uuid4().hex[:12]}")
    await asyncio.to_thread(migrations.upgrade, migrations_dir=entry.migrations, database_url=url, revision=revision)
    return entry, url


async def test_migration_0014_adds_the_business_minutes_to_a_database_made_before_them(infrastructure):
    entry, url = await _database_at(infrastructure, "0013")
    engine = create_async_engine(url)
    service_id, opened = uuid4(), datetime(2026, 1, 5, 9, tzinfo=UTC)
    try:
        async with engine.begin() as conn:  # as 0013 left a database made before this session: without them
            for table, columns in NEW.items():
                await conn.execute(sa.text(f"ALTER TABLE {table} "
                                           + ", ".join(f"DROP COLUMN {c}" for c in columns)))
            await conn.execute(sa.text(
                "INSERT INTO kpi_incidents (incident_id, service_id, priority, category, outage, opened_at,"
                " acknowledged_at, resolved_at) VALUES (:i, :s, 'P3', 'db', false, :o, :a, :r)"),
                {"i": uuid4(), "s": service_id, "o": opened, "a": opened + timedelta(minutes=10),
                 "r": opened + timedelta(hours=2)})
            await conn.execute(sa.text("INSERT INTO kpi_service_days (service_id, day, opened, acknowledged, ack_us,"
                                       " resolved, resolve_us) VALUES (:s, :d, 1, 1, :a, 1, :r)"),
                               {"s": service_id, "d": opened.date(), "a": 600 * 10**6, "r": 7200 * 10**6})
        assert _none_of(await _columns(engine))
        await asyncio.to_thread(migrations.upgrade, migrations_dir=entry.migrations, database_url=url)
        assert _all_of(await _columns(engine))
        async with engine.connect() as conn:
            report = (await queries.service_reports(conn, [service_id], days=7, as_of=opened + timedelta(days=1)))[0]
            days = (await conn.execute(sa.select(LIVE.service_days).where(LIVE.service_days.c.service_id == service_id)
                                       )).all()
            await rollups.refresh_services(conn, LIVE, [service_id])  # the rollups agree with the facts as they are
            refreshed = (await conn.execute(sa.select(LIVE.service_days)
                                            .where(LIVE.service_days.c.service_id == service_id))).all()
            await conn.rollback()
        assert report.kpis.mttr_minutes.value == 120 and report.kpis.business_mttr_minutes.based_on == 0
        assert report.kpis.business_mttr_minutes.value is None and days == refreshed
        await asyncio.to_thread(_downgrade, entry.migrations, url, "0013")
        assert _none_of(await _columns(engine))
    finally:
        await engine.dispose()


async def test_a_database_before_the_rollups_upgrades_through_0009s_backfill(infrastructure):
    """0009 derives the rollups with today's code, which reads the incident columns 0014 adds: a database made
    before both (at 0008, with an incident) upgrades to the head, its rollups derived from the facts."""
    entry, url = await _database_at(infrastructure, "0008")
    engine = create_async_engine(url)
    service_id, opened = uuid4(), datetime(2026, 1, 5, 9, tzinfo=UTC)
    try:
        async with engine.begin() as conn:
            await conn.execute(sa.text("ALTER TABLE kpi_incidents " + ", ".join(
                f"DROP COLUMN IF EXISTS {c}" for c in NEW["kpi_incidents"])))
            await conn.execute(sa.text(
                "INSERT INTO kpi_incidents (incident_id, service_id, priority, category, outage, opened_at,"
                " acknowledged_at, resolved_at) VALUES (:i, :s, 'P3', 'db', false, :o, :a, :r)"),
                {"i": uuid4(), "s": service_id, "o": opened, "a": opened + timedelta(minutes=10),
                 "r": opened + timedelta(hours=2)})
        await asyncio.to_thread(migrations.upgrade, migrations_dir=entry.migrations, database_url=url)
        assert _all_of(await _columns(engine))
        async with engine.connect() as conn:
            report = (await queries.service_reports(conn, [service_id], days=7, as_of=opened + timedelta(days=1)))[0]
        assert report.kpis.mttr_minutes.value == 120 and report.kpis.business_mttr_minutes.based_on == 0
    finally:
        await engine.dispose()
