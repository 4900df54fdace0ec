"""The demo's HTTP side: one client per service, persona tokens, retries of lost races, progress on stderr."""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx

SERVICES = ("project-svc", "service-svc", "handover-svc", "metrics-svc")
TokenIssuer = Callable[..., str]  # issue(*roles, subject=...) -> a bearer token


class DemoError(RuntimeError):
    """A call the demo depends on was refused: the stack is not the one the demo expects."""


@dataclass(frozen=True)
class Persona:
    """Who calls: a business role plus `integration`, which may set `occurred_at` (history import)."""

    headers: dict[str, str]

    @classmethod
    def of(cls, issue: TokenIssuer, *roles: str, subject: str) -> Persona:
        return cls({"Authorization": f"Bearer {issue(*roles, subject=subject)}"})


class Progress:
    """One line per phase; on a terminal the count moves in place."""

    def __init__(self, *, stream=None) -> None:
        self._stream = stream or sys.stderr
        self._tty = self._stream.isatty()
        self._started = time.monotonic()

    def phase(self, text: str) -> None:
        self._stream.write(f"[demo {time.monotonic() - self._started:5.1f}s] {text}\n")
        self._stream.flush()

    def count(self, what: str, done: int, total: int) -> None:
        if self._tty:
            self._stream.write(f"\r    {what}: {done}/{total}")
            if done == total:
                self._stream.write("\n")
        elif done == total or done % max(1, total // 4) == 0:
            self._stream.write(f"    {what}: {done}/{total}\n")
        self._stream.flush()


class Stack:
    """The four services' HTTP APIs."""

    def __init__(self, urls: dict[str, str], *, timeout_s: float = 30) -> None:
        self.clients = {name: httpx.AsyncClient(base_url=url, timeout=timeout_s) for name, url in urls.items()}

    async def aclose(self) -> None:
        await asyncio.gather(*(client.aclose() for client in self.clients.values()))

    async def post(self, service: str, path: str, who: Persona, body: dict[str, Any] | None = None,
                   *, expect: int = 200) -> dict[str, Any]:
        """POST, retrying a lost optimistic-concurrency race (e.g. with service-svc's SLA deadline watcher) and,
        for up to 30 s, a reference created a moment ago that the service has not learned yet (422
        unknown-reference: e.g. project-svc reading a new service's ServiceRegistered)."""
        deadline = time.monotonic() + 30
        for attempt in range(8):
            response = await self.clients[service].post(path, json=body or {}, headers=who.headers)
            if response.status_code == 409 and response.json().get("rule") == "optimistic-concurrency":
                await asyncio.sleep(0.05 * (attempt + 1))
                continue
            while _not_known_yet(response) and time.monotonic() < deadline:
                await asyncio.sleep(0.3)
                response = await self.clients[service].post(path, json=body or {}, headers=who.headers)
            return _checked(response, expect)
        return _checked(response, expect)

    async def post_lines(self, service: str, path: str, who: Persona, lines: list[dict[str, Any]]) -> None:
        """POST NDJSON to a bulk import; every line must be accepted (or already imported, on a re-run)."""
        body = "".join(json.dumps(line) + "\n" for line in lines)
        response = await self.clients[service].post(path, content=body.encode(), headers={
            **who.headers, "Content-Type": "application/x-ndjson"})
        if response.status_code != 200:
            _checked(response, 200)
        answers = [json.loads(raw) for raw in response.text.splitlines() if raw.strip()]
        refused = [answer for answer in answers if answer.get("status") == "rejected"]
        if refused:
            raise DemoError(f"POST {path}: {len(refused)} line(s) refused, the first: {refused[0]}")

    async def get(self, service: str, path: str, who: Persona, **params: Any) -> dict[str, Any]:
        response = await self.clients[service].get(path, headers=who.headers, params=params)
        return _checked(response, 200)

    async def wait_for(self, probe: Callable[[], Awaitable[Any]], *, what: str, timeout_s: float = 120) -> Any:
        """Poll until `probe` gives something: the services talk through Kafka, so effects arrive shortly."""
        deadline = time.monotonic() + timeout_s
        while True:
            found = await probe()
            if found:
                return found
            if time.monotonic() > deadline:
                raise DemoError(f"gave up waiting {timeout_s:.0f}s for {what}")
            await asyncio.sleep(0.3)


def _not_known_yet(response: httpx.Response) -> bool:
    return response.status_code == 422 and response.json().get("type", "").endswith(":unknown-reference")


def _checked(response: httpx.Response, expect: int) -> dict[str, Any]:
    if response.status_code != expect:
        request = response.request
        raise DemoError(f"{request.method} {request.url} answered {response.status_code}: {response.text[:500]}")
    return response.json()
