"""Helpers for command and read routes: roles in OpenAPI, business time, ETag/Location on answers."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Depends, Response

from continuum.eventstore.uow import hold_to_business_time
from continuum.http.auth import Principal, Role, authenticate, requires
from continuum.http.conditional import etag
from continuum.http.problems import ProblemError, error_responses

Caller = Annotated[Principal, Depends(authenticate)]
BUSINESS_TIME_ROLES = frozenset({Role.integration, Role.admin})


def allowed(*roles: Role, errors: tuple[int, ...] = (401, 403, 404, 409, 412, 422)) -> dict[str, Any]:
    """Route options that enforce the roles (admin always) and document them as `x-roles` and problems."""
    names = sorted({role.value for role in roles} | {Role.admin.value})
    return {
        "dependencies": [Depends(requires(*roles))],
        "openapi_extra": {"x-roles": names},
        "responses": error_responses(*errors),
    }


def readable(errors: tuple[int, ...] = (401, 403, 404, 422)) -> dict[str, Any]:
    """Route options for reads: any role."""
    return allowed(*Role, errors=errors)


def business_time(caller: Principal, requested: datetime | None) -> datetime:
    """When the command happened: now, or `occurred_at` when an `integration` or `admin` caller imports history.

    Its commit then holds it to the platform's business-time rule (`continuum.domain.require_business_time`).
    """
    if requested is None:
        return hold_to_business_time(datetime.now(UTC), stamped_now=True)
    if not caller.roles & BUSINESS_TIME_ROLES:
        raise ProblemError(
            403, "occurred-at-not-allowed", "Not allowed",
            "only the integration and admin roles may set occurred_at (importing history)",
        )
    return hold_to_business_time(requested)


def in_person(caller: Principal) -> str | None:
    """The caller's subject when it acts in person; None for `integration` and `admin`, who act for others
    (a rule about who may decide, e.g. only the project's own sponsor, then does not apply)."""
    return None if caller.roles & BUSINESS_TIME_ROLES else caller.subject


def answer_with_version(response: Response, version: int, *, location: str | None = None) -> None:
    """Set ETag (and Location for a creation) on a command's or read's answer."""
    response.headers["ETag"] = etag(version)
    if location is not None:
        response.headers["Location"] = location
