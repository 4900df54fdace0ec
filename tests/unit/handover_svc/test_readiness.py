"""Readiness score arithmetic: the share of criteria met or waived, a fraction from 0 to 1."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from handover_svc.domain.criteria import Criterion, CriterionStatus, readiness, readiness_score

statuses = st.lists(st.tuples(st.sampled_from(list(CriterionStatus)), st.booleans()), min_size=1, max_size=40)


def criteria_of(drawn) -> list[Criterion]:
    return [Criterion(key=f"c{i}", title=f"C{i}", mandatory=mandatory, status=status)
            for i, (status, mandatory) in enumerate(drawn)]


@given(statuses)
def test_the_score_is_the_settled_share_within_rounding(drawn):
    criteria = criteria_of(drawn)
    ready = readiness(criteria)
    settled = sum(1 for status, _ in drawn if status is not CriterionStatus.pending)
    assert ready.settled == settled and ready.total == len(drawn)
    assert Decimal(0) <= ready.score <= Decimal(1)
    assert abs(ready.score - Decimal(settled) / len(drawn)) <= Decimal("0.00005")


@given(statuses)
def test_the_score_is_one_exactly_when_nothing_is_pending(drawn):
    ready = readiness(criteria_of(drawn))
    assert (ready.score == 1) == (not ready.pending)
    assert (ready.score == 0) == (ready.settled == 0)


@given(statuses)
def test_pending_lists_name_what_is_left(drawn):
    ready = readiness(criteria_of(drawn))
    assert ready.pending == [f"c{i}" for i, (status, _) in enumerate(drawn) if status is CriterionStatus.pending]
    assert ready.pending_mandatory == [f"c{i}" for i, (status, mandatory) in enumerate(drawn)
                                      if status is CriterionStatus.pending and mandatory]


@given(st.integers(0, 500), st.integers(1, 500))
def test_settling_one_more_criterion_never_lowers_the_score(settled, total):
    settled = min(settled, total - 1)
    assert readiness_score(settled + 1, total) >= readiness_score(settled, total)


def test_known_values():
    assert readiness_score(7, 9) == Decimal("0.7778")
    assert readiness_score(2, 3) == Decimal("0.6667")
    assert readiness_score(0, 9) == Decimal("0.0000")
    assert readiness_score(0, 0) == Decimal("1.0000")
