"""A service's running platform, for the span of its app's lifespan: the engine, bus, relay and consumer built
from its settings and parts, the background tasks (topic creation then consuming, the relay, Idempotency-Key
expiry, the service's own loops) started, and at shutdown the tasks cancelled and the engine disposed."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from datetime import timedelta

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from continuum import idempotency
from continuum.bus import MessageBus
from continuum.config import ServiceSettings
from continuum.consumer import BatchHandler, EventConsumer, Subscription
from continuum.eventstore.store import EventStore
from continuum.http.auth import TokenVerifier
from continuum.kafka.topics import CONTEXTS, dlq_topic, ensure_topics, events_topic
from continuum.relay import OutboxRelay
from continuum.service.parts import Platform, ServiceParts
from continuum.service.spec import ServiceSpec
from continuum.sweeper import run_periodically
from continuum.telemetry import Telemetry

log = logging.getLogger("continuum.service")


@asynccontextmanager
async def _running_platform(
    app: FastAPI, spec: ServiceSpec, config: ServiceSettings, parts: ServiceParts, telemetry: Telemetry
) -> AsyncIterator[Platform]:
    engine = create_async_engine(
        config.database.url_for(spec.database),
        pool_size=config.database.pool_size,
        max_overflow=config.database.max_overflow,
        pool_pre_ping=config.database.pool_pre_ping,
    )
    platform = Platform(spec=spec, config=config, engine=engine, store=EventStore(codec=parts.codec),
                        telemetry=telemetry)
    app.state.platform = platform
    app.state.engine = engine
    app.state.token_verifier = TokenVerifier(config.auth)
    platform.bus = app.state.bus = MessageBus(handlers=parts.handlers, unit_of_work=platform.unit_of_work)
    platform.relay = _relay(spec, config, telemetry) if config.relay.enabled else None
    if parts.subscriptions is not None and config.consumer.enabled:
        batch_handler = None if parts.batch_handler is None else parts.batch_handler(platform)
        platform.consumer = _consumer(spec, config, engine, parts.subscriptions(platform), telemetry, batch_handler)
    if parts.on_start is not None:
        await parts.on_start(app, platform)
    tasks = _background_tasks(platform, parts)
    try:
        yield platform
    finally:
        await _stop_tasks(tasks)
        await engine.dispose()


async def _stop_tasks(tasks: list[asyncio.Task], timeout_s: float = 15) -> None:
    for task in tasks:
        task.cancel()
    done, pending = await asyncio.wait(tasks, timeout=timeout_s)
    for task in pending:  # a library swallowed the cancellation: do not hang the shutdown on it
        log.error("%s did not stop within %.0fs; leaving it", task.get_name(), timeout_s)
    for task in done:
        if not task.cancelled() and task.exception() is not None:
            log.error("%s had failed: %r", task.get_name(), task.exception())


def _relay(spec: ServiceSpec, config: ServiceSettings, telemetry: Telemetry) -> OutboxRelay:
    return OutboxRelay(
        name=spec.name,
        database_url=config.database.url_for(spec.database),
        topic=spec.topic,
        context=spec.context,
        source=spec.source,
        kafka=config.kafka,
        settings=config.relay,
        telemetry=telemetry,
    )


def _consumer(
    spec: ServiceSpec, config: ServiceSettings, engine: AsyncEngine, subscriptions: Mapping[str, Subscription],
    telemetry: Telemetry, batch_handler: BatchHandler | None,
) -> EventConsumer:
    return EventConsumer(
        name=spec.name,
        engine=engine,
        subscriptions=subscriptions,
        kafka=config.kafka,
        settings=config.consumer,
        telemetry=telemetry,
        batch_handler=batch_handler,
    )


def _background_tasks(platform: Platform, parts: ServiceParts) -> list[asyncio.Task]:
    name = platform.spec.name
    tasks = [asyncio.create_task(_prepare_kafka(platform), name=f"{name}-kafka")]
    if platform.relay is not None:
        tasks.append(asyncio.create_task(platform.relay.run(), name=f"{name}-relay"))
    tasks.append(asyncio.create_task(_expire_idempotency_keys(platform), name=f"{name}-idempotency-expiry"))
    for loop in parts.background:
        tasks.append(asyncio.create_task(loop(platform), name=f"{name}-{getattr(loop, '__name__', 'background')}"))
    return tasks


async def _expire_idempotency_keys(platform: Platform, interval_s: float = 3600) -> None:
    """Forget Idempotency-Keys (and their stored responses) past the retention window, hourly."""
    retention = timedelta(hours=platform.config.http.idempotency_ttl_hours)

    async def expire() -> None:
        async with platform.engine.begin() as conn:
            await idempotency.expire(conn, older_than=retention)

    await run_periodically(expire, interval_s=interval_s, name=f"{platform.spec.name}: idempotency key expiry")


async def _prepare_kafka(platform: Platform) -> None:
    """Create the topics (retrying while Kafka is away), then start consuming."""
    topics = sorted({events_topic(context) for context in CONTEXTS}
                    | {platform.spec.topic, dlq_topic(platform.spec.name)})
    delay = 0.5
    while True:
        try:
            await ensure_topics(platform.config.kafka, topics)
            break
        except Exception as error:
            log.warning("%s: Kafka not ready for topic creation (%s); retrying", platform.spec.name, error)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 10)
    platform.kafka_topics_ready.set()
    while platform.consumer is not None:
        try:
            await platform.consumer.run()
        except asyncio.CancelledError:
            raise
        except Exception as error:  # the consumer lost Kafka: rejoin from the committed offsets
            platform.consumer.status.last_error = f"{type(error).__name__}: {error}"
            log.warning("%s: consumer stopped (%s); restarting", platform.spec.name, error)
            await asyncio.sleep(platform.config.consumer.retry_backoff_max_s)

