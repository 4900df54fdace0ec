"""The Project aggregate (DESIGN §5): a command method checks its rules, then records events; state is their fold.
`Project` holds initiation (propose, approve the charter, assign the team) and closing (enter closing, handover
acceptances, accept, close, cancel); planning and execution are `_Planning`'s and `_Execution`'s."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from uuid import UUID

from continuum.domain import DomainError

from project_svc.domain import events as ev
from project_svc.domain import rules
from project_svc.domain.entities import OPEN_STATES, Decision, Origin, State
from project_svc.domain.evaluation import evaluate_success

from project_svc.domain.project.execution import _Execution

AUTHORIZED = (State.chartered, State.planning, State.executing, State.closing)


class Project(_Execution):
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
