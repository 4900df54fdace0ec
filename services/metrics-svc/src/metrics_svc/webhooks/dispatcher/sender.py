"""Sending one delivery: `Sender` POSTs a CloudEvent in HTTP binary mode, signed per Standard Webhooks (the target
checked again at each send in production), and gives its `Outcome`."""

from __future__ import annotations

import time
from dataclasses import dataclass

import httpx

from continuum.webhooks import TargetRefused, check_target, standard_webhook_headers

from metrics_svc.webhooks.settings import WebhookSettings


@dataclass(frozen=True)
class Outcome:
    delivered: bool
    status: int | None = None
    error: str | None = None
    response: str | None = None
    duration_ms: float = 0


class Sender:
    """POSTs one CloudEvent in HTTP binary mode, signed per Standard Webhooks."""

    def __init__(self, settings: WebhookSettings, *, production: bool) -> None:
        self.settings = settings
        self.production = production
        self.client = httpx.AsyncClient(timeout=settings.timeout_s, follow_redirects=False)

    async def post(self, *, target_url: str, attributes: dict[str, str], body: str, secrets: list[str]) -> Outcome:
        started = time.perf_counter()
        try:
            if self.production:  # checked again at each send: what a name resolves to can change
                await check_target(target_url, require_https=True, allow_loopback=False,
                                   allowed=self.settings.networks())
            raw = body.encode()
            headers = {f"ce-{name}": value for name, value in attributes.items()}
            headers["content-type"] = "application/json"
            headers |= standard_webhook_headers(secrets_in_use=secrets, message_id=attributes["id"],
                                                timestamp=int(time.time()), body=raw)
            response = await self.client.post(target_url, content=raw, headers=headers)
        except (httpx.HTTPError, TargetRefused, OSError) as error:
            return Outcome(False, error=f"{type(error).__name__}: {error}"[:500], duration_ms=_ms(started))
        excerpt = response.text[: self.settings.response_excerpt_bytes] if response.content else None
        return Outcome(200 <= response.status_code < 300, status=response.status_code,
                       response=None if response.is_success else excerpt, duration_ms=_ms(started))

    async def close(self) -> None:
        await self.client.aclose()


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)
