"""The FastAPI app of project-svc: `create_app(config)`; nothing is built at import time."""

from __future__ import annotations

from fastapi import FastAPI

from continuum.service import app_from_environment, build_service_app

from project_svc.bootstrap import SPEC, service_parts
from project_svc.config import Config


def create_app(config: Config) -> FastAPI:
    return build_service_app(spec=SPEC, config=config, parts=service_parts(config))


def app() -> FastAPI:
    """Factory for `uvicorn --factory project_svc.main:app`: configuration from the environment."""
    return app_from_environment(SPEC, Config, create_app)
