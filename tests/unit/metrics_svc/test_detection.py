"""The detection rules as statistics: steady noise at any base rate raises (almost) nothing, a sustained shift of
a stated size is found within a stated delay, a burst or proportional growth is not a weakness; the SLA, CSAT and
availability tests need their samples."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from metrics_svc.domain.detection import (
    DailyCounts,
    RuleSettings,
    availability_below_target,
    csat_below_target,
    day_end,
    day_ends,
    recurring_incidents,
    signal_cleared,
    sla_breach_rate,
)
from tests.unit.metrics_svc.factories import AS_OF, incident, sla

S = RuleSettings()
START = date(2026, 1, 5)
WEEK = (1.2, 1.1, 1.1, 1.0, 1.0, 0.6, 0.5)


def poisson(rng: random.Random, mean: float) -> int:
    """Knuth's method, split for large means (exact enough for these tests)."""
    count = 0
    while mean > 30:
        count, mean = count + poisson(rng, 30), mean - 30
    limit, k, p = pow(2.718281828459045, -mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return count + k
        k += 1


def history(rng: random.Random, days: int, rates: list[float], *, step: tuple[int, float, float] | None = None,
            burst: tuple[int, int] | None = None, growth_from: int | None = None, growth: float = 1.0) -> DailyCounts:
    counts = {}
    for d in range(days):
        day = START + timedelta(days=d)
        today = {}
        for index, rate in enumerate(rates):
            mean = rate * WEEK[day.weekday()] * (growth if growth_from is not None and d >= growth_from else 1.0)
            if step and index == 0 and d >= step[0]:
                mean = max(mean * step[1], mean + step[2])
            n = poisson(rng, mean) + (burst[1] if burst and d == burst[0] and index == 0 else 0)
            if n:
                today[f"c{index}"] = n
        counts[day] = today
    return DailyCounts(START, counts)


def end_of(d: int) -> datetime:
    return datetime.combine(START + timedelta(days=d), time(), tzinfo=UTC)


def fired(counts: DailyCounts, first: int, last: int, category: str | None = None) -> list[int]:
    return [d for d in range(first, last) for x in recurring_incidents(counts, end_of(d), S)
            if category is None or x.category == category]


def test_day_ends_are_the_midnights_after_a_moment():
    moment = datetime(2026, 3, 1, 13, 5, tzinfo=UTC)
    assert day_end(moment) == datetime(2026, 3, 2, tzinfo=UTC)
    assert day_ends(moment, datetime(2026, 3, 4, 1, tzinfo=UTC)) == [datetime(2026, 3, d, tzinfo=UTC) for d in (2, 3, 4)]
    assert day_ends(datetime(2026, 3, 2, tzinfo=UTC), datetime(2026, 3, 3, tzinfo=UTC)) == [datetime(2026, 3, 3, tzinfo=UTC)]


@settings(max_examples=25, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10**6), rate=st.floats(0.1, 10), categories=st.integers(1, 5))
def test_steady_noise_at_any_base_rate_raises_nothing(seed, rate, categories):
    """Stated false-alarm rate: the default alpha keeps false alarms below 0.05 per service-year on Poisson noise
    with weekly seasonality (docs/improvement-loop.md); 25 services × 150 judged days each must raise none here
    (derandomized, so that a change of method, not chance, is what makes it fail)."""
    rng = random.Random(seed)
    weights = [rng.random() + 0.1 for _ in range(categories)]
    rates = [rate * w / sum(weights) for w in weights]
    assert fired(history(rng, 210, rates), 60, 210) == []


