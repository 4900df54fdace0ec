"""The Project's planning commands: start planning, add milestones, identify and reassess risks, and baseline the
plan (the baseline event is also what an approved change request records). `Project` has these through
`_Planning`."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from uuid import UUID

from continuum.domain import DomainError

from project_svc.domain import events as ev
from project_svc.domain import rules
from project_svc.domain.entities import RiskStatus, State
from project_svc.domain.state import ProjectState

CONTROLLED = (State.planning, State.executing)


class _Planning(ProjectState):
    """The planning commands of `Project`."""

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
