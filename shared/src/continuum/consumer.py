"""The consumer runtime: a consumer group per service, manual commits, an inbox, a DLQ, retries.

Each handled message's `ce_id` is written to the inbox in the same transaction as the handler's effects, so
a redelivered message has no second effect. A message that can never be handled (not a CloudEvent, bad JSON,
unknown schema version, failing its contract, breaking a domain rule) goes to the DLQ with the error in its
headers; a transient fault (database down, lost race) is retried with backoff and never skipped.

What one fetch brought is applied in one transaction, across its partitions (one inbox insert, one commit:
the subscriptions' handlers in partition order, or the consumer's batch handler); any failure there rolls it
back, each partition is then tried in a transaction of its own, and a partition failing that too takes the
one-by-one path, with its retries and its DLQ, so a batch never costs more than a message
(`ConsumerSettings.batch_transactions=False`: one by one always). While fetches come full (a backlog), each next
fetch asks for twice as many messages, up to 16 × `max_batch`; offsets are committed at most every
`commit_interval_s` and when the consumer stops; the inbox makes what a crash leaves uncommitted harmless.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import sqlalchemy as sa
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from opentelemetry.trace import SpanKind
from pydantic import ValidationError
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from continuum.config import ConsumerSettings, KafkaSettings
from continuum.context import CausationContext, causation
from continuum.contracts import catalog as contract_catalog
from continuum.contracts.base import EventContract
from continuum.domain import DomainError
from continuum.eventstore.store import ConcurrencyError
from continuum.kafka import cloudevents
from continuum.kafka.cloudevents import InboundEvent, UndecodableMessage
from continuum.kafka.topics import dlq_topic
from continuum.observability import span
from continuum.telemetry import Telemetry

log = logging.getLogger(__name__)

MAX_ATTEMPTS_FOR_UNKNOWN_FAULTS = 5


@dataclass(frozen=True)
class Delivery:
    """An inbound event with its payload validated against its contract, as `consumer` received it."""

    event: InboundEvent
    payload: EventContract  # for a subscription that routes without reading the data (validated=False): None
    topic: str
    partition: int
    offset: int
    consumer: str
    highwater: int | None = None
    """The partition's end offset as the fetch that brought this message saw it (None when not known)."""

    @contextmanager
    def handling(self) -> Iterator[None]:
        """The span and causation of work done for this event: what it causes is caused by it, in its trace."""
        with span(f"consume {self.event.type}", traceparent=self.event.traceparent,
                  kind=SpanKind.CONSUMER) as (_, traceparent):
            context = CausationContext(
                correlation_id=self.event.correlation_id or self.event.id,
                causation_id=self.event.id,
                actor=f"consumer:{self.consumer}",
                traceparent=traceparent,
            )
            with causation(context):
                yield


InboundHandler = Callable[[Delivery, AsyncConnection], Awaitable[None]]
BatchHandler = Callable[[Sequence[Delivery], AsyncConnection], Awaitable[None]]
"""Handles deliveries, new to the inbox and in partition order, in the caller's transaction; enters each
delivery's `handling()` itself around the work done for it."""


@dataclass(frozen=True)
class Subscription:
    contract: type[EventContract]
    handle: InboundHandler | None = None
    """None when the consumer's batch handler takes this type."""
    validated: bool = True
    """False for a handler that routes on the CloudEvent's attributes and passes the data on as published (the
    webhook intake): the contract is not checked again for it, which was a third of that consumer's CPU."""


class PermanentFailure(Exception):
    """The message can never be handled: park it in the DLQ."""


@dataclass
class ConsumerStatus:
    running: bool = False
    retrying_since: float | None = None
    last_error: str | None = None
    handled: int = 0
    duplicates: int = 0
    ignored: int = 0
    dead_lettered: int = 0
    lag: int = 0

    def stuck(self, after_s: float) -> bool:
        """Whether the consumer has been retrying one batch for longer than `after_s` seconds."""
        return self.retrying_since is not None and time.monotonic() - self.retrying_since > after_s


