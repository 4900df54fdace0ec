"""Contracts of the events published on `continuum.project.events`.

The events below are consumed by other contexts (handover-svc opens handovers on ProjectClosingStarted;
metrics-svc projects earned value): keep their fields; new fields must be optional, a changed shape is a
new schema version (a `...V2` class) with an upcaster on the producing side.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal
from uuid import UUID

from annotated_types import Interval

from continuum.contracts.base import ContractPart, EventContract

Percent = Annotated[Decimal, Interval(ge=0, le=100)]
OneToFive = Annotated[int, Interval(ge=1, le=5)]


@dataclass(frozen=True, kw_only=True)
class ProjectEvent(EventContract):
    context = "project"
    project_id: UUID


@dataclass(frozen=True, kw_only=True)
class ProjectProposedV1(ProjectEvent):
    """A project was proposed (by hand, or from an improvement opportunity)."""

    title: str
    problem_statement: str
    business_case: str
    origin: Literal["manual", "improvement_opportunity"]
    opportunity_id: UUID | None = None
    target_service_ids: list[UUID] = field(default_factory=list)


BenefitKpi = Literal["sla_compliance_pct", "csat_pct", "availability_pct"]


@dataclass(frozen=True, kw_only=True)
class CharterApprovedV1(ProjectEvent):
    """The sponsor authorized the project: goal, scope, budget at completion (BAC) and planned dates; optionally the
    benefit it declares — a KPI of its target services and the target that KPI should reach after the handover
    (metrics-svc measures it as it measures an opportunity's benefits)."""

    goal: str
    scope_statement: str
    budget_at_completion: Decimal
    planned_start: date
    planned_end: date
    sponsor: str
    benefit_kpi: BenefitKpi | None = None
    benefit_target: Percent | None = None


@dataclass(frozen=True, kw_only=True)
class TeamMember(ContractPart):
    name: str
    role: str


@dataclass(frozen=True, kw_only=True)
class TeamAssignedV1(ProjectEvent):
    """The project's team was named (at chartering) or changed: sponsor, project manager, members."""

    sponsor: str
    project_manager: str
    members: list[TeamMember] = field(default_factory=list)


@dataclass(frozen=True, kw_only=True)
class TeamDisbandedV1(ProjectEvent):
    """The project closed or was cancelled: its team is released."""

    released: list[str] = field(default_factory=list)


@dataclass(frozen=True, kw_only=True)
class PlanningStartedV1(ProjectEvent):
    """The project manager started planning the chartered project."""


@dataclass(frozen=True, kw_only=True)
class MilestoneAddedV1(ProjectEvent):
    milestone_id: UUID
    name: str
    planned_date: date
    planned_value: Decimal


@dataclass(frozen=True, kw_only=True)
class RiskIdentifiedV1(ProjectEvent):
    risk_id: UUID
    title: str
    probability: OneToFive
    impact: OneToFive
    score: Annotated[int, Interval(ge=1, le=25)]
    owner: str
    mitigation: str


@dataclass(frozen=True, kw_only=True)
class RiskReassessedV1(ProjectEvent):
    risk_id: UUID
    probability: OneToFive
    impact: OneToFive
    score: Annotated[int, Interval(ge=1, le=25)]
    mitigation: str
    status: Literal["open", "mitigated", "closed"]


@dataclass(frozen=True, kw_only=True)
class PlannedMilestone(ContractPart):
    milestone_id: UUID
    name: str
    planned_date: date
    planned_value: Decimal


@dataclass(frozen=True, kw_only=True)
class PlanBaselinedV1(ProjectEvent):
    """The plan was frozen: milestones with their planned values (the PV curve), BAC and dates."""

    budget_at_completion: Decimal
    planned_start: date
    planned_end: date
    milestones: list[PlannedMilestone]


@dataclass(frozen=True, kw_only=True)
class ExecutionStartedV1(ProjectEvent):
    """The baselined project moved into execution (monitoring and control)."""


@dataclass(frozen=True, kw_only=True)
class MilestoneProgressRecordedV1(ProjectEvent):
    milestone_id: UUID
    percent_complete: Percent


@dataclass(frozen=True, kw_only=True)
class MilestoneCompletedV1(ProjectEvent):
    milestone_id: UUID
    actual_date: date


@dataclass(frozen=True, kw_only=True)
class ActualCostRecordedV1(ProjectEvent):
    amount: Decimal
    incurred_on: date
    category: str


@dataclass(frozen=True, kw_only=True)
class MilestoneDescopedV1(ProjectEvent):
    """An approved change request took the milestone out of the plan."""

    milestone_id: UUID
    change_request_id: UUID


@dataclass(frozen=True, kw_only=True)
class ProjectPutOnHoldV1(ProjectEvent):
    reason: str


@dataclass(frozen=True, kw_only=True)
class ProjectResumedV1(ProjectEvent):
    pass


@dataclass(frozen=True, kw_only=True)
class ChangeRequestRaisedV1(ProjectEvent):
    """A change to scope, schedule or budget was asked for; approval re-baselines the plan."""

    change_request_id: UUID
    reason: str
    scope_delta: str
    schedule_delta_days: int
    budget_delta: Decimal
    descoped_milestone_ids: list[UUID] = field(default_factory=list)
    added_milestones: list[PlannedMilestone] = field(default_factory=list)


@dataclass(frozen=True, kw_only=True)
class ChangeRequestApprovedV1(ProjectEvent):
    change_request_id: UUID
    decided_by: str


@dataclass(frozen=True, kw_only=True)
class ChangeRequestRejectedV1(ProjectEvent):
    change_request_id: UUID
    decided_by: str
    reason: str


@dataclass(frozen=True, kw_only=True)
class HandoverAcceptanceRecordedV1(ProjectEvent):
    """project-svc learned that the handover of one target service was accepted (from handover events)."""

    handover_id: UUID
    service_id: UUID
    accepted_by: str
    accepted_at: datetime


@dataclass(frozen=True, kw_only=True)
class ProjectAcceptedV1(ProjectEvent):
    """The sponsor formally accepted the project's deliverables."""

    accepted_by: str


@dataclass(frozen=True, kw_only=True)
class ProjectSuccessEvaluatedV1(ProjectEvent):
    """At close: the triple constraint (scope, time, cost) and the figures behind it.

    scope_delivered: no milestone was descoped (every planned milestone completed); on_time: closed on or
    before the baselined planned end; within_budget: actual cost at most the budget at completion.
    The extended view (early-life quality, adoption, benefits) is measured later by metrics-svc.
    """

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


@dataclass(frozen=True, kw_only=True)
class ProjectClosingStartedV1(ProjectEvent):
    """The project entered closing: handover-svc opens one handover per target service."""

    title: str
    target_service_ids: list[UUID]


@dataclass(frozen=True, kw_only=True)
class ProjectClosedV1(ProjectEvent):
    closed_on: date


@dataclass(frozen=True, kw_only=True)
class ProjectCancelledV1(ProjectEvent):
    reason: str


PUBLISHED: tuple[type[EventContract], ...] = (
    ProjectProposedV1,
    CharterApprovedV1,
    PlanBaselinedV1,
    MilestoneProgressRecordedV1,
    MilestoneCompletedV1,
    ActualCostRecordedV1,
    ProjectClosingStartedV1,
    ProjectClosedV1,
    ProjectCancelledV1,
    TeamAssignedV1,
    TeamDisbandedV1,
    PlanningStartedV1,
    MilestoneAddedV1,
    RiskIdentifiedV1,
    RiskReassessedV1,
    ExecutionStartedV1,
    MilestoneDescopedV1,
    ProjectPutOnHoldV1,
    ProjectResumedV1,
    ChangeRequestRaisedV1,
    ChangeRequestApprovedV1,
    ChangeRequestRejectedV1,
    HandoverAcceptanceRecordedV1,
    ProjectAcceptedV1,
    ProjectSuccessEvaluatedV1,
)
