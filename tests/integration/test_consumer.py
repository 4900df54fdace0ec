"""The consumer runtime against the real Kafka broker and PostgreSQL: inbox, DLQ, retries — one by one, and with
a batch handler (a fetched batch per transaction, falling back to one by one)."""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass
from uuid import uuid4

import pytest
import sqlalchemy as sa
from aiokafka import AIOKafkaProducer
from aiokafka.structs import ConsumerRecord
from sqlalchemy.ext.asyncio import create_async_engine

from continuum.config import ConsumerSettings
from continuum.consumer import EventConsumer, Subscription
from continuum.contracts.base import EventContract
from continuum.kafka.topics import dlq_topic, ensure_topics, events_topic
from continuum.telemetry import Telemetry
from tests.support.kafka import read_topic


def opened_contract(context_name: str) -> type[EventContract]:
    @dataclass(frozen=True, kw_only=True)
    class CounterOpenedV1(EventContract):
        context = context_name
        name: str
        limit: int

    return CounterOpenedV1


def headers(ce_type: str, ce_id: str | None = None) -> list[tuple[str, bytes]]:
    return [
        ("ce_specversion", b"1.0"),
        ("ce_id", (ce_id or str(uuid4())).encode()),
        ("ce_source", b"/continuum/test"),
        ("ce_type", ce_type.encode()),
        ("ce_subject", str(uuid4()).encode()),
        ("ce_time", b"2026-03-01T00:00:00+00:00"),
        ("content-type", b"application/json"),
    ]


@pytest.fixture
async def engine(database_url):
    engine = create_async_engine(database_url)
    async with engine.begin() as conn:
        await conn.execute(sa.text("CREATE TABLE applied (event_id text, name text)"))
    yield engine
    await engine.dispose()


@pytest.fixture
async def producer(kafka_settings):
    producer = AIOKafkaProducer(bootstrap_servers=kafka_settings.bootstrap_servers)
    await producer.start()
    yield producer
    await producer.stop()


class Harness:
    def __init__(self, engine, kafka_settings, context: str, *, failures_before_success: int = 0,
                 batched: str = "one by one", commit_interval_s: float = 1.0) -> None:
        self.contract = opened_contract(context)
        self.topic = events_topic(context)
        self.failures_left = failures_before_success
        self.batches: list[int] = []
        handle = None if batched == "batch handler" else self.apply
        settings = ConsumerSettings(retry_backoff_s=0.05, retry_backoff_max_s=0.2,
                                    batch_transactions=batched != "one by one", commit_interval_s=commit_interval_s)
        self.consumer = EventConsumer(
            name=f"{context}-consumer", engine=engine,
            subscriptions={self.contract.ce_type(): Subscription(self.contract, handle)},
            kafka=kafka_settings, settings=settings, telemetry=Telemetry(service="test"),
            batch_handler=self.apply_batch if batched == "batch handler" else None,
        )
        self.applied_in: list[int] = []  # the transaction (backend xid) each handled event was applied in
        self.partition_of: dict[str, int] = {}

    async def apply(self, delivery, conn) -> None:
        self.partition_of[delivery.event.id] = delivery.partition
        await conn.execute(sa.text("INSERT INTO applied VALUES (:id, :name)"),
                           {"id": delivery.event.id, "name": delivery.payload.name})
        self.applied_in.append((await conn.execute(sa.text("SELECT txid_current()"))).scalar())
        if self.failures_left:
            self.failures_left -= 1
            raise ConnectionResetError("database connection lost (simulated)")

    async def apply_batch(self, deliveries, conn) -> None:
        self.batches.append(len(deliveries))
        for delivery in deliveries:
            with delivery.handling():
                await conn.execute(sa.text("INSERT INTO applied VALUES (:id, :name)"),
                                   {"id": delivery.event.id, "name": delivery.payload.name})
        if self.failures_left:
            self.failures_left -= 1
            raise ConnectionResetError("database connection lost (simulated)")


BATCHED = pytest.mark.parametrize("batched", ["one by one", "batch transactions", "batch handler"])


async def run_until(harness: Harness, condition, timeout_s: float = 30) -> None:
    task = asyncio.create_task(harness.consumer.run())
    try:
        deadline = time.monotonic() + timeout_s
        while not condition():
            assert not task.done(), task.exception()
            assert time.monotonic() < deadline, f"timed out; status {harness.consumer.status}"
            await asyncio.sleep(0.05)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def applied_rows(engine) -> list[tuple[str, str]]:
    async with engine.connect() as conn:
        return [tuple(row) for row in await conn.execute(sa.text("SELECT event_id, name FROM applied"))]


