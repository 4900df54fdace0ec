"""ASGI middleware: request context and metrics, header and body limits, Idempotency-Key replays.

Modules: `request_context` (RequestContextMiddleware), `limits` (HeaderLimitMiddleware, header_limit_problem,
BodyLimitMiddleware) and `idempotency_keys` (IdempotencyMiddleware).
"""

from __future__ import annotations

from continuum.http.middleware.idempotency_keys import IdempotencyMiddleware
from continuum.http.middleware.limits import BodyLimitMiddleware, HeaderLimitMiddleware, header_limit_problem
from continuum.http.middleware.request_context import RequestContextMiddleware

__all__ = [
    "BodyLimitMiddleware",
    "HeaderLimitMiddleware",
    "IdempotencyMiddleware",
    "RequestContextMiddleware",
    "header_limit_problem",
]
