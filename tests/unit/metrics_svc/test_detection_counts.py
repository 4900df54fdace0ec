"""The proportion rules judged from their counts and a window of incidents (what the loop does day end by day end,
issue 15 item 5) give what they give over the whole history: the same detections, evidence and order."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from uuid import uuid4

from hypothesis import given, settings
from hypothesis import strategies as st

from metrics_svc.domain.detection import (
    ProportionCounts,
    RuleSettings,
    day_ends,
    detect_proportions,
    detect_proportions_counted,
)
from metrics_svc.domain.facts import IncidentFact, SlaFact
from metrics_svc.judgement import Recent

T0 = datetime(2026, 1, 1, tzinfo=UTC)
RULES = RuleSettings(breach_days=7, breach_min_incidents=3, breach_rate_pct=Decimal(20), csat_days=5,
                     csat_min_responses=3, availability_days=10, availability_min_outages=1, proportion_alpha=0.3)
LOOKBACK = timedelta(days=10)
moments = st.integers(0, 40 * 24 * 60).map(lambda minutes: T0 + timedelta(minutes=minutes))


@st.composite
def incidents(draw) -> IncidentFact:
    opened = draw(moments)
    resolved = draw(st.none() | st.integers(0, 6 * 24 * 60).map(lambda m: opened + timedelta(minutes=m)))
    csat = draw(st.none() | st.integers(1, 5))
    rated = draw(st.integers(-3 * 24 * 60, 8 * 24 * 60).map(lambda m: opened + timedelta(minutes=m)))  # some before
    outage = draw(st.booleans())
    return IncidentFact(
        incident_id=uuid4(), service_id=uuid4(), priority="P2", category="db", outage=outage, opened_at=opened,
        resolved_at=resolved, outage_minutes=Decimal(draw(st.sampled_from([0, 30, 3000]))) if outage else Decimal(0),
        response_sla_met=draw(st.none() | st.booleans()), resolution_sla_met=draw(st.none() | st.booleans()),
        response_breached=draw(st.booleans()), csat=csat, csat_at=rated if csat is not None else None)


@settings(max_examples=60, deadline=None)
@given(history=st.lists(incidents(), max_size=60), target=st.sampled_from(["99.9", "90"]))
def test_counted_rules_on_a_sliding_window_equal_the_rules_over_the_whole_history(history, target):
    history.sort(key=lambda i: i.opened_at)
    sla = SlaFact(uuid4(), Decimal(target), Decimal(70), T0 - timedelta(days=5))
    counts = ProportionCounts.of(history)
    recent = Recent(history, LOOKBACK)
    outages = Recent([i for i in history if i.outage], LOOKBACK)
    for end in day_ends(T0, T0 + timedelta(days=45)):
        before = [i for i in history if i.opened_at < end]
        expected = detect_proportions(before, sla, end, RULES)
        found = detect_proportions_counted(counts, lambda end=end: recent.before(end), outages.before(end), sla, end,
                                           RULES)
        assert found == expected, end



def test_a_bad_week_fires_all_three_rules_from_the_counts_as_from_the_incidents():
    bad = [IncidentFact(incident_id=uuid4(), service_id=uuid4(), priority="P2", category="db", outage=True,
                        opened_at=T0 + timedelta(hours=5 * n), resolved_at=T0 + timedelta(hours=5 * n + 4),
                        outage_minutes=Decimal(240), resolution_sla_met=False, csat=1,
                        csat_at=T0 + timedelta(hours=5 * n + 5)) for n in range(30)]
    sla = SlaFact(uuid4(), Decimal("99.9"), Decimal(70), T0 - timedelta(days=5))
    end = T0 + timedelta(days=7)
    found = detect_proportions_counted(ProportionCounts.of(bad), lambda: [i for i in bad if i.opened_at < end],
                                       [i for i in bad if i.opened_at < end], sla, end, RULES)
    assert {d.rule for d in found} == {"sla_breach_rate", "availability_below_target", "csat_below_target"}
    assert found == detect_proportions([i for i in bad if i.opened_at < end], sla, end, RULES)
