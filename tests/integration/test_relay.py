"""The outbox relay against the real PostgreSQL and the real Kafka broker."""

from __future__ import annotations

import asyncio
import json
import random
from collections import defaultdict
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from uuid import UUID, uuid4

import pytest
from sqlalchemy.ext.asyncio import create_async_engine

from continuum.config import RelaySettings
from continuum.domain import PendingEvent
from continuum.eventstore.store import EventStore
from continuum.kafka.topics import ensure_topics, events_topic
from continuum.relay import OutboxRelay
from continuum.telemetry import Telemetry
from tests.support.counter import CODEC, CounterIncremented, CounterOpened
from tests.support.kafka import read_topic

T0 = datetime(2026, 3, 1, tzinfo=UTC)
SETTINGS = RelaySettings(batch_size=500, poll_interval_s=0.2, retry_backoff_s=0.5)


@pytest.fixture
async def engine(database_url):
    engine = create_async_engine(database_url, pool_size=40, max_overflow=0)
    yield engine
    await engine.dispose()


@pytest.fixture
def store() -> EventStore:
    return EventStore(codec=CODEC)


@pytest.fixture
async def topic(kafka_settings, topic_prefix) -> str:
    name = events_topic(topic_prefix)
    await ensure_topics(kafka_settings, [name])
    return name


@asynccontextmanager
async def running_relay(database_url: str, topic: str, kafka_settings):
    relay = OutboxRelay(
        name="test-relay", database_url=database_url, topic=topic, context=topic.split(".")[1],
        source="/continuum/test", kafka=kafka_settings, settings=SETTINGS, telemetry=Telemetry(service="test"),
    )
    task = asyncio.create_task(relay.run())
    try:
        yield relay
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def append(conn, store: EventStore, stream_id: UUID, version: int, by: int = 1) -> None:
    event = CounterOpened(name="c", limit=10**9) if version == 1 else CounterIncremented(by=by)
    await store.append(conn, stream_id=stream_id, stream_type="Counter", expected_version=version - 1,
                       new_events=[PendingEvent(event, T0)], metadata={"correlation_id": "corr-1"})


async def test_a_transaction_that_commits_last_with_an_earlier_position_is_still_published(
    engine, store, database_url, topic, kafka_settings
):
    early, late = uuid4(), uuid4()
    async with engine.connect() as held:
        transaction = await held.begin()
        await append(held, store, early, 1)  # takes the earlier global position, commits last
        async with engine.begin() as conn:
            await append(conn, store, late, 1)
        async with running_relay(database_url, topic, kafka_settings):
            await asyncio.sleep(1.0)
            await transaction.commit()
            messages = await read_topic(kafka_settings.bootstrap_servers, topic, expect=2, settle_s=1.0)
    assert sorted(m.headers["ce_subject"] for m in messages) == sorted([str(early), str(late)])


async def test_an_event_reaches_kafka_only_after_commit_and_a_rollback_never(
    engine, store, database_url, topic, kafka_settings
):
    rolled_back, committed = uuid4(), uuid4()
    async with running_relay(database_url, topic, kafka_settings):
        async with engine.connect() as conn:
            transaction = await conn.begin()
            await append(conn, store, rolled_back, 1)
            before_commit = await read_topic(kafka_settings.bootstrap_servers, topic, expect=1, timeout_s=1.5)
            await transaction.rollback()
        async with engine.begin() as conn:
            await append(conn, store, committed, 1)
        after = await read_topic(kafka_settings.bootstrap_servers, topic, expect=1, settle_s=1.0)
    assert before_commit == []
    assert [m.headers["ce_subject"] for m in after] == [str(committed)]


@pytest.mark.slow
async def test_five_thousand_concurrent_delayed_appends_are_published_exactly_once_in_stream_order(
    engine, store, database_url, topic, kafka_settings
):
    streams, per_stream = 100, 50
    stream_ids = [uuid4() for _ in range(streams)]
    rng = random.Random(7)
    delays = {(s, v): rng.uniform(0, 0.004) for s in stream_ids for v in range(1, per_stream + 1)}

    async def write_stream(stream_id: UUID) -> None:
        for version in range(1, per_stream + 1):
            async with engine.begin() as conn:
                await append(conn, store, stream_id, version)
                await asyncio.sleep(delays[(stream_id, version)])  # commit late, out of position order

    async with running_relay(database_url, topic, kafka_settings):
        await asyncio.gather(*(write_stream(s) for s in stream_ids))
        messages = await read_topic(kafka_settings.bootstrap_servers, topic, expect=streams * per_stream,
                                    timeout_s=120, settle_s=1.0)

    ids = [m.headers["ce_id"] for m in messages]
    assert len(ids) == streams * per_stream, f"published {len(ids)} of {streams * per_stream}"
    assert len(set(ids)) == len(ids), "an event was published twice"
    sequences: dict[str, list[int]] = defaultdict(list)
    for message in sorted(messages, key=lambda m: (m.partition, m.offset)):
        sequences[message.headers["ce_subject"]].append(int(message.headers["ce_sequence"]))
    assert all(seq == list(range(1, per_stream + 1)) for seq in sequences.values())


