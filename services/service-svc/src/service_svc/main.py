"""The FastAPI app of service-svc: `create_app(config)`; nothing is built at import time."""

from __future__ import annotations

from fastapi import FastAPI

from continuum.service import ServiceSpec, app_from_environment, build_service_app

from service_svc.bootstrap import SPEC, service_parts
from service_svc.config import Config


def create_app(config: Config, spec: ServiceSpec = SPEC) -> FastAPI:
    """The platform's app with service-svc's parts, the SLA deadline watcher among them (tests may rename `spec`)."""
    return build_service_app(spec=spec, config=config, parts=service_parts(config))


def app() -> FastAPI:
    """Factory for `uvicorn --factory service_svc.main:app`: configuration from the environment."""
    return app_from_environment(SPEC, Config, create_app)
