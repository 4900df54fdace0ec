"""The FastAPI dependencies routes declare: `authenticate` (the caller from a valid bearer token, 401 or 503
otherwise) and the per-route role checks, `requires(...)` and `ANY_ROLE` (403 for a caller without the role)."""

from __future__ import annotations

from typing import Annotated

import jwt
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from continuum.context import set_actor
from continuum.http.auth.refusals import refusal_detail
from continuum.http.auth.roles import Principal, Role
from continuum.http.auth.verifier import TokenVerifier
from continuum.http.problems import ProblemError

_bearer = HTTPBearer(auto_error=False, description="A JWT from the identity provider (`continuum token` locally).")


def _keys_unavailable() -> ProblemError:
    problem = ProblemError(503, "unavailable", "Service unavailable",
                           "the identity provider's signing keys cannot be fetched; retry shortly")
    problem.headers = {"Retry-After": "2"}
    return problem


def _unauthenticated(detail: str) -> ProblemError:
    problem = ProblemError(401, "unauthenticated", "Not authenticated", detail)
    problem.headers = {"WWW-Authenticate": 'Bearer realm="continuum"'}
    return problem


async def authenticate(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> Principal:
    """The caller, from a valid bearer token; 401 otherwise."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise _unauthenticated("a bearer token is required")
    verifier: TokenVerifier = request.app.state.token_verifier
    try:
        principal = await verifier.verify(credentials.credentials)
    except jwt.PyJWKClientConnectionError:
        raise _keys_unavailable() from None
    except (jwt.InvalidTokenError, jwt.PyJWKClientError) as error:
        raise _unauthenticated(refusal_detail(error)) from None
    set_actor(principal.subject)
    request.state.principal = principal
    return principal


class RoleRequirement:
    """A dependency allowing the named roles (and `admin`); `roles` is read by docs and the auth tests."""

    def __init__(self, *roles: Role) -> None:
        self.roles = frozenset(roles)

    async def __call__(self, principal: Annotated[Principal, Depends(authenticate)]) -> Principal:
        if not principal.has_any(self.roles):
            allowed = ", ".join(sorted(role.value for role in self.roles | {Role.admin}))
            raise ProblemError(403, "forbidden", "Not allowed", f"this action needs one of the roles: {allowed}")
        return principal


def requires(*roles: Role) -> RoleRequirement:
    """Allow these roles (admin is always allowed)."""
    return RoleRequirement(*roles)


ANY_ROLE = requires(*Role)  # reads: any role at all
