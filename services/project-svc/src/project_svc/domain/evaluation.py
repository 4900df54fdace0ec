"""The triple constraint at close: scope delivered, on time, within budget, with the figures behind them."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from project_svc.domain.events import ProjectSuccessEvaluated

if TYPE_CHECKING:
    from project_svc.domain.state import ProjectState


def evaluate_success(project: ProjectState, closed_on: date) -> ProjectSuccessEvaluated:
    """Scope: no milestone descoped; time: closed by the (re)baselined planned end; cost: AC within BAC."""
    milestones = list(project.milestones.values())
    figures = project.earned_value(closed_on)
    descoped = sum(1 for m in milestones if m.descoped)
    return ProjectSuccessEvaluated(
        project_id=project.id,
        scope_delivered=descoped == 0 and all(m.completed for m in milestones),
        on_time=closed_on <= project.planned_end,
        within_budget=figures.actual_cost <= project.budget_at_completion,
        milestones_planned=len(milestones),
        milestones_completed=sum(1 for m in milestones if m.completed),
        milestones_descoped=descoped,
        planned_end=project.planned_end,
        actual_end=closed_on,
        schedule_slip_days=(closed_on - project.planned_end).days,
        budget_at_completion=project.budget_at_completion,
        actual_cost=figures.actual_cost,
        earned_value=figures.earned_value,
        cost_performance_index=_rounded(figures.cost_performance_index),
        schedule_performance_index=_rounded(figures.schedule_performance_index),
    )


def _rounded(value):
    return None if value is None else round(value, 4)
