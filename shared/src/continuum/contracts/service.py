"""Contracts of the events published on `continuum.service.events`.

Consumed by other contexts: handover-svc ticks "SLA defined" and "service owner named" from these and
watches incidents during early life support; metrics-svc projects every service KPI from them. Keep their
fields; new fields must be optional; a changed shape is a new schema version.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal
from uuid import UUID

from annotated_types import Ge, Gt, Interval

from continuum.contracts.base import ContractPart, Described, EventContract, Pattern

Priority = Literal["P1", "P2", "P3", "P4"]
Weekday = Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
Revision = Annotated[int, Ge(1)]
Stage = Literal["strategy", "design", "transition", "operation", "retired"]


@dataclass(frozen=True, kw_only=True)
class ServiceEvent(EventContract):
    context = "service"
    service_id: UUID


@dataclass(frozen=True, kw_only=True)
class ServiceRegisteredV1(ServiceEvent):
    name: str
    description: str
    owner: str | None = None
    stage: Stage
    demanded_by: str | None = None
    expected_volume: str | None = None


@dataclass(frozen=True, kw_only=True)
class ServiceOwnerAssignedV1(ServiceEvent):
    owner: str


@dataclass(frozen=True, kw_only=True)
class ServiceStageChangedV1(ServiceEvent):
    from_stage: Stage
    to_stage: Stage
    reason: str
    handover_id: UUID | None = None


@dataclass(frozen=True, kw_only=True)
class SlaTargets(ContractPart):
    """Targets in business minutes of the calendar named (absent: the built-in 24x7, i.e. wall-clock minutes)."""

    response_minutes: Annotated[int, Gt(0)]
    resolution_minutes: Annotated[int, Gt(0)]
    calendar_id: UUID | None = None
    calendar_revision: Annotated[Revision | None, Described(
        "The calendar's latest revision when the SLA was defined (later ones: SlaCalendarRevised).")] = None


@dataclass(frozen=True, kw_only=True)
class WorkingInterval(ContractPart):
    """Working time of one local day, from `start` to `end` (`HH:MM`, `24:00` ends the day)."""

    start: Annotated[str, Pattern(r"^([01][0-9]|2[0-3]):[0-5][0-9]$")]
    end: Annotated[str, Pattern(r"^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$")]


@dataclass(frozen=True, kw_only=True)
class Holiday(ContractPart):
    """Days without working time, `first_day` to `last_day` inclusive, in the calendar's zone."""

    first_day: date
    last_day: date
    name: str = ""


@dataclass(frozen=True, kw_only=True)
class CalendarHours(ContractPart):
    """One revision of a calendar, in force from `effective_from` until the next revision's."""

    revision: Revision
    effective_from: datetime
    time_zone: Annotated[str, Described("An IANA time zone, e.g. Europe/Berlin.")]
    week: dict[Weekday, list[WorkingInterval]]
    holidays: list[Holiday]


@dataclass(frozen=True, kw_only=True)
class SlaDefinedV1(ServiceEvent):
    """The service's SLA was defined or revised."""

    availability_target_pct: Annotated[Decimal, Interval(gt=0, le=100)]
    targets: dict[Priority, SlaTargets]
    csat_target_pct: Annotated[Decimal, Interval(ge=0, le=100)]


@dataclass(frozen=True, kw_only=True)
class SlaCalendarRevisedV1(ServiceEvent):
    """A calendar the service's SLA counts on has a new revision; the service's unclosed incidents took it in
    the same transaction (IncidentSlaApplied)."""

    calendar_id: UUID
    calendar_revision: Revision


@dataclass(frozen=True, kw_only=True)
class SlaWithdrawnV1(ServiceEvent):
    reason: str


@dataclass(frozen=True, kw_only=True)
class OperatingCostRecordedV1(ServiceEvent):
    amount: Decimal
    incurred_on: datetime
    category: str


@dataclass(frozen=True, kw_only=True)
class ImprovementPlannedV1(ServiceEvent):
    """An item entered the service's improvement register."""

    improvement_id: UUID
    title: str
    project_id: UUID | None = None


