"""`EventConsumer`: the consumer group's loop. It starts the Kafka clients (waiting for Kafka), fetches with a
size that grows while a backlog lasts, takes what each fetch brought (all partitions together, else each
partition, else one by one: `_Batches`, `_OneByOne`), measures the lag and commits offsets at most every
`commit_interval_s` and when it stops."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from sqlalchemy.ext.asyncio import AsyncEngine

from continuum.config import ConsumerSettings, KafkaSettings
from continuum.consumer.delivery import BatchHandler, Subscription
from continuum.consumer.one_by_one import _OneByOne
from continuum.consumer.status import ConsumerStatus
from continuum.kafka.topics import dlq_topic
from continuum.telemetry import Telemetry

log = logging.getLogger("continuum.consumer")


class EventConsumer(_OneByOne):
    def __init__(
        self,
        *,
        name: str,
        engine: AsyncEngine,
        subscriptions: Mapping[str, Subscription],
        kafka: KafkaSettings,
        settings: ConsumerSettings,
        telemetry: Telemetry,
        batch_handler: BatchHandler | None = None,
        inbox: bool = True,
        backlog_growth: int | None = None,
        fetch_partition_bytes: int | None = None,
    ) -> None:
        """`subscriptions` maps CloudEvents types (`continuum.<context>.<Event>.v<N>`) to handlers; with a
        `batch_handler`, that handler takes every subscribed type, in batches and alone. `inbox=False` is for a
        handler whose writes are idempotent by themselves (keyed by event id): no inbox row per event, each
        redelivered event handled again. `backlog_growth` bounds how far fetches grow during a backlog (a multiple
        of `max_batch`, BACKLOG_GROWTH by default; 1 for a handler whose cost per batch is too small to share, so
        that it holds no more messages than it must). `fetch_partition_bytes` bounds what the client fetches ahead
        from each partition (`settings.fetch_partition_bytes` by default)."""
        if batch_handler is None and any(s.handle is None for s in subscriptions.values()):
            raise ValueError("a subscription without a handler needs the consumer's batch handler")
        self.name = name
        self.dlq_topic = dlq_topic(name)
        self.topics = sorted({subscription.contract.topic() for subscription in subscriptions.values()})
        self._engine = engine
        self._subscriptions = dict(subscriptions)
        self._batch_handler = batch_handler
        self._events_of_interest = {(s.contract.context, s.contract.event_name) for s in subscriptions.values()}
        self._kafka = kafka
        self._settings = settings
        self._telemetry = telemetry
        self._highwater: Callable[[str, int], int | None] = lambda topic, partition: None
        self._inbox = inbox
        self._backlog_growth = BACKLOG_GROWTH if backlog_growth is None else backlog_growth
        self._fetch_partition_bytes = (settings.fetch_partition_bytes if fetch_partition_bytes is None
                                       else fetch_partition_bytes)
        self.status = ConsumerStatus()

    async def run(self) -> None:
        """Consume until cancelled; the group commits only what was handled or parked."""
        consumer = AIOKafkaConsumer(
            *self.topics,
            bootstrap_servers=self._kafka.bootstrap_servers,
            group_id=f"continuum.{self.name}",
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            request_timeout_ms=max(self._kafka.request_timeout_ms, 40_000),
            max_partition_fetch_bytes=self._fetch_partition_bytes,
        )
        producer = AIOKafkaProducer(bootstrap_servers=self._kafka.bootstrap_servers, enable_idempotence=True)
        await self._start(consumer, producer)
        self._highwater = lambda topic, partition: consumer.highwater(TopicPartition(topic, partition))
        uncommitted, committed_at = False, time.monotonic()
        handling = False  # positions run ahead of what is handled: committing them now could skip messages
        try:
            self.status.running = True
            limit = self._settings.max_batch
            while True:
                batches = await consumer.getmany(timeout_ms=500, max_records=limit)
                limit = _next_limit(limit, sum(len(records) for records in batches.values()), self._settings.max_batch,
                                    growth=self._backlog_growth)
                handling = True
                await self._take_fetch(list(batches.values()), producer)
                handling = False
                if batches:
                    uncommitted = True
                    await self._measure_lag(consumer)
                if uncommitted and time.monotonic() - committed_at >= self._settings.commit_interval_s:
                    await consumer.commit()
                    uncommitted, committed_at = False, time.monotonic()
        finally:
            self.status.running = False
            await asyncio.shield(_stop_all(consumer, producer, commit=uncommitted and not handling))

    async def _measure_lag(self, consumer: AIOKafkaConsumer) -> None:
        lag = 0
        for partition in consumer.assignment():
            end = consumer.highwater(partition)
            if end is not None:
                lag += max(0, end - await consumer.position(partition))
        self.status.lag = lag
        self._telemetry.consumer_lag.set(lag)

    async def _start(self, consumer: AIOKafkaConsumer, producer: AIOKafkaProducer) -> None:
        while True:
            try:
                await producer.start()
                await consumer.start()
                return
            except asyncio.CancelledError:  # stopped while starting: leave the group, or a ghost member stays
                await asyncio.shield(_stop_all(consumer, producer))
                raise
            except Exception as error:
                self.status.last_error = f"Kafka: {type(error).__name__}: {error}"
                log.warning("consumer %s cannot start yet: %s", self.name, self.status.last_error)
                await _stop_all(consumer, producer)
                await asyncio.sleep(self._settings.retry_backoff_max_s)

    async def _take_fetch(self, partitions: list[list[ConsumerRecord]], producer: AIOKafkaProducer) -> None:
        """What one fetch brought, every partition in one transaction; if that fails, each partition in its own,
        and a partition whose transaction fails too goes message by message. Partitions have no order between
        them, so applying them together keeps every order there is, at one commit instead of one each."""
        if len(partitions) > 1 and await self._take_together([r for records in partitions for r in records]):
            return
        for records in partitions:
            if not await self._take_together(records):
                for record in records:
                    await self._take(record, producer)


BACKLOG_GROWTH = 16


def _next_limit(limit: int, fetched: int, max_batch: int, *, growth: int = BACKLOG_GROWTH) -> int:
    """The next fetch's size: doubled while fetches come full (a backlog: fewer, larger transactions, so what a
    handler does once per batch is shared by more events), up to `growth` × `max_batch`; back to `max_batch` once a
    fetch is not full (caught up: small batches keep the live lag low)."""
    return min(limit * 2, max_batch * growth) if fetched >= limit else max_batch


async def _stop_all(consumer: AIOKafkaConsumer, producer: AIOKafkaProducer, *, commit: bool = False) -> None:
    if commit:  # best effort: what is not committed is read again after a restart, and the inbox drops it
        try:
            async with asyncio.timeout(5):
                await consumer.commit()
        except Exception as error:
            log.info("consumer offsets not committed at stop (they are read again): %s", error)
    for client in (consumer, producer):
        try:
            async with asyncio.timeout(10):
                await client.stop()
        except Exception as error:
            log.debug("stopping %s: %s", type(client).__name__, error)
