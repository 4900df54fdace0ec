"""The Project aggregate (DESIGN §5): a command method checks its rules, then records events; state is their fold."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from uuid import UUID

from continuum.domain import DomainError, NotFound

from project_svc.domain import events as ev
from project_svc.domain import rules
from project_svc.domain.entities import OPEN_STATES, ChangeRequest, Decision, Milestone, Origin, RiskStatus, State
from project_svc.domain.evaluation import evaluate_success
from project_svc.domain.state import ProjectState

AUTHORIZED = (State.chartered, State.planning, State.executing, State.closing)
CONTROLLED = (State.planning, State.executing)


class Project(ProjectState):
    """The Project aggregate: each command checks its rules, then records events."""

    # Initiation

    @classmethod
    def propose(cls, project_id: UUID, *, title: str, problem_statement: str, business_case: str, origin: Origin,
                opportunity_id: UUID | None, target_service_ids: list[UUID], at: datetime) -> Project:
        rules.require_text(title, "title")
        if (origin is Origin.improvement_opportunity) != (opportunity_id is not None):
            raise DomainError("opportunity-id-matches-origin",
                              "an opportunity id is given exactly when the origin is improvement_opportunity")
        project = cls(project_id)
        project._record(ev.ProjectProposed(project_id=project_id, title=title, problem_statement=problem_statement,
                                           business_case=business_case, origin=origin.value,
                                           opportunity_id=opportunity_id,
                                           target_service_ids=list(dict.fromkeys(target_service_ids))), at=at)
        return project

    def approve_charter(self, *, goal: str, scope_statement: str, budget_at_completion: Decimal, planned_start: date,
                        planned_end: date, sponsor: str, project_manager: str, members: list[ev.TeamMember],
                        at: datetime, benefit_kpi: str | None = None, benefit_target: Decimal | None = None) -> None:
        rules.require_state(self.state, [State.proposed], "approve-charter")
        rules.require_text(goal, "goal")
        rules.positive_budget(budget_at_completion)
        rules.dates_in_order(planned_start, planned_end)
        if (benefit_kpi is None) != (benefit_target is None):
            raise DomainError("declared-benefit-names-kpi-and-target",
                              "a declared benefit gives both its KPI and its target")
        self._record(ev.CharterApproved(project_id=self.id, goal=goal, scope_statement=scope_statement,
                                        budget_at_completion=budget_at_completion, planned_start=planned_start,
                                        planned_end=planned_end, sponsor=sponsor, benefit_kpi=benefit_kpi,
                                        benefit_target=benefit_target), at=at)
        self.assign_team(sponsor=sponsor, project_manager=project_manager, members=members, at=at)

    def assign_team(self, *, sponsor: str, project_manager: str, members: list[ev.TeamMember], at: datetime) -> None:
        rules.require_state(self.state, AUTHORIZED, "assign-team")
        rules.require_text(sponsor, "sponsor")
        rules.require_text(project_manager, "project-manager")
        self._record(ev.TeamAssigned(project_id=self.id, sponsor=sponsor, project_manager=project_manager,
                                     members=list(members)), at=at)

    # Planning

    def start_planning(self, *, at: datetime) -> None:
        rules.require_state(self.state, [State.chartered], "start-planning")
        self._record(ev.PlanningStarted(project_id=self.id), at=at)

    def add_milestone(self, milestone_id: UUID, *, name: str, planned_date: date, planned_value: Decimal,
                      at: datetime) -> None:
        rules.require_state(self.state, [State.planning], "add-milestone")
        self._check_new_milestone(milestone_id, name, planned_date, planned_value, self.planned_end)
        self._record(ev.MilestoneAdded(project_id=self.id, milestone_id=milestone_id, name=name,
                                       planned_date=planned_date, planned_value=planned_value), at=at)

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
        self._record(ev.RiskIdentified(project_id=self.id, risk_id=risk_id, title=title, probability=probability,
                                       impact=impact, score=probability * impact, owner=owner,
                                       mitigation=mitigation), at=at)

    def reassess_risk(self, risk_id: UUID, *, probability: int, impact: int, mitigation: str, status: RiskStatus,
                      at: datetime) -> None:
        rules.require_state(self.state, CONTROLLED, "reassess-risk")
        risk = self.risk(risk_id)
        if risk.status is RiskStatus.closed:
            raise DomainError("risk-closed", f"risk {risk_id} is closed")
        rules.risk_scale(probability, impact)
        self._record(ev.RiskReassessed(project_id=self.id, risk_id=risk_id, probability=probability, impact=impact,
                                       score=probability * impact, mitigation=mitigation,
                                       status=status.value), at=at)

    def baseline(self, *, at: datetime) -> None:
        rules.require_state(self.state, [State.planning], "baseline")
        if not self.milestones:
            raise DomainError("baseline-needs-milestones", "add at least one milestone before baselining")
        rules.planned_values_sum_to_bac((m.planned_value for m in self.milestones.values()), self.budget_at_completion)
        self._record(self._baseline_event(self.budget_at_completion, self.planned_end), at=at)
        self._record(ev.ExecutionStarted(project_id=self.id), at=at)

    def _baseline_event(self, bac: Decimal, planned_end: date) -> ev.PlanBaselined:
        plan = [m.planned() for m in self.milestones.values() if not m.descoped]
        return ev.PlanBaselined(project_id=self.id, budget_at_completion=bac, planned_start=self.planned_start,
                                planned_end=planned_end, milestones=plan)

    # Execution, monitoring and control

    def record_progress(self, milestone_id: UUID, *, percent_complete: Decimal, at: datetime) -> None:
        milestone = self._open_milestone(milestone_id, "record-progress")
        if not 0 <= percent_complete <= 100:
            raise DomainError("percent-complete-0-to-100", f"{percent_complete} is not a percentage")
        self._record(ev.MilestoneProgressRecorded(project_id=self.id, milestone_id=milestone.id,
                                                  percent_complete=percent_complete), at=at)

    def complete_milestone(self, milestone_id: UUID, *, actual_date: date, at: datetime) -> None:
        milestone = self._open_milestone(milestone_id, "complete-milestone")
        rules.not_in_future(actual_date, at.date(), "actual-date")
        if actual_date < self.planned_start:
            raise DomainError("actual-date-not-before-start", f"{actual_date} is before the start {self.planned_start}")
        self._record(ev.MilestoneCompleted(project_id=self.id, milestone_id=milestone.id, actual_date=actual_date),
                     at=at)

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
        self._record(ev.ActualCostRecorded(project_id=self.id, amount=amount, incurred_on=incurred_on,
                                           category=category), at=at)

    def _require_running(self, action: str) -> None:
        rules.require_state(self.state, [State.executing], action)
        if self.on_hold:
            raise DomainError("project-on-hold", f"cannot {action.replace('-', ' ')} while the project is on hold")

    def put_on_hold(self, *, reason: str, at: datetime) -> None:
        self._require_running("put-on-hold")
        rules.require_text(reason, "reason")
        self._record(ev.ProjectPutOnHold(project_id=self.id, reason=reason), at=at)

    def resume(self, *, at: datetime) -> None:
        rules.require_state(self.state, [State.executing], "resume")
        if not self.on_hold:
            raise DomainError("project-not-on-hold", "only a project on hold can resume")
        self._record(ev.ProjectResumed(project_id=self.id), at=at)

    def raise_change_request(self, change: ChangeRequest, *, at: datetime) -> None:
        rules.require_state(self.state, [State.executing], "raise-change-request")
        rules.require_text(change.reason, "reason")
        if change.id in self.change_requests:
            raise DomainError("change-request-id-unique", f"change request {change.id} already exists")
        self._check_change(change)
        self._record(ev.ChangeRequestRaised(
            project_id=self.id, change_request_id=change.id, reason=change.reason, scope_delta=change.scope_delta,
            schedule_delta_days=change.schedule_delta_days, budget_delta=change.budget_delta,
            descoped_milestone_ids=list(change.descoped_milestone_ids), added_milestones=list(change.added_milestones)),
            at=at)

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
            detail = f"moving {self.planned_end} by {days} days leaves the calendar"
            raise DomainError("planned-end-in-calendar", detail) from None

    def approve_change_request(self, change_request_id: UUID, *, by: str, at: datetime) -> None:
        change = self._pending_change(change_request_id, "approve-change-request")
        self._check_change(change)
        self._record(ev.ChangeRequestApproved(project_id=self.id, change_request_id=change.id, decided_by=by), at=at)
        for milestone_id in change.descoped_milestone_ids:
            self._record(ev.MilestoneDescoped(project_id=self.id, milestone_id=milestone_id,
                                              change_request_id=change.id), at=at)
        for added in change.added_milestones:
            self._record(ev.MilestoneAdded(project_id=self.id, milestone_id=added.milestone_id, name=added.name,
                                           planned_date=added.planned_date,
                                           planned_value=added.planned_value), at=at)
        planned_end = self._shifted_end(change.schedule_delta_days)
        self._record(self._baseline_event(self.budget_at_completion + change.budget_delta, planned_end), at=at)

    def reject_change_request(self, change_request_id: UUID, *, by: str, reason: str, at: datetime) -> None:
        change = self._pending_change(change_request_id, "reject-change-request")
        rules.require_text(reason, "reason")
        self._record(ev.ChangeRequestRejected(project_id=self.id, change_request_id=change.id, decided_by=by,
                                              reason=reason), at=at)

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
        self._record(ev.ProjectClosingStarted(project_id=self.id, title=self.title,
                                              target_service_ids=list(self.target_service_ids)), at=at)

    def record_handover_acceptance(self, *, handover_id: UUID, service_id: UUID, accepted_by: str,
                                   accepted_at: datetime, at: datetime) -> None:
        """A fact from handover-svc: kept once per target service of an open project, otherwise ignored."""
        if self.state not in OPEN_STATES or service_id not in self.target_service_ids:
            return
        if service_id in self.handovers_accepted:
            return
        self._record(ev.HandoverAcceptanceRecorded(project_id=self.id, handover_id=handover_id, service_id=service_id,
                                                   accepted_by=accepted_by, accepted_at=accepted_at), at=at)

    def accept(self, *, by: str, at: datetime) -> None:
        rules.require_state(self.state, [State.closing], "accept")
        if self.accepted_by is not None:
            raise DomainError("project-not-yet-accepted", f"the project was already accepted by {self.accepted_by}")
        self._record(ev.ProjectAccepted(project_id=self.id, accepted_by=by), at=at)

    def close(self, *, at: datetime) -> None:
        rules.require_state(self.state, [State.closing], "close")
        if self.accepted_by is None:
            raise DomainError("sponsor-acceptance-required", "the sponsor has not formally accepted the project")
        waiting = [str(s) for s in self.target_service_ids if s not in self.handovers_accepted]
        if waiting:
            raise DomainError("handovers-accepted", f"handover not accepted yet for services {', '.join(waiting)}")
        closed_on = at.date()
        self._record(evaluate_success(self, closed_on), at=at)
        self._record(ev.ProjectClosed(project_id=self.id, closed_on=closed_on), at=at)
        self._record(ev.TeamDisbanded(project_id=self.id, released=self._team_names()), at=at)

    def cancel(self, *, reason: str, at: datetime) -> None:
        rules.require_state(self.state, OPEN_STATES, "cancel")
        rules.require_text(reason, "reason")
        self._record(ev.ProjectCancelled(project_id=self.id, reason=reason), at=at)
        if self.team.project_manager and not self.team.disbanded:
            self._record(ev.TeamDisbanded(project_id=self.id, released=self._team_names()), at=at)

    def _team_names(self) -> list[str]:
        names = [self.team.sponsor, self.team.project_manager] + [m.name for m in self.team.members]
        return list(dict.fromkeys(n for n in names if n))
