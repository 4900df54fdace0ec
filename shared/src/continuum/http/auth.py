"""Bearer JWT authentication and per-route roles (DESIGN §4).

Development signs RS256 tokens with a local key under `.run/`; production verifies against a JWKS URL.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from continuum.config import AuthSettings
from continuum.context import set_actor
from continuum.http.problems import ProblemError

ALGORITHM = "RS256"
DEV_KEY_ID = "continuum-dev"


class Role(StrEnum):
    admin = "admin"
    sponsor = "sponsor"
    project_manager = "project_manager"
    service_owner = "service_owner"
    support_agent = "support_agent"
    viewer = "viewer"
    integration = "integration"


@dataclass(frozen=True)
class Principal:
    subject: str
    roles: frozenset[Role]

    def has_any(self, roles: frozenset[Role]) -> bool:
        return Role.admin in self.roles or bool(self.roles & roles)


def dev_private_key(path: Path) -> rsa.RSAPrivateKey:
    """The development signing key, made on first use (shared by the services and the `token` command)."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        temporary = path.with_suffix(f".{os.getpid()}.tmp")
        temporary.write_bytes(pem)
        temporary.chmod(0o600)
        try:
            os.link(temporary, path)  # atomic create-if-absent: services starting together agree on one key
        except FileExistsError:
            pass  # another process made it first: use theirs
        finally:
            temporary.unlink()
    return serialization.load_pem_private_key(path.read_bytes(), password=None)


def issue_dev_token(
    settings: AuthSettings, *, subject: str, roles: list[str], ttl_s: int = 8 * 3600, **claims: Any
) -> str:
    """A development token signed with the local key."""
    now = int(time.time())
    payload = {
        "sub": subject,
        "roles": roles,
        "aud": settings.audience,
        "iss": settings.issuer,
        "iat": now,
        "exp": now + ttl_s,
        **claims,
    }
    key = dev_private_key(settings.dev_signing_key_path)
    return jwt.encode(payload, key, algorithm=ALGORITHM, headers={"kid": DEV_KEY_ID})


class TokenVerifier:
    """Checks signature, expiry, audience and issuer; JWKS keys are fetched off the event loop and cached.

    A token that passed is remembered for `verified_cache_s` (at most until it expires), keyed by the whole
    token: its next requests skip the RS256 check and claim parsing, which cost a service ~8 % of its CPU per
    request (issue #7's profile). A changed token, even by one bit, is a different key and is verified afresh.
    """

    def __init__(self, settings: AuthSettings, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._settings = settings
        self._jwks = jwt.PyJWKClient(settings.jwks_url, cache_keys=True) if settings.jwks_url else None
        self._dev_public_key = None if self._jwks else dev_private_key(settings.dev_signing_key_path).public_key()
        self._clock = clock
        self._verified: dict[str, tuple[Principal, float]] = {}  # token → (principal, remembered until; monotonic)

    async def verify(self, token: str) -> Principal:
        remembered = self._verified.get(token)
        if remembered is not None:
            principal, until = remembered
            if self._clock() < until:
                return principal
            del self._verified[token]
        principal, expires_at = await self._verify(token)
        self._remember(token, principal, expires_at)
        return principal

    def _remember(self, token: str, principal: Principal, expires_at: float) -> None:
        ttl = min(self._settings.verified_cache_s, expires_at - time.time())
        if ttl <= 0:
            return
        if len(self._verified) >= self._settings.verified_cache_size:
            del self._verified[next(iter(self._verified))]  # the oldest entry
        self._verified[token] = (principal, self._clock() + ttl)

    async def _verify(self, token: str) -> tuple[Principal, float]:
        key = await self._signing_key(token)
        claims = jwt.decode(
            token,
            key,
            algorithms=[ALGORITHM],
            audience=self._settings.audience,
            issuer=None if self._jwks else self._settings.issuer,
            leeway=self._settings.leeway_s,
            options={"require": ["exp", "sub"]},
        )
        roles = claims.get("roles", [])
        if not isinstance(roles, list):
            raise jwt.InvalidTokenError("roles must be a list")
        known = frozenset(Role(r) for r in roles if r in Role.__members__)
        return Principal(subject=str(claims["sub"]), roles=known), float(claims["exp"])

    async def _signing_key(self, token: str) -> Any:
        if self._jwks is None:
            return self._dev_public_key
        signing_key = await asyncio.to_thread(self._jwks.get_signing_key_from_jwt, token)
        return signing_key.key


_bearer = HTTPBearer(auto_error=False, description="A JWT from the identity provider (`continuum token` locally).")


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
    except (jwt.InvalidTokenError, jwt.PyJWKClientError) as error:
        raise _unauthenticated(f"invalid token: {error}") from None
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
