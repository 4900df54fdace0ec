"""Each detection rule on hand-made incidents: it fires on a weakness, stays quiet on noise and thin data."""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from metrics_svc.domain.detection import (
    MOMENT,
    RuleSettings,
    availability_below_target,
    benefits_realized,
    csat_below_target,
    detect,
    evaluation_times,
    lookback,
    incident_rate_rise,
    measure,
    recurring_incidents,
    sla_breach_rate,
)
from metrics_svc.domain.windows import Window
from tests.unit.metrics_svc.factories import AS_OF, incident, sla

S = RuleSettings()
STABLE = [incident(d, category=c) for d, c in [(8, "db"), (15, "network"), (22, "disk"), (30, "auth")]]


def test_incident_rate_rise_fires_on_a_burst_against_the_trailing_baseline():
    burst = [incident(d / 4, category=f"c{d}") for d in range(1, 7)]
    found = incident_rate_rise(STABLE + burst, AS_OF, S)
    assert found is not None and found.observed == 6 and found.baseline == 1 and found.window_days == 7
    assert sorted(found.evidence["incident_ids"]) == sorted(str(i.incident_id) for i in burst)
    assert found.evidence["baseline_incidents"] == 4


def test_incident_rate_rise_needs_the_minimum_count_and_the_factor():
    assert incident_rate_rise(STABLE + [incident(1), incident(2), incident(3), incident(4)], AS_OF, S) is None
    busy_baseline = [incident(8 + d) for d in range(24)]  # 6 a week before
    assert incident_rate_rise(busy_baseline + [incident(d) for d in range(1, 7)], AS_OF, S) is None


def test_recurring_incidents_fire_for_the_same_category_in_the_window():
    repeated = [incident(d * 5, category="disk") for d in range(1, 6)]
    found = recurring_incidents(repeated + [incident(1, category="db")], AS_OF, S)
    assert found is not None and found.evidence["category"] == "disk" and found.observed == 5
    assert recurring_incidents(repeated[:4] + [incident(40, category="disk")], AS_OF, S) is None


def test_sla_breach_rate_fires_above_the_threshold_with_enough_incidents():
    met, breached = [incident(d, sla_met=True) for d in range(1, 8)], [incident(d, breached=True) for d in (2, 3)]
    found = sla_breach_rate(met + breached, AS_OF, S)
    assert found is not None and found.observed == Decimal(200) / 9 and found.baseline == 20
    assert sla_breach_rate(met[:5] + breached[:1], AS_OF, S) is None  # 16.7 % is under 20 %
    assert sla_breach_rate(breached, AS_OF, S) is None  # two SLA-bound incidents are too few


def test_availability_below_the_sla_target():
    outage = [incident(3, resolve_min=60, outage_min=60)]  # 60 of 43 200 minutes: 99.86 %
    found = availability_below_target(outage, sla("99.9"), AS_OF, S)
    assert found is not None and found.baseline == Decimal("99.9") and found.observed < Decimal("99.9")
    assert availability_below_target(outage, sla("99.5"), AS_OF, S) is None
    assert availability_below_target(outage, None, AS_OF, S) is None  # no SLA, no target


def test_csat_below_target_needs_enough_responses():
    ratings = [incident(d, csat=s) for d, s in [(1, 5), (2, 2), (3, 3), (4, 4), (5, 1)]]
    found = csat_below_target(ratings, sla(csat_target="80"), AS_OF, S)
    assert found is not None and found.observed == 40 and found.evidence["responses"] == 5
    assert csat_below_target(ratings[:4], sla(csat_target="80"), AS_OF, S) is None


def test_an_empty_history_detects_nothing():
    assert detect([], sla(), AS_OF, S) == []


@given(st.integers(0, 2**32))
def test_steady_noise_of_two_a_week_fires_no_rule(seed):
    rng = random.Random(seed)
    categories = ["db", "network", "disk", "auth", "dns", "app", "storage", "email"]
    noise = [incident(week * 7 + rng.uniform(0, 7), category=categories[(week * 2 + n) % 8], sla_met=True,
                      csat=rng.choice([4, 5]))
             for week in range(12) for n in range(2)]
    assert detect(noise, sla("99.9"), AS_OF, S) == []


