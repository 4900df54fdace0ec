"""The parts of a project: milestones, risks, change requests, costs and the team (state only)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from uuid import UUID

from project_svc.domain.earned_value import MilestonePlan
from project_svc.domain.events import PlannedMilestone, TeamMember


class State(StrEnum):
    proposed = "proposed"
    chartered = "chartered"
    planning = "planning"
    executing = "executing"
    closing = "closing"
    closed = "closed"
    cancelled = "cancelled"


OPEN_STATES = frozenset(State) - {State.closed, State.cancelled}


class Authority(StrEnum):
    """In what capacity an actor acts: in person (ownership applies), or as admin or integration (it does not)."""

    in_person = "in-person"
    admin = "admin"
    integration = "integration"


@dataclass(frozen=True)
class Actor:
    """Who gives a command, and in what capacity."""

    subject: str
    authority: Authority = Authority.in_person

    @property
    def recorded_as(self) -> str:
        """The event's actor: the subject, prefixed by the authority it used when not acting in person."""
        return self.subject if self.authority is Authority.in_person else f"{self.authority}:{self.subject}"


class Origin(StrEnum):
    manual = "manual"
    improvement_opportunity = "improvement_opportunity"


class RiskStatus(StrEnum):
    open = "open"
    mitigated = "mitigated"
    closed = "closed"


class Decision(StrEnum):
    pending = "pending"
    approved = "approved"
    rejected = "rejected"


@dataclass
class Milestone:
    id: UUID
    name: str
    planned_date: date
    planned_value: Decimal
    percent_complete: Decimal = Decimal(0)
    actual_date: date | None = None
    descoped: bool = False

    @property
    def completed(self) -> bool:
        return self.actual_date is not None

    @property
    def done(self) -> bool:
        return self.completed or self.descoped

    def plan(self) -> MilestonePlan:
        return MilestonePlan(self.planned_date, self.planned_value, self.percent_complete, self.actual_date)

    def planned(self) -> PlannedMilestone:
        return PlannedMilestone(milestone_id=self.id, name=self.name, planned_date=self.planned_date,
                                planned_value=self.planned_value)


@dataclass
class Risk:
    id: UUID
    title: str
    probability: int
    impact: int
    owner: str
    mitigation: str
    status: RiskStatus = RiskStatus.open

    @property
    def score(self) -> int:
        return self.probability * self.impact


@dataclass
class ChangeRequest:
    id: UUID
    reason: str
    scope_delta: str
    schedule_delta_days: int
    budget_delta: Decimal
    descoped_milestone_ids: list[UUID]
    added_milestones: list[PlannedMilestone]
    decision: Decision = Decision.pending
    decided_by: str | None = None
    rejection_reason: str | None = None


@dataclass(frozen=True)
class CostEntry:
    amount: Decimal
    incurred_on: date
    category: str


@dataclass
class Team:
    sponsor: str = ""
    project_manager: str = ""
    members: list[TeamMember] = field(default_factory=list)
    disbanded: bool = False


@dataclass(frozen=True)
class HandoverAcceptance:
    handover_id: UUID
    accepted_by: str
    accepted_at: datetime
