"""The benefits verdict: judged only with enough exposure after the handover, against the regressed level and the
pre-regression baseline, with Inconclusive at the end of the maximum period; a fall that came by itself before
the handover is not credited (regression to the mean)."""

from __future__ import annotations

import random
from datetime import timedelta

from metrics_svc.domain.benefits import BenefitsSettings, due, judge_incident_rate
from metrics_svc.domain.detection import DailyCounts, RuleSettings, recurring_incidents
from tests.unit.metrics_svc.test_detection import START, end_of, fired, history

B = BenefitsSettings()


def poisson_days(rng: random.Random, phases: list[tuple[int, float]], days: int, other: float) -> DailyCounts:
    """c0 at each phase's rate from its first day on (weekly seasonality as in test_detection), c1 steady."""
    from tests.unit.metrics_svc.test_detection import WEEK, poisson

    counts = {}
    for d in range(days):
        day = START + timedelta(days=d)
        rate = [r for first, r in phases if first <= d][-1]
        counts[day] = {"c0": poisson(rng, rate * WEEK[day.weekday()]), "c1": poisson(rng, other * WEEK[day.weekday()])}
    return DailyCounts(START, counts)


def regressed_then(after: float | None, *, seed: int, fade_before_handover: bool = False):
    """c0 at 1/day, at 3.5/day from day 120, the handover accepted on day 149; then c0 at `after` a day."""
    phases = [(0, 1.0), (120, 3.5)] + ([(130, 1.0)] if fade_before_handover else [])
    phases += [(150, after)] if after is not None else []
    counts = poisson_days(random.Random(seed), phases, 300, 1.0)
    found = fired(counts, 121, 130 if fade_before_handover else 145, "c0")
    if not found:
        return None
    detected_day = found[0]
    detection = next(x for x in recurring_incidents(counts, end_of(detected_day), RuleSettings()) if x.category == "c0")
    return counts, detection, end_of(detected_day), end_of(150) - timedelta(hours=10)


def verdict_of(counts, detection, detected_at, accepted_at):
    for day in range(150, 300):
        end = end_of(day)
        if due(accepted_at, end, B):
            verdict = judge_incident_rate(detection.evidence, detected_at, accepted_at, end, counts, B)
            if verdict is not None:
                return verdict, day - 150
    return None, None


def test_a_rate_back_to_baseline_is_realized_with_its_interval():
    for seed in range(5):
        verdict, after_days = verdict_of(*regressed_then(1.0, seed=seed))
        assert verdict.outcome == "realized", (seed, verdict.effect)
        assert after_days >= B.min_days  # never an empty or partial window
        low, high = verdict.effect["ratio_to_regressed_interval"]
        assert low <= verdict.effect["ratio_to_regressed"] <= high < 1 and verdict.effect["gap_closed_pct"] >= 50


def test_a_rate_that_stays_regressed_is_not_realized():
    for seed in range(5):
        verdict, _ = verdict_of(*regressed_then(None, seed=seed))
        assert verdict.outcome == "not_realized", (seed, verdict.effect)
        assert verdict.effect["ratio_to_baseline_interval"][0] > 1


def test_too_little_evidence_is_inconclusive_never_realized():
    counts, detection, detected_at, accepted_at = regressed_then(1.0, seed=3)
    days = {day: dict(n) for day, n in counts.days.items()}
    for d in range(150, 300):  # after the handover, one incident a fortnight: too few to tell at the regressed level
        days[START + timedelta(days=d)]["c0"] = 1 if d % 14 == 0 else 0
    sparse = {**detection.evidence, "baseline_count": 2, "baseline_exposure": 56.0}
    regressed = {day: ({**n, "c0": 1} if START + timedelta(days=121) <= day < START + timedelta(days=150) and
                       (day - START).days % 5 == 0 else n) for day, n in days.items()}
    regressed = {day: ({**n, "c0": 0} if START + timedelta(days=121) <= day < START + timedelta(days=150) and
                       (day - START).days % 5 else n) for day, n in regressed.items()}
    verdict, after_days = verdict_of(DailyCounts(START, regressed), detection.__class__(
        **{**detection.__dict__, "evidence": sparse}), detected_at, accepted_at)
    assert verdict is not None and verdict.outcome == "inconclusive" and after_days >= B.min_days, verdict


def test_the_first_look_waits_for_the_minimum_exposure():
    counts, detection, detected_at, accepted_at = regressed_then(1.0, seed=1)
    assert not due(accepted_at, end_of(150 + B.min_days - 1), B)
    assert due(accepted_at, end_of(151 + B.min_days - 1), B) or due(accepted_at, end_of(150 + B.min_days), B)


def test_a_fall_that_came_before_the_handover_is_not_credited_to_the_project():
    cases = [case for case in (regressed_then(1.0, seed=seed, fade_before_handover=True) for seed in range(12)) if case]
    outcomes = [verdict_of(*case)[0] for case in cases[:5]]
    assert len(outcomes) == 5 and "realized" not in {v.outcome for v in outcomes if v}, outcomes
