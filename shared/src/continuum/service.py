"""What every Continuum service is made of: engine, store, relay, consumer, HTTP conventions, health."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

from fastapi import APIRouter, Depends, FastAPI
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from continuum import idempotency
from continuum.bus import Handler, MessageBus
from continuum.config import ServiceSettings
from continuum.consumer import BatchHandler, EventConsumer, Subscription
from continuum.contracts.base import EventContract
from continuum.eventstore.codec import EventCodec
from continuum.eventstore.store import EventStore
from continuum.eventstore.uow import UnitOfWork
from continuum.http.auth import TokenVerifier, authenticate
from continuum.http.middleware import (
    BodyLimitMiddleware,
    HeaderLimitMiddleware,
    IdempotencyMiddleware,
    RequestContextMiddleware,
)
from continuum.http.problems import install_problem_handlers
from continuum.kafka.topics import CONTEXTS, dlq_topic, ensure_topics, events_topic
from continuum.observability import configure_logging, configure_tracing
from continuum.relay import OutboxRelay
from continuum.sweeper import run_periodically
from continuum.telemetry import Telemetry

S = TypeVar("S", bound=ServiceSettings)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ServiceSpec:
    """The fixed facts of one service (DESIGN §1)."""

    name: str
    context: str
    port: int
    database: str
    title: str
    description: str
    version: str = "0.3.0"  # of the OpenAPI and AsyncAPI documents; README "API changes" says what changed

    @property
    def source(self) -> str:
        """The CloudEvents `source` of the service's events: `/continuum/<name>`."""
        return f"/continuum/{self.name}"

    @property
    def topic(self) -> str:
        """The topic the service publishes its events on: its context's events topic."""
        return events_topic(self.context)


@dataclass(frozen=True)
class ServiceEntry:
    """How the launcher and the `migrate` command find a service (entry point group `continuum.services`)."""

    spec: ServiceSpec
    app_factory: str
    migrations: Path
    rebuild: str | None = None
    """`module:function` of an async function that rebuilds the service's projections (`continuum rebuild`)."""


@dataclass
class Platform:
    """The running parts of one service, built in its lifespan from its Config."""

    spec: ServiceSpec
    config: ServiceSettings
    engine: AsyncEngine
    store: EventStore
    telemetry: Telemetry
    relay: OutboxRelay | None = None
    consumer: EventConsumer | None = None
    bus: MessageBus | None = None
    kafka_topics_ready: asyncio.Event = field(default_factory=asyncio.Event)

    def unit_of_work(self, connection: AsyncConnection | None = None) -> UnitOfWork:
        """A unit of work on its own transaction, or inside `connection`'s (a consumer's)."""
        if connection is not None:
            return UnitOfWork(store=self.store, connection=connection)
        return UnitOfWork(store=self.store, engine=self.engine)


SubscriptionsFactory = Callable[[Platform], Mapping[str, Subscription]]


@dataclass(frozen=True)
class ServiceParts:
    """What a service adds to the platform: its events, contracts, consumers and routes."""

    codec: EventCodec
    handlers: Mapping[type, Handler] = field(default_factory=dict)
    """Command type → handler: the platform builds one MessageBus over them (`platform.bus`, `app.state.bus`)."""
    publishes: Sequence[type[EventContract]] = ()
    subscriptions: SubscriptionsFactory | None = None
    batch_handler: Callable[[Platform], BatchHandler] | None = None
    """Takes every subscribed event, a fetched batch per transaction (see continuum.consumer)."""
    consumes: Sequence[type[EventContract]] = ()
    routers: Sequence[APIRouter] = ()
    on_start: Callable[[FastAPI, Platform], Any] | None = None
    background: Sequence[Callable[[Platform], Awaitable[None]]] = ()
    """Long-running loops (deadline watchers, periodic checks): started with the app, cancelled at shutdown."""


def build_service_app(*, spec: ServiceSpec, config: ServiceSettings, parts: ServiceParts) -> FastAPI:
    """The FastAPI app of one service; everything with I/O starts in its lifespan."""
    from continuum.http.docs import install_docs
    from continuum.http.openapi import install_openapi_contract, operation_id

    telemetry = Telemetry(service=spec.name)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with _running_platform(app, spec, config, parts, telemetry):
            yield

    app = FastAPI(
        title=spec.title,
        description=spec.description,
        version=spec.version,
        lifespan=lifespan,
        openapi_tags=[{"name": "operations", "description": "Health, readiness, metrics and API descriptions."}],
        docs_url=None,
        redoc_url=None,
        generate_unique_id_function=operation_id,  # one naming rule (continuum.http.openapi)
    )
    app.state.spec = spec
    app.state.parts = parts
    app.state.config = config
    install_problem_handlers(app)
    _add_middleware(app, config, telemetry)
    _include_routers(app, parts)
    install_openapi_contract(app)
    install_docs(app)
    return app


def _add_middleware(app: FastAPI, config: ServiceSettings, telemetry: Telemetry) -> None:
    """The HTTP conventions every service shares, innermost first: conditional GET, idempotency, size limits,
    Allow on 405, and the request context (correlation, tracing, access log) outermost."""
    from continuum.http.conditional import ConditionalGetMiddleware
    from continuum.http.methods import AllowMiddleware

    app.add_middleware(ConditionalGetMiddleware)
    app.add_middleware(IdempotencyMiddleware)
    app.add_middleware(BodyLimitMiddleware, max_bytes=config.http.max_body_bytes)
    app.add_middleware(HeaderLimitMiddleware, max_bytes=config.http.max_header_bytes,
                       max_headers=config.http.max_headers)
    app.add_middleware(AllowMiddleware)
    app.add_middleware(RequestContextMiddleware, telemetry=telemetry)


def _include_routers(app: FastAPI, parts: ServiceParts) -> None:
    """The public routes (health, metrics, API descriptions), then the event log and the service's own routes,
    which all need a valid token and refuse query parameters they do not declare."""
    from continuum.http.event_log import event_log_router
    from continuum.http.public import public_router
    from continuum.http.query import known_query_parameters

    app.include_router(public_router())
    guarded = [Depends(authenticate), Depends(known_query_parameters)]
    app.include_router(event_log_router(), dependencies=guarded)
    for router in parts.routers:
        app.include_router(router, dependencies=guarded)


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
    platform = Platform(spec=spec, config=config, engine=engine, store=EventStore(codec=parts.codec), telemetry=telemetry)
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
    topics = sorted({events_topic(context) for context in CONTEXTS} | {platform.spec.topic, dlq_topic(platform.spec.name)})
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


def app_from_environment(spec: ServiceSpec, settings: Callable[[], S], create_app: Callable[[S], FastAPI]) -> FastAPI:
    """A service's app as `uvicorn --factory <service>.main:app` builds it: the settings read from the environment,
    the process's logging and tracing set up, then `create_app(settings)`."""
    config = settings()
    configure_process(spec, config)
    return create_app(config)


def configure_process(spec: ServiceSpec, config: ServiceSettings) -> None:
    """Logging and tracing of a service process: for its uvicorn factory, not for create_app (tests)."""
    configure_logging(config.observability, service=spec.name)
    configure_tracing(config.observability, service=spec.name)
