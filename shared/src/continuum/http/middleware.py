"""ASGI middleware: request context and metrics, header and body limits, Idempotency-Key replays."""

from __future__ import annotations

import hashlib
import json
import logging
import re
import time
from typing import Any
from uuid import uuid4

from continuum import idempotency
from continuum.context import (
    CausationContext,
    IdempotencyClaim,
    causation,
    with_idempotency,
)
from continuum.http import hooks
from continuum.http.problems import (
    PROBLEM_MEDIA_TYPE,
    TYPE_BASE,
    is_unavailable,
    problem_response,
    unavailable_response,
)
from continuum.observability import span
from continuum.storable import unstorable_at
from continuum.telemetry import Telemetry
from opentelemetry.trace import SpanKind
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")
REPLAYED_HEADER = "Idempotent-Replayed"

log = logging.getLogger(__name__)


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


class HeaderLimitMiddleware:
    """Refuses a request whose header fields pass the size or count limit with 431, before authentication.

    The server's protocol (continuum.http.server) refuses such a request while reading it; this is the same rule
    for requests served otherwise (another ASGI server, a test client).
    """

    def __init__(self, app: ASGIApp, *, max_bytes: int, max_headers: int) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.max_headers = max_headers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            headers = scope["headers"]
            size = len(scope.get("raw_path") or b"") + len(scope.get("query_string") or b"")
            size += sum(len(name) + len(value) + 4 for name, value in headers)  # "name: value\r\n"
            if len(headers) > self.max_headers or size > self.max_bytes:
                status, problem_headers, body = header_limit_problem(max_bytes=self.max_bytes,
                                                                     max_headers=self.max_headers)
                await send({"type": "http.response.start", "status": status, "headers": problem_headers})
                return await send({"type": "http.response.body", "body": body})
        await self.app(scope, receive, send)


def header_limit_problem(*, max_bytes: int, max_headers: int) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    """The 431 problem (status, headers, body) for a request past the header limits."""
    body = json.dumps({
        "type": TYPE_BASE + "request-header-fields-too-large", "title": "Request header fields too large",
        "status": 431, "detail": f"a request's header fields are limited to {max_bytes} bytes in total "
        f"(request line included) and to {max_headers} fields",
    }).encode()
    headers = [(b"content-type", PROBLEM_MEDIA_TYPE.encode()), (b"content-length", str(len(body)).encode())]
    return 431, headers, body