@dataclass(frozen=True, kw_only=True)
class ImprovementImplementedV1(ServiceEvent):
    improvement_id: UUID
    implemented_at: datetime
    project_id: UUID | None = None


@dataclass(frozen=True, kw_only=True)
class CalendarEvent(EventContract):
    """Events of a business-hours calendar (service-svc's Calendar aggregate; not tied to one service)."""

    context = "service"
    calendar_id: UUID


@dataclass(frozen=True, kw_only=True)
class CalendarCreatedV1(CalendarEvent):
    name: str
    owner: str | None = None
    hours: CalendarHours


@dataclass(frozen=True, kw_only=True)
class CalendarRevisedV1(CalendarEvent):
    """A new revision of the calendar's hours, in force from its `effective_from`."""

    hours: CalendarHours
    reason: str


@dataclass(frozen=True, kw_only=True)
class CalendarDeletedV1(CalendarEvent):
    reason: str


@dataclass(frozen=True, kw_only=True)
class IncidentEvent(ServiceEvent):
    incident_id: UUID


@dataclass(frozen=True, kw_only=True)
class IncidentOpenedV1(IncidentEvent):
    priority: Priority
    category: str
    title: str
    outage: bool
    detected_at: datetime
    opened_at: datetime | None = None
    description: str | None = None


@dataclass(frozen=True, kw_only=True)
class IncidentSlaAppliedV1(IncidentEvent):
    """The SLA targets the incident's clocks run against (at opening, and when the SLA or its calendar changes),
    in business minutes of `calendar` from `applied_at` on (absent: the built-in 24x7, wall-clock minutes)."""

    priority: Priority
    response_minutes: int | None = None
    resolution_minutes: int | None = None
    applied_at: datetime
    calendar_id: UUID | None = None
    calendar: list[CalendarHours] | None = None


@dataclass(frozen=True, kw_only=True)
class IncidentAssignedV1(IncidentEvent):
    assignee: str


@dataclass(frozen=True, kw_only=True)
class IncidentPutOnHoldV1(IncidentEvent):
    """Awaiting the customer: the resolution clock pauses."""

    held_at: datetime
    reason: str


@dataclass(frozen=True, kw_only=True)
class IncidentResumedV1(IncidentEvent):
    resumed_at: datetime


@dataclass(frozen=True, kw_only=True)
class IncidentAcknowledgedV1(IncidentEvent):
    acknowledged_at: datetime
    business_minutes: Annotated[Decimal | None, Described(
        "Business minutes the response clock ran from opening to acknowledgement, on the calendar of the "
        "incident's SLA (wall-clock minutes on 24x7); absent in events recorded before they were measured.")] = None


@dataclass(frozen=True, kw_only=True)
class IncidentResolvedV1(IncidentEvent):
    resolved_at: datetime
    resolution_code: str
    outage_minutes: Decimal = Decimal(0)
    response_sla_met: bool | None = None
    resolution_sla_met: bool | None = None
    business_minutes: Annotated[Decimal | None, Described(
        "Business minutes the resolution clock ran from opening to this resolution (time on hold left out, a reopen "
        "continuing it), on the calendar of the incident's SLA; absent in events recorded before they were measured."
    )] = None


@dataclass(frozen=True, kw_only=True)
class IncidentReopenedV1(IncidentEvent):
    reason: str
    reopened_at: datetime | None = None


@dataclass(frozen=True, kw_only=True)
class IncidentClosedV1(IncidentEvent):
    closed_at: datetime


@dataclass(frozen=True, kw_only=True)
class IncidentResponseSlaBreachedV1(IncidentEvent):
    priority: Priority
    target_minutes: int
    breached_at: datetime


@dataclass(frozen=True, kw_only=True)
class IncidentResolutionSlaBreachedV1(IncidentEvent):
    priority: Priority
    target_minutes: int
    breached_at: datetime


