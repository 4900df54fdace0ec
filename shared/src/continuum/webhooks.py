"""Generic pieces of outbound webhooks: Standard Webhooks signing and the SSRF check of a target URL.

Standard Webhooks (https://www.standardwebhooks.com): a secret is `whsec_` + base64 of random bytes; a message is
signed as `v1,` + base64(HMAC-SHA256(secret bytes, f"{webhook-id}.{webhook-timestamp}.{body}")), and the
`webhook-signature` header lists one such signature per secret in use, space-separated (rotation).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import ipaddress
import secrets
import socket
from collections.abc import Iterable, Sequence
from urllib.parse import urlsplit

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 32


def new_secret() -> str:
    """A fresh signing secret, as the subscriber is shown it once."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def secret_key(secret: str) -> bytes:
    """The HMAC key a `whsec_` secret stands for (its base64 decoded)."""
    return base64.b64decode(secret.removeprefix(SECRET_PREFIX))


def sign(*, secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """One `v1,<base64>` signature of a message."""
    signed = f"{message_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(secret_key(secret), signed, hashlib.sha256).digest()).decode()


def signature_header(*, secrets_in_use: Iterable[str], message_id: str, timestamp: int, body: bytes) -> str:
    """The `webhook-signature` value: every secret in use signs (both during a rotation's overlap)."""
    return " ".join(sign(secret=secret, message_id=message_id, timestamp=timestamp, body=body)
                    for secret in secrets_in_use)


def standard_webhook_headers(*, secrets_in_use: Sequence[str], message_id: str, timestamp: int,
                             body: bytes) -> dict[str, str]:
    """`webhook-id`, `webhook-timestamp` (Unix seconds) and `webhook-signature`."""
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature_header(secrets_in_use=secrets_in_use, message_id=message_id,
                                              timestamp=timestamp, body=body),
    }


class TargetRefused(ValueError):
    """A webhook target the settings do not allow (the reason says why; the field is the target URL)."""


Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def check_target_url(url: str, *, require_https: bool) -> tuple[str, int]:
    """The host and port of an acceptable URL (absolute http(s), no credentials); TargetRefused otherwise."""
    try:
        parts = urlsplit(url)
        hostname, port = parts.hostname, parts.port
    except ValueError:  # an unclosed IPv6 bracket, a port out of range or not a number
        raise TargetRefused("the target is not a valid URL (host or port)") from None
    allowed = ("https",) if require_https else ("https", "http")
    if parts.scheme not in allowed:
        raise TargetRefused(f"the target must be an {' or '.join(allowed)} URL")
    if not hostname:
        raise TargetRefused("the target URL has no host")
    if parts.username or parts.password:
        raise TargetRefused("the target URL may not carry credentials (sign with the secret instead)")
    return hostname, port or (443 if parts.scheme == "https" else 80)


def refused_address(address: str, *, allow_loopback: bool, allowed: Sequence[Network]) -> str | None:
    """Why a resolved address may not be called (loopback, link-local, private, ...), None when it may."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if any(ip in network for network in allowed):
        return None
    if ip.is_loopback:
        return None if allow_loopback else "loopback"
    for kind in ("link_local", "private", "multicast", "reserved", "unspecified"):
        if getattr(ip, f"is_{kind}"):
            return kind.replace("_", "-")
    if not ip.is_global:  # shared address space (100.64/10) and the like
        return "not-global"
    return None


async def resolve(host: str, port: int) -> list[str]:
    """Every address `host` resolves to (the check must hold for each: DNS may answer differently next time)."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return sorted({info[4][0] for info in infos})


async def check_target(url: str, *, require_https: bool, allow_loopback: bool,
                       allowed: Sequence[Network] = ()) -> None:
    """Refuse a target that is not https when required, or whose host resolves to a forbidden address."""
    host, port = check_target_url(url, require_https=require_https)
    try:
        addresses = await resolve(host, port)
    except (OSError, UnicodeError, ValueError):  # no such name, or not one (a label too long, a NUL)
        raise TargetRefused(f"the target's host {host[:100]!r} does not resolve") from None
    for address in addresses:
        reason = refused_address(address, allow_loopback=allow_loopback, allowed=allowed)
        if reason is not None:
            raise TargetRefused(f"the target's host {host!r} resolves to {address}, a {reason} address; "
                                "allow-list its network in WEBHOOKS__ALLOWED_NETWORKS if it is meant")
