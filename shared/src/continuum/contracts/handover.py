"""Contracts of the events published on `continuum.handover.events`.

Consumed by other contexts: service-svc moves the service to `operation` on HandoverAccepted, project-svc
lets the project close once every handover of its target services is accepted, metrics-svc measures
handovers and starts benefits measurement. Keep their fields; new fields must be optional.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Literal
from uuid import UUID

from continuum.contracts.base import EventContract


class HandoverEvent(EventContract):
    context = "handover"
    handover_id: UUID
    service_id: UUID
    project_id: UUID | None = None


class HandoverOpenedV1(HandoverEvent):
    opened_at: datetime


class HandoverAcceptedV1(HandoverEvent):
    accepted_by: str
    accepted_at: datetime
    readiness_score: Decimal
    early_life_support_days: int


class HandoverRejectedV1(HandoverEvent):
    rejected_by: str
    reasons: list[str]
    rejected_at: datetime | None = None


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


class CriterionAddedV1(HandoverEvent):
    key: str
    title: str
    mandatory: bool


class CriterionMetV1(HandoverEvent):
    key: str
    evidence: str
    confirmed_by: str
    confirmed_at: datetime
    automatic: bool
    early_life_support_days: int | None = None
    max_incidents_per_week: Decimal | None = None


class CriterionWaivedV1(HandoverEvent):
    key: str
    justification: str
    waived_by: str
    waived_at: datetime


class CriterionResetV1(HandoverEvent):
    """A criterion is pending again (e.g. the SLA was withdrawn before acceptance)."""

    key: str
    reason: str
    reset_by: str
    reset_at: datetime


class HandoverResubmittedV1(HandoverEvent):
    """After a rejection the project team addressed the reasons and asks for acceptance again."""

    resubmitted_by: str
    resubmitted_at: datetime
    note: str


class EarlyLifeIncidentOpenedV1(HandoverEvent):
    incident_id: UUID
    priority: Literal["P1", "P2", "P3", "P4"]
    opened_at: datetime


class EarlyLifeIncidentResolvedV1(HandoverEvent):
    incident_id: UUID
    resolved_at: datetime


class EarlyLifeSlaBreachedV1(HandoverEvent):
    incident_id: UUID
    kind: Literal["response", "resolution"]
    breached_at: datetime


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
