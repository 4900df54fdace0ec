"""What a running service holds and what it is built from: `Platform`, the running parts of one service (engine,
store, telemetry, relay, consumer, bus), and `ServiceParts`, what a service adds to the platform (its codec,
command handlers, contracts, subscriptions, routes and background loops)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, FastAPI
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from continuum.bus import Handler, MessageBus
from continuum.config import ServiceSettings
from continuum.consumer import BatchHandler, EventConsumer, Subscription
from continuum.contracts.base import EventContract
from continuum.eventstore.codec import EventCodec
from continuum.eventstore.store import EventStore
from continuum.eventstore.uow import UnitOfWork
from continuum.relay import OutboxRelay
from continuum.service.spec import ServiceSpec
from continuum.telemetry import Telemetry


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
