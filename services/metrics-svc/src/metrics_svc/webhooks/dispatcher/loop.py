"""The delivery loop itself (`Dispatcher`): rounds that claim due deliveries and send them concurrently, record
each outcome (retry with full-jitter backoff, park, pause a subscription failing too often), measure the backlog
and forget old deliveries."""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncEngine

from continuum.domain import DomainError, NotFound
from continuum.eventstore.store import ConcurrencyError

from metrics_svc.webhooks import store
from metrics_svc.webhooks.dispatcher.metrics import WebhookMetrics
from metrics_svc.webhooks.dispatcher.sender import Outcome, Sender
from metrics_svc.webhooks.dispatcher.statements import BACKLOG, CANDIDATES, CLAIM, DELIVERED, FAILED, FORGET_DELIVERED
from metrics_svc.webhooks.settings import WebhookSettings

log = logging.getLogger("metrics_svc.webhooks.dispatcher")  # the name it had before the split


def full_jitter_delay(attempts: int, settings: WebhookSettings) -> float:
    """Exponential backoff with full jitter: uniform below min(max, base × 2^(attempts − 1))."""
    bound = min(settings.backoff_max_s, settings.backoff_base_s * 2 ** min(attempts - 1, 40))
    return random.uniform(0, bound)


class Dispatcher:
    def __init__(self, *, engine: AsyncEngine, settings: WebhookSettings, sender: Sender,
                 metrics: WebhookMetrics, intake_lag: Callable[[], int] = lambda: 0) -> None:
        self.engine = engine
        self.intake_lag = intake_lag
        self.settings = settings
        self.sender = sender
        self.metrics = metrics
        self.in_flight: set[asyncio.Task] = set()
        self.woken = asyncio.Event()  # a delivery finished: its slot, and maybe its subject's next event, are free

    async def run(self) -> None:
        """Claim and send until cancelled; a database outage only delays (leases make the work safe to redo)."""
        measured_at = forgot_at = 0.0
        try:
            while True:
                started = time.monotonic()
                try:
                    await self.claim_and_send()
                    if time.monotonic() - measured_at > 5:
                        await self.measure_backlog()
                        measured_at = time.monotonic()
                    if time.monotonic() - forgot_at > 3600:  # hourly: a scan of the delivered rows
                        await self.forget_delivered()
                        forgot_at = time.monotonic()
                except asyncio.CancelledError:
                    raise
                except Exception as error:
                    log.warning("webhook dispatcher round failed: %r", error)
                await self.next_round(claim_s=time.monotonic() - started)
        finally:
            for task in self.in_flight:
                task.cancel()

    async def next_round(self, *, claim_s: float = 0) -> None:
        """After the poll interval, or as soon as a delivery finishes — but never sooner than twice the last
        round took: a claim's cost grows with the pending backlog (docs/webhooks.md), so a large one is polled
        less often instead of keeping the database busy."""
        await asyncio.sleep(2 * claim_s)
        try:
            await asyncio.wait_for(self.woken.wait(), timeout=self.settings.poll_interval_s)
        except TimeoutError:
            pass
        self.woken.clear()

    async def claim_and_send(self) -> int:
        free = self.settings.max_in_flight - len(self.in_flight)
        if free <= 0:
            return 0
        claimed = await self.claim(free)
        if not claimed:
            return 0
        async with self.engine.connect() as conn:
            secrets = await store.secrets_in_use(conn, sorted({row["subscription_id"] for row in claimed}))
        for row in claimed:
            task = asyncio.create_task(self.deliver(row, secrets.get(row["subscription_id"], [])))
            self.in_flight.add(task)
            task.add_done_callback(self.in_flight.discard)
        return len(claimed)

    async def claim(self, limit: int) -> list[dict[str, Any]]:
        async with self.engine.begin() as conn:
            ids = (await conn.execute(CANDIDATES, {"per_subscription": self.settings.per_subscription_in_flight,
                                                   "limit": limit})).scalars().all()
            if not ids:
                return []
            rows = await conn.execute(CLAIM, {"ids": list(ids), "lease_s": self.settings.lease_s})
            return [dict(row._mapping) for row in rows]

    async def deliver(self, row: dict[str, Any], secrets: list[str]) -> None:
        outcome = await self.sender.post(target_url=row["target_url"], attributes=row["attributes"],
                                         body=row["body"], secrets=secrets)
        try:
            await self.record(row, outcome)
        except Exception as error:  # not recorded: its lease ends and it is sent again (at least once)
            log.warning("webhook delivery %s not recorded: %r", row["id"], error)
        finally:
            self.woken.set()

    async def record(self, row: dict[str, Any], outcome: Outcome) -> None:
        label = str(row["subscription_id"])
        async with self.engine.begin() as conn:
            if outcome.delivered:
                await conn.execute(DELIVERED, {"id": row["id"], "status": outcome.status})
                self.metrics.attempts.labels(label, "delivered").inc()
                return
            result = (await conn.execute(FAILED, {
                "id": row["id"], "status": outcome.status, "error": outcome.error, "response": outcome.response,
                "retry_for_s": self.settings.retry_for_s, "delay_s": full_jitter_delay(row["attempts"], self.settings),
            })).first()
        self.metrics.attempts.labels(label, "failed").inc()
        if result is None:
            return
        if result.state == "parked":
            self.metrics.attempts.labels(label, "parked").inc()
        if result.subscription_state == "active" and result.consecutive_failures >= self.settings.pause_after_failures:
            await self.pause_failing(row["subscription_id"], result.consecutive_failures, outcome)

    async def pause_failing(self, subscription_id: UUID, failures: int, outcome: Outcome) -> None:
        last = f"HTTP {outcome.status}" if outcome.status is not None else outcome.error
        reason = f"paused after {failures} failed delivery attempts in a row (last: {last})"
        try:
            async with self.engine.begin() as conn:
                subscription = await store.load(conn, subscription_id)
                subscription.pause(reason, by="webhooks", at=datetime.now(UTC))
                await store.save(conn, subscription)
            log.warning("webhook subscription %s %s", subscription_id, reason)
        except (DomainError, ConcurrencyError, NotFound):
            pass  # paused already (by its owner or another replica's failure)

    async def forget_delivered(self) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(FORGET_DELIVERED, {"keep_s": self.settings.keep_delivered_days * 86400})

    async def measure_backlog(self) -> None:
        async with self.engine.connect() as conn:
            rows = (await conn.execute(BACKLOG)).all()
        self.metrics.intake_lag.set(self.intake_lag())
        self.metrics.pending.clear()
        self.metrics.oldest.clear()
        for row in rows:
            self.metrics.pending.labels(str(row.id)).set(row.pending)
            self.metrics.oldest.labels(str(row.id)).set(float(row.oldest_s))
