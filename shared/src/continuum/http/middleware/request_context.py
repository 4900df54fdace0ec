"""`RequestContextMiddleware`, outermost of every service's middleware: each request's correlation id (taken from
X-Correlation-ID or new, echoed back), its server span under the caller's traceparent, its causation context for
what it records, and its count and latency by route and status."""

from __future__ import annotations

import time
from uuid import uuid4

from opentelemetry.trace import SpanKind
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from continuum.context import CausationContext, causation
from continuum.observability import span
from continuum.telemetry import Telemetry


class RequestContextMiddleware:
    """Gives each request a correlation id (X-Correlation-ID, echoed back), its traceparent and metrics."""

    def __init__(self, app: ASGIApp, *, telemetry: Telemetry) -> None:
        self.app = app
        self.telemetry = telemetry

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = Headers(scope=scope)
        correlation_id = headers.get("x-correlation-id") or str(uuid4())
        with span(f"{scope['method']} {scope['path']}", traceparent=headers.get("traceparent"),
                  kind=SpanKind.SERVER) as (current, traceparent):  # a malformed traceparent starts a new trace
            context = CausationContext(correlation_id=correlation_id[:128], traceparent=traceparent)
            await self._handle(scope, receive, send, context, current)

    async def _handle(self, scope: Scope, receive: Receive, send: Send, context: CausationContext, current) -> None:
        status = 500
        started = time.perf_counter()

        async def send_with_correlation(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", []).append((b"x-correlation-id", context.correlation_id.encode()))
            await send(message)

        try:
            with causation(context):
                await self.app(scope, receive, send_with_correlation)
        finally:
            route = getattr(scope.get("route"), "path", "unmatched")
            current.update_name(f"{scope['method']} {route}")
            current.set_attribute("http.response.status_code", status)
            self.telemetry.http_requests.labels(scope["method"], route, str(status)).inc()
            self.telemetry.http_latency.labels(scope["method"], route).observe(time.perf_counter() - started)