@BATCHED
async def test_an_event_delivered_twice_is_applied_once(engine, kafka_settings, producer, topic_prefix, batched):
    harness = Harness(engine, kafka_settings, topic_prefix, batched=batched)
    await ensure_topics(kafka_settings, [harness.topic, dlq_topic(harness.consumer.name)])
    event_id = str(uuid4())
    for _ in range(2):
        await producer.send_and_wait(harness.topic, json.dumps({"name": "once", "limit": 1}).encode(),
                                     key=b"k", headers=headers(harness.contract.ce_type(), event_id))
    await run_until(harness, lambda: harness.consumer.status.handled + harness.consumer.status.duplicates == 2)
    assert await applied_rows(engine) == [(event_id, "once")]
    assert harness.consumer.status.duplicates == 1


@BATCHED
async def test_poison_messages_go_to_the_dlq_and_the_next_message_is_handled(
    engine, kafka_settings, producer, topic_prefix, batched
):
    harness = Harness(engine, kafka_settings, topic_prefix, batched=batched)
    dlq = dlq_topic(harness.consumer.name)
    await ensure_topics(kafka_settings, [harness.topic, dlq])
    ce_type = harness.contract.ce_type()
    poison = [
        (b"{not json", headers(ce_type)),
        (b'{"name": "x", "limit": 1}', []),  # a foreign message: no CloudEvents headers
        (b'{"name": "x", "limit": 1}', headers(ce_type.replace(".v1", ".v9"))),  # unknown schema version
        (b'{"name": "x"}', headers(ce_type)),  # fails its contract
    ]
    for value, message_headers in poison:
        await producer.send_and_wait(harness.topic, value, key=b"k", headers=message_headers)
    good = str(uuid4())
    await producer.send_and_wait(harness.topic, b'{"name": "good", "limit": 2}', key=b"k",
                                 headers=headers(ce_type, good))
    await run_until(harness, lambda: harness.consumer.status.handled == 1)
    parked = await read_topic(kafka_settings.bootstrap_servers, dlq, expect=4)
    assert await applied_rows(engine) == [(good, "good")]
    assert len(parked) == 4
    errors = [message.headers["dlq_error"] for message in parked]
    assert any("not JSON" in e for e in errors) and any("missing CloudEvents headers" in e for e in errors)
    assert any("unknown schema version" in e for e in errors) and any("invalid" in e for e in errors)
    assert all(message.headers["dlq_topic"] == harness.topic for message in parked)


@BATCHED
async def test_a_transient_failure_is_retried_and_applied_once(engine, kafka_settings, producer, topic_prefix,
                                                               batched):
    harness = Harness(engine, kafka_settings, topic_prefix, failures_before_success=2, batched=batched)
    await ensure_topics(kafka_settings, [harness.topic, dlq_topic(harness.consumer.name)])
    event_id = str(uuid4())
    await producer.send_and_wait(harness.topic, b'{"name": "retried", "limit": 1}', key=b"k",
                                 headers=headers(harness.contract.ce_type(), event_id))
    await run_until(harness, lambda: harness.consumer.status.handled == 1)
    assert await applied_rows(engine) == [(event_id, "retried")]  # the failed attempts rolled back
    assert harness.consumer.status.dead_lettered == 0


async def send_all(producer, harness: Harness, events: list[tuple[str, str]], ce_type: str | None = None,
                   partitions: int = 1) -> None:
    """Sent in one go before the consumer starts, so that its first fetch holds them all (round the first
    `partitions` partitions; by default all on one)."""
    for i, (event_id, name) in enumerate(events):
        payload = json.dumps({"name": name, "limit": 1}).encode()
        await producer.send(harness.topic, payload, key=b"k", partition=i % partitions,
                            headers=headers(ce_type or harness.contract.ce_type(), event_id))
    await producer.flush()


def per_partition(events: list[tuple[str, str]], partitions: int) -> list[list[tuple[str, str]]]:
    return [events[p::partitions] for p in range(partitions)]


