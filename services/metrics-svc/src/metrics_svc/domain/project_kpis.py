"""Earned value of a project (DESIGN §6) as of a date: pure functions of its projected facts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from uuid import UUID

from metrics_svc.domain.facts import MilestoneFact, ProjectFact
from metrics_svc.domain.windows import ratio, ratio_pct


@dataclass(frozen=True)
class MilestoneVariance:
    milestone_id: UUID
    schedule_variance_days: int | None  # positive: late; None: not due and not done


@dataclass(frozen=True)
class EarnedValue:
    as_of: datetime
    based_on: int
    bac: Decimal | None
    pv: Decimal
    ev: Decimal
    ac: Decimal
    sv: Decimal
    cv: Decimal
    spi: Decimal | None
    cpi: Decimal | None
    eac: Decimal | None
    vac: Decimal | None
    milestones_missed_pct: Decimal | None
    budget_deviation_pct: Decimal | None
    milestones: list[MilestoneVariance]


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
    if milestone.actual_date is not None and milestone.actual_date <= on:
        return (milestone.actual_date - milestone.planned_date).days
    return (on - milestone.planned_date).days if milestone.planned_date < on else None


def milestones_missed(project: ProjectFact, on: date) -> Decimal | None:
    """Milestones completed late or overdue / milestones due by `on`."""
    due = [m for m in project.milestones if m.planned_date <= on]
    missed = [m for m in due if (schedule_variance_days(m, on) or 0) > 0]
    return ratio_pct(len(missed), len(due))


def project_kpis(project: ProjectFact, as_of: datetime) -> EarnedValue:
    on = as_of.date()
    pv, ev, ac = planned_value(project, on), earned_value(project, as_of), actual_cost(project, as_of)
    bac = project.budget_at_completion
    cpi = ratio(ev, ac)
    eac = None if bac is None or not cpi else bac / cpi
    return EarnedValue(
        as_of=as_of, based_on=len(project.milestones) + len(project.progress) + len(project.costs),
        bac=bac, pv=pv, ev=ev, ac=ac, sv=ev - pv, cv=ev - ac, spi=ratio(ev, pv), cpi=cpi, eac=eac,
        vac=None if eac is None or bac is None else bac - eac,
        milestones_missed_pct=milestones_missed(project, on),
        budget_deviation_pct=None if eac is None or bac is None else ratio_pct(eac - bac, bac),
        milestones=[MilestoneVariance(m.milestone_id, schedule_variance_days(m, on)) for m in project.milestones],
    )