def test_benefits_compare_the_measured_kpi_with_the_gap_at_detection():
    window = Window.ending(AS_OF, days=14)
    fewer = [incident(d) for d in (1, 9)]
    assert measure("incident_rate_rise", window=window, window_days=7, evidence={}, incidents=fewer) == 1
    assert benefits_realized("incident_rate_rise", baseline=Decimal(1), observed=Decimal(8), measured=Decimal(1),
                             min_gap_closed_pct=Decimal(50))
    assert not benefits_realized("incident_rate_rise", baseline=Decimal(1), observed=Decimal(8),
                                 measured=Decimal(6), min_gap_closed_pct=Decimal(50))
    assert benefits_realized("csat_below_target", baseline=Decimal(80), observed=Decimal(40), measured=Decimal(70),
                             min_gap_closed_pct=Decimal(50))
    assert not benefits_realized("csat_below_target", baseline=Decimal(80), observed=Decimal(40), measured=None,
                                 min_gap_closed_pct=Decimal(50))


def test_a_breach_rate_over_no_sla_bound_incidents_is_unknown_not_zero():
    window = Window.ending(AS_OF, days=30)
    unbound = [incident(3), incident(4)]  # no SLA outcome: nothing to judge the benefit by
    assert measure("sla_breach_rate", window=window, window_days=30, evidence={}, incidents=unbound) is None
    bound = [incident(3, sla_met=True), incident(4, sla_met=True)]
    assert measure("sla_breach_rate", window=window, window_days=30, evidence={}, incidents=bound) == 0
    assert not benefits_realized("sla_breach_rate", baseline=Decimal(20), observed=Decimal(60), measured=None,
                                 min_gap_closed_pct=Decimal(50))

def test_rules_run_at_the_event_and_at_the_latest_moment_known_for_the_service():
    later = incident(1, resolve_min=60)
    times = evaluation_times(later.resolved_at, AS_OF - timedelta(days=5))
    assert times == [AS_OF - timedelta(days=5) + MOMENT, later.resolved_at + MOMENT]
    assert evaluation_times(None, AS_OF) == [AS_OF + MOMENT]
    assert evaluation_times(AS_OF - timedelta(days=9), AS_OF) == [AS_OF + MOMENT]  # an older event arrives last


def test_a_burst_seen_out_of_order_is_still_detected_at_the_latest_moment():
    burst = [incident(d / 4, category=f"c{d}") for d in range(1, 7)]
    earliest_event = min(i.opened_at for i in burst)
    latest = max(i.opened_at for i in STABLE + burst)
    found = [detect(STABLE + burst, None, t, S) for t in evaluation_times(latest, earliest_event)]
    assert found[0] == [] and [d.rule for d in found[-1]] == ["incident_rate_rise"]


def test_availability_rule_waits_for_an_outage_to_be_resolved():
    still_open = incident(timedelta(days=3), outage_min=1)  # flagged as an outage, no resolution yet
    assert availability_below_target([still_open], sla("99.9"), AS_OF, S) is None
    resolved = incident(timedelta(days=3), resolve_min=600, outage_min=600)
    assert availability_below_target([resolved], sla("99.9"), AS_OF, S) is not None


@given(st.lists(st.tuples(st.floats(0, 200), st.integers(0, 3), st.booleans(), st.integers(1, 5)), max_size=40),
       st.floats(0, 100))
def test_the_rules_see_nothing_older_than_their_lookback(specs, back):
    """The consumer reads only incidents touching [moment - lookback, …): the rules must find the same."""
    incidents = [incident(days, category=f"c{cat}", resolve_min=90, outage_min=30 if outage else 0,
                          sla_met=cat != 0, csat=score) for days, cat, outage, score in specs]
    moment = AS_OF - timedelta(days=back)
    since = moment - lookback(S)
    touching = [i for i in incidents
                if any(m is not None and m >= since for m in (i.opened_at, i.acknowledged_at, i.resolved_at, i.csat_at))]
    assert detect(touching, sla("99.9"), moment, S) == detect(incidents, sla("99.9"), moment, S)