async def test_a_fetched_batch_is_applied_together_each_event_once(engine, kafka_settings, producer, topic_prefix):
    harness = Harness(engine, kafka_settings, topic_prefix, batched="batch handler")
    await ensure_topics(kafka_settings, [harness.topic, dlq_topic(harness.consumer.name)])
    events = [(str(uuid4()), f"n{i}") for i in range(40)]
    await send_all(producer, harness, events[:20] + [events[5]] + events[20:])  # a redelivery inside the batch
    await send_all(producer, harness, [(str(uuid4()), "other")], ce_type=f"continuum.{topic_prefix}.Other.v1")
    status = harness.consumer.status
    await run_until(harness, lambda: status.handled + status.duplicates + status.ignored == 42)
    assert await applied_rows(engine) == events  # in partition order, the redelivered one once
    assert (status.handled, status.duplicates, status.ignored, status.dead_lettered) == (40, 1, 1, 0)
    assert max(harness.batches) > 1, f"never handled as a batch: {harness.batches}"


async def test_a_batch_that_fails_is_rolled_back_and_goes_one_by_one(engine, kafka_settings, producer, topic_prefix):
    """A failure in the batch handler undoes the whole batch; its events are then handled alone, each once."""
    harness = Harness(engine, kafka_settings, topic_prefix, batched="batch handler", failures_before_success=1)
    await ensure_topics(kafka_settings, [harness.topic, dlq_topic(harness.consumer.name)])
    events = [(str(uuid4()), f"n{i}") for i in range(10)]
    await send_all(producer, harness, events)
    await run_until(harness, lambda: harness.consumer.status.handled == 10)
    assert await applied_rows(engine) == events
    failed = harness.batches[0]
    assert failed > 1 and harness.batches[1:failed + 1] == [1] * failed, harness.batches


async def test_subscription_handlers_share_their_batchs_transaction(engine, kafka_settings, producer, topic_prefix):
    """Without a batch handler, a fetched batch is the subscriptions' handlers in order, in one transaction."""
    harness = Harness(engine, kafka_settings, topic_prefix, batched="batch transactions")
    await ensure_topics(kafka_settings, [harness.topic, dlq_topic(harness.consumer.name)])
    events = [(str(uuid4()), f"n{i}") for i in range(30)]
    await send_all(producer, harness, events)
    await run_until(harness, lambda: harness.consumer.status.handled == 30)
    assert await applied_rows(engine) == events
    assert len(set(harness.applied_in)) < len(events), "every event had a transaction of its own"


async def test_offsets_are_committed_when_the_consumer_stops(engine, kafka_settings, producer, topic_prefix):
    """Commits are spaced out (here: never while running); stopping commits what was handled, so the next
    consumer of the group starts after it rather than reading it all again."""
    first = Harness(engine, kafka_settings, topic_prefix, commit_interval_s=3600)
    await ensure_topics(kafka_settings, [first.topic, dlq_topic(first.consumer.name)])
    await send_all(producer, first, [(str(uuid4()), f"n{i}") for i in range(5)])
    await run_until(first, lambda: first.consumer.status.handled == 5)
    second = Harness(engine, kafka_settings, topic_prefix)
    await send_all(producer, second, [(str(uuid4()), "later")])
    await run_until(second, lambda: second.consumer.status.handled == 1)
    assert second.consumer.status.duplicates == 0
    assert len(await applied_rows(engine)) == 6


def fetched(harness: Harness, events: list[tuple[str, str]], partitions: int,
            ce_type: str | None = None) -> list[list[ConsumerRecord]]:
    """What a fetch could bring: the events round `partitions` partitions, each partition's in order."""
    records: list[list[ConsumerRecord]] = [[] for _ in range(partitions)]
    for i, (event_id, name) in enumerate(events):
        value = b"{not json" if name == "poison" else json.dumps({"name": name, "limit": 1}).encode()
        part = records[i % partitions]
        part.append(ConsumerRecord(harness.topic, i % partitions, len(part), int(time.time() * 1000), 0, b"k", value,
                                   None, 1, len(value), tuple(headers(ce_type or harness.contract.ce_type(), event_id))))
    return records


async def test_a_fetch_across_partitions_is_applied_in_one_transaction(engine, kafka_settings, producer,
                                                                      topic_prefix):
    """Partitions have no order between them: what one fetch brought from several goes in one transaction,
    each partition's events still in their order."""
    harness = Harness(engine, kafka_settings, topic_prefix, batched="batch transactions")
    events = [(str(uuid4()), f"n{i}") for i in range(30)]
    await harness.consumer._take_fetch(fetched(harness, events, 3), producer)
    assert await applied_rows(engine) == [e for part in per_partition(events, 3) for e in part]
    assert len(set(harness.applied_in)) == 1 and set(harness.partition_of.values()) == {0, 1, 2}


