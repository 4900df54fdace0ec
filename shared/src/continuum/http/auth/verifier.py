"""`TokenVerifier`: checks a bearer token's signature (the dev key, or the identity provider's JWKS in production),
expiry, audience and issuer, then its claims, and remembers tokens that passed."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any

import jwt

from continuum.config import DEV_ISSUER, AuthSettings
from continuum.http.auth.claims import principal_of
from continuum.http.auth.roles import Principal
from continuum.http.auth.signing import ALGORITHM, dev_private_key

log = logging.getLogger("continuum.http.auth")  # the logger name it had before auth became a package


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
