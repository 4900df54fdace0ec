"""Bearer JWT authentication and per-route roles (DESIGN §4).

Development signs RS256 tokens with a local key under `.run/`; production verifies against a JWKS URL.
"""

from __future__ import annotations

import asyncio
import logging
import math
import os
import re
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

from continuum.config import DEV_ISSUER, AuthSettings
from continuum.context import set_actor
from continuum.http.problems import ProblemError

ALGORITHM = "RS256"
DEV_KEY_ID = "continuum-dev"
LATEST_NUMERIC_DATE = 253_402_300_799  # 9999-12-31T23:59:59Z: the latest `exp`, `iat` or `nbf` taken
MAX_SUBJECT_LENGTH = 255
MAX_ROLES = 64

log = logging.getLogger(__name__)
_PRINTABLE = re.compile(r"^[^\x00-\x1f\x7f]+$")


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
        """Whether the caller holds one of `roles`; admin holds every role."""
        return Role.admin in self.roles or bool(self.roles & roles)


_DEV_KEYS: dict[bytes, rsa.RSAPrivateKey] = {}
"""Development keys parsed so far, by their PEM text: parsing checks the RSA key, some 40 ms a time."""


def dev_private_key(path: Path) -> rsa.RSAPrivateKey:
    """The development signing key, made on first use (shared by the services and the `token` command); the file
    is read every time, and parsed again only when its content changed."""
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
    pem = path.read_bytes()
    if pem not in _DEV_KEYS:
        _DEV_KEYS[pem] = serialization.load_pem_private_key(pem, password=None)
    return _DEV_KEYS[pem]


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
    """Checks signature, expiry, audience and issuer (in production too), then each claim's type and range
    (`principal_of`); JWKS keys are fetched off the event loop and cached.

    A token that passed is remembered for `verified_cache_s` (at most until it expires), keyed by the whole
    token: its next requests skip the RS256 check and claim parsing, which cost a service ~8 % of its CPU per
    request (issue #7's profile). A changed token, even by one bit, is a different key and is verified afresh.
    """

    def __init__(self, settings: AuthSettings, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._settings = settings
        self._jwks = jwt.PyJWKClient(settings.jwks_url, cache_keys=True) if settings.jwks_url else None
        if self._jwks is not None and settings.issuer == DEV_ISSUER:
            log.warning("AUTH__ISSUER is the development issuer %r: the identity provider's tokens name their own "
                        "issuer and will be refused until AUTH__ISSUER names it", DEV_ISSUER)
        self._dev_public_key = None if self._jwks else dev_private_key(settings.dev_signing_key_path).public_key()
        self._clock = clock
        self._verified: dict[str, tuple[Principal, float]] = {}  # token → (principal, remembered until; monotonic)

    async def verify(self, token: str) -> Principal:
        """The caller a bearer token names, once its signature, issuer, audience and expiry check out; a verified token
        is remembered for `verified_cache_s`, never past its expiry."""
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
        try:
            key = await self._signing_key(token)
            claims = jwt.decode(
                token,
                key,
                algorithms=[ALGORITHM],
                audience=self._settings.audience,
                issuer=self._settings.issuer,
                leeway=self._settings.leeway_s,
                options={"require": ["exp", "sub", "iss"]},
            )
        except jwt.PyJWTError:
            raise
        except Exception as error:  # pyjwt lets some odd input through (a deep-nested header, an infinite exp)
            log.info("token refused: %s", type(error).__name__)
            raise jwt.DecodeError("malformed token") from None
        return principal_of(claims), float(claims["exp"])

    async def _signing_key(self, token: str) -> Any:
        if self._jwks is None:
            return self._dev_public_key
        signing_key = await asyncio.to_thread(self._jwks.get_signing_key_from_jwt, token)
        return signing_key.key


class MalformedToken(jwt.InvalidTokenError):
    """A signed token whose claims have the wrong type or an impossible value; `claim` names which."""

    def __init__(self, claim: str) -> None:
        super().__init__(claim)
        self.claim = claim


def principal_of(claims: dict[str, Any]) -> Principal:
    """The caller named by verified claims, each checked by type and range (MalformedToken otherwise)."""
    for name in ("exp", "iat", "nbf"):
        if name in claims and not _is_numeric_date(claims[name]):
            raise MalformedToken(name)
    subject = claims.get("sub")
    if not isinstance(subject, str) or len(subject) > MAX_SUBJECT_LENGTH or not _PRINTABLE.match(subject):
        raise MalformedToken("sub")
    roles = claims.get("roles", [])
    if not isinstance(roles, list) or len(roles) > MAX_ROLES or not all(isinstance(r, str) for r in roles):
        raise MalformedToken("roles")
    return Principal(subject=subject, roles=frozenset(Role(r) for r in roles if r in Role.__members__))


def _is_numeric_date(value: Any) -> bool:
    """A JSON number of seconds (RFC 7519 NumericDate) between the epoch and the end of year 9999."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return (not isinstance(value, float) or math.isfinite(value)) and 0 <= value <= LATEST_NUMERIC_DATE


_bearer = HTTPBearer(auto_error=False, description="A JWT from the identity provider (`continuum token` locally).")


_REFUSALS: tuple[tuple[type[Exception], str], ...] = (
    (jwt.ExpiredSignatureError, "the token has expired"),
    (jwt.ImmatureSignatureError, "the token is not valid yet"),
    (jwt.InvalidAudienceError, "the token is not meant for this service (aud)"),
    (jwt.InvalidIssuerError, "the token was not issued by the accepted issuer (iss)"),
    (jwt.InvalidAlgorithmError, f"the token must be signed with {ALGORITHM}"),
    (jwt.InvalidSignatureError, "the token's signature does not verify"),
    (jwt.PyJWKClientError, "the token's signing key is not one of the identity provider's"),
)
_CLAIMS = ("exp", "iat", "nbf", "sub", "iss", "aud", "roles")


def refusal_detail(error: Exception) -> str:
    """A fixed, clear reason for a refused token: never the library's own text, which may echo the token."""
    if isinstance(error, MalformedToken | jwt.MissingRequiredClaimError | jwt.exceptions.InvalidSubjectError):
        claim = getattr(error, "claim", "sub")
        named = f" ({claim})" if claim in _CLAIMS else ""
        return f"the token lacks a required claim or has one of the wrong type or range{named}"
    for kind, detail in _REFUSALS:
        if isinstance(error, kind):
            return detail
    return "the token is malformed"


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
