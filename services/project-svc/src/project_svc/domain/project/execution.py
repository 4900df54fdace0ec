"""The Project's execution, monitoring and control: progress and completion of milestones, actual costs, holds
and resumes, and change requests (raised, approved with the new baseline they record, rejected). `Project` has
these through `_Execution`."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from uuid import UUID

from continuum.domain import DomainError, NotFound

from project_svc.domain import events as ev
from project_svc.domain import rules
from project_svc.domain.entities import ChangeRequest, Decision, Milestone, State

from project_svc.domain.project.planning import _Planning


class _Execution(_Planning):
    """The execution, monitoring and control commands of `Project`."""

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