class EventConsumer:
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
    ) -> None:
        """`subscriptions` maps CloudEvents types (`continuum.<context>.<Event>.v<N>`) to handlers; with a
        `batch_handler`, that handler takes every subscribed type, in batches and alone. `inbox=False` is for a
        handler whose writes are idempotent by themselves (keyed by event id): no inbox row per event, each
        redelivered event handled again."""
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
                limit = _next_limit(limit, sum(len(records) for records in batches.values()), self._settings.max_batch)
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

    async def _take(self, record: ConsumerRecord, producer: AIOKafkaProducer) -> None:
        try:
            delivery = self._delivery(record)
            if delivery is None:
                self.status.ignored += 1
                self._telemetry.consumed.labels("ignored").inc()
                self._note_applied(record)  # nothing to apply: the projection is as current as this message
                return
            outcome = await self._handle_with_retries(delivery)
        except PermanentFailure as failure:
            await self._dead_letter(record, producer, failure)
            return
        self._telemetry.consumed.labels(outcome).inc()
        self._note_applied(record)

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

    async def _take_together(self, records: Sequence[ConsumerRecord]) -> bool:
        """Records (each partition's in order) in one transaction; False, with nothing applied, when they must
        take a narrower path: batches off, a single message, one that cannot be handled, or any failure."""
        if not self._settings.batch_transactions or len(records) < 2:
            return False
        try:
            deliveries = [self._delivery(record) for record in records]
        except PermanentFailure:
            return False
        wanted = [delivery for delivery in deliveries if delivery is not None]
        new: list[Delivery] = []
        try:
            if wanted:  # a batch of types this consumer does not follow needs no transaction
                async with self._engine.begin() as conn:
                    new = await self._new(conn, wanted)
                    await self._handle_all(new, conn)
        except asyncio.CancelledError:
            raise
        except Exception as error:
            log.info("consumer %s: a batch of %d takes a narrower path after %s: %s", self.name, len(records),
                     type(error).__name__, error)
            return False
        self.status.retrying_since = None
        self.status.handled += len(new)
        self.status.duplicates += len(wanted) - len(new)
        self.status.ignored += len(records) - len(wanted)
        for outcome, count in (("handled", len(new)), ("duplicate", len(wanted) - len(new)),
                               ("ignored", len(records) - len(wanted))):
            if count:
                self._telemetry.consumed.labels(outcome).inc(count)
        for record in records:
            self._note_applied(record)
        return True

    async def _handle_all(self, deliveries: Sequence[Delivery], conn: AsyncConnection) -> None:
        if not deliveries:
            return
        if self._batch_handler is not None:
            await self._batch_handler(deliveries, conn)
            return
        for delivery in deliveries:
            with delivery.handling():
                await self._subscriptions[delivery.event.type].handle(delivery, conn)

    def _note_applied(self, record: ConsumerRecord) -> None:
        # Kafka's timestamp (set when the relay published the event), not ce_time: business time may be an
        # imported past (occurred_at), which would make a current projection look months old.
        published_at = record.timestamp / 1000 if record.timestamp and record.timestamp > 0 else time.time()
        self._telemetry.applied(consumer=self.name, topic=record.topic, published_at=published_at)

    def _delivery(self, record: ConsumerRecord) -> Delivery | None:
        """The validated delivery, None for event types this consumer does not follow."""
        try:
            event = cloudevents.decode(record.headers, record.value)
        except UndecodableMessage as error:
            raise PermanentFailure(f"undecodable: {error}") from None
        subscription = self._subscriptions.get(event.type)
        if subscription is None:
            if (event.context, event.name) in self._events_of_interest:
                raise PermanentFailure(f"unknown schema version: {event.type}")
            return None
        try:
            payload = contract_catalog.parse(subscription.contract, event.data) if subscription.validated else None
        except ValidationError as error:
            raise PermanentFailure(f"invalid {event.type}: {error}") from None
        return Delivery(event, payload, record.topic, record.partition, record.offset, self.name,
                        self._highwater(record.topic, record.partition))

    async def _handle_with_retries(self, delivery: Delivery) -> str:
        attempt = 0
        while True:
            try:
                outcome = await self._handle_once(delivery)
            except (DomainError, ValidationError) as error:
                raise PermanentFailure(f"{type(error).__name__}: {error}") from None
            except asyncio.CancelledError:
                raise
            except Exception as error:
                attempt += 1
                if _is_unknown_fault(error) and attempt >= MAX_ATTEMPTS_FOR_UNKNOWN_FAULTS:
                    raise PermanentFailure(f"{type(error).__name__}: {error}") from None
                await self._back_off(attempt, error)
                continue
            self.status.retrying_since = None
            return outcome

    async def _handle_once(self, delivery: Delivery) -> str:
        async with self._engine.begin() as conn:
            if not await self._new(conn, [delivery]):
                self.status.duplicates += 1
                return "duplicate"
            await self._handle_all([delivery], conn)
        self.status.handled += 1
        return "handled"

    async def _new(self, conn: AsyncConnection, deliveries: Sequence[Delivery]) -> list[Delivery]:
        """The deliveries to handle: those new to the inbox, or (without one) each event once."""
        if self._inbox:
            return await _record_in_inbox(conn, self.name, deliveries)
        once: dict[str, Delivery] = {}
        for delivery in deliveries:
            once.setdefault(delivery.event.id, delivery)
        return list(once.values())

    async def _back_off(self, attempt: int, error: Exception) -> None:
        if self.status.retrying_since is None:
            self.status.retrying_since = time.monotonic()
        self.status.last_error = f"{type(error).__name__}: {error}"
        delay = min(self._settings.retry_backoff_s * 2 ** (attempt - 1), self._settings.retry_backoff_max_s)
        log.warning("consumer %s retrying in %.1fs (attempt %d): %s", self.name, delay, attempt, error)
        await asyncio.sleep(delay)

    async def _dead_letter(self, record: ConsumerRecord, producer: AIOKafkaProducer, failure: Exception) -> None:
        headers = list(record.headers or ()) + [
            ("dlq_error", str(failure)[:4000].encode()),
            ("dlq_consumer", self.name.encode()),
            ("dlq_topic", record.topic.encode()),
            ("dlq_partition", str(record.partition).encode()),
            ("dlq_offset", str(record.offset).encode()),
        ]
        await producer.send_and_wait(self.dlq_topic, value=record.value, key=record.key, headers=headers)
        self.status.dead_lettered += 1
        self._telemetry.consumed.labels("dead_lettered").inc()
        log.error("consumer %s parked %s:%d@%d in %s: %s", self.name, record.topic, record.partition,
                  record.offset, self.dlq_topic, failure)


