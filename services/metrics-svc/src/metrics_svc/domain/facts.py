"""Compact facts the KPI projections keep from every topic: the inputs of the pure KPI functions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from uuid import UUID


@dataclass(frozen=True)
class IncidentFact:
    incident_id: UUID
    service_id: UUID
    priority: str
    category: str
    outage: bool
    opened_at: datetime
    acknowledged_at: datetime | None = None
    resolved_at: datetime | None = None
    outage_minutes: Decimal = Decimal(0)
    response_sla_met: bool | None = None
    resolution_sla_met: bool | None = None
    response_breached: bool = False
    resolution_breached: bool = False
    csat: int | None = None
    csat_at: datetime | None = None
    # business minutes of the response / resolution clock as service-svc measured them (IncidentAcknowledged's and
    # IncidentResolved's business_minutes, on the SLA's calendar, time on hold left out); None where the event
    # carried none (recorded before calendars), never 0
    ack_business_minutes: Decimal | None = None
    resolve_business_minutes: Decimal | None = None

    @property
    def subject_to_sla(self) -> bool:
        known = (self.response_sla_met, self.resolution_sla_met)
        return any(outcome is not None for outcome in known) or self.breached

    @property
    def breached(self) -> bool:
        return self.response_breached or self.resolution_breached or False in (
            self.response_sla_met, self.resolution_sla_met)


@dataclass(frozen=True)
class ImprovementFact:
    """An item of a service's improvement register (service-svc's ImprovementPlanned / ImprovementImplemented)."""

    improvement_id: UUID
    service_id: UUID
    planned_at: datetime | None
    implemented_at: datetime | None = None


@dataclass(frozen=True)
class SlaFact:
    service_id: UUID
    availability_target_pct: Decimal
    csat_target_pct: Decimal
    defined_at: datetime


@dataclass(frozen=True)
class CostFact:
    """An operating cost of a service, or an actual cost of a project."""

    owner_id: UUID
    amount: Decimal
    incurred_at: datetime


@dataclass(frozen=True)
class ChangeFact:
    change_id: UUID
    service_id: UUID
    successful: bool
    implemented_at: datetime


@dataclass(frozen=True)
class MilestoneFact:
    milestone_id: UUID
    planned_date: date
    planned_value: Decimal
    actual_date: date | None = None


@dataclass(frozen=True)
class ProgressFact:
    milestone_id: UUID
    percent_complete: Decimal
    recorded_at: datetime


@dataclass(frozen=True)
class ProjectFact:
    project_id: UUID
    origin: str
    opportunity_id: UUID | None
    target_service_ids: tuple[UUID, ...]
    budget_at_completion: Decimal | None = None
    baselined: bool = False
    milestones: tuple[MilestoneFact, ...] = ()
    progress: tuple[ProgressFact, ...] = ()
    costs: tuple[CostFact, ...] = ()


@dataclass(frozen=True)
class CriterionFact:
    key: str
    mandatory: bool
    added_at: datetime
    settled_at: datetime | None = None  # met or waived (None while pending, or after a reset)


@dataclass(frozen=True)
class HandoverFact:
    handover_id: UUID
    service_id: UUID
    project_id: UUID | None
    opened_at: datetime
    accepted_at: datetime | None = None
    readiness_score: Decimal | None = None
    early_life_support_days: int | None = None
    rejections: int = 0
    completed_at: datetime | None = None
    criteria: tuple[CriterionFact, ...] = ()
