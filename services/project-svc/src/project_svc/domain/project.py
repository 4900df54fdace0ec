"""The Project aggregate (DESIGN §5): a command method checks its rules, then records events; state is their fold."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import singledispatchmethod
from typing import Any
from uuid import UUID

from continuum.domain import Aggregate, DomainError, DomainEvent, NotFound

from project_svc.domain import earned_value as evm
from project_svc.domain import events as ev
from project_svc.domain import rules
from project_svc.domain.entities import (
    OPEN_STATES, ChangeRequest, CostEntry, Decision, HandoverAcceptance, Milestone, Origin, Risk, RiskStatus,
    State, Team,
)
from project_svc.domain.evaluation import evaluate_success

AUTHORIZED = (State.chartered, State.planning, State.executing, State.closing)
CONTROLLED = (State.planning, State.executing)


class Project(Aggregate):
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

    # Initiation

    @classmethod
    def propose(cls, project_id: UUID, *, title: str, problem_statement: str, business_case: str, origin: Origin,
                opportunity_id: UUID | None, target_service_ids: list[UUID], at: datetime) -> Project:
        rules.require_text(title, "title")
        if (origin is Origin.improvement_opportunity) != (opportunity_id is not None):
            raise DomainError("opportunity-id-matches-origin",
                              "an opportunity id is given exactly when the origin is improvement_opportunity")
        project = cls(project_id)
        project._record(ev.ProjectProposed(project_id, title, problem_statement, business_case, origin.value,
                                           opportunity_id, list(dict.fromkeys(target_service_ids))), at=at)
        return project

    def approve_charter(self, *, goal: str, scope_statement: str, budget_at_completion: Decimal, planned_start: date,
                        planned_end: date, sponsor: str, project_manager: str, members: list[ev.TeamMember],
                        at: datetime) -> None:
        rules.require_state(self.state, [State.proposed], "approve-charter")
        rules.require_text(goal, "goal")
        rules.positive_budget(budget_at_completion)
        rules.dates_in_order(planned_start, planned_end)
        self._record(ev.CharterApproved(self.id, goal, scope_statement, budget_at_completion, planned_start,
                                        planned_end, sponsor), at=at)
        self.assign_team(sponsor=sponsor, project_manager=project_manager, members=members, at=at)

    def assign_team(self, *, sponsor: str, project_manager: str, members: list[ev.TeamMember], at: datetime) -> None:
        rules.require_state(self.state, AUTHORIZED, "assign-team")
        rules.require_text(sponsor, "sponsor")
        rules.require_text(project_manager, "project-manager")
        self._record(ev.TeamAssigned(self.id, sponsor, project_manager, list(members)), at=at)

    # Planning

    def start_planning(self, *, at: datetime) -> None:
        rules.require_state(self.state, [State.chartered], "start-planning")
        self._record(ev.PlanningStarted(self.id), at=at)

    def add_milestone(self, milestone_id: UUID, *, name: str, planned_date: date, planned_value: Decimal,
                      at: datetime) -> None:
        rules.require_state(self.state, [State.planning], "add-milestone")
        self._check_new_milestone(milestone_id, name, planned_date, planned_value, self.planned_end)
        self._record(ev.MilestoneAdded(self.id, milestone_id, name, planned_date, planned_value), at=at)

    def _check_new_milestone(self, milestone_id: UUID, name: str, planned_date: date, planned_value: Decimal,
                             planned_end: date) -> None:
        rules.require_text(name, "milestone-name")
        if milestone_id in self.milestones:
            raise DomainError("milestone-id-unique", f"milestone {milestone_id} already exists")
        if planned_value < 0:
            raise DomainError("planned-value-not-negative", f"planned value {planned_value} is negative")
        rules.within_schedule(planned_date, self.planned_start, planned_end, "milestone-date")

    def identify_risk(self, risk_id: UUID, *, title: str, probability: int, impact: int, owner: str,
                      mitigation: str, at: datetime) -> None:
        rules.require_state(self.state, CONTROLLED, "identify-risk")
        rules.require_text(title, "risk-title")
        rules.risk_scale(probability, impact)
        if risk_id in self.risks:
            raise DomainError("risk-id-unique", f"risk {risk_id} already exists")
        self._record(ev.RiskIdentified(self.id, risk_id, title, probability, impact, probability * impact, owner,
                                       mitigation), at=at)

    def reassess_risk(self, risk_id: UUID, *, probability: int, impact: int, mitigation: str, status: RiskStatus,
                      at: datetime) -> None:
        rules.require_state(self.state, CONTROLLED, "reassess-risk")
        risk = self.risk(risk_id)
        if risk.status is RiskStatus.closed:
            raise DomainError("risk-closed", f"risk {risk_id} is closed")
        rules.risk_scale(probability, impact)
        self._record(ev.RiskReassessed(self.id, risk_id, probability, impact, probability * impact, mitigation,
                                       status.value), at=at)

    def baseline(self, *, at: datetime) -> None:
        rules.require_state(self.state, [State.planning], "baseline")
        if not self.milestones:
            raise DomainError("baseline-needs-milestones", "add at least one milestone before baselining")
        rules.planned_values_sum_to_bac((m.planned_value for m in self.milestones.values()), self.budget_at_completion)
        self._record(self._baseline_event(self.budget_at_completion, self.planned_end), at=at)
        self._record(ev.ExecutionStarted(self.id), at=at)

    def _baseline_event(self, bac: Decimal, planned_end: date) -> ev.PlanBaselined:
        plan = [m.planned() for m in self.milestones.values() if not m.descoped]
        return ev.PlanBaselined(self.id, bac, self.planned_start, planned_end, plan)

    # Execution, monitoring and control

    def record_progress(self, milestone_id: UUID, *, percent_complete: Decimal, at: datetime) -> None:
        milestone = self._open_milestone(milestone_id, "record-progress")
        if not 0 <= percent_complete <= 100:
            raise DomainError("percent-complete-0-to-100", f"{percent_complete} is not a percentage")
        self._record(ev.MilestoneProgressRecorded(self.id, milestone.id, percent_complete), at=at)

    def complete_milestone(self, milestone_id: UUID, *, actual_date: date, at: datetime) -> None:
        milestone = self._open_milestone(milestone_id, "complete-milestone")
        rules.not_in_future(actual_date, at.date(), "actual-date")
        if actual_date < self.planned_start:
            raise DomainError("actual-date-not-before-start", f"{actual_date} is before the start {self.planned_start}")
        self._record(ev.MilestoneCompleted(self.id, milestone.id, actual_date), at=at)

    def _open_milestone(self, milestone_id: UUID, action: str) -> Milestone:
        self._require_running(action)
        milestone = self.milestone(milestone_id)
        if milestone.descoped:
            raise DomainError("milestone-descoped", f"milestone {milestone_id} was descoped")
        if milestone.completed:
            raise DomainError("milestone-already-completed", f"milestone {milestone_id} is completed")
        return milestone

    def record_cost(self, *, amount: Decimal, incurred_on: date, category: str, at: datetime) -> None:
        self._require_running("record-cost")
        if amount <= 0:
            raise DomainError("cost-positive", f"an actual cost must be positive, not {amount}")
        rules.require_text(category, "cost-category")
        rules.not_in_future(incurred_on, at.date(), "cost-date")
        self._record(ev.ActualCostRecorded(self.id, amount, incurred_on, category), at=at)

    def _require_running(self, action: str) -> None:
        rules.require_state(self.state, [State.executing], action)
        if self.on_hold:
            raise DomainError("project-on-hold", f"cannot {action.replace('-', ' ')} while the project is on hold")

    def put_on_hold(self, *, reason: str, at: datetime) -> None:
        self._require_running("put-on-hold")
        rules.require_text(reason, "reason")
        self._record(ev.ProjectPutOnHold(self.id, reason), at=at)

    def resume(self, *, at: datetime) -> None:
        rules.require_state(self.state, [State.executing], "resume")
        if not self.on_hold:
            raise DomainError("project-not-on-hold", "only a project on hold can resume")
        self._record(ev.ProjectResumed(self.id), at=at)

    def raise_change_request(self, change: ChangeRequest, *, at: datetime) -> None:
        rules.require_state(self.state, [State.executing], "raise-change-request")
        rules.require_text(change.reason, "reason")
        if change.id in self.change_requests:
            raise DomainError("change-request-id-unique", f"change request {change.id} already exists")
        self._check_change(change)
        self._record(ev.ChangeRequestRaised(
            self.id, change.id, change.reason, change.scope_delta, change.schedule_delta_days, change.budget_delta,
            list(change.descoped_milestone_ids), list(change.added_milestones)), at=at)

    def _check_change(self, change: ChangeRequest) -> None:
        for milestone_id in change.descoped_milestone_ids:
            milestone = self.milestone(milestone_id)
            if milestone.done:
                raise DomainError("descoped-milestone-open", f"milestone {milestone_id} is already done or descoped")
        planned_end = self._shifted_end(change.schedule_delta_days)
        rules.dates_in_order(self.planned_start, planned_end)
        for added in change.added_milestones:
            self._check_new_milestone(added.milestone_id, added.name, added.planned_date, added.planned_value,
                                      planned_end)
        kept = [m.planned_value for m in self.milestones.values()
                if not m.descoped and m.id not in change.descoped_milestone_ids]
        rules.planned_values_sum_to_bac(kept + [a.planned_value for a in change.added_milestones],
                                        self.budget_at_completion + change.budget_delta)
        rules.positive_budget(self.budget_at_completion + change.budget_delta)

    def _shifted_end(self, days: int) -> date:
        try:
            return self.planned_end + timedelta(days=days)
        except OverflowError:
            raise DomainError("planned-end-in-calendar", f"moving {self.planned_end} by {days} days leaves the calendar") from None

    def approve_change_request(self, change_request_id: UUID, *, by: str, at: datetime) -> None:
        change = self._pending_change(change_request_id, "approve-change-request")
        self._check_change(change)
        self._record(ev.ChangeRequestApproved(self.id, change.id, by), at=at)
        for milestone_id in change.descoped_milestone_ids:
            self._record(ev.MilestoneDescoped(self.id, milestone_id, change.id), at=at)
        for added in change.added_milestones:
            self._record(ev.MilestoneAdded(self.id, added.milestone_id, added.name, added.planned_date,
                                           added.planned_value), at=at)
        planned_end = self._shifted_end(change.schedule_delta_days)
        self._record(self._baseline_event(self.budget_at_completion + change.budget_delta, planned_end), at=at)

    def reject_change_request(self, change_request_id: UUID, *, by: str, reason: str, at: datetime) -> None:
        change = self._pending_change(change_request_id, "reject-change-request")
        rules.require_text(reason, "reason")
        self._record(ev.ChangeRequestRejected(self.id, change.id, by, reason), at=at)

    def _pending_change(self, change_request_id: UUID, action: str) -> ChangeRequest:
        rules.require_state(self.state, [State.executing], action)
        change = self.change_requests.get(change_request_id)
        if change is None:
            raise NotFound("ChangeRequest", change_request_id)
        if change.decision is not Decision.pending:
            raise DomainError("change-request-pending", f"change request {change.id} was already {change.decision}")
        return change

    # Closing

    def enter_closing(self, *, at: datetime) -> None:
        self._require_running("enter-closing")
        open_ones = [m.name for m in self.milestones.values() if not m.done]
        if open_ones:
            raise DomainError("milestones-completed-or-descoped", f"milestones still open: {', '.join(open_ones)}")
        if any(c.decision is Decision.pending for c in self.change_requests.values()):
            raise DomainError("no-pending-change-requests", "decide the pending change requests first")
        self._record(ev.ProjectClosingStarted(self.id, self.title, list(self.target_service_ids)), at=at)

    def record_handover_acceptance(self, *, handover_id: UUID, service_id: UUID, accepted_by: str,
                                   accepted_at: datetime, at: datetime) -> None:
        """A fact from handover-svc: kept once per target service of an open project, otherwise ignored."""
        if self.state not in OPEN_STATES or service_id not in self.target_service_ids:
            return
        if service_id in self.handovers_accepted:
            return
        self._record(ev.HandoverAcceptanceRecorded(self.id, handover_id, service_id, accepted_by, accepted_at), at=at)

    def accept(self, *, by: str, at: datetime) -> None:
        rules.require_state(self.state, [State.closing], "accept")
        if self.accepted_by is not None:
            raise DomainError("project-not-yet-accepted", f"the project was already accepted by {self.accepted_by}")
        self._record(ev.ProjectAccepted(self.id, by), at=at)

    def close(self, *, at: datetime) -> None:
        rules.require_state(self.state, [State.closing], "close")
        if self.accepted_by is None:
            raise DomainError("sponsor-acceptance-required", "the sponsor has not formally accepted the project")
        waiting = [str(s) for s in self.target_service_ids if s not in self.handovers_accepted]
        if waiting:
            raise DomainError("handovers-accepted", f"handover not accepted yet for services {', '.join(waiting)}")
        closed_on = at.date()
        self._record(evaluate_success(self, closed_on), at=at)
        self._record(ev.ProjectClosed(self.id, closed_on), at=at)
        self._record(ev.TeamDisbanded(self.id, self._team_names()), at=at)

    def cancel(self, *, reason: str, at: datetime) -> None:
        rules.require_state(self.state, OPEN_STATES, "cancel")
        rules.require_text(reason, "reason")
        self._record(ev.ProjectCancelled(self.id, reason), at=at)
        if self.team.project_manager and not self.team.disbanded:
            self._record(ev.TeamDisbanded(self.id, self._team_names()), at=at)

    def _team_names(self) -> list[str]:
        names = [self.team.sponsor, self.team.project_manager] + [m.name for m in self.team.members]
        return list(dict.fromkeys(n for n in names if n))

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
        self.title, self.problem_statement, self.business_case = event.title, event.problem_statement, event.business_case
        self.origin, self.opportunity_id = Origin(event.origin), event.opportunity_id
        self.target_service_ids = list(event.target_service_ids)

    @apply.register
    def _(self, event: ev.CharterApproved) -> None:
        self.state, self.goal, self.scope_statement = State.chartered, event.goal, event.scope_statement
        self.budget_at_completion = event.budget_at_completion
        self.planned_start, self.planned_end = event.planned_start, event.planned_end

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
