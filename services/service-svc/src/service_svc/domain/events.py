"""Domain events of the service context, named in the past tense; fields equal their published contracts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from uuid import UUID

from continuum.domain import DomainEvent


@dataclass(frozen=True)
class SlaTarget:
    """Targets in business minutes of the calendar (None: the built-in 24x7)."""

    response_minutes: int
    resolution_minutes: int
    calendar_id: UUID | None = None
    calendar_revision: int | None = None  # the calendar's latest revision as the SLA last heard of it


@dataclass(frozen=True)
class WorkingInterval:
    start: str  # "08:00", local time of the calendar's zone
    end: str  # "17:00"; "24:00" is the end of the day


@dataclass(frozen=True)
class Holiday:
    first_day: date
    last_day: date
    name: str = ""


@dataclass(frozen=True)
class CalendarHours:
    """One revision of a calendar: its zone, working week and holidays, applying from `effective_from`."""

    revision: int
    effective_from: datetime
    time_zone: str
    week: dict[str, list[WorkingInterval]]
    holidays: list[Holiday]


# Service


@dataclass(frozen=True)
class ServiceRegistered(DomainEvent):
    service_id: UUID
    name: str
    description: str
    owner: str | None
    stage: str
    demanded_by: str | None = None
    expected_volume: str | None = None


@dataclass(frozen=True)
class ServiceOwnerAssigned(DomainEvent):
    service_id: UUID
    owner: str


@dataclass(frozen=True)
class ServiceStageChanged(DomainEvent):
    service_id: UUID
    from_stage: str
    to_stage: str
    reason: str
    handover_id: UUID | None = None


@dataclass(frozen=True)
class SlaDefined(DomainEvent):
    service_id: UUID
    availability_target_pct: Decimal
    targets: dict[str, SlaTarget]
    csat_target_pct: Decimal


@dataclass(frozen=True)
class SlaCalendarRevised(DomainEvent):
    """A calendar the SLA counts on has a new revision (its clocks were recounted in the same transaction)."""

    service_id: UUID
    calendar_id: UUID
    calendar_revision: int


@dataclass(frozen=True)
class SlaWithdrawn(DomainEvent):
    service_id: UUID
    reason: str


@dataclass(frozen=True)
class OperatingCostRecorded(DomainEvent):
    service_id: UUID
    amount: Decimal
    incurred_on: datetime
    category: str


@dataclass(frozen=True)
class ImprovementPlanned(DomainEvent):
    service_id: UUID
    improvement_id: UUID
    title: str
    project_id: UUID | None = None


@dataclass(frozen=True)
class ImprovementImplemented(DomainEvent):
    service_id: UUID
    improvement_id: UUID
    implemented_at: datetime
    project_id: UUID | None = None


# Calendar


@dataclass(frozen=True)
class CalendarCreated(DomainEvent):
    calendar_id: UUID
    name: str
    owner: str | None
    hours: CalendarHours


@dataclass(frozen=True)
class CalendarRevised(DomainEvent):
    calendar_id: UUID
    hours: CalendarHours
    reason: str


@dataclass(frozen=True)
class CalendarDeleted(DomainEvent):
    calendar_id: UUID
    reason: str


# Incident


@dataclass(frozen=True)
class IncidentOpened(DomainEvent):
    service_id: UUID
    incident_id: UUID
    priority: str
    category: str
    title: str
    outage: bool
    detected_at: datetime
    opened_at: datetime | None = None
    description: str | None = None


@dataclass(frozen=True)
class IncidentSlaApplied(DomainEvent):
    service_id: UUID
    incident_id: UUID
    priority: str
    response_minutes: int | None
    resolution_minutes: int | None
    applied_at: datetime
    calendar_id: UUID | None = None  # None: the built-in 24x7 (as every SLA before calendars)
    calendar: list[CalendarHours] | None = None  # the calendar's revisions in force from applied_at on


@dataclass(frozen=True)
class IncidentAcknowledged(DomainEvent):
    service_id: UUID
    incident_id: UUID
    acknowledged_at: datetime
    business_minutes: Decimal | None = None  # the response clock's business minutes (None: recorded before them)


@dataclass(frozen=True)
class IncidentAssigned(DomainEvent):
    service_id: UUID
    incident_id: UUID
    assignee: str


@dataclass(frozen=True)
class IncidentPutOnHold(DomainEvent):
    service_id: UUID
    incident_id: UUID
    held_at: datetime
    reason: str


@dataclass(frozen=True)
class IncidentResumed(DomainEvent):
    service_id: UUID
    incident_id: UUID
    resumed_at: datetime


@dataclass(frozen=True)
class IncidentResolved(DomainEvent):
    service_id: UUID
    incident_id: UUID
    resolved_at: datetime
    resolution_code: str
    outage_minutes: Decimal = Decimal(0)
    response_sla_met: bool | None = None
    resolution_sla_met: bool | None = None
    business_minutes: Decimal | None = None  # the resolution clock's business minutes, on hold left out


@dataclass(frozen=True)
class IncidentReopened(DomainEvent):
    service_id: UUID
    incident_id: UUID
    reason: str
    reopened_at: datetime | None = None


@dataclass(frozen=True)
class IncidentClosed(DomainEvent):
    service_id: UUID
    incident_id: UUID
    closed_at: datetime


@dataclass(frozen=True)
class IncidentResponseSlaBreached(DomainEvent):
    service_id: UUID
    incident_id: UUID
    priority: str
    target_minutes: int
    breached_at: datetime


@dataclass(frozen=True)
class IncidentResolutionSlaBreached(DomainEvent):
    service_id: UUID
    incident_id: UUID
    priority: str
    target_minutes: int
    breached_at: datetime


@dataclass(frozen=True)
class IncidentCsatRated(DomainEvent):
    service_id: UUID
    incident_id: UUID
    score: int
    comment: str | None = None


# Problem


@dataclass(frozen=True)
class ProblemOpened(DomainEvent):
    service_id: UUID
    problem_id: UUID
    title: str
    incident_ids: list[UUID]


@dataclass(frozen=True)
class ProblemIncidentLinked(DomainEvent):
    service_id: UUID
    problem_id: UUID
    incident_id: UUID


@dataclass(frozen=True)
class ProblemRootCauseRecorded(DomainEvent):
    service_id: UUID
    problem_id: UUID
    root_cause: str


@dataclass(frozen=True)
class ProblemKnownErrorRecorded(DomainEvent):
    service_id: UUID
    problem_id: UUID
    workaround: str


@dataclass(frozen=True)
class ProblemResolved(DomainEvent):
    service_id: UUID
    problem_id: UUID
    resolution: str
    resolved_at: datetime
    resolves_incidents: bool


# Change


@dataclass(frozen=True)
class ChangeRequested(DomainEvent):
    service_id: UUID
    change_id: UUID
    kind: str
    title: str
    risk: str
    planned_start: datetime
    planned_end: datetime


@dataclass(frozen=True)
class ChangeApproved(DomainEvent):
    service_id: UUID
    change_id: UUID
    approved_by: str


@dataclass(frozen=True)
class ChangeRejected(DomainEvent):
    service_id: UUID
    change_id: UUID
    rejected_by: str
    reason: str


@dataclass(frozen=True)
class ChangeImplemented(DomainEvent):
    service_id: UUID
    change_id: UUID
    outcome: str
    implemented_at: datetime | None = None


# ServiceRequest


@dataclass(frozen=True)
class ServiceRequestSubmitted(DomainEvent):
    service_id: UUID
    request_id: UUID
    title: str
    requested_by: str
    submitted_at: datetime


@dataclass(frozen=True)
class ServiceRequestFulfilled(DomainEvent):
    service_id: UUID
    request_id: UUID
    fulfilled_at: datetime
    fulfilment_minutes: Decimal


@dataclass(frozen=True)
class ServiceRequestCancelled(DomainEvent):
    service_id: UUID
    request_id: UUID
    reason: str


EVENT_TYPES: tuple[type[DomainEvent], ...] = (
    ServiceRegistered, ServiceOwnerAssigned, ServiceStageChanged, SlaDefined, SlaCalendarRevised, SlaWithdrawn,
    OperatingCostRecorded,
    ImprovementPlanned, ImprovementImplemented,
    CalendarCreated, CalendarRevised, CalendarDeleted,
    IncidentOpened, IncidentSlaApplied, IncidentAcknowledged, IncidentAssigned, IncidentPutOnHold, IncidentResumed,
    IncidentResolved, IncidentReopened, IncidentClosed, IncidentResponseSlaBreached, IncidentResolutionSlaBreached,
    IncidentCsatRated,
    ProblemOpened, ProblemIncidentLinked, ProblemRootCauseRecorded, ProblemKnownErrorRecorded, ProblemResolved,
    ChangeRequested, ChangeApproved, ChangeRejected, ChangeImplemented,
    ServiceRequestSubmitted, ServiceRequestFulfilled, ServiceRequestCancelled,
)
