"""The WebhookSubscription aggregate (pure): created → active ⇄ paused → deleted; its secret rotations.

Its events carry no secret (they are its history, readable by its owner); the secrets live in their own table.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import singledispatchmethod
from uuid import UUID, uuid4

from continuum.domain import Aggregate, DomainError, DomainEvent

STARTS = ("now", "beginning")


@dataclass(frozen=True)
class Filters:
    """Which events a subscription takes: every list empty means any; a type ending in `*` is a prefix."""

    event_types: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    subjects: tuple[str, ...] = ()
    skip_own_events: bool = False

    def matches(self, *, event_type: str, source: str, subject: str | None, actor: str | None, owner: str) -> bool:
        if self.event_types and not any(_type_matches(pattern, event_type) for pattern in self.event_types):
            return False
        if self.sources and source not in self.sources:
            return False
        if self.subjects and subject not in self.subjects:
            return False
        return not (self.skip_own_events and actor is not None and actor == owner)


def _type_matches(pattern: str, event_type: str) -> bool:
    return event_type.startswith(pattern[:-1]) if pattern.endswith("*") else event_type == pattern


@dataclass(frozen=True)
class WebhookSubscriptionCreated(DomainEvent):
    subscription_id: UUID
    owner: str
    target_url: str
    event_types: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    subjects: list[str] = field(default_factory=list)
    skip_own_events: bool = False
    start: str = "now"


@dataclass(frozen=True)
class WebhookSubscriptionPaused(DomainEvent):
    subscription_id: UUID
    reason: str
    by: str


@dataclass(frozen=True)
class WebhookSubscriptionResumed(DomainEvent):
    subscription_id: UUID
    by: str


@dataclass(frozen=True)
class WebhookSecretRotated(DomainEvent):
    subscription_id: UUID
    previous_signs_until: datetime
    by: str


@dataclass(frozen=True)
class WebhookSubscriptionDeleted(DomainEvent):
    subscription_id: UUID
    by: str


EVENT_TYPES = (WebhookSubscriptionCreated, WebhookSubscriptionPaused, WebhookSubscriptionResumed,
               WebhookSecretRotated, WebhookSubscriptionDeleted)


class WebhookSubscription(Aggregate):
    stream_type = "WebhookSubscription"

    def __init__(self, id: UUID) -> None:
        super().__init__(id)
        self.owner = ""
        self.target_url = ""
        self.filters = Filters()
        self.start = "now"
        self.state = "active"
        self.paused_reason: str | None = None
        self.created_at: datetime | None = None
        self.rotated_at: datetime | None = None
        self.previous_signs_until: datetime | None = None

    @classmethod
    def create(cls, *, owner: str, target_url: str, filters: Filters, start: str, at: datetime
               ) -> WebhookSubscription:
        if start not in STARTS:
            raise DomainError("webhook-start-now-or-beginning", f"start is one of {', '.join(STARTS)}")
        subscription = cls(uuid4())
        subscription._record(WebhookSubscriptionCreated(
            subscription_id=subscription.id, owner=owner, target_url=target_url,
            event_types=list(filters.event_types), sources=list(filters.sources), subjects=list(filters.subjects),
            skip_own_events=filters.skip_own_events, start=start), at=at)
        return subscription

    def pause(self, reason: str, *, by: str, at: datetime) -> None:
        self._require_existing()
        if self.state == "paused":
            raise DomainError("webhook-pause-when-active", "the subscription is paused already")
        self._record(WebhookSubscriptionPaused(subscription_id=self.id, reason=reason, by=by), at=at)

    def resume(self, *, by: str, at: datetime) -> None:
        self._require_existing()
        if self.state != "paused":
            raise DomainError("webhook-resume-when-paused", "the subscription is not paused")
        self._record(WebhookSubscriptionResumed(subscription_id=self.id, by=by), at=at)

    def rotate_secret(self, *, overlap_until: datetime, by: str, at: datetime) -> None:
        self._require_existing()
        if overlap_until < at:
            raise DomainError("webhook-overlap-not-in-past", "the previous secret's overlap cannot end in the past")
        self._record(WebhookSecretRotated(subscription_id=self.id, previous_signs_until=overlap_until, by=by), at=at)

    def delete(self, *, by: str, at: datetime) -> None:
        self._require_existing()
        self._record(WebhookSubscriptionDeleted(subscription_id=self.id, by=by), at=at)

    def _require_existing(self) -> None:
        if self.state == "deleted":
            raise DomainError("webhook-subscription-exists", "the subscription was deleted")

    @singledispatchmethod
    def apply(self, event: DomainEvent) -> None:
        raise NotImplementedError(type(event).__name__)

    @apply.register
    def _(self, event: WebhookSubscriptionCreated) -> None:
        self.owner, self.target_url, self.start = event.owner, event.target_url, event.start
        self.filters = Filters(tuple(event.event_types), tuple(event.sources), tuple(event.subjects),
                               event.skip_own_events)

    @apply.register
    def _(self, event: WebhookSubscriptionPaused) -> None:
        self.state, self.paused_reason = "paused", event.reason

    @apply.register
    def _(self, event: WebhookSubscriptionResumed) -> None:
        self.state, self.paused_reason = "active", None

    @apply.register
    def _(self, event: WebhookSecretRotated) -> None:
        self.previous_signs_until = event.previous_signs_until

    @apply.register
    def _(self, event: WebhookSubscriptionDeleted) -> None:
        self.state = "deleted"
