"""Bearer JWT authentication and per-route roles (DESIGN §4).

Development signs RS256 tokens with a local key under `.run/`; production verifies against a JWKS URL.
The package holds: `roles` (Role, Principal), `signing` (the dev key and tokens), `claims` (claim checks),
`verifier` (TokenVerifier), `refusals` (why a token was refused) and `dependencies` (authenticate, requires).
"""

from __future__ import annotations

from continuum.http.auth.claims import MalformedToken, principal_of
from continuum.http.auth.dependencies import ANY_ROLE, RoleRequirement, authenticate, requires
from continuum.http.auth.refusals import refusal_detail
from continuum.http.auth.roles import Principal, Role
from continuum.http.auth.signing import ALGORITHM, DEV_KEY_ID, dev_private_key, issue_dev_token
from continuum.http.auth.verifier import TokenVerifier

__all__ = [
    "ALGORITHM",
    "ANY_ROLE",
    "DEV_KEY_ID",
    "MalformedToken",
    "Principal",
    "Role",
    "RoleRequirement",
    "TokenVerifier",
    "authenticate",
    "dev_private_key",
    "issue_dev_token",
    "principal_of",
    "refusal_detail",
    "requires",
]
