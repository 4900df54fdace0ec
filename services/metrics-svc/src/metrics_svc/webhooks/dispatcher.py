"""The delivery loop: claims due deliveries, POSTs them as signed CloudEvents, retries, parks, pauses.

Claims take a lease (`leased_until`) under `FOR UPDATE SKIP LOCKED`, so replicas share the work and a delivery
whose claimer died is claimed again when its lease ends (at least once). A delivery is claimable only when no
earlier event of its subject is pending for its subscription (order per subject), and a subscription never has
more than `per_subscription_in_flight` POSTs in flight: a slow receiver holds only its own slots.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import httpx
import sqlalchemy as sa
from prometheus_client import CollectorRegistry, Counter, Gauge
from sqlalchemy.ext.asyncio import AsyncEngine

from continuum.domain import DomainError, NotFound
from continuum.eventstore.store import ConcurrencyError
from continuum.webhooks import TargetRefused, check_target, standard_webhook_headers

from metrics_svc.webhooks import store
from metrics_svc.webhooks.settings import WebhookSettings

log = logging.getLogger(__name__)

CANDIDATES = sa.text("""
WITH heads AS (  -- each subject's earliest pending delivery: one ordered pass over the pending index
    SELECT DISTINCT ON (subscription_id, subject) id, subscription_id, next_attempt_at, leased_until
    FROM webhook_deliveries WHERE state = 'pending'
    ORDER BY subscription_id, subject, partition, "offset"
), busy AS (
    SELECT subscription_id, count(*) AS leased FROM heads WHERE leased_until >= now() GROUP BY subscription_id
), due AS (
    SELECT h.id, h.subscription_id, h.next_attempt_at,
           row_number() OVER (PARTITION BY h.subscription_id ORDER BY h.next_attempt_at, h.id) AS rank
    FROM heads h JOIN webhook_subscriptions s ON s.id = h.subscription_id
    WHERE h.next_attempt_at <= now() AND (h.leased_until IS NULL OR h.leased_until < now())
      AND s.state = 'active' AND NOT s.replay_pending
)
SELECT due.id FROM due LEFT JOIN busy USING (subscription_id)
WHERE due.rank + coalesce(busy.leased, 0) <= :per_subscription
ORDER BY due.next_attempt_at, due.id
LIMIT :limit
""")
CLAIM = sa.text("""
UPDATE webhook_deliveries d
SET leased_until = now() + make_interval(secs => :lease_s), attempts = d.attempts + 1, last_attempt_at = now()
FROM webhook_subscriptions s
WHERE s.id = d.subscription_id AND d.id IN (
    SELECT id FROM webhook_deliveries
    WHERE id = ANY(CAST(:ids AS bigint[])) AND state = 'pending' AND (leased_until IS NULL OR leased_until < now())
    FOR UPDATE SKIP LOCKED)
RETURNING d.id, d.subscription_id, d.event_id, d.attributes, d.body, d.attempts, s.target_url
""")
DELIVERED = sa.text("""
WITH done AS (
    UPDATE webhook_deliveries SET state = 'delivered', delivered_at = now(), leased_until = NULL,
           last_status = :status, last_error = NULL, last_response = NULL
    WHERE id = :id AND state = 'pending' RETURNING subscription_id)
UPDATE webhook_subscriptions SET consecutive_failures = 0
WHERE id IN (SELECT subscription_id FROM done) AND consecutive_failures <> 0
""")
FAILED = sa.text("""
WITH failed AS (
    UPDATE webhook_deliveries
    SET state = CASE WHEN coalesce(first_failed_at, now()) + make_interval(secs => :retry_for_s) <= now()
                     THEN 'parked' ELSE 'pending' END,
        first_failed_at = coalesce(first_failed_at, now()),
        next_attempt_at = now() + make_interval(secs => :delay_s), leased_until = NULL,
        last_status = :status, last_error = :error, last_response = :response
    WHERE id = :id AND state = 'pending' RETURNING subscription_id, state)
UPDATE webhook_subscriptions s SET consecutive_failures = s.consecutive_failures + 1
FROM failed WHERE s.id = failed.subscription_id
RETURNING s.consecutive_failures, s.state AS subscription_state, failed.state
""")
FORGET_DELIVERED = sa.text("""
DELETE FROM webhook_deliveries
WHERE state = 'delivered' AND delivered_at < now() - make_interval(secs => :keep_s)
""")
BACKLOG = sa.text("""
SELECT s.id, count(d.id) AS pending, coalesce(extract(epoch FROM now() - min(d.created_at)), 0) AS oldest_s
FROM webhook_subscriptions s LEFT JOIN webhook_deliveries d ON d.subscription_id = s.id AND d.state = 'pending'
GROUP BY s.id
""")


@dataclass(frozen=True)
class Outcome:
    delivered: bool
    status: int | None = None
    error: str | None = None
    response: str | None = None
    duration_ms: float = 0


class WebhookMetrics:
    """Per subscription: deliveries by outcome, and the backlog (lag) in deliveries and seconds."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.attempts = Counter("continuum_webhook_deliveries", "Webhook delivery attempts by outcome",
                                ["subscription", "outcome"], registry=registry)
        self.pending = Gauge("continuum_webhook_pending_deliveries", "Deliveries not yet delivered (lag)",
                             ["subscription"], registry=registry)
        self.oldest = Gauge("continuum_webhook_lag_seconds", "Age of the oldest pending delivery",
                            ["subscription"], registry=registry)
        self.intake_lag = Gauge("continuum_webhook_intake_lag_messages",
                                "Messages of the four topics not yet taken into deliveries", registry=registry)


def full_jitter_delay(attempts: int, settings: WebhookSettings) -> float:
    """Exponential backoff with full jitter: uniform below min(max, base × 2^(attempts − 1))."""
    bound = min(settings.backoff_max_s, settings.backoff_base_s * 2 ** min(attempts - 1, 40))
    return random.uniform(0, bound)


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
