"""The webhook use cases, one transaction each: create, pause, resume, rotate, delete, redeliver."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from continuum import idempotency
from continuum.context import current_context
from continuum.domain import NotFound
from continuum.eventstore.uow import PreconditionFailed
from continuum.http.auth import Principal, Role
from continuum.webhooks import new_secret

from metrics_svc.webhooks import store
from metrics_svc.webhooks.subscription import Filters, WebhookSubscription
from metrics_svc.webhooks.tables import deliveries, intake_positions, subscriptions


@dataclass(frozen=True)
class Created:
    subscription: WebhookSubscription
    secret: str


def _now() -> datetime:
    return datetime.now(UTC)


async def _claim_key(conn: AsyncConnection, subscription_id: UUID) -> None:
    """An Idempotency-Key is claimed in the command's own transaction, as the unit of work does it."""
    claim = current_context().idempotency
    if claim is not None:
        await idempotency.claim(conn, claim, stream_id=subscription_id)


async def _live_start(conn: AsyncConnection) -> dict[str, int]:
    """Where the intake stands on each partition, holding it there until this transaction ends: the intake
    updates these rows first in each batch, so a batch is either before the subscription (not its) or after it
    (matched against it) — nothing falls between (docs/webhooks.md, "start")."""
    await conn.execute(sa.text("LOCK TABLE webhook_intake_positions IN EXCLUSIVE MODE"))  # new partitions too
    rows = await conn.execute(sa.select(intake_positions))
    return {f"{row.topic}:{row.partition}": row.next_offset for row in rows}


async def create(engine: AsyncEngine, *, owner: str, target_url: str, filters: Filters, start: str) -> Created:
    subscription = WebhookSubscription.create(owner=owner, target_url=target_url, filters=filters, start=start,
                                              at=_now())
    subscription.created_at = subscription.pending[0].occurred_at
    secret = new_secret()
    async with engine.begin() as conn:
        start_offsets = await _live_start(conn)
        await store.save(conn, subscription, start_offsets=start_offsets, replay_pending=start == "beginning")
        await store.add_secret(conn, subscription.id, secret)
        await _claim_key(conn, subscription.id)
    return Created(subscription, secret)


def owned(subscription: WebhookSubscription, caller: Principal) -> WebhookSubscription:
    """Another subscriber's subscription does not exist for the caller (404), unless the caller is admin."""
    if subscription.owner != caller.subject and Role.admin not in caller.roles:
        raise NotFound(subscription.stream_type, subscription.id)
    return subscription


async def load_owned(conn: AsyncConnection, subscription_id: UUID, caller: Principal, *,
                     as_of: datetime | None = None, deleted_too: bool = False,
                     expected: frozenset[int] | None = None) -> WebhookSubscription:
    """The caller's subscription (404 otherwise), still at an `expected` version (If-Match; 412 otherwise)."""
    subscription = owned(await store.load(conn, subscription_id, as_of=as_of, deleted_too=deleted_too), caller)
    if expected is not None and subscription.version not in expected:
        raise PreconditionFailed(subscription_id, expected, subscription.version)
    return subscription


async def pause(engine: AsyncEngine, subscription_id: UUID, caller: Principal, *, reason: str,
                expected: frozenset[int] | None = None) -> WebhookSubscription:
    async with engine.begin() as conn:
        subscription = await load_owned(conn, subscription_id, caller, expected=expected)
        subscription.pause(reason, by=caller.subject, at=_now())
        await store.save(conn, subscription)
        await _claim_key(conn, subscription_id)
    return subscription


async def resume(engine: AsyncEngine, subscription_id: UUID, caller: Principal, *,
                 expected: frozenset[int] | None = None) -> WebhookSubscription:
    """Active again, and what waited is due now (not at the end of its backoff)."""
    async with engine.begin() as conn:
        subscription = await load_owned(conn, subscription_id, caller, expected=expected)
        subscription.resume(by=caller.subject, at=_now())
        await store.save(conn, subscription)
        await conn.execute(deliveries.update().where(deliveries.c.subscription_id == subscription_id,
                                                     deliveries.c.state == "pending")
                           .values(next_attempt_at=sa.func.now()))
        await _claim_key(conn, subscription_id)
    return subscription


async def rotate_secret(engine: AsyncEngine, subscription_id: UUID, caller: Principal, *, overlap: timedelta,
                        expected: frozenset[int] | None = None) -> Created:
    """A new secret signs from now; the previous one also signs until the overlap ends."""
    secret = new_secret()
    async with engine.begin() as conn:
        subscription = await load_owned(conn, subscription_id, caller, expected=expected)
        now = _now()
        subscription.rotate_secret(overlap_until=now + overlap, by=caller.subject, at=now)
        await store.save(conn, subscription)
        await store.retire_current_secret(conn, subscription_id, signs_until=now + overlap)
        await store.add_secret(conn, subscription_id, secret)
        await _claim_key(conn, subscription_id)
    return Created(subscription, secret)


async def delete(engine: AsyncEngine, subscription_id: UUID, caller: Principal, *,
                 expected: frozenset[int] | None = None) -> WebhookSubscription:
    async with engine.begin() as conn:
        subscription = await load_owned(conn, subscription_id, caller, expected=expected)
        subscription.delete(by=caller.subject, at=_now())
        await store.save(conn, subscription)
    return subscription


async def redeliver(engine: AsyncEngine, subscription_id: UUID, caller: Principal, *,
                    delivery_id: int | None = None) -> int:
    """Parked deliveries (one, or all of the subscription's) are pending again, due now, with fresh retries."""
    async with engine.begin() as conn:
        await load_owned(conn, subscription_id, caller)
        statement = (deliveries.update()
                     .where(deliveries.c.subscription_id == subscription_id, deliveries.c.state == "parked")
                     .values(state="pending", next_attempt_at=sa.func.now(), first_failed_at=None,
                             leased_until=None))
        if delivery_id is not None:
            statement = statement.where(deliveries.c.id == delivery_id)
        count = (await conn.execute(statement)).rowcount
        if delivery_id is not None and count == 0:
            raise NotFound("WebhookDelivery", subscription_id)
        await _claim_key(conn, subscription_id)
    return count


async def runtime_state(conn: AsyncConnection, subscription_id: UUID) -> dict:
    """What the delivery side knows of a subscription: failures in a row, replay still running, backlog."""
    row = (await conn.execute(
        sa.select(subscriptions.c.consecutive_failures, subscriptions.c.replay_pending,
                  sa.select(sa.func.count()).where(deliveries.c.subscription_id == subscription_id,
                                                   deliveries.c.state == "pending").scalar_subquery().label("pending"),
                  sa.select(sa.func.count()).where(deliveries.c.subscription_id == subscription_id,
                                                   deliveries.c.state == "parked").scalar_subquery().label("parked"))
        .where(subscriptions.c.id == subscription_id))).first()
    return dict(row._mapping) if row else {"consecutive_failures": 0, "replay_pending": False, "pending": 0,
                                           "parked": 0}
