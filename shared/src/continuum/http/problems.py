"""RFC 9457 problem details for every error, in one place: routes raise, these handlers answer."""

from __future__ import annotations

import logging
from collections.abc import Collection
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.exc import DBAPIError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from continuum.domain import DomainError, NotAllowed, NotFound
from continuum.eventstore.store import ConcurrencyError
from continuum.eventstore.uow import PreconditionFailed
from continuum.idempotency import IdempotencyKeyReused

log = logging.getLogger(__name__)

PROBLEM_MEDIA_TYPE = "application/problem+json"
TYPE_BASE = "urn:continuum:problem:"


class FieldError(BaseModel):
    field: str = Field(description="Where the bad value is, e.g. `body.planned_end`.")
    message: str
    type: str


class Problem(BaseModel):
    """An RFC 9457 problem document."""

    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={
            "examples": [
                {
                    "type": "urn:continuum:problem:rule-violated",
                    "title": "Domain rule violated",
                    "status": 409,
                    "detail": "the charter must be approved before planning starts",
                    "rule": "charter-approved-before-planning",
                }
            ]
        },
    )

    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    rule: str | None = None
    errors: list[FieldError] | None = None


class ProblemError(Exception):
    """Raise to answer with a problem document."""

    def __init__(self, status: int, slug: str, title: str, detail: str | None = None, **extra: Any) -> None:
        super().__init__(detail or title)
        self.status = status
        self.slug = slug
        self.title = title
        self.detail = detail
        self.extra = extra
        self.headers: dict[str, str] = {}


