"""Why a token was refused, in words: a fixed, clear reason per kind of failure (`refusal_detail`), never the
library's own text."""

from __future__ import annotations

import jwt

from continuum.http.auth.claims import MalformedToken
from continuum.http.auth.signing import ALGORITHM

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

