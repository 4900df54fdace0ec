"""Scenario 2: load + one event + save, Continuum's event store vs the `eventsourcing` library (PostgreSQL)."""

from __future__ import annotations

import asyncio
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from functools import lru_cache

from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from continuum.eventstore.store import EventStore
from continuum.eventstore.uow import UnitOfWork
from tests.support.counter import CODEC, Counter

STREAMS = 64
EVENTS_PER_STREAM = 10
SEQUENTIAL_OPS = 400
CONCURRENT_OPS = 1600
CONCURRENCY = 16


async def continuum_rates(database_url: str) -> tuple[float, float]:
    """Operations per second: sequential, then 16-way concurrent."""
    engine = create_async_engine(database_url, pool_size=CONCURRENCY + 2, max_overflow=0)
    store = EventStore(codec=CODEC)
    try:
        ids = [await _seed(engine, store) for _ in range(STREAMS)]

        async def operate(counter_id) -> None:
            async with UnitOfWork(store=store, engine=engine) as uow:
                counter = await uow.get(Counter, counter_id)
                counter.increment(1, at=datetime.now(UTC))
                await uow.commit()

        started = time.perf_counter()
        for i in range(SEQUENTIAL_OPS):
            await operate(ids[i % STREAMS])
        sequential = SEQUENTIAL_OPS / (time.perf_counter() - started)

        async def worker(lane: int) -> None:
            for i in range(CONCURRENT_OPS // CONCURRENCY):
                await operate(ids[(lane + i * CONCURRENCY) % STREAMS])  # lanes never share a stream

        started = time.perf_counter()
        await asyncio.gather(*(worker(lane) for lane in range(CONCURRENCY)))
        concurrent = CONCURRENT_OPS / (time.perf_counter() - started)
    finally:
        await engine.dispose()
    return sequential, concurrent


async def _seed(engine, store):
    async with UnitOfWork(store=store, engine=engine) as uow:
        counter = Counter.open(name="bench", limit=10**9, at=datetime.now(UTC))
        for _ in range(EVENTS_PER_STREAM - 1):
            counter.increment(1, at=datetime.now(UTC))
        uow.add(counter)
        await uow.commit()
    return counter.id


@lru_cache(maxsize=1)
def _tally_class():
    """The library registers aggregate classes by topic: define ours once per process (runs repeat)."""
    from eventsourcing.domain import Aggregate, event

    class Tally(Aggregate):
        @event("Opened")
        def __init__(self, name: str) -> None:
            self.name = name
            self.value = 0

        @event("Incremented")
        def increment(self, by: int) -> None:
            self.value += by

    return Tally


def library_rates(database_url: str) -> tuple[float, float]:
    """The same operations through `eventsourcing` 9 with its PostgreSQL persistence module."""
    from eventsourcing.application import Application

    Tally = _tally_class()
    url = make_url(database_url)
    app = Application(env={
        "PERSISTENCE_MODULE": "eventsourcing.postgres", "POSTGRES_DBNAME": url.database,
        "POSTGRES_HOST": url.host, "POSTGRES_PORT": str(url.port), "POSTGRES_USER": url.username or "postgres",
        "POSTGRES_PASSWORD": url.password or "unused", "POSTGRES_POOL_SIZE": str(CONCURRENCY + 2),
        "CREATE_TABLE": "y",
    })
    ids = []
    for _ in range(STREAMS):
        tally = Tally("bench")
        for _ in range(EVENTS_PER_STREAM - 1):
            tally.increment(1)
        app.save(tally)
        ids.append(tally.id)

    def operate(tally_id) -> None:
        tally = app.repository.get(tally_id)
        tally.increment(1)
        app.save(tally)

    started = time.perf_counter()
    for i in range(SEQUENTIAL_OPS):
        operate(ids[i % STREAMS])
    sequential = SEQUENTIAL_OPS / (time.perf_counter() - started)

    def worker(lane: int) -> None:
        for i in range(CONCURRENT_OPS // CONCURRENCY):
            operate(ids[(lane + i * CONCURRENCY) % STREAMS])

    started = time.perf_counter()
    with ThreadPoolExecutor(CONCURRENCY) as pool:
        list(pool.map(worker, range(CONCURRENCY)))
    concurrent = CONCURRENT_OPS / (time.perf_counter() - started)
    app.close()
    return sequential, concurrent