def problem_response(
    status: int,
    slug: str,
    title: str,
    detail: str | None = None,
    *,
    instance: str | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    """An RFC 9457 problem document answer (`application/problem+json`); `extra` adds members such as `rule` or `errors`."""
    body = {"type": TYPE_BASE + slug, "title": title, "status": status, "detail": detail, "instance": instance}
    body.update(extra)
    body = {key: value for key, value in body.items() if value is not None}
    return JSONResponse(jsonable_encoder(body), status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=headers)


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` entries documenting problem answers."""
    return {
        status: {"model": Problem, "content": {PROBLEM_MEDIA_TYPE: {}}, "description": _TITLES.get(status, "Problem")}
        for status in statuses
    }


_TITLES = {
    400: "Bad request",
    401: "Not authenticated",
    403: "Not allowed",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    412: "Precondition failed",
    413: "Request body too large",
    415: "Unsupported media type",
    422: "Invalid request",
    428: "Precondition required",
    503: "Service unavailable",
}


def install_problem_handlers(app: FastAPI) -> None:
    """Turn every exception into a problem document; bad input is never a 500."""
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(ProblemError, _problem_error)
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(NotFound, _not_found)
    app.add_exception_handler(ConcurrencyError, _concurrency_error)
    app.add_exception_handler(IdempotencyKeyReused, _idempotency_race)
    app.add_exception_handler(PreconditionFailed, _precondition_failed)
    app.add_exception_handler(OperationalError, _unavailable)
    app.add_exception_handler(DBAPIError, _database_error)
    app.add_exception_handler(OSError, _unavailable)
    app.add_exception_handler(TimeoutError, _unavailable)
    app.add_exception_handler(Exception, _unexpected)


async def _validation_error(request: Request, error: RequestValidationError) -> JSONResponse:
    errors = [
        {"field": ".".join(str(part) for part in item["loc"]), "message": item["msg"], "type": item["type"]}
        for item in error.errors()
    ]
    return problem_response(
        422, "validation", "Invalid request", f"{len(errors)} field(s) failed validation",
        instance=request.url.path, errors=errors,
    )


async def _http_error(request: Request, error: StarletteHTTPException) -> JSONResponse:
    title = _TITLES.get(error.status_code, "Error")
    slug = title.lower().replace(" ", "-")
    detail = error.detail if isinstance(error.detail, str) and error.detail != title else None
    return problem_response(
        error.status_code, slug, title, detail, instance=request.url.path, headers=getattr(error, "headers", None)
    )


async def _problem_error(request: Request, error: ProblemError) -> JSONResponse:
    return problem_response(
        error.status, error.slug, error.title, error.detail, instance=request.url.path,
        headers=error.headers or None, **error.extra,
    )


async def _domain_error(request: Request, error: DomainError) -> JSONResponse:
    if isinstance(error, NotAllowed):
        return problem_response(403, "forbidden", "Not allowed", error.detail, instance=request.url.path,
                                rule=error.rule)
    return problem_response(
        409, "rule-violated", "Domain rule violated", error.detail, instance=request.url.path, rule=error.rule,
        field=getattr(error, "field", None),  # the input the rule refused, when it is one (`occurred_at`)
    )


async def _not_found(request: Request, error: NotFound) -> JSONResponse:
    return problem_response(404, "not-found", "Not found", str(error), instance=request.url.path)


async def _concurrency_error(request: Request, error: ConcurrencyError) -> JSONResponse:
    return problem_response(
        409, "concurrent-modification", "Concurrent modification",
        "another command changed this resource first; reload it and try again",
        instance=request.url.path, rule="optimistic-concurrency",
    )


async def _precondition_failed(request: Request, error: PreconditionFailed) -> JSONResponse:
    return problem_response(
        412, "precondition-failed", "Precondition failed",
        f"the resource is at version {error.actual}, not {_versions(error.expected)}; reload it and try again",
        instance=request.url.path, current_version=error.actual,
    )


def _versions(expected: Collection[int] | int) -> str:
    return " or ".join(map(str, sorted(expected))) if isinstance(expected, Collection) else str(expected)


async def _idempotency_race(request: Request, error: IdempotencyKeyReused) -> JSONResponse:
    request.state.idempotency_conflict = True  # the winner's response is the one to keep
    return problem_response(
        409, "idempotency-key-in-use", "Request already accepted",
        "another request with this Idempotency-Key is being handled; retry to get its response",
        instance=request.url.path, headers={"Retry-After": "1"},
    )


# SQLSTATE classes of an outage, not of a bug: connection exceptions, insufficient resources (too many
# connections) and operator intervention (shutting down, starting up: 57P01-57P03)
_OUTAGE_SQLSTATES = ("08", "53", "57P")


def is_unavailable(error: BaseException) -> bool:
    """Whether `error` says a dependency (the database, the network) is away, which a retry may outlive."""
    if isinstance(error, (OperationalError, OSError, TimeoutError)):
        return True
    if isinstance(error, DBAPIError):
        return error.connection_invalidated or _sqlstate(error).startswith(_OUTAGE_SQLSTATES)
    return False


def unavailable_response(path: str, error: BaseException) -> JSONResponse:
    """The 503 problem answering a dependency outage."""
    log.warning("dependency unavailable on %s: %s: %s", path, type(error).__name__, error)
    return problem_response(
        503, "unavailable", "Service unavailable", "a dependency is unavailable; retry shortly",
        instance=path, headers={"Retry-After": "2"},
    )


async def _unavailable(request: Request, error: Exception) -> JSONResponse:
    return unavailable_response(request.url.path, error)


async def _database_error(request: Request, error: DBAPIError) -> JSONResponse:
    if is_unavailable(error):
        return await _unavailable(request, error)
    if _sqlstate(error).startswith("22"):  # a data exception: a value the database cannot take is bad input
        return problem_response(
            422, "validation", "Invalid request", "a value cannot be stored or compared (out of range or unstorable text)",
            instance=request.url.path,
        )
    return await _unexpected(request, error)


def _sqlstate(error: DBAPIError) -> str:
    for candidate in (error.orig, getattr(error.orig, "__cause__", None)):
        state = getattr(candidate, "sqlstate", None) or getattr(candidate, "pgcode", None)
        if state:
            return str(state)
    return ""


async def _unexpected(request: Request, error: Exception) -> JSONResponse:
    log.exception("unexpected error on %s %s", request.method, request.url.path, exc_info=error)
    return problem_response(500, "internal", "Internal error", None, instance=request.url.path)
