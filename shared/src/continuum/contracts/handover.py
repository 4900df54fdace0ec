"""Contracts of the events published on `continuum.handover.events`: the handover context's events, once.

Every event names its handover, service and project, so that subscribers can route it without state.
Consumed by other contexts: service-svc moves the service to `operation` on HandoverAccepted, project-svc
lets the project close once every handover of its target services is accepted, metrics-svc measures
handovers and starts benefits measurement. Keep their fields; new fields must be optional.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Literal
from uuid import UUID

from continuum.contracts.base import EventContract


@dataclass(frozen=True, kw_only=True)
class HandoverEvent(EventContract):
    context = "handover"
    handover_id: UUID
    service_id: UUID
    project_id: UUID | None = None


@dataclass(frozen=True, kw_only=True)
class HandoverOpenedV1(HandoverEvent):
    opened_at: datetime


@dataclass(frozen=True, kw_only=True)
class HandoverAcceptedV1(HandoverEvent):
    accepted_by: str
    accepted_at: datetime
    readiness_score: Decimal
    early_life_support_days: int


@dataclass(frozen=True, kw_only=True)
class HandoverRejectedV1(HandoverEvent):
    rejected_by: str
    reasons: list[str]
    rejected_at: datetime | None = None


@dataclass(frozen=True, kw_only=True)
class HandoverCompletedV1(HandoverEvent):
    """Early life support ended: with its exit criteria met, or early by the service's owner (`ended_early`,
    with `ended_by` and the `justification`). `sla_met`: no SLA breach over the period's trailing days (absent
    `sla_breaches` in events before that rule: no breach in the whole period)."""

    completed_at: datetime
    early_life_incidents: int
    early_life_incident_rate_per_week: Decimal
    sla_met: bool
    sla_breaches: int | None = None
    ended_early: bool = False
    ended_by: str | None = None
    justification: str | None = None


# The events below record how a handover's criteria and early life support got where they are. They are on
# the topic too (the relay publishes every stored event); subscribers mostly need only the four above.


@dataclass(frozen=True, kw_only=True)
class CriterionAddedV1(HandoverEvent):
    key: str
    title: str
    mandatory: bool


@dataclass(frozen=True, kw_only=True)
class CriterionMetV1(HandoverEvent):
    key: str
    evidence: str
    confirmed_by: str
    confirmed_at: datetime
    automatic: bool
    early_life_support_days: int | None = None
    max_incidents_per_week: Decimal | None = None


@dataclass(frozen=True, kw_only=True)
class CriterionWaivedV1(HandoverEvent):
    key: str
    justification: str
    waived_by: str
    waived_at: datetime


@dataclass(frozen=True, kw_only=True)
class CriterionResetV1(HandoverEvent):
    """A criterion is pending again (its evidence went away, e.g. the SLA was withdrawn before acceptance)."""

    key: str
    reason: str
    reset_by: str
    reset_at: datetime


@dataclass(frozen=True, kw_only=True)
class HandoverResubmittedV1(HandoverEvent):
    """After a rejection the project team addressed the reasons and asks for acceptance again."""

    resubmitted_by: str
    resubmitted_at: datetime
    note: str


@dataclass(frozen=True, kw_only=True)
class EarlyLifeIncidentOpenedV1(HandoverEvent):
    incident_id: UUID
    priority: Literal["P1", "P2", "P3", "P4"]
    opened_at: datetime


@dataclass(frozen=True, kw_only=True)
class EarlyLifeIncidentResolvedV1(HandoverEvent):
    incident_id: UUID
    resolved_at: datetime


@dataclass(frozen=True, kw_only=True)
class EarlyLifeSlaBreachedV1(HandoverEvent):
    incident_id: UUID
    kind: Literal["response", "resolution"]
    breached_at: datetime


@dataclass(frozen=True, kw_only=True)
class EarlyLifeSupportExtendedV1(HandoverEvent):
    days: int
    reason: str
    extended_by: str
    extended_at: datetime


PUBLISHED: tuple[type[EventContract], ...] = (
    HandoverOpenedV1,
    HandoverAcceptedV1,
    HandoverRejectedV1,
    HandoverCompletedV1,
    CriterionAddedV1,
    CriterionMetV1,
    CriterionWaivedV1,
    CriterionResetV1,
    HandoverResubmittedV1,
    EarlyLifeIncidentOpenedV1,
    EarlyLifeIncidentResolvedV1,
    EarlyLifeSlaBreachedV1,
    EarlyLifeSupportExtendedV1,
)
