"""`IdempotencyMiddleware`: an `Idempotency-Key` on a POST claims the key in the command's own transaction, stores
the response once it is an outcome, and answers a retry with the same key and request from what was stored (or
with 409 while the first request's response is not recorded, 422 for a key reused on another request)."""

from __future__ import annotations

import hashlib
import logging
import re
from typing import Any

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from continuum import idempotency
from continuum.context import IdempotencyClaim, causation, with_idempotency
from continuum.http import hooks
from continuum.http.problems import is_unavailable, problem_response, unavailable_response

_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")
REPLAYED_HEADER = "Idempotent-Replayed"

log = logging.getLogger("continuum.http.middleware")


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
