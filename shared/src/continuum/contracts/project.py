"""Contracts of the events published on `continuum.project.events`.

The events below are consumed by other contexts (handover-svc opens handovers on ProjectClosingStarted;
metrics-svc projects earned value): keep their fields; new fields must be optional, a changed shape is a
new schema version (a `...V2` class) with an upcaster on the producing side.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Literal
from uuid import UUID

from pydantic import Field

from continuum.contracts.base import ContractPart, EventContract


class ProjectEvent(EventContract):
    context = "project"
    project_id: UUID


class ProjectProposedV1(ProjectEvent):
    """A project was proposed (by hand, or from an improvement opportunity)."""

    title: str
    problem_statement: str
    business_case: str
    origin: Literal["manual", "improvement_opportunity"]
    opportunity_id: UUID | None = None
    target_service_ids: list[UUID] = Field(default_factory=list)


class CharterApprovedV1(ProjectEvent):
    """The sponsor authorized the project: goal, scope, budget at completion (BAC) and planned dates."""

    goal: str
    scope_statement: str
    budget_at_completion: Decimal
    planned_start: date
    planned_end: date
    sponsor: str


class PlannedMilestone(ContractPart):
    milestone_id: UUID
    name: str
    planned_date: date
    planned_value: Decimal


class PlanBaselinedV1(ProjectEvent):
    """The plan was frozen: milestones with their planned values (the PV curve), BAC and dates."""

    budget_at_completion: Decimal
    planned_start: date
    planned_end: date
    milestones: list[PlannedMilestone]


class MilestoneProgressRecordedV1(ProjectEvent):
    milestone_id: UUID
    percent_complete: Decimal = Field(ge=0, le=100)


class MilestoneCompletedV1(ProjectEvent):
    milestone_id: UUID
    actual_date: date


class ActualCostRecordedV1(ProjectEvent):
    amount: Decimal
    incurred_on: date
    category: str


class ProjectClosingStartedV1(ProjectEvent):
    """The project entered closing: handover-svc opens one handover per target service."""

    title: str
    target_service_ids: list[UUID]


class ProjectClosedV1(ProjectEvent):
    closed_on: date


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
)
