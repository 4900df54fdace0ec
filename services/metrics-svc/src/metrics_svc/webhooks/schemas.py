"""Request and response DTOs of the webhook routes, each with examples."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from continuum.http.dates import UtcDateTime
from continuum.http.decimals import DecimalText

from metrics_svc.webhooks.subscription import Filters, WebhookSubscription

TYPE_FILTER = r"^[A-Za-z0-9_.\-]*\*?$"
EventTypeFilter = Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=TYPE_FILTER)]
SourceFilter = Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=r"^/[\x21-\x7e]*$")]
SubjectFilter = Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=r"^[\x21-\x7e]+$")]


def _no_star_inside(patterns: list[str]) -> list[str]:
    for pattern in patterns:
        if "*" in pattern[:-1]:
            raise ValueError("`*` may only end an event-type filter (a prefix)")
    return patterns


class CreateSubscription(BaseModel):
    model_config = ConfigDict(extra="forbid")

    target_url: str = Field(min_length=8, max_length=2000, examples=["https://hooks.example.com/continuum"],
                            description="Where the CloudEvents are POSTed. In production: https, and a host that "
                            "resolves to no loopback, link-local or private address unless allow-listed.")
    event_types: Annotated[list[EventTypeFilter], AfterValidator(_no_star_inside)] = Field(
        default_factory=list, max_length=50, examples=[["continuum.service.Incident*"]],
        description="CloudEvents types, exact or a prefix ending in `*`; empty: every type.")
    sources: list[SourceFilter] = Field(default_factory=list, max_length=10, examples=[["/continuum/service-svc"]],
                                        description="Only events of these `ce-source`s; empty: any.")
    subjects: list[SubjectFilter] = Field(default_factory=list, max_length=100,
                                          description="Only events of these subjects (aggregate ids); empty: any.")
    skip_own_events: bool = Field(False, description="Leave out events whose actor is the token subject that "
                                  "created the subscription (an integration never loops on its own writes).")
    start: Literal["now", "beginning"] = Field("now", description="`now`: events taken in after this; "
                                               "`beginning`: replay the four topics from their first offset.")

    def filters(self) -> Filters:
        return Filters(tuple(self.event_types), tuple(self.sources), tuple(self.subjects), self.skip_own_events)


class Pause(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field("paused by its owner", min_length=1, max_length=500, examples=["receiver maintenance"])


class RotateSecret(BaseModel):
    model_config = ConfigDict(extra="forbid")

    overlap_hours: float = Field(24, ge=0, le=24 * 30, examples=[24],
                                 description="The previous secret also signs for this long (both signatures sent).")


class SubscriptionView(BaseModel):
    id: UUID
    owner: str = Field(examples=["glpi-integration"])
    target_url: str = Field(examples=["https://hooks.example.com/continuum"])
    event_types: list[str] = Field(examples=[["continuum.service.Incident*"]])
    sources: list[str]
    subjects: list[str]
    skip_own_events: bool
    start: str = Field(examples=["now"])
    state: Literal["active", "paused"] = Field(examples=["active"])
    paused_reason: str | None = Field(None, examples=[("paused after 100 failed delivery attempts in a row "
                                                       "(last: HTTP 503)")])
    created_at: UtcDateTime | None
    version: int = Field(examples=[1])
    previous_secret_signs_until: UtcDateTime | None = None
    consecutive_failures: int | None = Field(None, description="Failed attempts since the last success "
                                             "(null in an as_of view).")
    pending_deliveries: int | None = None
    parked_deliveries: int | None = None
    replaying: bool | None = Field(None, description="A `beginning` replay is still reading the topics.")

    @classmethod
    def of(cls, subscription: WebhookSubscription, runtime: dict[str, Any] | None = None) -> SubscriptionView:
        filters = subscription.filters
        runtime = runtime or {}
        return cls(id=subscription.id, owner=subscription.owner, target_url=subscription.target_url,
                   event_types=list(filters.event_types), sources=list(filters.sources),
                   subjects=list(filters.subjects), skip_own_events=filters.skip_own_events,
                   start=subscription.start, state=subscription.state, paused_reason=subscription.paused_reason,
                   created_at=subscription.created_at, version=subscription.version,
                   previous_secret_signs_until=subscription.previous_signs_until,
                   consecutive_failures=runtime.get("consecutive_failures"),
                   pending_deliveries=runtime.get("pending"), parked_deliveries=runtime.get("parked"),
                   replaying=runtime.get("replay_pending"))


class CreatedSubscription(SubscriptionView):
    secret: str = Field(description="The signing secret, shown only in this answer (Standard Webhooks `whsec_`).",
                        examples=["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"])


class RotatedSecret(BaseModel):
    secret: str = Field(description="The new signing secret, shown only here.",
                        examples=["whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD"])
    previous_signs_until: UtcDateTime = Field(description="Until then both secrets sign each delivery.")


class DeliveryView(BaseModel):
    id: int = Field(examples=[42])
    event_id: str
    event_type: str = Field(examples=["continuum.service.IncidentOpened.v1"])
    subject: str
    state: Literal["pending", "delivered", "parked"]
    attempts: int
    created_at: UtcDateTime
    next_attempt_at: UtcDateTime | None
    last_attempt_at: UtcDateTime | None
    delivered_at: UtcDateTime | None
    last_status: int | None = Field(examples=[503])
    last_error: str | None = Field(examples=["ConnectError: All connection attempts failed"])
    last_response: str | None = Field(description="The start of the receiver's last failed answer.")

    @classmethod
    def of(cls, row: Any) -> DeliveryView:
        return cls(id=row.id, event_id=row.event_id, event_type=row.attributes.get("type", ""), subject=row.subject,
                   state=row.state, attempts=row.attempts, created_at=row.created_at,
                   next_attempt_at=row.next_attempt_at if row.state == "pending" else None,
                   last_attempt_at=row.last_attempt_at, delivered_at=row.delivered_at, last_status=row.last_status,
                   last_error=row.last_error, last_response=row.last_response)


class Redelivered(BaseModel):
    redelivered: int = Field(examples=[3], description="Parked deliveries made pending again, due now.")


class TestResult(BaseModel):
    delivered: bool
    status: int | None = Field(examples=[204])
    error: str | None = None
    response: str | None = None
    duration_ms: DecimalText = Field(examples=["12.5"])
    event_id: str
    sent_at: datetime
