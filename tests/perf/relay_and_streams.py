"""Scenario 3: the relay draining 100k stored events into Kafka (vs a bare producer sending the same);
scenario 6: command latency on a 10k-event aggregate vs a fresh one."""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import UTC, datetime

import asyncpg
from aiokafka import AIOKafkaProducer

from continuum.config import KafkaSettings, RelaySettings
from continuum.eventstore.store import EventStore
from continuum.eventstore.uow import UnitOfWork
from continuum.kafka.topics import ensure_topics
from continuum.relay import OutboxRelay, asyncpg_dsn
from continuum.telemetry import Telemetry
from tests.perf.stats import percentile
from tests.support.counter import CODEC, Counter

INSERT = """
INSERT INTO events (stream_id, stream_type, version, event_id, event_type, schema_version, data, metadata,
                    occurred_at)
SELECT s.stream_id, 'Counter', v, gen_random_uuid(), 'CounterIncremented', 1, '{"by": 1}', '{}', now()
FROM (SELECT gen_random_uuid() AS stream_id FROM generate_series(1, $1)) s, generate_series(1, $2) v
"""


async def relay_rate(database_url: str, kafka: KafkaSettings, *, events: int = 100_000) -> float:
    """Events per second from 'all in the store' to 'all acknowledged by Kafka'."""
    conn = await asyncpg.connect(asyncpg_dsn(database_url))
    try:
        await conn.execute("TRUNCATE events, relay_checkpoints")
        await conn.execute(INSERT, events // 100, 100)
    finally:
        await conn.close()
    topic = f"bench.relay.{uuid.uuid4().hex[:8]}"
    await ensure_topics(kafka, [topic])
    relay = OutboxRelay(name="bench", database_url=database_url, topic=topic, context="bench", source="/bench",
                        kafka=kafka, settings=RelaySettings(batch_size=5000), telemetry=Telemetry(service="bench"))
    started = time.perf_counter()
    task = asyncio.create_task(relay.run())
    try:
        while relay.status.published < events:
            await asyncio.sleep(0.01)
        return events / (time.perf_counter() - started)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def bare_producer_rate(kafka: KafkaSettings, *, events: int = 100_000) -> float:
    """The same number of same-sized messages from memory through one idempotent producer."""
    topic = f"bench.producer.{uuid.uuid4().hex[:8]}"
    await ensure_topics(kafka, [topic])
    producer = AIOKafkaProducer(bootstrap_servers=kafka.bootstrap_servers, enable_idempotence=True,
                                linger_ms=2, max_batch_size=512 * 1024)
    await producer.start()
    keys = [str(uuid.uuid4()).encode() for _ in range(events // 100)]
    headers = [("ce_specversion", b"1.0"), ("ce_id", str(uuid.uuid4()).encode()), ("ce_type", b"x.y.Z.v1")]
    try:
        started = time.perf_counter()
        acks = [await producer.send(topic, b'{"by": 1}', key=keys[i % len(keys)], headers=headers)
                for i in range(events)]
        await asyncio.gather(*acks)
        return events / (time.perf_counter() - started)
    finally:
        await producer.stop()


async def long_stream_latencies(database_url: str, *, long_events: int = 10_000, samples: int = 200) -> tuple[float, float]:
    """Median command latency (ms): on an aggregate with `long_events` events, and on a fresh one."""
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(database_url)
    store = EventStore(codec=CODEC)
    try:
        long_id = await _counter_with(engine, store, long_events)
        fresh_id = await _counter_with(engine, store, 1)
        long_ms = await _latency(engine, store, long_id, samples)
        fresh_ms = await _latency(engine, store, fresh_id, samples)
    finally:
        await engine.dispose()
    return long_ms, fresh_ms


async def _counter_with(engine, store, events: int):
    counter = Counter.open(name="long", limit=10**9, at=datetime.now(UTC))
    async with UnitOfWork(store=store, engine=engine) as uow:
        uow.add(counter)
        await uow.commit()
    for _ in range((events - 1) // 1000):
        async with UnitOfWork(store=store, engine=engine) as uow:
            loaded = await uow.get(Counter, counter.id)
            for _ in range(1000):
                loaded.increment(1, at=datetime.now(UTC))
            await uow.commit()
    return counter.id


async def _latency(engine, store, counter_id, samples: int) -> float:
    timings = []
    for _ in range(samples):
        started = time.perf_counter()
        async with UnitOfWork(store=store, engine=engine) as uow:
            counter = await uow.get(Counter, counter_id)
            counter.increment(1, at=datetime.now(UTC))
            await uow.commit()
        timings.append((time.perf_counter() - started) * 1000)
    return percentile(timings, 0.5)
