"""The FastAPI app of a service: `build_service_app` (the shared problem handlers, middleware, public and guarded
routes, the OpenAPI contract and docs, the platform started in its lifespan) and `app_from_environment`, the
body of every service's uvicorn factory, with `configure_process` (the process's logging and tracing)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import TypeVar

from fastapi import Depends, FastAPI

from continuum.config import ServiceSettings
from continuum.http.auth import authenticate
from continuum.http.middleware import (
    BodyLimitMiddleware,
    HeaderLimitMiddleware,
    IdempotencyMiddleware,
    RequestContextMiddleware,
)
from continuum.http.problems import install_problem_handlers
from continuum.observability import configure_logging, configure_tracing
from continuum.service.lifespan import _running_platform
from continuum.service.parts import ServiceParts
from continuum.service.spec import ServiceSpec
from continuum.telemetry import Telemetry

S = TypeVar("S", bound=ServiceSettings)


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
