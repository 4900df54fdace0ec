"""Commands of the handover context, in the imperative."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from uuid import UUID


@dataclass(frozen=True, kw_only=True)
class ByTheServicesOwner:
    """A command the service's owner gives: `acting_owner` is who gives it in person, checked against the owner
    handover-svc knows; None when admin or integration act, or the project's team acts in its own role."""

    acting_owner: str | None


@dataclass(frozen=True)
class OpenHandover:
    """By hand: at most one handover awaiting acceptance per project and service."""

    service_id: UUID
    project_id: UUID | None
    at: datetime


@dataclass(frozen=True)
class OpenHandoversForClosingProject:
    """From ProjectClosingStarted: one handover per target service, idempotently."""

    project_id: UUID
    service_ids: tuple[UUID, ...]
    at: datetime


@dataclass(frozen=True)
class AddCriterion:
    handover_id: UUID
    key: str
    title: str
    mandatory: bool
    at: datetime


@dataclass(frozen=True)
class MeetCriterion(ByTheServicesOwner):
    handover_id: UUID
    key: str
    evidence: str
    by: str
    at: datetime
    early_life_support_days: int | None = None
    max_incidents_per_week: Decimal | None = None


@dataclass(frozen=True)
class WaiveCriterion(ByTheServicesOwner):
    handover_id: UUID
    key: str
    justification: str
    by: str
    at: datetime


@dataclass(frozen=True)
class ResetCriterion(ByTheServicesOwner):
    handover_id: UUID
    key: str
    reason: str
    by: str
    at: datetime


@dataclass(frozen=True)
class AcceptHandover(ByTheServicesOwner):
    handover_id: UUID
    by: str
    at: datetime


@dataclass(frozen=True)
class RejectHandover(ByTheServicesOwner):
    handover_id: UUID
    reasons: tuple[str, ...]
    by: str
    at: datetime


@dataclass(frozen=True)
class ResubmitHandover:
    handover_id: UUID
    note: str
    by: str
    at: datetime


@dataclass(frozen=True)
class ExtendEarlyLifeSupport(ByTheServicesOwner):
    handover_id: UUID
    days: int
    reason: str
    by: str
    at: datetime


@dataclass(frozen=True)
class CompleteEarlyLifeSupport(ByTheServicesOwner):
    handover_id: UUID
    at: datetime


@dataclass(frozen=True)
class EndEarlyLifeSupportEarly(ByTheServicesOwner):
    handover_id: UUID
    justification: str
    by: str
    at: datetime


@dataclass(frozen=True)
class RecordServiceFact:
    """What a service event says about a service: it exists, its SLA (defined or withdrawn), owner or stage."""

    service_id: UUID
    sla_defined: bool | None
    owner: str | None
    evidence: str
    at: datetime
    stage: str | None = None  # its lifecycle stage, when the event says


@dataclass(frozen=True)
class RecordProject:
    """A project event named this project: handovers may now refer to it."""

    project_id: UUID


@dataclass(frozen=True)
class RecordServiceIncident:
    """An incident event of a service, for the handovers in early life support of that service."""

    service_id: UUID
    incident_id: UUID
    kind: str  # opened | resolved | response-breach | resolution-breach
    priority: str | None
    at: datetime