def test_a_sustained_shift_is_found_within_the_stated_delay():
    """Stated power: a category rising to max(factor × its rate, its rate + extra a day), factor 2.5–5 and extra
    1–3 a day, on services of 0.1–10 incidents a day over 1–4 categories, is found within 14 days for at least
    90 % of services (93 % in these 60, 95 % in 200) and within a median of 6 days; the estimated start of the shift lies in the window that
    fired. (A test is statistical: a few shifts are too small for their sample, which is why the bar is a share.)"""
    delays = []
    for seed in range(60):
        rng = random.Random(seed)
        rate, factor, extra, categories = rng.uniform(0.1, 10), rng.uniform(2.5, 5), rng.uniform(1, 3), rng.randint(1, 4)
        counts = history(rng, 150, [rate / categories] * categories, step=(120, factor, extra))
        found = fired(counts, 121, 135, "c0")
        if found:
            delays.append(found[0] - 120)
            detection = next(x for x in recurring_incidents(counts, end_of(found[0]), S) if x.category == "c0")
            assert START + timedelta(days=120 - S.max_window_days) <= date.fromisoformat(detection.evidence["shift_start"])
            assert detection.evidence["p_value"] < S.alpha and detection.evidence["observed"] > detection.evidence["expected"]
    assert len(delays) >= 0.9 * 60
    assert sorted(delays)[len(delays) // 2] <= 6


def test_a_one_day_burst_is_an_incident_not_a_weakness():
    for seed in range(10):
        rng = random.Random(seed)
        counts = history(rng, 150, [0.5, 0.5, 1.0], burst=(120, 25))
        assert fired(counts, 115, 150) == [], seed


def test_growth_in_proportion_to_every_category_is_adoption():
    for seed in range(10):
        rng = random.Random(seed)
        counts = history(rng, 160, [2.0, 3.0, 2.5], growth_from=120, growth=1.8)
        assert fired(counts, 115, 160) == [], seed


def test_a_service_with_little_history_is_not_judged_until_it_has_a_baseline():
    counts = DailyCounts(START, {START + timedelta(days=d): {"c0": 1 if d < 10 else 8} for d in range(20)})
    assert fired(counts, 1, 20) == []


def test_a_signal_clears_when_the_rate_is_back_to_its_baseline():
    rng = random.Random(7)
    counts = history(rng, 200, [1.0, 1.0], step=(120, 4, 2))
    day = fired(counts, 121, 140, "c0")[0]
    evidence = next(x for x in recurring_incidents(counts, end_of(day), S) if x.category == "c0").evidence
    assert not signal_cleared(evidence, counts, end_of(day + 14), S)
    calm = history(random.Random(8), 200, [1.0, 1.0])
    assert signal_cleared(evidence, calm, end_of(day + 14), S)


def test_sla_breaches_are_tested_against_the_allowed_rate_with_a_minimum_sample():
    few = [incident(d, resolve_min=60, sla_met=False, breached=True) for d in range(1, 6)]
    assert sla_breach_rate(few, AS_OF, S) is None  # 5 of 5 breached, but below the minimum sample
    many = [incident(d, resolve_min=60, sla_met=d % 2 == 0, breached=d % 2 == 1) for d in range(1, 29)]
    found = sla_breach_rate(many, AS_OF, S)
    assert found is not None and found.evidence["p_value"] < S.proportion_alpha
    usual = [incident(d, resolve_min=60, sla_met=d % 5 != 0, breached=d % 5 == 0) for d in range(1, 29)]
    assert sla_breach_rate(usual, AS_OF, S) is None  # 20 % breached is the allowed rate


def test_csat_is_tested_against_its_target_with_a_minimum_sample():
    poor = [incident(d, resolve_min=30, csat=2) for d in range(1, 6)]
    assert csat_below_target(poor, sla(), AS_OF, S) is None
    poor = [incident(d, resolve_min=30, csat=2 if d % 2 else 5) for d in range(1, 25)]
    assert csat_below_target(poor, sla(csat_target="80"), AS_OF, S) is not None
    good = [incident(d, resolve_min=30, csat=4 if d % 6 else 2) for d in range(1, 25)]
    assert csat_below_target(good, sla(csat_target="80"), AS_OF, S) is None


def test_one_outage_is_an_incident_several_below_target_a_weakness():
    one = [incident(10, resolve_min=600, outage_min=600)]
    assert availability_below_target(one, sla("99.9"), AS_OF, S) is None
    two = one + [incident(3, resolve_min=300, outage_min=300)]
    assert availability_below_target(two, sla("99.9"), AS_OF, S) is not None