INBOX_INSERT = sa.text(
    'INSERT INTO inbox (consumer, event_id, topic, partition, "offset") '
    "SELECT :consumer, * FROM unnest(CAST(:event_ids AS text[]), CAST(:topics AS text[]), "
    "CAST(:partitions AS integer[]), CAST(:offsets AS bigint[])) "
    "ON CONFLICT DO NOTHING RETURNING event_id")
"""One statement whatever the batch (columns as arrays): an executemany of a row per event cost SQLAlchemy's
parameter handling for each, 5 % of the KPI consumer's CPU."""


async def _record_in_inbox(conn: AsyncConnection, consumer: str, deliveries: Sequence[Delivery]) -> list[Delivery]:
    """The deliveries not in the inbox yet, in order, each event once (a batch may hold a redelivery)."""
    if not deliveries:
        return []
    parameters = {"consumer": consumer, "event_ids": [d.event.id for d in deliveries],
                  "topics": [d.topic for d in deliveries], "partitions": [d.partition for d in deliveries],
                  "offsets": [d.offset for d in deliveries]}
    fresh = set((await conn.execute(INBOX_INSERT, parameters)).scalars())
    new = []
    for delivery in deliveries:
        if delivery.event.id in fresh:
            fresh.discard(delivery.event.id)
            new.append(delivery)
    return new


BACKLOG_GROWTH = 16


def _next_limit(limit: int, fetched: int, max_batch: int) -> int:
    """The next fetch's size: doubled while fetches come full (a backlog: fewer, larger transactions, so what a
    handler does once per batch is shared by more events), up to BACKLOG_GROWTH × `max_batch`; back to `max_batch`
    once a fetch is not full (caught up: small batches keep the live lag low)."""
    return min(limit * 2, max_batch * BACKLOG_GROWTH) if fetched >= limit else max_batch


def _is_unknown_fault(error: Exception) -> bool:
    """Faults of the environment (database, network, lost races) are retried forever; others a few times."""
    transient = (OperationalError, ConnectionError, OSError, TimeoutError, ConcurrencyError)
    if isinstance(error, transient):
        return False
    if isinstance(error, DBAPIError) and error.connection_invalidated:
        return False
    return True


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

