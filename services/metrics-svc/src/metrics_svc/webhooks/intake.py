"""Events into deliveries: a consumer group of its own over the four topics, and the replay of a subscription
that starts from the beginning.

Each fetched batch is matched against every subscription on the events' CloudEvent attributes, and its delivery
rows are inserted in one transaction: into the table exactly once, whatever Kafka redelivers (a delivery is
unique per subscription and event id, so the intake needs no inbox). The data is passed on as published, not
validated against its contract again (the consumers that read it do that), and parsed only for an event some
subscription wants: a value that is not a JSON object is parked in the intake's DLQ only then (the projection's
consumer parks it in its own either way).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from aiokafka import AIOKafkaConsumer, TopicPartition
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from continuum.config import ConsumerSettings, KafkaSettings
from continuum.consumer import Delivery, EventConsumer, PermanentFailure, Subscription
from continuum.contracts import handover, metrics, project, service
from continuum.kafka import cloudevents
from continuum.kafka.cloudevents import InboundEvent, UndecodableMessage, rfc3339
from continuum.telemetry import Telemetry

from metrics_svc.webhooks.subscription import Filters
from metrics_svc.webhooks.tables import deliveries, intake_positions, subscriptions

log = logging.getLogger(__name__)


def every_published_type() -> dict[str, Subscription]:
    """Every event type of the four contexts, each for the batch handler, routed without reading the data."""
    contracts = (*project.PUBLISHED, *service.PUBLISHED, *handover.PUBLISHED, *metrics.PUBLISHED)
    return {contract.ce_type(): Subscription(contract, validated=False) for contract in contracts}


@dataclass(frozen=True)
class Subscriber:
    """What matching needs of one subscription (its state row)."""

    id: UUID
    owner: str
    filters: Filters
    start_offsets: dict[str, int]

    def wants(self, event: InboundEvent, *, topic: str, partition: int, offset: int) -> bool:
        if offset < self.start_offsets.get(f"{topic}:{partition}", 0):
            return False  # before the subscription started (or its replay's)
        return self.filters.matches(event_type=event.type, source=event.source, subject=event.subject,
                                    actor=event.actor, owner=self.owner)


async def subscribers(conn: AsyncConnection, *, only: UUID | None = None) -> list[Subscriber]:
    query = sa.select(subscriptions.c.id, subscriptions.c.owner, subscriptions.c.event_types,
                      subscriptions.c.sources, subscriptions.c.subjects, subscriptions.c.skip_own_events,
                      subscriptions.c.start_offsets)
    if only is not None:
        query = query.where(subscriptions.c.id == only)
    return [Subscriber(row.id, row.owner, Filters(tuple(row.event_types), tuple(row.sources), tuple(row.subjects),
                                                  row.skip_own_events), row.start_offsets)
            for row in await conn.execute(query)]


def cloudevent_attributes(event: InboundEvent) -> dict[str, str]:
    """The attributes sent as `ce-*` headers (HTTP binary mode), as the Kafka message carried them."""
    attributes = {"specversion": cloudevents.SPEC_VERSION, "id": event.id, "source": event.source,
                  "type": event.type, "subject": event.subject,
                  "time": rfc3339(event.time) if event.time is not None else None,
                  "sequence": None if event.sequence is None else str(event.sequence),
                  "correlationid": event.correlation_id, "causationid": event.causation_id,
                  "actor": event.actor, "traceparent": event.traceparent}
    return {name: value for name, value in attributes.items() if value is not None}


def delivery_row(subscriber: Subscriber, event: InboundEvent, *, topic: str, partition: int, offset: int
                 ) -> dict[str, Any]:
    """The delivery of a wanted event: only here is its data parsed (an event no subscription wants never is)."""
    try:
        body = json.dumps(event.data, separators=(",", ":"))
    except UndecodableMessage as error:
        raise PermanentFailure(f"undecodable: {error}") from None
    return {"subscription_id": subscriber.id, "event_id": event.id, "subject": event.subject or event.id,
            "topic": topic, "partition": partition, "offset": offset,
            "attributes": cloudevent_attributes(event), "body": body}


async def insert_deliveries(conn: AsyncConnection, rows: list[dict[str, Any]]) -> None:
    if rows:
        await conn.execute(pg_insert(deliveries).on_conflict_do_nothing(), rows)


async def advance_positions(conn: AsyncConnection, batch: Iterable[tuple[str, int, int]]) -> None:
    """The intake's next offset per partition (first in its transaction: see commands._live_start)."""
    ends: dict[tuple[str, int], int] = {}
    for topic, partition, offset in batch:
        ends[(topic, partition)] = max(ends.get((topic, partition), 0), offset + 1)
    if not ends:
        return
    statement = pg_insert(intake_positions).values(
        [{"topic": t, "partition": p, "next_offset": o} for (t, p), o in sorted(ends.items())])
    await conn.execute(statement.on_conflict_do_update(
        index_elements=[intake_positions.c.topic, intake_positions.c.partition],
        set_={"next_offset": sa.func.greatest(intake_positions.c.next_offset, statement.excluded.next_offset)}))


