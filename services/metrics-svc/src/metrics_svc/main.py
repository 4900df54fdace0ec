"""The FastAPI app of metrics-svc: `create_app(config)`; nothing is built at import time."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime

from fastapi import FastAPI

from continuum.service import ServiceSpec, build_service_app, configure_process

from metrics_svc.bootstrap import SPEC, service_parts
from metrics_svc.config import Config

log = logging.getLogger(__name__)


def create_app(config: Config, *, spec: ServiceSpec = SPEC) -> FastAPI:
    """The app; tests may pass a spec of their own (e.g. another consumer-group name)."""
    app = build_service_app(spec=spec, config=config, parts=service_parts(config))
    platform_lifespan = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with platform_lifespan(app):
            task = asyncio.create_task(_check_benefits_periodically(app, config), name="metrics-benefits-check")
            try:
                yield
            finally:
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)

    app.router.lifespan_context = lifespan
    return app


async def _check_benefits_periodically(app: FastAPI, config: Config) -> None:
    """Measurements fall due on the clock too, not only when an event arrives (each check is its own transaction)."""
    while True:
        await asyncio.sleep(config.benefits.check_interval_s)
        try:
            async with app.state.engine.begin() as conn:
                await app.state.loop.measure_due(datetime.now(UTC), conn)
        except Exception as error:  # the next round tries again; a measurement is never lost, only later
            log.warning("benefits check failed: %r", error)


def app() -> FastAPI:
    """Factory for `uvicorn --factory metrics_svc.main:app`: configuration from the environment."""
    config = Config()
    configure_process(SPEC, config)
    return create_app(config)
