"""Earned value of a project (DESIGN §6) as of a date: pure functions of its projected facts."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from uuid import UUID

from metrics_svc.domain.facts import MilestoneFact, ProjectFact
from metrics_svc.domain.windows import (
    Problem,
    computed,
    ratio,
    ratio_pct,
    unusable_fact,
    usable_amount,
    usable_costs,
    usable_day,
    usable_moment,
)


@dataclass(frozen=True)
class MilestoneVariance:
    milestone_id: UUID
    schedule_variance_days: int | None  # negative: late (earned value's sign); None: not due and not done


@dataclass(frozen=True)
class EarnedValue:
    as_of: datetime
    based_on: int
    bac: Decimal | None
    pv: Decimal | None  # None (with a problem) only when the stored facts make it fail
    ev: Decimal | None
    ac: Decimal | None
    sv: Decimal | None
    cv: Decimal | None
    spi: Decimal | None
    cpi: Decimal | None
    eac: Decimal | None
    vac: Decimal | None
    milestones_missed_pct: Decimal | None
    budget_deviation_pct: Decimal | None
    milestones: list[MilestoneVariance]
    problems: tuple[Problem, ...] = ()


def planned_value(project: ProjectFact, on: date) -> Decimal:
    """PV: the planned values of the baselined milestones planned by `on`."""
    return sum((m.planned_value for m in project.milestones if m.planned_date <= on), Decimal(0))


def percent_complete(project: ProjectFact, milestone: MilestoneFact, as_of: datetime) -> Decimal:
    if milestone.actual_date is not None and milestone.actual_date <= as_of.date():
        return Decimal(100)
    recorded = [p for p in project.progress if p.milestone_id == milestone.milestone_id and p.recorded_at <= as_of]
    return max(recorded, key=lambda p: p.recorded_at).percent_complete if recorded else Decimal(0)


def earned_value(project: ProjectFact, as_of: datetime) -> Decimal:
    """EV: each milestone's % complete (as recorded by `as_of`) × its planned value."""
    return sum((percent_complete(project, m, as_of) / 100 * m.planned_value for m in project.milestones), Decimal(0))


def actual_cost(project: ProjectFact, as_of: datetime) -> Decimal:
    return sum((c.amount for c in project.costs if c.incurred_at <= as_of), Decimal(0))


def schedule_variance_days(milestone: MilestoneFact, on: date) -> int | None:
    """planned − actual date in days, negative = late as in earned value and in project-svc (for an open milestone
    past its date, planned − `on`); None for an open milestone not yet due."""
    if milestone.actual_date is not None and milestone.actual_date <= on:
        return (milestone.planned_date - milestone.actual_date).days
    return (milestone.planned_date - on).days if milestone.planned_date < on else None


def milestones_missed(project: ProjectFact, on: date) -> Decimal | None:
    """Milestones completed late or overdue / milestones due by `on`."""
    due = [m for m in project.milestones if m.planned_date <= on]
    missed = [m for m in due if (schedule_variance_days(m, on) or 0) < 0]
    return ratio_pct(len(missed), len(due))


def usable_project(project: ProjectFact, problems: list[Problem]) -> ProjectFact:
    """The project with only the facts a figure may use; each one left out is named in `problems`."""
    def milestone_ok(m: MilestoneFact) -> bool:
        bad = [(name, value) for name, value, ok in (
            ("planned_date", m.planned_date, usable_day(m.planned_date)),
            ("actual_date", m.actual_date, usable_day(m.actual_date)),
            ("planned_value", m.planned_value, usable_amount(m.planned_value))) if not ok]
        problems.extend(unusable_fact(f"milestone {m.milestone_id}", *field) for field in bad)
        return not bad

    def progress_ok(p: ProgressFact) -> bool:
        bad = [(name, value) for name, value, ok in (
            ("recorded_at", p.recorded_at, usable_moment(p.recorded_at)),
            ("percent_complete", p.percent_complete, usable_amount(p.percent_complete))) if not ok]
        problems.extend(unusable_fact(f"progress of milestone {p.milestone_id}", *field) for field in bad)
        return not bad

    bac = project.budget_at_completion
    if not usable_amount(bac):
        problems.append(unusable_fact(f"project {project.project_id}", "budget_at_completion", bac))
        bac = None
    return replace(project, budget_at_completion=bac, milestones=tuple(filter(milestone_ok, project.milestones)),
                   progress=tuple(filter(progress_ok, project.progress)),
                   costs=tuple(usable_costs(project.costs, problems, of="project")))


def project_kpis(project: ProjectFact, as_of: datetime) -> EarnedValue:
    """Earned value from the facts a figure may use, each figure on its own (null with a problem if it fails)."""
    problems: list[Problem] = []
    project = usable_project(project, problems)
    on, bac = as_of.date(), project.budget_at_completion

    def figure(name: str, compute, *inputs):
        return None if None in inputs else computed(name, compute, problems, None)

    pv = figure("pv", lambda: planned_value(project, on))
    ev = figure("ev", lambda: earned_value(project, as_of))
    ac = figure("ac", lambda: actual_cost(project, as_of))
    cpi = figure("cpi", lambda: ratio(ev, ac), ev, ac)
    eac = figure("eac", lambda: bac / cpi if cpi else None, bac, cpi)
    return EarnedValue(
        as_of=as_of, based_on=len(project.milestones) + len(project.progress) + len(project.costs),
        bac=bac, pv=pv, ev=ev, ac=ac,
        sv=figure("sv", lambda: ev - pv, ev, pv), cv=figure("cv", lambda: ev - ac, ev, ac),
        spi=figure("spi", lambda: ratio(ev, pv), ev, pv), cpi=cpi, eac=eac,
        vac=figure("vac", lambda: bac - eac, bac, eac),
        milestones_missed_pct=figure("milestones_missed_pct", lambda: milestones_missed(project, on)),
        budget_deviation_pct=figure("budget_deviation_pct", lambda: ratio_pct(eac - bac, bac), eac, bac),
        milestones=computed("milestones", lambda: [MilestoneVariance(m.milestone_id, schedule_variance_days(m, on))
                                                   for m in project.milestones], problems, []),
        problems=tuple(problems),
    )
