"""`summaries.opened_at` (platform revision 0002o): the first event's business time, backfilled by the migration
and written by both append paths, also when a stream's summary first comes after its first event."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

from continuum import migrations
from continuum.domain import PendingEvent
from continuum.eventstore.bulk import StreamAppend, append_streams
from continuum.eventstore.store import EventStore
from continuum.operations import discover_services
from continuum_dev.testing.plugin import create_database
from tests.support.counter import CODEC, CounterIncremented, CounterOpened

T0 = datetime(2024, 5, 1, 8, tzinfo=UTC)
OPENED_AT = sa.text("SELECT stream_id, opened_at FROM summaries")


def events(*days: int) -> list[PendingEvent]:
    first, *rest = days
    return [PendingEvent(CounterOpened(name="c", limit=100), T0 + timedelta(days=first)),
            *(PendingEvent(CounterIncremented(by=1), T0 + timedelta(days=day)) for day in rest)]


async def opened(engine) -> dict[uuid.UUID, datetime]:
    async with engine.connect() as conn:
        return dict((await conn.execute(OPENED_AT)).all())


async def test_both_append_paths_write_the_first_events_time_and_keep_it(database_url):
    engine = create_async_engine(database_url)
    store = EventStore(codec=CODEC)
    at_once, summary_later, batched, batched_later = (uuid.uuid4() for _ in range(4))
    try:
        async with engine.begin() as conn:
            await store.append(conn, stream_id=at_once, stream_type="Counter", expected_version=0,
                               new_events=events(3, 4), metadata={}, summary={"n": 1})
            await store.append(conn, stream_id=summary_later, stream_type="Counter", expected_version=0,
                               new_events=events(1), metadata={})
            await append_streams(conn, codec=CODEC, metadata={}, appends=[
                StreamAppend(batched, "Counter", 0, events(7, 8), {"n": 1}),
                StreamAppend(batched_later, "Counter", 0, events(9), None)])
        async with engine.begin() as conn:  # the summaries' first writes come after version 1
            await store.append(conn, stream_id=summary_later, stream_type="Counter", expected_version=1,
                               new_events=[PendingEvent(CounterIncremented(by=1), T0 + timedelta(days=20))],
                               metadata={}, summary={"n": 2})
            await append_streams(conn, codec=CODEC, metadata={}, appends=[
                StreamAppend(batched_later, "Counter", 1, [PendingEvent(CounterIncremented(by=1),
                                                                         T0 + timedelta(days=21))], {"n": 2})])
            await store.append(conn, stream_id=at_once, stream_type="Counter", expected_version=2,
                               new_events=[PendingEvent(CounterIncremented(by=1), T0 + timedelta(days=22))],
                               metadata={}, summary={"n": 3})
        assert await opened(engine) == {at_once: T0 + timedelta(days=3), summary_later: T0 + timedelta(days=1),
                                        batched: T0 + timedelta(days=7), batched_later: T0 + timedelta(days=9)}
    finally:
        await engine.dispose()


async def test_the_migration_backfills_existing_summaries(infrastructure):
    entry = next(s for s in discover_services() if s.spec.name == "service-svc")
    url = await create_database(infrastructure.database_url, f"test_{uuid.uuid4().hex[:12]}")
    await asyncio.to_thread(migrations.upgrade, migrations_dir=entry.migrations, database_url=url,
                            revision="0002i")
    engine = create_async_engine(url)
    streams = [uuid.uuid4() for _ in range(3)]
    try:
        async with engine.begin() as conn:
            for n, stream_id in enumerate(streams):
                for version in (1, 2):
                    await conn.execute(sa.text(
                        "INSERT INTO events (stream_id, stream_type, version, event_id, event_type, schema_version, "
                        "data, metadata, occurred_at) VALUES (:s, 'Counter', :v, :e, 'x', 1, '{}', '{}', :at)"),
                        {"s": stream_id, "v": version, "e": uuid.uuid4(), "at": T0 + timedelta(days=n, hours=version)})
                await conn.execute(sa.text("INSERT INTO summaries (stream_id, stream_type, version, data) "
                                           "VALUES (:s, 'Counter', 2, '{}')"), {"s": stream_id})
        await asyncio.to_thread(migrations.upgrade, migrations_dir=entry.migrations, database_url=url)
        assert await opened(engine) == {s: T0 + timedelta(days=n, hours=1) for n, s in enumerate(streams)}
        async with engine.connect() as conn:
            indexes = (await conn.execute(sa.text(
                "SELECT indexdef FROM pg_indexes WHERE indexname = 'summaries_type_opened'"))).scalars().all()
        assert indexes and "(stream_type, opened_at, sequence)" in indexes[0]
    finally:
        await engine.dispose()
