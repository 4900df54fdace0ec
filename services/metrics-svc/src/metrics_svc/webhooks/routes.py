"""HTTP routes of webhook subscriptions (admin or integration; each subscription its creator's, or admin's)."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Annotated, Literal
from uuid import UUID

import sqlalchemy as sa
from fastapi import APIRouter, Path, Request, Response

from continuum.config import Environment
from continuum.domain import as_utc
from continuum.http.auth import Role
from continuum.http.commands import Caller, allowed, answer_with_version
from continuum.http.conditional import IfMatch, parse_if_match
from continuum.http.decimals import decimal_text
from continuum.http.history import AsOf, History, HistoryLimit, history_after, history_position
from continuum.http.pagination import Cursor, Limit, Page, decode_cursor, encode_cursor, foreign_cursor
from continuum.http.problems import ProblemError
from continuum.webhooks import TargetRefused, check_target
from continuum.http.routes import with_routes

from metrics_svc.webhooks import commands, store
from metrics_svc.webhooks.runtime import sender_for
from metrics_svc.webhooks.schemas import (
    CreatedSubscription,
    CreateSubscription,
    DeliveryView,
    Pause,
    Redelivered,
    RotatedSecret,
    RotateSecret,
    SubscriptionView,
    TestResult,
)
from metrics_svc.webhooks.tables import deliveries, subscriptions

SUBSCRIBERS = (Role.integration,)
DeliveryId = Annotated[int, Path(ge=1, le=2**63 - 1, description="A delivery's id (from the deliveries list).")]
PATH = "/webhook-subscriptions"


async def refuse_forbidden_target(request: Request, url: str) -> None:
    """422 naming `target_url` for a target the environment does not allow (SSRF, docs/webhooks.md)."""
    config = request.app.state.config
    production = config.environment is Environment.production
    try:
        await check_target(url, require_https=production, allow_loopback=not production,
                           allowed=config.webhooks.networks())
    except TargetRefused as refusal:
        raise ProblemError(422, "validation", "Invalid request", str(refusal), errors=[
            {"field": "body.target_url", "message": str(refusal), "type": "target_refused"}]) from None


async def _view(request: Request, response: Response, subscription_id: UUID, caller: Caller) -> SubscriptionView:
    async with request.app.state.engine.connect() as conn:
        subscription = await commands.load_owned(conn, subscription_id, caller)
        runtime = await commands.runtime_state(conn, subscription_id)
    answer_with_version(response, subscription.version)
    return SubscriptionView.of(subscription, runtime)


def webhook_router() -> APIRouter:
    return with_routes(APIRouter(prefix=PATH, tags=["webhooks"]), _subscription_routes, _one_subscription_routes,
                       _state_routes, _test_route, _delivery_routes)


def _subscription_routes(router: APIRouter) -> None:
    @router.post("", status_code=201, **allowed(*SUBSCRIBERS), description=(
        "Subscribe a URL to events of all four topics. The answer holds the signing secret, shown only here."))
    async def create(body: CreateSubscription, caller: Caller, request: Request, response: Response
                     ) -> CreatedSubscription:
        await refuse_forbidden_target(request, body.target_url)
        created = await commands.create(request.app.state.engine, owner=caller.subject, target_url=body.target_url,
                                        filters=body.filters(), start=body.start)
        subscription = created.subscription
        answer_with_version(response, subscription.version, location=f"{PATH}/{subscription.id}")
        view = SubscriptionView.of(subscription, {"consecutive_failures": 0, "pending": 0, "parked": 0,
                                                  "replay_pending": body.start == "beginning"})
        return CreatedSubscription(**view.model_dump(), secret=created.secret)

    @router.get("", **allowed(*SUBSCRIBERS))
    async def list_(caller: Caller, request: Request, limit: Limit = 50, cursor: Cursor = None
                    ) -> Page[SubscriptionView]:
        after = decode_cursor(cursor) or {}
        query = sa.select(subscriptions.c.id).order_by(subscriptions.c.created_at, subscriptions.c.id).limit(limit + 1)
        if Role.admin not in caller.roles:
            query = query.where(subscriptions.c.owner == caller.subject)
        if after:
            try:
                position = (as_utc(datetime.fromisoformat(after["at"])), UUID(after["id"]))
            except (KeyError, ValueError, TypeError):
                raise foreign_cursor() from None
            query = query.where(sa.tuple_(subscriptions.c.created_at, subscriptions.c.id) > position)
        async with request.app.state.engine.connect() as conn:
            ids = (await conn.execute(query)).scalars().all()
            items = [SubscriptionView.of(await store.load(conn, i), await commands.runtime_state(conn, i))
                     for i in ids[:limit]]
        more = len(ids) > limit
        last = items[-1] if items else None
        next_cursor = encode_cursor({"at": last.created_at.isoformat(), "id": str(last.id)}) if more and last else None
        return Page[SubscriptionView](items=items, next_cursor=next_cursor)


def _one_subscription_routes(router: APIRouter) -> None:
    @router.get("/{subscription_id}", **allowed(*SUBSCRIBERS))
    async def read(subscription_id: UUID, caller: Caller, request: Request, response: Response, as_of: AsOf = None
                   ) -> SubscriptionView:
        if as_of is None:
            return await _view(request, response, subscription_id, caller)
        async with request.app.state.engine.connect() as conn:
            subscription = await commands.load_owned(conn, subscription_id, caller, as_of=as_of)
        answer_with_version(response, subscription.version)
        return SubscriptionView.of(subscription)

    @router.get("/{subscription_id}/history", **allowed(*SUBSCRIBERS))
    async def history(subscription_id: UUID, caller: Caller, request: Request, cursor: Cursor = None,
                      limit: HistoryLimit = 100) -> History:
        after = history_position(cursor)
        async with request.app.state.engine.connect() as conn:
            await commands.load_owned(conn, subscription_id, caller, deleted_too=True)
            recorded = await store.history(conn, subscription_id)
        return history_after(subscription_id, recorded, after=after, limit=limit)

    @router.delete("/{subscription_id}", status_code=204, **allowed(*SUBSCRIBERS))
    async def delete(subscription_id: UUID, caller: Caller, request: Request, if_match: IfMatch = None) -> Response:
        await commands.delete(request.app.state.engine, subscription_id, caller, expected=parse_if_match(if_match))
        return Response(status_code=204)


def _state_routes(router: APIRouter) -> None:
    @router.post("/{subscription_id}/pause", **allowed(*SUBSCRIBERS))
    async def pause(subscription_id: UUID, caller: Caller, request: Request, response: Response,
                    body: Pause | None = None, if_match: IfMatch = None) -> SubscriptionView:
        await commands.pause(request.app.state.engine, subscription_id, caller, reason=(body or Pause()).reason,
                             expected=parse_if_match(if_match))
        return await _view(request, response, subscription_id, caller)

    @router.post("/{subscription_id}/resume", **allowed(*SUBSCRIBERS), description=(
        "Active again; what waited (also while paused after repeated failures) is due at once."))
    async def resume(subscription_id: UUID, caller: Caller, request: Request, response: Response,
                     if_match: IfMatch = None) -> SubscriptionView:
        await commands.resume(request.app.state.engine, subscription_id, caller, expected=parse_if_match(if_match))
        return await _view(request, response, subscription_id, caller)

    @router.post("/{subscription_id}/rotate-secret", **allowed(*SUBSCRIBERS), description=(
        "A new secret, shown only here; the previous one also signs every delivery until the overlap ends."))
    async def rotate(subscription_id: UUID, caller: Caller, request: Request, response: Response,
                     body: RotateSecret | None = None, if_match: IfMatch = None) -> RotatedSecret:
        overlap = timedelta(hours=(body or RotateSecret()).overlap_hours)
        created = await commands.rotate_secret(request.app.state.engine, subscription_id, caller, overlap=overlap,
                                               expected=parse_if_match(if_match))
        answer_with_version(response, created.subscription.version)
        return RotatedSecret(secret=created.secret, previous_signs_until=created.subscription.previous_signs_until)


def _test_route(router: APIRouter) -> None:
    @router.post("/{subscription_id}/test", **allowed(*SUBSCRIBERS), description=(
        "POST a signed `continuum.metrics.WebhookPing.v1` CloudEvent to the target now and answer how it went."))
    async def test(subscription_id: UUID, caller: Caller, request: Request) -> TestResult:
        async with request.app.state.engine.connect() as conn:
            subscription = await commands.load_owned(conn, subscription_id, caller)
            secrets = (await store.secrets_in_use(conn, [subscription_id])).get(subscription_id, [])
        await refuse_forbidden_target(request, subscription.target_url)
        event_id, now = str(uuid.uuid4()), datetime.now(UTC)
        attributes = {"specversion": "1.0", "id": event_id, "source": request.app.state.spec.source,
                      "type": "continuum.metrics.WebhookPing.v1", "subject": str(subscription_id),
                      "time": now.isoformat()}
        body = json.dumps({"subscription_id": str(subscription_id), "message": "ping from Continuum"})
        sender = sender_for(request.app.state.config, request.app.state.config.webhooks)
        try:
            outcome = await sender.post(target_url=subscription.target_url, attributes=attributes, body=body,
                                        secrets=secrets)
        finally:
            await sender.close()
        return TestResult(delivered=outcome.delivered, status=outcome.status, error=outcome.error,
                          response=outcome.response, duration_ms=decimal_text(outcome.duration_ms, 1), event_id=event_id, sent_at=now)


def _delivery_routes(router: APIRouter) -> None:
    @router.get("/{subscription_id}/deliveries", **allowed(*SUBSCRIBERS), description=(
        "The subscription's deliveries, newest first: by default the parked ones (failed for good until "
        "redelivered), with their last status and the start of the last answer."))
    async def list_deliveries(subscription_id: UUID, caller: Caller, request: Request, limit: Limit = 50,
                              cursor: Cursor = None,
                              state: Literal["parked", "pending", "delivered"] = "parked") -> Page[DeliveryView]:
        before = (decode_cursor(cursor) or {}).get("before")
        if before is not None and not isinstance(before, int):
            raise foreign_cursor()
        query = (sa.select(deliveries).where(deliveries.c.subscription_id == subscription_id,
                                             deliveries.c.state == state)
                 .order_by(deliveries.c.id.desc()).limit(limit + 1))
        if before is not None:
            query = query.where(deliveries.c.id < before)
        async with request.app.state.engine.connect() as conn:
            await commands.load_owned(conn, subscription_id, caller)
            rows = (await conn.execute(query)).all()
        items = [DeliveryView.of(row) for row in rows[:limit]]
        more = len(rows) > limit
        return Page[DeliveryView](items=items, next_cursor=encode_cursor({"before": items[-1].id}) if more else None)

    @router.post("/{subscription_id}/deliveries/{delivery_id}/redeliver", **allowed(*SUBSCRIBERS))
    async def redeliver_one(subscription_id: UUID, delivery_id: DeliveryId, caller: Caller, request: Request
                            ) -> Redelivered:
        count = await commands.redeliver(request.app.state.engine, subscription_id, caller, delivery_id=delivery_id)
        return Redelivered(redelivered=count)

    @router.post("/{subscription_id}/redeliver", **allowed(*SUBSCRIBERS), description=(
        "Every parked delivery of the subscription is pending again, due now, in its order per subject."))
    async def redeliver_all(subscription_id: UUID, caller: Caller, request: Request) -> Redelivered:
        return Redelivered(redelivered=await commands.redeliver(request.app.state.engine, subscription_id, caller))
