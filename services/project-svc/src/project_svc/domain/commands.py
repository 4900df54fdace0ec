"""Commands of the project context, in the imperative; `at` is the business time of the command.

`actor` is who gives a command on an existing project, and in what capacity (domain/ownership.py decides
whether they may). Commands from other contexts' events carry none: they are facts, not decisions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from uuid import UUID

from project_svc.domain.entities import Actor, ChangeRequest, Origin, RiskStatus
from project_svc.domain.events import TeamMember


@dataclass(frozen=True)
class ProposeProject:
    project_id: UUID
    title: str
    problem_statement: str
    business_case: str
    origin: Origin
    opportunity_id: UUID | None
    target_service_ids: list[UUID]
    at: datetime


@dataclass(frozen=True)
class ProposeFromOpportunity:
    """From metrics: proposes the project once, however often the opportunity is delivered."""

    opportunity_id: UUID
    title: str
    problem_statement: str
    business_case: str
    service_id: UUID
    at: datetime


@dataclass(frozen=True)
class Team:
    sponsor: str
    project_manager: str
    members: list[TeamMember] = field(default_factory=list)


@dataclass(frozen=True)
class ApproveCharter:
    project_id: UUID
    goal: str
    scope_statement: str
    budget_at_completion: Decimal
    planned_start: date
    planned_end: date
    team: Team
    at: datetime
    benefit_kpi: str | None = None
    benefit_target: Decimal | None = None
    actor: Actor = field(kw_only=True)


@dataclass(frozen=True)
class AssignTeam:
    project_id: UUID
    team: Team
    at: datetime
    actor: Actor = field(kw_only=True)


@dataclass(frozen=True)
class StartPlanning:
    project_id: UUID
    at: datetime
    actor: Actor = field(kw_only=True)


@dataclass(frozen=True)
class AddMilestone:
    project_id: UUID
    milestone_id: UUID
    name: str
    planned_date: date
    planned_value: Decimal
    at: datetime
    actor: Actor = field(kw_only=True)


@dataclass(frozen=True)
class IdentifyRisk:
    project_id: UUID
    risk_id: UUID
    title: str
    probability: int
    impact: int
    owner: str
    mitigation: str
    at: datetime
    actor: Actor = field(kw_only=True)


@dataclass(frozen=True)
class ReassessRisk:
    project_id: UUID
    risk_id: UUID
    probability: int
    impact: int
    mitigation: str
    status: RiskStatus
    at: datetime
    actor: Actor = field(kw_only=True)


@dataclass(frozen=True)
class BaselinePlan:
    project_id: UUID
    at: datetime
    actor: Actor = field(kw_only=True)


@dataclass(frozen=True)
class RecordProgress:
    project_id: UUID
    milestone_id: UUID
    percent_complete: Decimal
    at: datetime
    actor: Actor = field(kw_only=True)


@dataclass(frozen=True)
class CompleteMilestone:
    project_id: UUID
    milestone_id: UUID
    actual_date: date
    at: datetime
    actor: Actor = field(kw_only=True)


@dataclass(frozen=True)
class RecordActualCost:
    project_id: UUID
    amount: Decimal
    incurred_on: date
    category: str
    at: datetime
    actor: Actor = field(kw_only=True)


@dataclass(frozen=True)
class PutOnHold:
    project_id: UUID
    reason: str
    at: datetime
    actor: Actor = field(kw_only=True)


@dataclass(frozen=True)
class Resume:
    project_id: UUID
    at: datetime
    actor: Actor = field(kw_only=True)


@dataclass(frozen=True)
class RaiseChangeRequest:
    project_id: UUID
    change: ChangeRequest
    at: datetime
    actor: Actor = field(kw_only=True)


@dataclass(frozen=True)
class ApproveChangeRequest:
    project_id: UUID
    change_request_id: UUID
    at: datetime
    actor: Actor = field(kw_only=True)


@dataclass(frozen=True)
class RejectChangeRequest:
    project_id: UUID
    change_request_id: UUID
    reason: str
    at: datetime
    actor: Actor = field(kw_only=True)


@dataclass(frozen=True)
class EnterClosing:
    project_id: UUID
    at: datetime
    actor: Actor = field(kw_only=True)


@dataclass(frozen=True)
class RecordHandoverAcceptance:
    project_id: UUID
    handover_id: UUID
    service_id: UUID
    accepted_by: str
    accepted_at: datetime


@dataclass(frozen=True)
class AcceptProject:
    project_id: UUID
    at: datetime
    actor: Actor = field(kw_only=True)


@dataclass(frozen=True)
class CloseProject:
    project_id: UUID
    at: datetime
    actor: Actor = field(kw_only=True)


@dataclass(frozen=True)
class CancelProject:
    project_id: UUID
    reason: str
    at: datetime
    actor: Actor = field(kw_only=True)


@dataclass(frozen=True)
class CancelForOpportunity:
    """From metrics: the opportunity was dismissed or lapsed, so the project proposed for it is cancelled."""

    opportunity_id: UUID
    reason: str
    at: datetime


@dataclass(frozen=True)
class LearnService:
    """From service-svc: a service exists (registered) or no longer takes new work (retired)."""

    service_id: UUID
    name: str | None
    retired: bool
    at: datetime
