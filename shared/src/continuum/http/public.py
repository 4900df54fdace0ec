"""Routes that need no token: liveness, readiness, Prometheus metrics, AsyncAPI and event JSON Schemas."""

from __future__ import annotations

import asyncio
from typing import Any

import sqlalchemy as sa
from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel, Field

from continuum.asyncapi import asyncapi_document
from continuum.contracts.catalog import ContractCatalog
from continuum.http.problems import Problem, ProblemError
from continuum.relay import relay_lag

CHECK_TIMEOUT_S = 2.0


class Health(BaseModel):
    status: str = Field(examples=["alive"])


class Readiness(BaseModel):
    status: str = Field(
        description="`ready`; `degraded` (Kafka away: commands are still accepted and kept in the outbox); "
        "`not_ready` (the database is away: 503).",
        examples=["ready"],
    )
    checks: dict[str, Any]


def public_router() -> APIRouter:
    """The operations routes every service answers without a token: /healthz, /readyz, /metrics, /asyncapi.json and the
    event schemas."""
    router = APIRouter(tags=["operations"])
    router.add_api_route("/healthz", healthz, methods=["GET"], response_model=Health, summary="Liveness",
                         operation_id="get_liveness")
    router.add_api_route(
        "/readyz", readyz, methods=["GET"], response_model=Readiness, summary="Readiness",
        operation_id="get_readiness",
        responses={503: {"model": Readiness, "description": "The database is unavailable"}},
    )
    router.add_api_route("/metrics", metrics, methods=["GET"], summary="Prometheus metrics",
                         response_class=Response, operation_id="get_metrics")
    router.add_api_route("/asyncapi.json", asyncapi, methods=["GET"], summary="AsyncAPI 3 document of the topics",
                         operation_id="get_asyncapi_document")
    router.add_api_route("/events/schemas/{ce_type}", event_schema, methods=["GET"], operation_id="get_event_schema",
                         summary="JSON Schema of one event type (`continuum.<context>.<Event>.v<N>`)",
                         responses={404: {"model": Problem, "description": "No such event type here"}})
    return router


async def healthz() -> Health:
    """Liveness: the process answers. It checks nothing else, so an orchestrator never restarts a service for a database
    outage."""
    return Health(status="alive")


async def readyz(request: Request) -> JSONResponse:
    """Readiness: the database, Kafka and (where the service publishes) the outbox relay, each with its state; 503 while
    the database is unavailable."""
    platform = request.app.state.platform
    database = await _check_database(platform)
    kafka = await _check_kafka(platform.config.kafka.bootstrap_servers)
    checks: dict[str, Any] = {"database": database, "kafka": kafka}
    if platform.relay is not None:
        checks["relay"] = await _check_relay(platform, database)
    if platform.consumer is not None:
        checks["consumer"] = _check_consumer(platform)
    status = _overall(checks)
    return JSONResponse({"status": status, "checks": checks}, status_code=503 if status == "not_ready" else 200)


def _overall(checks: dict[str, Any]) -> str:
    if not checks["database"]["ok"]:
        return "not_ready"
    return "ready" if all(check["ok"] for check in checks.values()) else "degraded"


async def _check_database(platform) -> dict[str, Any]:
    try:
        async with asyncio.timeout(CHECK_TIMEOUT_S):
            async with platform.engine.connect() as conn:
                await conn.execute(sa.text("SELECT 1"))
    except Exception as error:
        return {"ok": False, "error": f"{type(error).__name__}: {error}"}
    return {"ok": True}


async def _check_kafka(bootstrap_servers: str) -> dict[str, Any]:
    """Kafka is reachable if any bootstrap server accepts a connection."""
    errors = []
    for server in bootstrap_servers.split(","):
        host, _, port = server.strip().rpartition(":")
        try:
            async with asyncio.timeout(CHECK_TIMEOUT_S):
                _, writer = await asyncio.open_connection(host.strip("[]"), int(port))
            writer.close()
            return {"ok": True}
        except Exception as error:
            errors.append(f"{server}: {type(error).__name__} {error}")
    return {"ok": False, "error": "; ".join(errors)}


async def _check_relay(platform, database: dict[str, Any]) -> dict[str, Any]:
    relay = platform.relay
    figures: dict[str, Any] = {"active": relay.status.leader, "published": relay.status.published,
                               "last_error": relay.status.last_error}
    if database["ok"]:
        async with platform.engine.connect() as conn:
            events, oldest_s = await relay_lag(conn, relay=relay.name)
        figures.update(lag_events=events, oldest_unpublished_s=round(oldest_s, 3))
    figures["ok"] = relay.status.last_error is None and figures.get("oldest_unpublished_s", 0) < 60
    return figures


def _check_consumer(platform) -> dict[str, Any]:
    status = platform.consumer.status
    stuck = status.stuck(platform.config.consumer.stuck_after_s)
    return {"ok": status.running and not stuck, "running": status.running, "stuck": stuck,
            "handled": status.handled, "duplicates": status.duplicates, "dead_lettered": status.dead_lettered,
            "lag_messages": status.lag, "last_error": status.last_error}


async def metrics(request: Request) -> Response:
    """The Prometheus text exposition of this process's registry."""
    return Response(generate_latest(request.app.state.platform.telemetry.registry), media_type=CONTENT_TYPE_LATEST)


async def asyncapi(request: Request) -> JSONResponse:
    """This service's AsyncAPI 3 document: the topics it publishes and consumes, each event's payload from its
    contract."""
    spec, parts, config = request.app.state.spec, request.app.state.parts, request.app.state.config
    consumed_topics = sorted({contract.topic() for contract in parts.consumes})
    document = asyncapi_document(
        service=spec.name, version=spec.version, description=spec.description, kafka=config.kafka,
        publishes=parts.publishes, consumes=parts.consumes,
        topics_published=[spec.topic], topics_consumed=consumed_topics,
    )
    return JSONResponse(document)


async def event_schema(ce_type: str, request: Request) -> JSONResponse:
    """The JSON Schema of one CloudEvents type this service publishes or consumes; 404 for a type it does not know."""
    parts = request.app.state.parts
    schema = ContractCatalog(list(parts.publishes) + list(parts.consumes)).json_schema(ce_type)
    if schema is None:
        raise ProblemError(404, "not-found", "Not found", f"no event type {ce_type!r} here; see /asyncapi.json")
    return JSONResponse(schema, media_type="application/schema+json")
