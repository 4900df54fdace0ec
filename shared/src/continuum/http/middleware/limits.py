"""Request size limits, checked before authentication or any handler: `HeaderLimitMiddleware` (431 past the header
fields' size or count; `header_limit_problem` is also the server protocol's answer) and `BodyLimitMiddleware`
(413 past the body limit; 422 for a JSON body holding text PostgreSQL cannot store; the body kept in the scope's
state for the Idempotency-Key's request hash)."""

from __future__ import annotations

import json

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from continuum.http.problems import PROBLEM_MEDIA_TYPE, TYPE_BASE, problem_response
from continuum.storable import unstorable_at


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
                errors=[{"field": ".".join(["body", *where]), "message": "unstorable character",
                         "type": "string_type"}],
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
