"""The FastAPI app of service-svc: `create_app(config)`; nothing is built at import time."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from continuum.service import ServiceSpec, build_service_app, configure_process

from service_svc.bootstrap import SPEC, service_parts
from service_svc.config import Config
from service_svc.watcher import DeadlineWatcher, watching


def create_app(config: Config, spec: ServiceSpec = SPEC) -> FastAPI:
    """The platform's app, with the SLA deadline watcher running inside its lifespan (tests may rename `spec`)."""
    app = build_service_app(spec=spec, config=config, parts=service_parts(config))
    platform_lifespan = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with platform_lifespan(app):
            app.state.watcher = DeadlineWatcher(engine=app.state.engine, bus=app.state.bus,
                                                settings=config.deadline_watch)
            if not config.deadline_watch.enabled:
                yield
                return
            async with watching(app.state.watcher):
                yield

    app.router.lifespan_context = lifespan
    return app


def app() -> FastAPI:
    """Factory for `uvicorn --factory service_svc.main:app`: configuration from the environment."""
    config = Config()
    configure_process(SPEC, config)
    return create_app(config)
