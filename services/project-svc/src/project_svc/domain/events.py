"""Domain events of the project context, named in the past tense.

Every event is published on `continuum.project.events`; its fields equal those of its contract in
`continuum.contracts.project` (a unit test holds them together).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from uuid import UUID

from continuum.domain import DomainEvent


@dataclass(frozen=True)
class ProjectProposed(DomainEvent):
    project_id: UUID
    title: str
    problem_statement: str
    business_case: str
    origin: str
    opportunity_id: UUID | None = None
    target_service_ids: list[UUID] = field(default_factory=list)


@dataclass(frozen=True)
class CharterApproved(DomainEvent):
    project_id: UUID
    goal: str
    scope_statement: str
    budget_at_completion: Decimal
    planned_start: date
    planned_end: date
    sponsor: str
    benefit_kpi: str | None = None  # a declared benefit (optional): KPI and target, both or neither
    benefit_target: Decimal | None = None


@dataclass(frozen=True)
class TeamMember:
    name: str
    role: str


@dataclass(frozen=True)
class TeamAssigned(DomainEvent):
    project_id: UUID
    sponsor: str
    project_manager: str
    members: list[TeamMember] = field(default_factory=list)


@dataclass(frozen=True)
class TeamDisbanded(DomainEvent):
    project_id: UUID
    released: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class PlanningStarted(DomainEvent):
    project_id: UUID


@dataclass(frozen=True)
class MilestoneAdded(DomainEvent):
    project_id: UUID
    milestone_id: UUID
    name: str
    planned_date: date
    planned_value: Decimal


@dataclass(frozen=True)
class RiskIdentified(DomainEvent):
    project_id: UUID
    risk_id: UUID
    title: str
    probability: int
    impact: int
    score: int
    owner: str
    mitigation: str


@dataclass(frozen=True)
class RiskReassessed(DomainEvent):
    project_id: UUID
    risk_id: UUID
    probability: int
    impact: int
    score: int
    mitigation: str
    status: str


@dataclass(frozen=True)
class PlannedMilestone:
    milestone_id: UUID
    name: str
    planned_date: date
    planned_value: Decimal


@dataclass(frozen=True)
class PlanBaselined(DomainEvent):
    project_id: UUID
    budget_at_completion: Decimal
    planned_start: date
    planned_end: date
    milestones: list[PlannedMilestone]


@dataclass(frozen=True)
class ExecutionStarted(DomainEvent):
    project_id: UUID


@dataclass(frozen=True)
class MilestoneProgressRecorded(DomainEvent):
    project_id: UUID
    milestone_id: UUID
    percent_complete: Decimal


@dataclass(frozen=True)
class MilestoneCompleted(DomainEvent):
    project_id: UUID
    milestone_id: UUID
    actual_date: date


@dataclass(frozen=True)
class MilestoneDescoped(DomainEvent):
    project_id: UUID
    milestone_id: UUID
    change_request_id: UUID


@dataclass(frozen=True)
class ActualCostRecorded(DomainEvent):
    project_id: UUID
    amount: Decimal
    incurred_on: date
    category: str


@dataclass(frozen=True)
class ProjectPutOnHold(DomainEvent):
    project_id: UUID
    reason: str


@dataclass(frozen=True)
class ProjectResumed(DomainEvent):
    project_id: UUID


@dataclass(frozen=True)
class ChangeRequestRaised(DomainEvent):
    project_id: UUID
    change_request_id: UUID
    reason: str
    scope_delta: str
    schedule_delta_days: int
    budget_delta: Decimal
    descoped_milestone_ids: list[UUID] = field(default_factory=list)
    added_milestones: list[PlannedMilestone] = field(default_factory=list)


@dataclass(frozen=True)
class ChangeRequestApproved(DomainEvent):
    project_id: UUID
    change_request_id: UUID
    decided_by: str


@dataclass(frozen=True)
class ChangeRequestRejected(DomainEvent):
    project_id: UUID
    change_request_id: UUID
    decided_by: str
    reason: str


@dataclass(frozen=True)
class ProjectClosingStarted(DomainEvent):
    project_id: UUID
    title: str
    target_service_ids: list[UUID]


@dataclass(frozen=True)
class HandoverAcceptanceRecorded(DomainEvent):
    project_id: UUID
    handover_id: UUID
    service_id: UUID
    accepted_by: str
    accepted_at: datetime


@dataclass(frozen=True)
class ProjectAccepted(DomainEvent):
    project_id: UUID
    accepted_by: str


@dataclass(frozen=True)
class ProjectSuccessEvaluated(DomainEvent):
    project_id: UUID
    scope_delivered: bool
    on_time: bool
    within_budget: bool
    milestones_planned: int
    milestones_completed: int
    milestones_descoped: int
    planned_end: date
    actual_end: date
    schedule_slip_days: int
    budget_at_completion: Decimal
    actual_cost: Decimal
    earned_value: Decimal
    cost_performance_index: Decimal | None = None
    schedule_performance_index: Decimal | None = None


@dataclass(frozen=True)
class ProjectClosed(DomainEvent):
    project_id: UUID
    closed_on: date


@dataclass(frozen=True)
class ProjectCancelled(DomainEvent):
    project_id: UUID
    reason: str


EVENT_TYPES: tuple[type[DomainEvent], ...] = (
    ProjectProposed, CharterApproved, TeamAssigned, TeamDisbanded, PlanningStarted, MilestoneAdded,
    RiskIdentified, RiskReassessed, PlanBaselined, ExecutionStarted, MilestoneProgressRecorded,
    MilestoneCompleted, MilestoneDescoped, ActualCostRecorded, ProjectPutOnHold, ProjectResumed,
    ChangeRequestRaised, ChangeRequestApproved, ChangeRequestRejected, ProjectClosingStarted,
    HandoverAcceptanceRecorded, ProjectAccepted, ProjectSuccessEvaluated, ProjectClosed, ProjectCancelled,
)
