"""Claim checks after the signature verified: each claim's type and range (`principal_of`), and `MalformedToken`
naming the claim that failed."""

from __future__ import annotations

import math
import re
from typing import Any

import jwt

from continuum.http.auth.roles import Principal, Role

LATEST_NUMERIC_DATE = 253_402_300_799  # 9999-12-31T23:59:59Z: the latest `exp`, `iat` or `nbf` taken
MAX_SUBJECT_LENGTH = 255
MAX_ROLES = 64

_PRINTABLE = re.compile(r"^[^\x00-\x1f\x7f]+$")


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
