"""The event store on the real PostgreSQL: optimistic concurrency, loading, as_of, snapshots, upcasting."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

from continuum.domain import NotFound, PendingEvent
from continuum.eventstore.codec import EventCodec
from continuum.eventstore.store import ConcurrencyError, EventStore
from continuum.eventstore.uow import UnitOfWork
from tests.support.counter import CODEC, Counter, CounterIncremented

T0 = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture
async def engine(database_url):
    engine = create_async_engine(database_url, pool_size=60, max_overflow=0)
    yield engine
    await engine.dispose()


@pytest.fixture
def store() -> EventStore:
    return EventStore(codec=CODEC)


async def open_counter(engine, store, *, limit: int = 1_000_000) -> Counter:
    async with UnitOfWork(store=store, engine=engine) as uow:
        counter = Counter.open(name="c", limit=limit, at=T0)
        uow.add(counter)
        await uow.commit()
    return counter


async def test_an_aggregate_is_the_fold_of_its_events(engine, store):
    counter = await open_counter(engine, store)
    async with UnitOfWork(store=store, engine=engine) as uow:
        loaded = await uow.get(Counter, counter.id)
        loaded.increment(3, at=T0 + timedelta(days=1))
        loaded.increment(4, at=T0 + timedelta(days=2))
        await uow.commit()
    async with UnitOfWork(store=store, engine=engine) as uow:
        again = await uow.get(Counter, counter.id)
    assert (again.value, again.version) == (7, 3)


async def test_as_of_folds_only_what_had_occurred_by_then(engine, store):
    counter = await open_counter(engine, store)
    async with UnitOfWork(store=store, engine=engine) as uow:
        loaded = await uow.get(Counter, counter.id)
        loaded.increment(3, at=T0 + timedelta(days=1))
        loaded.increment(4, at=T0 + timedelta(days=2))
        await uow.commit()
    async with UnitOfWork(store=store, engine=engine) as uow:
        then = await uow.get(Counter, counter.id, as_of=T0 + timedelta(days=1, hours=1))
        with pytest.raises(NotFound):
            await uow.get(Counter, counter.id, as_of=T0 - timedelta(seconds=1))
    assert then.value == 3


async def test_fifty_concurrent_appends_at_one_version_exactly_one_wins(engine, store):
    counter = await open_counter(engine, store)

    async def append(by: int) -> bool:
        async with engine.connect() as conn:
            async with conn.begin():
                try:
                    await store.append(
                        conn, stream_id=counter.id, stream_type="Counter", expected_version=1,
                        new_events=[PendingEvent(CounterIncremented(by=by), T0)], metadata={},
                    )
                except ConcurrencyError:
                    return False
        return True

    outcomes = await asyncio.gather(*(append(by) for by in range(1, 51)))
    assert outcomes.count(True) == 1
    async with engine.connect() as conn:
        recorded = await store.load(conn, counter.id)
    assert [event.version for event in recorded] == [1, 2]
    winner = outcomes.index(True) + 1
    assert recorded[1].data == {"by": winner}


async def test_a_stale_unit_of_work_raises_instead_of_losing_an_update(engine, store):
    counter = await open_counter(engine, store)
    async with UnitOfWork(store=store, engine=engine) as first, UnitOfWork(store=store, engine=engine) as second:
        a = await first.get(Counter, counter.id)
        b = await second.get(Counter, counter.id)
        a.increment(1, at=T0)
        b.increment(2, at=T0)
        await first.commit()
        with pytest.raises(ConcurrencyError):
            await second.commit()


async def test_snapshots_are_taken_and_loading_starts_from_them(engine, store):
    counter = await open_counter(engine, store)
    for _ in range(3):
        async with UnitOfWork(store=store, engine=engine) as uow:
            loaded = await uow.get(Counter, counter.id)
            for _ in range(30):
                loaded.increment(1, at=T0)
            await uow.commit()
    async with engine.connect() as conn:
        snapshot = await store.load_snapshot(conn, counter.id)
    assert snapshot is not None and (snapshot.version, snapshot.state["value"]) == (61, 60)  # crossed 50 at 61
    async with UnitOfWork(store=store, engine=engine) as uow:
        loaded = await uow.get(Counter, counter.id)
    assert (loaded.value, loaded.version) == (90, 91)
    async with engine.begin() as conn:  # mark the snapshot: a load that starts from it shows the mark
        await conn.execute(sa.text("UPDATE snapshots SET state = jsonb_set(state, '{value}', '1000')"))
    async with UnitOfWork(store=store, engine=engine) as uow:
        assert (await uow.get(Counter, counter.id)).value == 1030
        assert (await uow.get(Counter, counter.id, as_of=T0 + timedelta(days=1))).value == 90  # as_of folds all


async def test_old_schema_versions_are_upcast_when_loaded(engine):
    from dataclasses import dataclass

    from continuum.domain import DomainEvent

    @dataclass(frozen=True)
    class Renamed(DomainEvent):
        title: str
        schema_version = 2

    codec = EventCodec([Renamed])
    codec.upcaster("Renamed", from_version=1)(lambda data: {"title": data["name"]})
    async with engine.begin() as conn:
        await conn.execute(sa.text(
            "INSERT INTO events (stream_id, stream_type, version, event_id, event_type, schema_version, data,"
            " metadata, occurred_at) VALUES (gen_random_uuid(), 'X', 1, gen_random_uuid(), 'Renamed', 1,"
            " '{\"name\": \"old\"}', '{}', now())"
        ))
        row = (await conn.execute(sa.text("SELECT event_type, schema_version, data FROM events"))).one()
    assert codec.decode(row.event_type, row.schema_version, row.data) == Renamed(title="old")
