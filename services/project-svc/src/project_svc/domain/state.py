"""The state of a project: the fold of its events, and what reads need from it (no decisions here)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from functools import singledispatchmethod
from typing import Any
from uuid import UUID

from continuum.domain import Aggregate, DomainEvent, NotFound

from project_svc.domain import earned_value as evm
from project_svc.domain import events as ev
from project_svc.domain.entities import (
    ChangeRequest, CostEntry, Decision, HandoverAcceptance, Milestone, Origin, Risk, RiskStatus, State, Team,
)


class ProjectState(Aggregate):
    """Project state; `Project` adds the commands. Changed only by `apply`."""

    stream_type = "Project"

    def __init__(self, id: UUID) -> None:
        super().__init__(id)
        self.state = State.proposed
        self.on_hold = False
        self.title = self.problem_statement = self.business_case = ""
        self.origin = Origin.manual
        self.opportunity_id: UUID | None = None
        self.target_service_ids: list[UUID] = []
        self.goal = self.scope_statement = ""
        self.benefit_kpi: str | None = None
        self.benefit_target: Decimal | None = None
        self.budget_at_completion = Decimal(0)
        self.planned_start: date | None = None
        self.planned_end: date | None = None
        self.team = Team()
        self.milestones: dict[UUID, Milestone] = {}
        self.risks: dict[UUID, Risk] = {}
        self.change_requests: dict[UUID, ChangeRequest] = {}
        self.costs: list[CostEntry] = []
        self.baselines = 0
        self.handovers_accepted: dict[UUID, HandoverAcceptance] = {}
        self.accepted_by: str | None = None
        self.closed_on: date | None = None
        self.cancel_reason: str | None = None
        self.success: ev.ProjectSuccessEvaluated | None = None

    # Reads

    def milestone(self, milestone_id: UUID) -> Milestone:
        if milestone_id not in self.milestones:
            raise NotFound("Milestone", milestone_id)
        return self.milestones[milestone_id]

    def risk(self, risk_id: UUID) -> Risk:
        if risk_id not in self.risks:
            raise NotFound("Risk", risk_id)
        return self.risks[risk_id]

    def earned_value(self, on: date) -> evm.EarnedValue:
        plans = [m.plan() for m in self.milestones.values() if not m.descoped]
        costs = [evm.Cost(c.amount, c.incurred_on) for c in self.costs]
        return evm.figures(bac=self.budget_at_completion, milestones=plans, costs=costs, on=on)

    def summary(self) -> dict[str, Any]:
        return {
            "id": str(self.id), "title": self.title, "state": self.state.value, "on_hold": self.on_hold,
            "origin": self.origin.value, "opportunity_id": str(self.opportunity_id) if self.opportunity_id else None,
            "target_service_ids": [str(s) for s in self.target_service_ids],
            "sponsor": self.team.sponsor or None, "project_manager": self.team.project_manager or None,
            "budget_at_completion": str(self.budget_at_completion) if self.planned_start else None,
            "planned_end": self.planned_end.isoformat() if self.planned_end else None,
        }

    # The fold

    @singledispatchmethod
    def apply(self, event: DomainEvent) -> None:
        raise NotImplementedError(type(event).__name__)

    @apply.register
    def _(self, event: ev.ProjectProposed) -> None:
        self.title, self.problem_statement = event.title, event.problem_statement
        self.business_case = event.business_case
        self.origin, self.opportunity_id = Origin(event.origin), event.opportunity_id
        self.target_service_ids = list(event.target_service_ids)

    @apply.register
    def _(self, event: ev.CharterApproved) -> None:
        self.state, self.goal, self.scope_statement = State.chartered, event.goal, event.scope_statement
        self.budget_at_completion = event.budget_at_completion
        self.planned_start, self.planned_end = event.planned_start, event.planned_end
        self.benefit_kpi, self.benefit_target = event.benefit_kpi, event.benefit_target

    @apply.register
    def _(self, event: ev.TeamAssigned) -> None:
        self.team = Team(event.sponsor, event.project_manager, list(event.members))

    @apply.register
    def _(self, event: ev.TeamDisbanded) -> None:
        self.team.disbanded = True

    @apply.register
    def _(self, event: ev.PlanningStarted) -> None:
        self.state = State.planning

    @apply.register
    def _(self, event: ev.MilestoneAdded) -> None:
        self.milestones[event.milestone_id] = Milestone(event.milestone_id, event.name, event.planned_date,
                                                        event.planned_value)

    @apply.register
    def _(self, event: ev.RiskIdentified) -> None:
        self.risks[event.risk_id] = Risk(event.risk_id, event.title, event.probability, event.impact, event.owner,
                                         event.mitigation)

    @apply.register
    def _(self, event: ev.RiskReassessed) -> None:
        risk = self.risks[event.risk_id]
        risk.probability, risk.impact, risk.mitigation = event.probability, event.impact, event.mitigation
        risk.status = RiskStatus(event.status)

    @apply.register
    def _(self, event: ev.PlanBaselined) -> None:
        self.budget_at_completion, self.planned_end = event.budget_at_completion, event.planned_end
        for planned in event.milestones:
            milestone = self.milestones[planned.milestone_id]
            milestone.planned_date, milestone.planned_value = planned.planned_date, planned.planned_value
        self.baselines += 1

    @apply.register
    def _(self, event: ev.ExecutionStarted) -> None:
        self.state = State.executing

    @apply.register
    def _(self, event: ev.MilestoneProgressRecorded) -> None:
        self.milestones[event.milestone_id].percent_complete = event.percent_complete

    @apply.register
    def _(self, event: ev.MilestoneCompleted) -> None:
        milestone = self.milestones[event.milestone_id]
        milestone.actual_date, milestone.percent_complete = event.actual_date, Decimal(100)

    @apply.register
    def _(self, event: ev.MilestoneDescoped) -> None:
        self.milestones[event.milestone_id].descoped = True

    @apply.register
    def _(self, event: ev.ActualCostRecorded) -> None:
        self.costs.append(CostEntry(event.amount, event.incurred_on, event.category))

    @apply.register
    def _(self, event: ev.ProjectPutOnHold) -> None:
        self.on_hold = True

    @apply.register
    def _(self, event: ev.ProjectResumed) -> None:
        self.on_hold = False

    @apply.register
    def _(self, event: ev.ChangeRequestRaised) -> None:
        self.change_requests[event.change_request_id] = ChangeRequest(
            event.change_request_id, event.reason, event.scope_delta, event.schedule_delta_days, event.budget_delta,
            list(event.descoped_milestone_ids), list(event.added_milestones))

    @apply.register
    def _(self, event: ev.ChangeRequestApproved) -> None:
        change = self.change_requests[event.change_request_id]
        change.decision, change.decided_by = Decision.approved, event.decided_by

    @apply.register
    def _(self, event: ev.ChangeRequestRejected) -> None:
        change = self.change_requests[event.change_request_id]
        change.decision, change.decided_by, change.rejection_reason = Decision.rejected, event.decided_by, event.reason

    @apply.register
    def _(self, event: ev.ProjectClosingStarted) -> None:
        self.state = State.closing

    @apply.register
    def _(self, event: ev.HandoverAcceptanceRecorded) -> None:
        self.handovers_accepted[event.service_id] = HandoverAcceptance(event.handover_id, event.accepted_by,
                                                                       event.accepted_at)

    @apply.register
    def _(self, event: ev.ProjectAccepted) -> None:
        self.accepted_by = event.accepted_by

    @apply.register
    def _(self, event: ev.ProjectSuccessEvaluated) -> None:
        self.success = event

    @apply.register
    def _(self, event: ev.ProjectClosed) -> None:
        self.state, self.closed_on = State.closed, event.closed_on

    @apply.register
    def _(self, event: ev.ProjectCancelled) -> None:
        self.state, self.cancel_reason = State.cancelled, event.reason
