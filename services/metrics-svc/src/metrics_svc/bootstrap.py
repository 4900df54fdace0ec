"""The composition root of metrics-svc: what it adds to the platform, and how the launcher finds it."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

from fastapi import FastAPI

from continuum.contracts import metrics as contracts
from continuum.eventstore.codec import EventCodec
from continuum.service import Platform, ServiceEntry, ServiceParts, ServiceSpec
from continuum.sweeper import run_periodically

from metrics_svc.api.dashboard import dashboard_router
from metrics_svc.api.routes import kpi_router, opportunity_router
from metrics_svc.api.success import success_router
from metrics_svc.config import Config
from metrics_svc.consumers import CONSUMES, ImprovementLoop, subscriptions
from metrics_svc.domain.events import EVENT_TYPES
from metrics_svc.handlers import HANDLERS
from metrics_svc.projection import loop_state
from metrics_svc.success import HANDLERS as SUCCESS_HANDLERS
from metrics_svc.success import outcome_time, publish_outcomes, with_outcomes
from metrics_svc.webhooks.routes import webhook_router
from metrics_svc.webhooks.runtime import Webhooks

SPEC = ServiceSpec(
    name="metrics-svc",
    context="metrics",
    port=8004,
    database="continuum_metrics",
    title="Continuum metrics-svc",
    description="KPI projections over every Continuum topic and the continuous improvement loop.",
)
SERVICE = ServiceEntry(spec=SPEC, app_factory="metrics_svc.main:app", migrations=Path(__file__).parent / "migrations",
                       rebuild="metrics_svc.rebuild:main")


def improvement_loop(platform: Platform, config: Config) -> ImprovementLoop:
    return ImprovementLoop(bus=platform.bus, config=config)


async def check_benefits_periodically(platform: Platform, *, config: Config) -> None:
    """Lapses and verdicts fall due as business time passes, not only when a batch arrives (each check is its own
    transaction; business time is the service topic's watermark, the clock only for a live, caught-up system).
    A service that was catching up on an imported history is judged as soon as it has settled, without waiting
    for the next check: a cheap look every second says whether one has."""
    loop = improvement_loop(platform, config)
    settle = timedelta(seconds=config.detection.catch_up_settle_s)
    every = config.benefits.check_interval_s
    last = time.monotonic()  # the first full check one interval after the start, as before

    async def check() -> None:
        nonlocal last
        if time.monotonic() - last < every:
            async with platform.engine.connect() as conn:
                if not await loop_state.catch_ups_settled(conn, before=datetime.now(UTC) - settle):
                    return
        last = time.monotonic()
        async with platform.engine.begin() as conn:
            await loop.check(conn)
            await publish_outcomes(conn, platform.bus, as_of=await outcome_time(conn, loop.business_time),
                                   benefits=config.benefits.rules())

    await run_periodically(check, interval_s=min(every, 1.0), name="benefits check", wait_first=True)


def _with_outcomes(platform: Platform, config: Config):
    """The loop's batch handler, then the project outcomes the batch completed (metrics_svc.success)."""
    loop = improvement_loop(platform, config)
    return with_outcomes(loop.handle, platform.bus, loop.business_time, config.benefits.rules())


def service_parts(config: Config) -> ServiceParts:
    async def on_start(app: FastAPI, platform: Platform) -> None:
        app.state.loop = improvement_loop(platform, config)

    return ServiceParts(
        codec=EventCodec(EVENT_TYPES),
        publishes=contracts.PUBLISHED,
        subscriptions=lambda platform: subscriptions(),
        batch_handler=lambda platform: _with_outcomes(platform, config),
        consumes=CONSUMES,
        routers=[kpi_router(), success_router(), dashboard_router(), opportunity_router(), webhook_router()],
        on_start=on_start,
        handlers={**HANDLERS, **SUCCESS_HANDLERS},
        background=[partial(check_benefits_periodically, config=config), *Webhooks(config.webhooks).background()],
    )
