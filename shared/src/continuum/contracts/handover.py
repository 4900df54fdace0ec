"""Contracts of the events published on `continuum.handover.events`.

Consumed by other contexts: service-svc moves the service to `operation` on HandoverAccepted, project-svc
lets the project close once every handover of its target services is accepted, metrics-svc measures
handovers and starts benefits measurement. Keep their fields; new fields must be optional.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
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


class HandoverCompletedV1(HandoverEvent):
    """Early life support ended with its exit criteria met."""

    completed_at: datetime
    early_life_incidents: int
    early_life_incident_rate_per_week: Decimal
    sla_met: bool


PUBLISHED: tuple[type[EventContract], ...] = (
    HandoverOpenedV1,
    HandoverAcceptedV1,
    HandoverRejectedV1,
    HandoverCompletedV1,
)