async def take_batch(batch: Sequence[Delivery], conn: AsyncConnection) -> None:
    """The consumer's batch handler: every new event of the batch, matched against every subscription."""
    await advance_positions(conn, ((d.topic, d.partition, d.offset) for d in batch))
    rows = []
    for subscriber in await subscribers(conn):
        rows += [delivery_row(subscriber, d.event, topic=d.topic, partition=d.partition, offset=d.offset)
                 for d in batch if subscriber.wants(d.event, topic=d.topic, partition=d.partition, offset=d.offset)]
    await insert_deliveries(conn, rows)


INTAKE_FETCH_BYTES = 128 * 1024  # per partition: a fetch of `max_batch` events, not Kafka's 1 MiB of them held ahead


def intake_consumer(*, name: str, engine: AsyncEngine, kafka: KafkaSettings, settings: ConsumerSettings
                    ) -> EventConsumer:
    """The group `continuum.<name>`: its own offsets, so webhooks never slow the KPI projections; no inbox (see
    the module's docstring). Its fetches stay at `max_batch` during a backlog: a batch costs it three statements
    whatever its size, and larger fetches only held more messages (metrics-svc reads every topic twice)."""
    return EventConsumer(name=name, engine=engine, subscriptions=every_published_type(), kafka=kafka,
                         settings=settings, telemetry=Telemetry(service=name), batch_handler=take_batch, inbox=False,
                         backlog_growth=1, fetch_partition_bytes=INTAKE_FETCH_BYTES)


async def replay(engine: AsyncEngine, kafka: KafkaSettings, subscription_id: UUID, *, batch: int) -> None:
    """Deliveries of everything before the subscription's start offsets, then it may deliver (its live ones
    waited: order per subject is by offset, and the replay's come first)."""
    async with engine.connect() as conn:
        found = await subscribers(conn, only=subscription_id)
    if found:
        subscriber = found[0]
        ends = {TopicPartition(key.rsplit(":", 1)[0], int(key.rsplit(":", 1)[1])): end
                for key, end in subscriber.start_offsets.items() if end > 0}
        if ends:
            await _read_until(engine, kafka, subscriber, ends, batch=batch)
    async with engine.begin() as conn:
        await conn.execute(subscriptions.update().where(subscriptions.c.id == subscription_id)
                           .values(replay_pending=False))


async def _read_until(engine: AsyncEngine, kafka: KafkaSettings, subscriber: Subscriber,
                      ends: dict[TopicPartition, int], *, batch: int) -> None:
    consumer = AIOKafkaConsumer(bootstrap_servers=kafka.bootstrap_servers, enable_auto_commit=False,
                                auto_offset_reset="earliest")
    await consumer.start()
    try:
        consumer.assign(list(ends))
        await consumer.seek_to_beginning(*ends)
        remaining = dict(ends)
        while remaining:
            fetched = await consumer.getmany(*remaining, timeout_ms=1000, max_records=batch)
            rows = []
            for partition, records in fetched.items():
                for record in records:
                    if record.offset < remaining.get(partition, 0):
                        rows += _replayed(subscriber, record)
                if await consumer.position(partition) >= ends[partition]:
                    remaining.pop(partition, None)
            async with engine.begin() as conn:
                await insert_deliveries(conn, rows)
    finally:
        await consumer.stop()


def _replayed(subscriber: Subscriber, record: Any) -> list[dict[str, Any]]:
    try:
        event = cloudevents.decode(record.headers, record.value)
    except UndecodableMessage:
        return []  # the live consumer parked it in its DLQ as well
    position = {"topic": record.topic, "partition": record.partition, "offset": record.offset}
    replayed = Subscriber(subscriber.id, subscriber.owner, subscriber.filters, {})
    return [delivery_row(replayed, event, **position)] if replayed.wants(event, **position) else []


_TRY_LOCK = sa.text("SELECT pg_try_advisory_lock(hashtextextended(:key, 0))")
_UNLOCK = sa.text("SELECT pg_advisory_unlock(hashtextextended(:key, 0))")


async def _replay_alone(engine: AsyncEngine, kafka: KafkaSettings, subscription_id: UUID, *, batch: int) -> None:
    """One replica replays a subscription; the others skip it (a session lock, released if the replica dies)."""
    key = {"key": f"continuum:webhook-replay:{subscription_id}"}
    async with engine.connect() as lock:
        if not await lock.scalar(_TRY_LOCK, key):
            return
        try:
            await replay(engine, kafka, subscription_id, batch=batch)
        finally:
            await lock.execute(_UNLOCK, key)


async def replay_pending_subscriptions(engine: AsyncEngine, kafka: KafkaSettings, *, batch: int,
                                       interval_s: float = 1.0) -> None:
    """Background loop: replay each subscription created with `start: beginning` (again after a restart:
    delivery rows are unique per event, so a second replay adds nothing)."""
    while True:
        try:
            async with engine.connect() as conn:
                pending = (await conn.execute(sa.select(subscriptions.c.id)
                                              .where(subscriptions.c.replay_pending))).scalars().all()
            for subscription_id in pending:
                await _replay_alone(engine, kafka, subscription_id, batch=batch)
        except asyncio.CancelledError:
            raise
        except Exception as error:  # Kafka or the database away: the next round starts the replay again
            log.warning("webhook replay failed: %r", error)
        await asyncio.sleep(interval_s)