async def test_messages_carry_the_cloudevents_headers(engine, store, database_url, topic, kafka_settings):
    stream_id = uuid4()
    async with engine.begin() as conn:
        await append(conn, store, stream_id, 1)
        await append(conn, store, stream_id, 2, by=5)
    async with running_relay(database_url, topic, kafka_settings):
        messages = await read_topic(kafka_settings.bootstrap_servers, topic, expect=2)
    first, second = sorted(messages, key=lambda m: int(m.headers["ce_sequence"]))
    context = topic.split(".")[1]
    assert first.headers["ce_specversion"] == "1.0"
    assert first.headers["ce_type"] == f"continuum.{context}.CounterOpened.v1"
    assert second.headers["ce_type"] == f"continuum.{context}.CounterIncremented.v1"
    assert first.headers["ce_source"] == "/continuum/test"
    assert first.headers["ce_subject"] == str(stream_id) and first.key == str(stream_id).encode()
    assert datetime.fromisoformat(first.headers["ce_time"]) == T0
    assert first.headers["content-type"] == "application/json"
    assert first.headers["ce_correlationid"] == "corr-1"
    assert UUID(first.headers["ce_id"]) != UUID(second.headers["ce_id"])
    assert json.loads(second.value) == {"by": 5}


async def until(condition, timeout_s: float = 60) -> None:
    for _ in range(int(timeout_s * 10)):
        if condition():
            return
        await asyncio.sleep(0.1)


@pytest.fixture
def private_kafka(tmp_path):
    """A broker of this test's own, to stop and start without disturbing the others."""
    from continuum_dev.infra.kafka import LocalKafka
    from continuum_dev.testing.plugin import free_port

    # restarted after a kill -9, the broker may register again only once its killed self's session expired
    # (broker.session.timeout.ms, 9 s by default: 11 s of a 25 s test); the relay's side of the outage is unchanged
    broker = LocalKafka(state_dir=tmp_path / "kafka", port=free_port(), controller_port=free_port(),
                        properties={"broker.session.timeout.ms": "3000", "broker.heartbeat.interval.ms": "1000"})
    broker.start()
    yield broker
    broker.stop()


@pytest.mark.slow
async def test_appends_go_on_while_kafka_is_down_and_are_all_published_when_it_returns(
    engine, store, database_url, topic_prefix, private_kafka
):
    from continuum.config import KafkaSettings

    kafka = KafkaSettings(bootstrap_servers=private_kafka.bootstrap_servers, request_timeout_ms=3000)
    topic = events_topic(topic_prefix)
    await ensure_topics(kafka, [topic])
    before, during = [uuid4() for _ in range(20)], [uuid4() for _ in range(200)]
    async with running_relay(database_url, topic, kafka) as relay:
        async with engine.begin() as conn:
            for stream_id in before:
                await append(conn, store, stream_id, 1)
        assert len(await read_topic(kafka.bootstrap_servers, topic, expect=20)) == 20
        await until(lambda: relay.status.published == 20)  # the relay saw the acks (readers can be faster)
        private_kafka.kill()
        for stream_id in during:  # the store keeps accepting appends
            async with engine.begin() as conn:
                await append(conn, store, stream_id, 1)
        await until(lambda: not relay.status.kafka_available)
        assert relay.status.kafka_available is False and relay.status.last_error
        await asyncio.to_thread(private_kafka.start)
        messages = await read_topic(kafka.bootstrap_servers, topic, expect=220, timeout_s=120, settle_s=0.5)
    assert {m.headers["ce_subject"] for m in messages} == {str(s) for s in before + during}


async def test_a_relay_with_nothing_to_publish_is_healthy_again_once_reconnected(database_url, topic, kafka_settings):
    """A lost database connection is reported until the relay is connected again, not until its next publish
    (a relay with a quiet outbox would otherwise stay 'degraded' after every PostgreSQL restart)."""
    import asyncpg

    from continuum.relay import asyncpg_dsn

    async with running_relay(database_url, topic, kafka_settings) as relay:
        await until(lambda: relay.status.leader)
        killer = await asyncpg.connect(asyncpg_dsn(database_url))
        try:
            await killer.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                 "WHERE datname = current_database() AND pid <> pg_backend_pid()")
        finally:
            await killer.close()
        await until(lambda: relay.status.last_error is not None, timeout_s=10)
        assert relay.status.restart_error, "the lost connection was never reported"
        await until(lambda: relay.status.leader and relay.status.last_error is None, timeout_s=30)
        assert relay.status.leader and relay.status.last_error is None, relay.status
        assert relay.status.published == 0