async def test_a_failed_fetch_is_retried_per_partition_then_one_by_one(engine, kafka_settings, producer,
                                                                      topic_prefix):
    """A fault undoes the fetch's transaction; each partition is then applied in its own, and a partition holding
    a poison message goes one by one, the poison to the DLQ and the rest applied once."""
    harness = Harness(engine, kafka_settings, topic_prefix, batched="batch handler", failures_before_success=1)
    dlq = dlq_topic(harness.consumer.name)
    await ensure_topics(kafka_settings, [dlq])
    events = [(str(uuid4()), f"n{i}") for i in range(8)] + [(str(uuid4()), "poison")]
    await harness.consumer._take_fetch(fetched(harness, events, 3), producer)
    # the fetch fails on its poison before reaching the handler; partition 0's transaction meets the fault, so
    # its 3 go one by one; partition 1 goes as one; partition 2 (with the poison) one by one, the poison parked
    assert harness.batches == [3, 1, 1, 1, 3, 1, 1], harness.batches
    assert sorted(await applied_rows(engine)) == sorted(events[:8])
    assert harness.consumer.status.dead_lettered == 1
    assert len(await read_topic(kafka_settings.bootstrap_servers, dlq, expect=1)) == 1


async def test_a_fetch_of_types_the_consumer_does_not_follow_is_skipped_and_counted(engine, kafka_settings,
                                                                                   producer, topic_prefix):
    harness = Harness(engine, kafka_settings, topic_prefix, batched="batch transactions")
    others = [(str(uuid4()), f"other{i}") for i in range(5)]
    await harness.consumer._take_fetch(fetched(harness, others, 2, ce_type=f"continuum.{topic_prefix}.Other.v1"),
                                       producer)
    status = harness.consumer.status
    assert (status.ignored, status.handled, status.dead_lettered) == (5, 0, 0)
    assert await applied_rows(engine) == []


@pytest.mark.parametrize("batched", ["one by one", "batch handler"])
async def test_an_unvalidated_subscription_parses_data_only_when_its_handler_reads_it(
    engine, kafka_settings, producer, topic_prefix, batched
):
    """The webhook intake's kind of subscription: a value that is not JSON costs nothing until the handler reads
    `event.data`; then the handler's PermanentFailure parks it at once (no retries), and the next is handled."""
    from continuum.consumer import PermanentFailure
    from continuum.kafka.cloudevents import UndecodableMessage

    contract = opened_contract(topic_prefix)
    calls: list[str] = []

    async def apply(delivery, conn) -> None:
        calls.append(delivery.event.id)
        assert delivery.payload is None
        try:
            name = delivery.event.data["name"]
        except UndecodableMessage as error:
            raise PermanentFailure(f"undecodable: {error}") from None
        await conn.execute(sa.text("INSERT INTO applied VALUES (:id, :name)"), {"id": delivery.event.id, "name": name})

    async def apply_batch(deliveries, conn) -> None:
        for delivery in deliveries:
            await apply(delivery, conn)

    consumer = EventConsumer(
        name=f"{topic_prefix}-unvalidated", engine=engine,
        subscriptions={contract.ce_type(): Subscription(contract, None if batched == "batch handler" else apply,
                                                        validated=False)},
        kafka=kafka_settings, settings=ConsumerSettings(retry_backoff_s=0.05, retry_backoff_max_s=0.2,
                                                        batch_transactions=batched != "one by one"),
        telemetry=Telemetry(service="test"), batch_handler=apply_batch if batched == "batch handler" else None,
        inbox=False)
    topic, dlq = events_topic(topic_prefix), dlq_topic(consumer.name)
    await ensure_topics(kafka_settings, [topic, dlq])
    bad, good = str(uuid4()), str(uuid4())
    await producer.send_and_wait(topic, b"{not json", key=b"k", headers=headers(contract.ce_type(), bad))
    await producer.send_and_wait(topic, b'{"name": "good"}', key=b"k", headers=headers(contract.ce_type(), good))
    harness = type("Running", (), {"consumer": consumer})()
    await run_until(harness, lambda: consumer.status.handled == 1 and consumer.status.dead_lettered == 1)
    parked = await read_topic(kafka_settings.bootstrap_servers, dlq, expect=1)
    assert [m.headers["dlq_error"] for m in parked] == ["undecodable: value is not JSON: Expecting property name "
                                                        "enclosed in double quotes: line 1 column 2 (char 1)"]
    assert await applied_rows(engine) == [(good, "good")]
    # alone, once: a retry would call it up to five times (the batch path may have tried it once before)
    assert calls.count(bad) == 1 if batched == "one by one" else calls.count(bad) <= 2
    assert consumer.status.retrying_since is None
