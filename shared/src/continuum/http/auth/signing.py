"""Development signing: the RS256 key made under `.run/` on first use, and `issue_dev_token`, which signs with it
(shared by the services and the `token` command); `ALGORITHM` is the one signature algorithm accepted anywhere."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from continuum.config import AuthSettings

ALGORITHM = "RS256"
DEV_KEY_ID = "continuum-dev"


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
