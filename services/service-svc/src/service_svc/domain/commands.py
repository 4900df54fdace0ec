"""Commands of the service context, in the imperative: what a caller (or an inbound event) asks for."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from uuid import UUID

from service_svc.domain.business_hours import Interval
from service_svc.domain.events import Holiday
from service_svc.domain.service import Sla


@dataclass(frozen=True, kw_only=True)
class ByTheServicesOwner:
    """A command only the service's owner may give (registering: naming its first owner): `acting_owner` is who
    gives it in person, checked against the service's owner (None when admin or integration act, for any)."""

    acting_owner: str | None


# Service


@dataclass(frozen=True)
class RegisterService(ByTheServicesOwner):
    name: str
    description: str
    owner: str | None
    demanded_by: str
    expected_volume: str
    at: datetime


@dataclass(frozen=True)
class AssignOwner(ByTheServicesOwner):
    service_id: UUID
    owner: str
    at: datetime


@dataclass(frozen=True)
class ChangeStage(ByTheServicesOwner):
    service_id: UUID
    to_stage: str
    reason: str
    by_admin: bool
    at: datetime


@dataclass(frozen=True, kw_only=True)
class RecordHandoverAcceptance:
    """handover-svc's HandoverAccepted, recorded on the service: the decision was taken (and checked) there (project-svc
    records the same reaction under the same name)."""

    service_id: UUID
    handover_id: UUID
    at: datetime


@dataclass(frozen=True)
class DefineSla(ByTheServicesOwner):
    service_id: UUID
    sla: Sla
    at: datetime


@dataclass(frozen=True)
class WithdrawSla(ByTheServicesOwner):
    service_id: UUID
    reason: str
    at: datetime


@dataclass(frozen=True)
class RecordOperatingCost(ByTheServicesOwner):
    service_id: UUID
    amount: Decimal
    incurred_on: datetime
    category: str
    at: datetime


@dataclass(frozen=True)
class PlanImprovement(ByTheServicesOwner):
    service_id: UUID
    title: str
    project_id: UUID | None
    at: datetime


@dataclass(frozen=True)
class ImplementImprovement(ByTheServicesOwner):
    service_id: UUID
    improvement_id: UUID
    project_id: UUID | None
    at: datetime


# Calendar


@dataclass(frozen=True, kw_only=True)
class ByTheCalendarsOwner:
    """`acting_owner` gives the command in person (None when admin or integration act, for any calendar)."""

    acting_owner: str | None


@dataclass(frozen=True)
class CreateCalendar(ByTheCalendarsOwner):
    name: str
    owner: str | None
    time_zone: str
    week: dict[str, list[Interval]]
    holidays: list[Holiday]
    at: datetime


@dataclass(frozen=True)
class ReviseCalendar(ByTheCalendarsOwner):
    calendar_id: UUID
    time_zone: str
    week: dict[str, list[Interval]]
    holidays: list[Holiday]
    effective_from: datetime | None
    reason: str
    at: datetime


@dataclass(frozen=True)
class AddHolidays(ByTheCalendarsOwner):
    calendar_id: UUID
    holidays: list[Holiday]
    effective_from: datetime | None
    reason: str
    at: datetime


@dataclass(frozen=True)
class DeleteCalendar(ByTheCalendarsOwner):
    calendar_id: UUID
    reason: str
    at: datetime


# Incident


@dataclass(frozen=True)
class OpenIncident:
    service_id: UUID
    priority: str
    category: str
    title: str
    description: str
    outage: bool
    detected_at: datetime
    at: datetime


@dataclass(frozen=True)
class AcknowledgeIncident:
    incident_id: UUID
    at: datetime


@dataclass(frozen=True)
class AssignIncident:
    incident_id: UUID
    assignee: str
    at: datetime


@dataclass(frozen=True)
class HoldIncident:
    incident_id: UUID
    reason: str
    at: datetime


@dataclass(frozen=True)
class ResumeIncident:
    incident_id: UUID
    at: datetime


@dataclass(frozen=True)
class ResolveIncident:
    incident_id: UUID
    resolution_code: str
    downtime_minutes: Decimal | None
    at: datetime


@dataclass(frozen=True)
class CloseIncident:
    incident_id: UUID
    at: datetime


@dataclass(frozen=True)
class ReopenIncident:
    incident_id: UUID
    reason: str
    at: datetime


@dataclass(frozen=True)
class RateIncident:
    incident_id: UUID
    score: int
    comment: str | None
    at: datetime


@dataclass(frozen=True)
class RecordSlaBreaches:
    """Sent by the deadline watcher: record every breach due by `now`."""

    incident_id: UUID
    now: datetime


# Problem


@dataclass(frozen=True)
class OpenProblem(ByTheServicesOwner):
    service_id: UUID
    title: str
    incident_ids: list[UUID]
    at: datetime


@dataclass(frozen=True)
class LinkIncident(ByTheServicesOwner):
    problem_id: UUID
    incident_id: UUID
    at: datetime


@dataclass(frozen=True)
class RecordRootCause(ByTheServicesOwner):
    problem_id: UUID
    root_cause: str
    at: datetime


@dataclass(frozen=True)
class RecordKnownError(ByTheServicesOwner):
    problem_id: UUID
    workaround: str
    at: datetime


@dataclass(frozen=True)
class ResolveProblem(ByTheServicesOwner):
    problem_id: UUID
    resolution: str
    resolve_incidents: bool
    at: datetime


# Change


@dataclass(frozen=True)
class RequestChange(ByTheServicesOwner):
    service_id: UUID
    kind: str
    title: str
    risk: str
    planned_start: datetime
    planned_end: datetime
    at: datetime


@dataclass(frozen=True)
class ApproveChange(ByTheServicesOwner):
    change_id: UUID
    approver: str
    at: datetime


@dataclass(frozen=True)
class RejectChange(ByTheServicesOwner):
    change_id: UUID
    approver: str
    reason: str
    at: datetime


@dataclass(frozen=True)
class ImplementChange(ByTheServicesOwner):
    change_id: UUID
    outcome: str
    at: datetime


# ServiceRequest


@dataclass(frozen=True)
class SubmitRequest:
    service_id: UUID
    title: str
    requested_by: str
    at: datetime


@dataclass(frozen=True)
class FulfilRequest:
    request_id: UUID
    at: datetime


@dataclass(frozen=True)
class CancelRequest:
    request_id: UUID
    reason: str
    at: datetime
