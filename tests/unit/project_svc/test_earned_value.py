"""Earned value (DESIGN §6): the formulas, their zero-divisor edge cases, and properties over random plans."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from project_svc.domain import earned_value as evm
from project_svc.domain.earned_value import Cost, MilestonePlan

START = date(2026, 1, 1)
days = st.integers(min_value=0, max_value=365).map(lambda n: START + timedelta(days=n))
money = st.decimals(min_value=0, max_value=100_000, places=2, allow_nan=False, allow_infinity=False)
percent = st.decimals(min_value=0, max_value=100, places=1, allow_nan=False, allow_infinity=False)
milestones = st.lists(st.builds(MilestonePlan, planned_date=days, planned_value=money, percent_complete=percent,
                                actual_date=st.none() | days), max_size=12)
costs = st.lists(st.builds(Cost, amount=money, incurred_on=days), max_size=12)


def test_a_worked_example():
    plan = [MilestonePlan(date(2026, 2, 1), Decimal(40), Decimal(100), date(2026, 2, 3)),
            MilestonePlan(date(2026, 3, 1), Decimal(60), Decimal(25))]
    figures = evm.figures(bac=Decimal(100), milestones=plan, costs=[Cost(Decimal(50), date(2026, 2, 10)),
                                                                     Cost(Decimal(99), date(2026, 4, 1))],
                          on=date(2026, 3, 15))
    assert (figures.planned_value, figures.earned_value, figures.actual_cost) == (100, 55, 50)
    assert figures.schedule_variance == -45 and figures.cost_variance == 5
    assert figures.schedule_performance_index == Decimal("0.55") and figures.cost_performance_index == Decimal("1.1")
    assert round(figures.estimate_at_completion, 2) == Decimal("90.91")
    assert round(figures.variance_at_completion, 2) == Decimal("9.09")
    assert figures.milestones_missed_percent == 100  # one completed late, one overdue
    assert [evm.schedule_variance_days(m, date(2026, 3, 15)) for m in plan] == [-2, -14]


def test_zero_divisors_give_undefined_ratios_not_errors():
    nothing_due = evm.figures(bac=Decimal(100), milestones=[MilestonePlan(date(2026, 6, 1), Decimal(100))],
                              costs=[], on=date(2026, 1, 1))
    assert nothing_due.planned_value == 0 and nothing_due.actual_cost == 0
    assert nothing_due.schedule_performance_index is None and nothing_due.cost_performance_index is None
    assert nothing_due.estimate_at_completion is None and nothing_due.variance_at_completion is None
    assert nothing_due.milestones_missed_percent is None
    spent_nothing_earned = evm.figures(bac=Decimal(100), milestones=[MilestonePlan(date(2026, 6, 1), Decimal(100))],
                                       costs=[Cost(Decimal(10), date(2026, 1, 1))], on=date(2026, 1, 1))
    assert spent_nothing_earned.cost_performance_index == 0
    assert spent_nothing_earned.estimate_at_completion is None  # BAC / CPI with CPI = 0 is undefined


def test_an_open_milestone_not_yet_due_has_no_schedule_variance():
    milestone = MilestonePlan(date(2026, 6, 1), Decimal(1))
    assert evm.schedule_variance_days(milestone, date(2026, 6, 1)) is None
    assert evm.schedule_variance_days(milestone, date(2026, 6, 4)) == -3
    early = MilestonePlan(date(2026, 6, 1), Decimal(1), Decimal(100), date(2026, 5, 30))
    assert evm.schedule_variance_days(early, date(2026, 1, 1)) == 2 and not evm.missed(early, date(2026, 7, 1))


@given(milestones, costs, days, money)
def test_figures_follow_the_design_formulas(plan, spent, on, bac):
    figures = evm.figures(bac=bac, milestones=plan, costs=spent, on=on)
    pv, ev, ac = figures.planned_value, figures.earned_value, figures.actual_cost
    assert figures.schedule_variance == ev - pv and figures.cost_variance == ev - ac
    assert figures.schedule_performance_index == (None if pv == 0 else ev / pv)
    assert figures.cost_performance_index == (None if ac == 0 else ev / ac)
    cpi = figures.cost_performance_index
    assert figures.estimate_at_completion == (None if not cpi else bac / cpi)
    eac = figures.estimate_at_completion
    assert figures.variance_at_completion == (None if eac is None else bac - eac)


@given(milestones, days)
def test_earned_value_lies_between_nothing_and_the_whole_plan(plan, on):
    total = sum((m.planned_value for m in plan), Decimal(0))
    assert 0 <= evm.earned_value(plan) <= total
    assert 0 <= evm.planned_value(plan, on) <= total


@given(milestones, days, days)
def test_planned_value_never_falls_as_time_passes(plan, first, second):
    early, late = sorted((first, second))
    assert evm.planned_value(plan, early) <= evm.planned_value(plan, late)
    assert evm.planned_value(plan, START + timedelta(days=366)) == sum((m.planned_value for m in plan), Decimal(0))


@given(costs, days)
def test_actual_cost_counts_exactly_the_costs_incurred_by_the_date(spent, on):
    assert evm.actual_cost(spent, on) == sum((c.amount for c in spent if c.incurred_on <= on), Decimal(0))


@given(milestones, days)
def test_missed_share_is_a_percentage_of_the_milestones_due(plan, on):
    share = evm.milestones_missed_percent(plan, on)
    due = [m for m in plan if m.planned_date <= on]
    if not due:
        assert share is None
    else:
        assert 0 <= share <= 100
        expected = Decimal(100) * sum(1 for m in due if evm.missed(m, on)) / len(due)
        assert abs(share - expected) < Decimal("1e-20")