class BodyLimitMiddleware:
    """Refuses request bodies over the limit with 413, before any handler reads them."""

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS", "DELETE"):
            return await self.app(scope, receive, send)
        declared = Headers(scope=scope).get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            return await self._too_large(scope, receive, send)
        body = bytearray()
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            if len(body) > self.max_bytes:
                return await self._too_large(scope, receive, send)
            if not message.get("more_body", False):
                break
        scope.setdefault("state", {})["raw_body"] = bytes(body)
        where = _unstorable_text(bytes(body))
        if where is not None:
            response = problem_response(
                422, "validation", "Invalid request", "text must not contain NUL characters or unpaired surrogates",
                instance=scope["path"],
                errors=[{"field": ".".join(["body", *where]), "message": "unstorable character", "type": "string_type"}],
            )
            return await response(scope, receive, send)
        await self.app(scope, _replay(bytes(body)), send)

    async def _too_large(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = problem_response(
            413, "payload-too-large", "Request body too large",
            f"request bodies are limited to {self.max_bytes} bytes", instance=scope["path"],
        )
        await response(scope, receive, send)


def _unstorable_text(body: bytes) -> list[str] | None:
    """Where a JSON body holds text PostgreSQL cannot store (NUL, lone UTF-16 surrogates); None if nowhere."""
    if b"\\u" not in body and b"\x00" not in body:
        return None  # neither can appear without an escape or a raw NUL byte
    try:
        document = json.loads(body)
    except ValueError:
        return None  # not JSON: the route's own validation answers
    return unstorable_at(document, [])


def _replay(body: bytes) -> Receive:
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return {"type": "http.disconnect"}

    return receive


class IdempotencyMiddleware:
    """`Idempotency-Key` on POST: a retry with the same key and body gets the first response back.

    The key is claimed inside the command's own transaction (see UnitOfWork.commit), so even a crash
    between commit and response cannot give a retry a second effect; the response is stored after.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        key = Headers(scope=scope).get("idempotency-key") if scope["type"] == "http" else None
        if key is None or scope["method"] != "POST":
            return await self.app(scope, receive, send)
        if not _KEY.match(key):
            response = problem_response(
                422, "validation", "Invalid request", "Idempotency-Key must be 1-255 visible ASCII characters",
                errors=[{"field": "header.Idempotency-Key", "message": "invalid key", "type": "value_error"}],
            )
            return await response(scope, receive, send)
        principal = await _principal_of(scope)
        if principal is None:  # the route will answer 401; nothing to remember
            return await self.app(scope, receive, send)
        claim = IdempotencyClaim(principal=principal, key=key, request_hash=_request_hash(scope))
        engine = scope["app"].state.engine
        try:
            async with engine.connect() as conn:
                stored = await idempotency.find(conn, principal=principal, key=key)
        except Exception as error:  # outside the app's exception handlers: answer an outage here, as they would
            if not is_unavailable(error):
                raise
            return await unavailable_response(scope["path"], error)(scope, receive, send)
        if stored is not None:
            return await _answer_retry(scope, receive, send, claim, stored)
        await self._run_and_store(scope, receive, send, claim, engine)

    async def _run_and_store(self, scope: Scope, receive: Receive, send: Send, claim, engine) -> None:
        captured: dict[str, Any] = {"body": bytearray()}
        environment = scope["app"].state.config.environment

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                if 200 <= message["status"] < 300:  # the command committed; its answer is neither sent nor stored
                    hooks.command_committed(environment)
                captured["status"] = message["status"]
                captured["headers"] = {k.decode(): v.decode() for k, v in message.get("headers", [])}
            elif message["type"] == "http.response.body":
                captured["body"] += message.get("body", b"")
            await send(message)

        with causation(with_idempotency(claim)):
            await self.app(scope, receive, capture)
        status = captured.get("status", 500)
        headers = {k: v for k, v in captured.get("headers", {}).items()
                   if k.lower() not in ("content-length", "x-correlation-id")}
        lost_race = scope.get("state", {}).get("idempotency_conflict", False)
        final = idempotency.is_final_outcome(status=status, headers=headers, body=bytes(captured["body"]))
        if final and status not in (401, 403, 413) and not lost_race:  # only outcomes; a transient answer is retried
            try:
                async with engine.begin() as conn:
                    await idempotency.save_response(conn, claim, status=status, headers=headers,
                                                    body=bytes(captured["body"]))
            except Exception as error:  # answered already; a retry is told the key's request was accepted (409)
                if not is_unavailable(error):
                    raise
                log.warning("response for Idempotency-Key not stored, the database went away: %s", error)


async def _principal_of(scope: Scope) -> str | None:
    authorization = Headers(scope=scope).get("authorization", "")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token:
        return None
    try:
        principal = await scope["app"].state.token_verifier.verify(token)
    except Exception:
        return None
    return principal.subject


def _request_hash(scope: Scope) -> str:
    body = scope.get("state", {}).get("raw_body", b"")
    digest = hashlib.sha256()
    for part in (scope["method"].encode(), scope["path"].encode(), scope.get("query_string", b""), body):
        digest.update(len(part).to_bytes(8, "big") + part)
    return digest.hexdigest()


async def _answer_retry(scope: Scope, receive: Receive, send: Send, claim: IdempotencyClaim, stored) -> None:
    if stored.request_hash != claim.request_hash:
        response = problem_response(
            422, "idempotency-key-reused", "Idempotency-Key reused",
            "this Idempotency-Key was used with another request; use a new key for a new request",
            instance=scope["path"],
        )
    elif stored.status is None:
        response = problem_response(
            409, "idempotency-key-in-use", "Request already accepted",
            "a request with this Idempotency-Key committed but its response is not yet recorded; "
            "read the resource instead of retrying",
            instance=scope["path"], stream_id=str(stored.stream_id) if stored.stream_id else None,
            headers={"Retry-After": "1"},
        )
    else:
        await _replay_response(send, stored)
        return
    await response(scope, receive, send)


async def _replay_response(send: Send, stored) -> None:
    headers = [(k.encode(), v.encode()) for k, v in (stored.headers or {}).items()]
    headers += [(b"content-length", str(len(stored.body or b"")).encode()), (REPLAYED_HEADER.lower().encode(), b"true")]
    await send({"type": "http.response.start", "status": stored.status, "headers": headers})
    await send({"type": "http.response.body", "body": stored.body or b""})

