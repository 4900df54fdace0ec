"""Domain events of the handover context, named in the past tense.

Every event names its handover, service and project, so that subscribers can route it without state.
The four events of `continuum.contracts.handover.PUBLISHED` are the ones other contexts react to; the
others record how the acceptance criteria and early life support got where they are.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Literal
from uuid import UUID

from continuum.domain import DomainEvent


@dataclass(frozen=True, kw_only=True)
class HandoverEvent(DomainEvent):
    handover_id: UUID
    service_id: UUID
    project_id: UUID | None


@dataclass(frozen=True, kw_only=True)
class HandoverOpened(HandoverEvent):
    opened_at: datetime


@dataclass(frozen=True, kw_only=True)
class CriterionAdded(HandoverEvent):
    key: str
    title: str
    mandatory: bool


@dataclass(frozen=True, kw_only=True)
class CriterionMet(HandoverEvent):
    key: str
    evidence: str
    confirmed_by: str
    confirmed_at: datetime
    automatic: bool
    early_life_support_days: int | None
    max_incidents_per_week: Decimal | None


@dataclass(frozen=True, kw_only=True)
class CriterionWaived(HandoverEvent):
    key: str
    justification: str
    waived_by: str
    waived_at: datetime


@dataclass(frozen=True, kw_only=True)
class CriterionReset(HandoverEvent):
    """The criterion is pending again (its evidence went away, e.g. the SLA was withdrawn)."""

    key: str
    reason: str
    reset_by: str
    reset_at: datetime


@dataclass(frozen=True, kw_only=True)
class HandoverRejected(HandoverEvent):
    rejected_by: str
    reasons: list[str]
    rejected_at: datetime


@dataclass(frozen=True, kw_only=True)
class HandoverResubmitted(HandoverEvent):
    resubmitted_by: str
    resubmitted_at: datetime
    note: str


@dataclass(frozen=True, kw_only=True)
class HandoverAccepted(HandoverEvent):
    accepted_by: str
    accepted_at: datetime
    readiness_score: Decimal
    early_life_support_days: int


@dataclass(frozen=True, kw_only=True)
class EarlyLifeIncidentOpened(HandoverEvent):
    incident_id: UUID
    priority: Literal["P1", "P2", "P3", "P4"]
    opened_at: datetime


@dataclass(frozen=True, kw_only=True)
class EarlyLifeIncidentResolved(HandoverEvent):
    incident_id: UUID
    resolved_at: datetime


@dataclass(frozen=True, kw_only=True)
class EarlyLifeSlaBreached(HandoverEvent):
    incident_id: UUID
    kind: Literal["response", "resolution"]
    breached_at: datetime


@dataclass(frozen=True, kw_only=True)
class EarlyLifeSupportExtended(HandoverEvent):
    days: int
    reason: str
    extended_by: str
    extended_at: datetime


@dataclass(frozen=True, kw_only=True)
class HandoverCompleted(HandoverEvent):
    """Early life support ended: its exit criteria met, or ended early by the service's owner with a
    justification."""

    completed_at: datetime
    early_life_incidents: int
    early_life_incident_rate_per_week: Decimal
    sla_met: bool
    sla_breaches: int | None = None
    ended_early: bool = False
    ended_by: str | None = None
    justification: str | None = None


EVENT_TYPES: tuple[type[DomainEvent], ...] = (
    HandoverOpened,
    CriterionAdded,
    CriterionMet,
    CriterionWaived,
    CriterionReset,
    HandoverRejected,
    HandoverResubmitted,
    HandoverAccepted,
    EarlyLifeIncidentOpened,
    EarlyLifeIncidentResolved,
    EarlyLifeSlaBreached,
    EarlyLifeSupportExtended,
    HandoverCompleted,
)
