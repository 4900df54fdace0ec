"""Migration 0015 gives each service of a database made before it its reach (projection.loop_state.Progress): the
services judged so far read as in step and never behind, as they were judged, and a service may now have no day end
judged yet; downgrade removes the columns (and such services) again."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from uuid import uuid4

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

from continuum import migrations
from metrics_svc.projection import loop_state
from tests.integration.metrics_svc.test_migration_0014 import _database_at, _downgrade

NEW = {"latest", "in_step", "behind_at"}


async def _loop_judged(conn) -> set[str]:
    rows = await conn.execute(sa.text("SELECT column_name FROM information_schema.columns "
                                      "WHERE table_name = 'loop_judged'"))
    return set(rows.scalars())


async def test_migration_0015_gives_the_services_judged_before_it_their_reach(infrastructure):
    entry, url = await _database_at(infrastructure, "0014")
    engine = create_async_engine(url)
    judged, waiting, through = uuid4(), uuid4(), datetime(2026, 3, 2, tzinfo=UTC)
    try:
        async with engine.begin() as conn:  # as 0014 left a database made before this session
            await conn.execute(sa.text("ALTER TABLE loop_judged DROP COLUMN latest, DROP COLUMN in_step, "
                                       "DROP COLUMN behind_at, ALTER COLUMN through SET NOT NULL"))
            await conn.execute(sa.text("INSERT INTO loop_judged (service_id, through) VALUES (:s, :t)"),
                               {"s": judged, "t": through})
        await asyncio.to_thread(migrations.upgrade, migrations_dir=entry.migrations, database_url=url)
        async with engine.begin() as conn:
            assert NEW <= await _loop_judged(conn)
            progress = await loop_state.progress_of(conn, [judged])
            assert progress == {judged: loop_state.Progress(through=through)}  # in step, never behind
            await loop_state.note_arrivals(conn, {waiting: loop_state.Arrival(through)}, now=datetime.now(UTC))
            assert (await loop_state.progress_of(conn, [waiting]))[waiting].through is None  # none judged yet
        await asyncio.to_thread(_downgrade, entry.migrations, url, "0014")
        async with engine.connect() as conn:
            assert not NEW & await _loop_judged(conn)
            rows = (await conn.execute(sa.text("SELECT service_id, through FROM loop_judged"))).all()
            assert [tuple(row) for row in rows] == [(judged, through)]
    finally:
        await engine.dispose()
