"""Earned value management (DESIGN §6) as pure functions over a plan, progress and costs at a date.

PV is the baselined planned value of the milestones due by the date (a step curve); EV is each
milestone's planned value times its % complete; AC is the cost incurred by the date. A ratio whose divisor
is zero is None (undefined), never an error.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

HUNDRED = Decimal(100)


@dataclass(frozen=True)
class MilestonePlan:
    """One milestone as earned value sees it (descoped milestones are left out by the caller)."""

    planned_date: date
    planned_value: Decimal
    percent_complete: Decimal = Decimal(0)
    actual_date: date | None = None


@dataclass(frozen=True)
class Cost:
    amount: Decimal
    incurred_on: date


@dataclass(frozen=True)
class EarnedValue:
    budget_at_completion: Decimal
    planned_value: Decimal
    earned_value: Decimal
    actual_cost: Decimal
    schedule_variance: Decimal
    cost_variance: Decimal
    schedule_performance_index: Decimal | None
    cost_performance_index: Decimal | None
    estimate_at_completion: Decimal | None
    variance_at_completion: Decimal | None
    milestones_missed_percent: Decimal | None


def ratio(numerator: Decimal, denominator: Decimal | None) -> Decimal | None:
    """numerator / denominator, None when the denominator is zero or unknown."""
    if denominator is None or denominator == 0:
        return None
    return numerator / denominator


def planned_value(milestones: Iterable[MilestonePlan], on: date) -> Decimal:
    return sum((m.planned_value for m in milestones if m.planned_date <= on), Decimal(0))


def earned_value(milestones: Iterable[MilestonePlan]) -> Decimal:
    return sum((m.planned_value * m.percent_complete / HUNDRED for m in milestones), Decimal(0))


def actual_cost(costs: Iterable[Cost], on: date) -> Decimal:
    return sum((c.amount for c in costs if c.incurred_on <= on), Decimal(0))


def estimate_at_completion(bac: Decimal, cpi: Decimal | None) -> Decimal | None:
    return ratio(bac, cpi)


def variance_at_completion(bac: Decimal, eac: Decimal | None) -> Decimal | None:
    return None if eac is None else bac - eac


def schedule_variance_days(milestone: MilestonePlan, on: date) -> int | None:
    """planned − actual date in days (negative = late); for an open milestone past its date, planned − `on`.

    None for an open milestone not yet due.
    """
    if milestone.actual_date is not None:
        return (milestone.planned_date - milestone.actual_date).days
    if milestone.planned_date < on:
        return (milestone.planned_date - on).days
    return None


def missed(milestone: MilestonePlan, on: date) -> bool:
    """Completed late, or still open after its planned date."""
    if milestone.actual_date is not None:
        return milestone.actual_date > milestone.planned_date
    return milestone.planned_date < on


def milestones_missed_percent(milestones: Iterable[MilestonePlan], on: date) -> Decimal | None:
    """Milestones completed late or overdue / milestones due by `on`, in %; None when none is due."""
    due = [m for m in milestones if m.planned_date <= on]
    late = sum(1 for m in due if missed(m, on))
    share = ratio(Decimal(late), Decimal(len(due)))
    return None if share is None else share * HUNDRED


def figures(*, bac: Decimal, milestones: list[MilestonePlan], costs: list[Cost], on: date) -> EarnedValue:
    """Every earned-value figure of a plan at the date `on`."""
    pv, ev, ac = planned_value(milestones, on), earned_value(milestones), actual_cost(costs, on)
    cpi = ratio(ev, ac)
    eac = estimate_at_completion(bac, cpi)
    return EarnedValue(
        budget_at_completion=bac, planned_value=pv, earned_value=ev, actual_cost=ac,
        schedule_variance=ev - pv, cost_variance=ev - ac,
        schedule_performance_index=ratio(ev, pv), cost_performance_index=cpi,
        estimate_at_completion=eac, variance_at_completion=variance_at_completion(bac, eac),
        milestones_missed_percent=milestones_missed_percent(milestones, on),
    )
