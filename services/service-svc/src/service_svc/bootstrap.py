"""The composition root of service-svc: what it adds to the platform, and how the launcher finds it."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from continuum.contracts import service as contracts
from continuum.eventstore.codec import EventCodec
from continuum.service import Platform, ServiceEntry, ServiceParts, ServiceSpec

from service_svc import consumers
from service_svc.api.routes import routers
from service_svc.config import Config
from service_svc.domain.events import EVENT_TYPES
from service_svc.handlers import HANDLERS
from service_svc.watcher import DeadlineWatcher

SPEC = ServiceSpec(
    name="service-svc",
    context="service",
    port=8002,
    database="continuum_service",
    title="Continuum service-svc",
    description="Live IT services: catalog, SLAs, incidents, problems, changes, service requests, CSAT and operating cost.",
)
SERVICE = ServiceEntry(spec=SPEC, app_factory="service_svc.main:app", migrations=Path(__file__).parent / "migrations")


def service_parts(config: Config) -> ServiceParts:
    watch = config.deadline_watch
    started: list[DeadlineWatcher] = []  # made at start (it needs the bus), run by the background task

    async def start_watcher(app: FastAPI, platform: Platform) -> None:
        assert platform.bus is not None
        started.append(DeadlineWatcher(engine=platform.engine, bus=platform.bus, settings=watch))
        app.state.watcher = started[-1]

    async def deadline_watcher(platform: Platform) -> None:
        await started[-1].run()

    return ServiceParts(
        codec=EventCodec(EVENT_TYPES),
        publishes=contracts.PUBLISHED,
        subscriptions=lambda platform: consumers.subscriptions(platform.bus),
        consumes=consumers.CONSUMES,
        routers=routers(),
        handlers=HANDLERS,
        on_start=start_watcher,
        background=[deadline_watcher] if watch.enabled else [],
    )
