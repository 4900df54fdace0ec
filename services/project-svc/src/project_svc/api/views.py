"""The project's representation: the aggregate's state with its earned value at a date."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from decimal import Decimal

from project_svc.api import schemas as s
from project_svc.domain.earned_value import schedule_variance_days
from project_svc.domain.entities import ChangeRequest, Milestone, Risk
from project_svc.domain.project import Project


def _ratio(value: Decimal | None) -> Decimal | None:
    return None if value is None else round(value, 4)


def milestone_view(milestone: Milestone, on: date) -> s.MilestoneView:
    variance = None if milestone.descoped else schedule_variance_days(milestone.plan(), on)
    return s.MilestoneView(id=milestone.id, name=milestone.name, planned_date=milestone.planned_date,
                           planned_value=milestone.planned_value, percent_complete=milestone.percent_complete,
                           actual_date=milestone.actual_date, descoped=milestone.descoped,
                           schedule_variance_days=variance)


def risk_view(risk: Risk) -> s.RiskView:
    return s.RiskView(id=risk.id, title=risk.title, probability=risk.probability, impact=risk.impact,
                      score=risk.score, owner=risk.owner, mitigation=risk.mitigation, status=risk.status.value)


def change_request_view(change: ChangeRequest) -> s.ChangeRequestView:
    return s.ChangeRequestView(
        id=change.id, reason=change.reason, scope_delta=change.scope_delta,
        schedule_delta_days=change.schedule_delta_days, budget_delta=change.budget_delta,
        descoped_milestone_ids=change.descoped_milestone_ids,
        added_milestone_ids=[m.milestone_id for m in change.added_milestones], decision=change.decision.value,
        decided_by=change.decided_by, rejection_reason=change.rejection_reason)


def earned_value_view(project: Project, on: date) -> s.EarnedValueView | None:
    if project.baselines == 0:
        return None
    figures = project.earned_value(on)
    values = asdict(figures)
    for name in ("schedule_performance_index", "cost_performance_index"):
        values[name] = _ratio(values[name])
    for name in ("estimate_at_completion", "variance_at_completion", "milestones_missed_percent"):
        values[name] = None if values[name] is None else round(values[name], 2)
    return s.EarnedValueView(as_of=on, **values)


def success_view(project: Project) -> s.SuccessView | None:
    success = project.success
    if success is None:
        return None
    return s.SuccessView(scope_delivered=success.scope_delivered, on_time=success.on_time,
                         within_budget=success.within_budget, schedule_slip_days=success.schedule_slip_days,
                         actual_cost=success.actual_cost, budget_at_completion=success.budget_at_completion)


def project_view(project: Project, on: date) -> s.ProjectView:
    team = project.team
    return s.ProjectView(
        **project.summary(), version=project.version, problem_statement=project.problem_statement,
        business_case=project.business_case, goal=project.goal, scope_statement=project.scope_statement,
        benefit=None if project.benefit_kpi is None else s.DeclaredBenefitView(kpi=project.benefit_kpi,
                                                                             target=str(project.benefit_target)),
        planned_start=project.planned_start, baselines=project.baselines,
        team=s.TeamView(sponsor=team.sponsor or None, project_manager=team.project_manager or None,
                        members=[s.Member(name=m.name, role=m.role) for m in team.members],
                        disbanded=team.disbanded),
        milestones=[milestone_view(m, on) for m in project.milestones.values()],
        risks=[risk_view(r) for r in project.risks.values()],
        change_requests=[change_request_view(c) for c in project.change_requests.values()],
        costs=[s.CostView(amount=c.amount, incurred_on=c.incurred_on, category=c.category) for c in project.costs],
        handovers_accepted=[s.HandoverView(service_id=service_id, handover_id=h.handover_id,
                                           accepted_by=h.accepted_by, accepted_at=h.accepted_at)
                            for service_id, h in project.handovers_accepted.items()],
        accepted_by=project.accepted_by, closed_on=project.closed_on, cancel_reason=project.cancel_reason,
        earned_value=earned_value_view(project, on), success=success_view(project),
    )