@dataclass(frozen=True, kw_only=True)
class IncidentCsatRatedV1(IncidentEvent):
    score: Annotated[int, Interval(ge=1, le=5)]
    comment: str | None = None


@dataclass(frozen=True, kw_only=True)
class ProblemEvent(ServiceEvent):
    problem_id: UUID


@dataclass(frozen=True, kw_only=True)
class ProblemOpenedV1(ProblemEvent):
    title: str
    incident_ids: list[UUID]


@dataclass(frozen=True, kw_only=True)
class ProblemIncidentLinkedV1(ProblemEvent):
    incident_id: UUID


@dataclass(frozen=True, kw_only=True)
class ProblemRootCauseRecordedV1(ProblemEvent):
    root_cause: str


@dataclass(frozen=True, kw_only=True)
class ProblemKnownErrorRecordedV1(ProblemEvent):
    workaround: str


@dataclass(frozen=True, kw_only=True)
class ProblemResolvedV1(ProblemEvent):
    resolution: str
    resolved_at: datetime
    resolves_incidents: bool


@dataclass(frozen=True, kw_only=True)
class ChangeEvent(ServiceEvent):
    change_id: UUID


@dataclass(frozen=True, kw_only=True)
class ChangeRequestedV1(ChangeEvent):
    """A request for change (RFC) was raised."""

    kind: Literal["standard", "normal", "emergency"]
    title: str
    risk: Literal["low", "medium", "high"]
    planned_start: datetime
    planned_end: datetime


@dataclass(frozen=True, kw_only=True)
class ChangeApprovedV1(ChangeEvent):
    approved_by: str


@dataclass(frozen=True, kw_only=True)
class ChangeRejectedV1(ChangeEvent):
    rejected_by: str
    reason: str


@dataclass(frozen=True, kw_only=True)
class ChangeImplementedV1(ServiceEvent):
    change_id: UUID
    outcome: Literal["successful", "failed"]
    implemented_at: datetime | None = None


@dataclass(frozen=True, kw_only=True)
class ServiceRequestEvent(ServiceEvent):
    request_id: UUID


@dataclass(frozen=True, kw_only=True)
class ServiceRequestSubmittedV1(ServiceRequestEvent):
    title: str
    requested_by: str
    submitted_at: datetime


@dataclass(frozen=True, kw_only=True)
class ServiceRequestFulfilledV1(ServiceRequestEvent):
    fulfilled_at: datetime
    fulfilment_minutes: Decimal


@dataclass(frozen=True, kw_only=True)
class ServiceRequestCancelledV1(ServiceRequestEvent):
    reason: str


PUBLISHED: tuple[type[EventContract], ...] = (
    ServiceRegisteredV1,
    ServiceOwnerAssignedV1,
    ServiceStageChangedV1,
    SlaDefinedV1,
    SlaCalendarRevisedV1,
    SlaWithdrawnV1,
    OperatingCostRecordedV1,
    ImprovementPlannedV1,
    ImprovementImplementedV1,
    CalendarCreatedV1,
    CalendarRevisedV1,
    CalendarDeletedV1,
    IncidentOpenedV1,
    IncidentSlaAppliedV1,
    IncidentAssignedV1,
    IncidentPutOnHoldV1,
    IncidentResumedV1,
    IncidentAcknowledgedV1,
    IncidentResolvedV1,
    IncidentReopenedV1,
    IncidentClosedV1,
    IncidentResponseSlaBreachedV1,
    IncidentResolutionSlaBreachedV1,
    IncidentCsatRatedV1,
    ProblemOpenedV1,
    ProblemIncidentLinkedV1,
    ProblemRootCauseRecordedV1,
    ProblemKnownErrorRecordedV1,
    ProblemResolvedV1,
    ChangeRequestedV1,
    ChangeApprovedV1,
    ChangeRejectedV1,
    ChangeImplementedV1,
    ServiceRequestSubmittedV1,
    ServiceRequestFulfilledV1,
    ServiceRequestCancelledV1,
)
