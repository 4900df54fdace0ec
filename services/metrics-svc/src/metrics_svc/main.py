"""The FastAPI app of metrics-svc: `create_app(config)`; nothing is built at import time."""

from __future__ import annotations

from fastapi import FastAPI

from continuum.service import ServiceSpec, app_from_environment, build_service_app

from metrics_svc.api.dashboard import install_dashboard_page
from metrics_svc.bootstrap import SPEC, service_parts
from metrics_svc.config import Config


def create_app(config: Config, *, spec: ServiceSpec = SPEC) -> FastAPI:
    """The app; tests may pass a spec of their own (e.g. another consumer-group name)."""
    app = build_service_app(spec=spec, config=config, parts=service_parts(config))
    install_dashboard_page(app)  # public (no data), so outside the routers that require a token
    return app


def app() -> FastAPI:
    """Factory for `uvicorn --factory metrics_svc.main:app`: configuration from the environment."""
    return app_from_environment(SPEC, Config, create_app)
