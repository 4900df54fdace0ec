"""Loading and saving webhook subscriptions (their events, state row and secrets) over a connection."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from continuum.context import current_context
from continuum.domain import NotFound
from continuum.eventstore.codec import EventCodec
from continuum.eventstore.store import ConcurrencyError, RecordedEvent

from metrics_svc.webhooks.subscription import EVENT_TYPES, WebhookSubscription
from metrics_svc.webhooks.tables import secrets, subscription_events, subscriptions

CODEC = EventCodec(EVENT_TYPES)
STREAM_TYPE = WebhookSubscription.stream_type


async def load(conn: AsyncConnection, subscription_id: UUID, *, as_of: datetime | None = None,
               deleted_too: bool = False) -> WebhookSubscription:
    """The subscription as its events fold it (as it stood at `as_of`); NotFound if none (or deleted)."""
    subscription = WebhookSubscription(subscription_id)
    for recorded in await history(conn, subscription_id, as_of=as_of):
        subscription.replay(CODEC.decode(recorded.event_type, recorded.schema_version, recorded.data),
                            version=recorded.version, occurred_at=recorded.occurred_at)
        if recorded.version == 1:
            subscription.created_at = recorded.occurred_at
    if subscription.version == 0 or (subscription.state == "deleted" and not deleted_too):
        raise NotFound(STREAM_TYPE, subscription_id)
    return subscription


async def history(conn: AsyncConnection, subscription_id: UUID, *, as_of: datetime | None = None
                  ) -> list[RecordedEvent]:
    query = (sa.select(subscription_events).where(subscription_events.c.subscription_id == subscription_id)
             .order_by(subscription_events.c.version))
    if as_of is not None:
        query = query.where(subscription_events.c.occurred_at <= as_of)
    return [RecordedEvent(global_position=row.version, stream_id=row.subscription_id, stream_type=STREAM_TYPE,
                          version=row.version, event_id=row.event_id, event_type=row.event_type, schema_version=1,
                          data=row.data, metadata=row.metadata, occurred_at=row.occurred_at,
                          recorded_at=row.recorded_at)
            for row in await conn.execute(query)]


async def save(conn: AsyncConnection, subscription: WebhookSubscription, **runtime: Any) -> None:
    """Append its new events at its expected version and keep its state row (deleted: the row goes, with its
    deliveries and secrets). `runtime` sets state-row columns that are no event's (start offsets)."""
    if not subscription.pending:
        return
    metadata = current_context().event_metadata()
    before = subscription.version
    rows = [{"subscription_id": subscription.id, "version": before + index, "event_id": uuid4(),
             "event_type": pending.event.event_type(), "data": CODEC.encode(pending.event), "metadata": metadata,
             "occurred_at": pending.occurred_at} for index, pending in enumerate(subscription.pending, start=1)]
    try:
        await conn.execute(subscription_events.insert(), rows)
    except IntegrityError:
        raise ConcurrencyError(subscription.id, before) from None
    subscription.version = before + len(rows)
    subscription.pending = []
    await _keep_state_row(conn, subscription, runtime)


async def _keep_state_row(conn: AsyncConnection, subscription: WebhookSubscription, runtime: dict[str, Any]) -> None:
    if subscription.state == "deleted":
        await conn.execute(subscriptions.delete().where(subscriptions.c.id == subscription.id))
        return
    filters = subscription.filters
    values = {"owner": subscription.owner, "target_url": subscription.target_url,
              "event_types": list(filters.event_types), "sources": list(filters.sources),
              "subjects": list(filters.subjects), "skip_own_events": filters.skip_own_events,
              "state": subscription.state, "paused_reason": subscription.paused_reason,
              "version": subscription.version, "start": subscription.start, "updated_at": sa.func.now(), **runtime}
    if subscription.state == "active":
        values["consecutive_failures"] = 0
    statement = pg_insert(subscriptions).values(id=subscription.id, created_at=subscription.created_at, **values)
    await conn.execute(statement.on_conflict_do_update(index_elements=[subscriptions.c.id], set_=values))


async def add_secret(conn: AsyncConnection, subscription_id: UUID, secret: str) -> None:
    await conn.execute(secrets.insert().values(subscription_id=subscription_id, secret=secret))


async def retire_current_secret(conn: AsyncConnection, subscription_id: UUID, *, signs_until: datetime) -> None:
    """The current secret keeps signing until `signs_until` (older retired ones end no later than that)."""
    await conn.execute(secrets.update().where(secrets.c.subscription_id == subscription_id,
                                              secrets.c.expires_at.is_(None)).values(expires_at=signs_until))
    await conn.execute(secrets.update().where(secrets.c.subscription_id == subscription_id,
                                              secrets.c.expires_at > signs_until).values(expires_at=signs_until))


async def secrets_in_use(conn: AsyncConnection, subscription_ids: list[UUID]) -> dict[UUID, list[str]]:
    """Each subscription's signing secrets, the current first, then those still in their overlap."""
    query = (sa.select(secrets.c.subscription_id, secrets.c.secret)
             .where(secrets.c.subscription_id == sa.any_(sa.cast(subscription_ids, sa.ARRAY(sa.Uuid))),
                    sa.or_(secrets.c.expires_at.is_(None), secrets.c.expires_at > sa.func.now()))
             .order_by(secrets.c.subscription_id, secrets.c.expires_at.desc().nulls_first(), secrets.c.id.desc()))
    found: dict[UUID, list[str]] = {}
    for row in await conn.execute(query):
        found.setdefault(row.subscription_id, []).append(row.secret)
    return found
