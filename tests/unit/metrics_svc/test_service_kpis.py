"""Service KPIs of DESIGN §6 on hand-made incidents, including empty windows (null, never 0 or an error)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from uuid import uuid4

from hypothesis import given
from hypothesis import strategies as st

from metrics_svc.domain.facts import ChangeFact, CostFact, ImprovementFact
from metrics_svc.domain.service_kpis import (
    availability,
    change_success_rate,
    csat,
    incident_count,
    improvement_register,
    incident_reduction,
    mtta,
    mttr,
    service_kpis,
    sla_compliance,
    tco,
    weekly_incidents,
)
from metrics_svc.domain.windows import Window
from tests.unit.metrics_svc.factories import AS_OF, SERVICE, incident

WEEK = Window.ending(AS_OF, days=7)
MONTH = Window.ending(AS_OF, days=30)


def test_an_empty_window_has_defined_answers():
    kpis = service_kpis(MONTH, incidents=[], changes=[], operating_costs=[], project_costs=[])
    assert kpis.mtta_minutes.value is None and kpis.mttr_minutes.value is None
    assert kpis.sla_compliance_pct.value is None and kpis.csat_pct.value is None
    assert kpis.change_success_rate_pct.value is None and kpis.incident_reduction_pct.value is None
    assert kpis.incident_count.value == 0 and kpis.availability_pct.value == 100 and kpis.tco.value == 0
    assert [w.incidents for w in kpis.weekly_incidents] == [0, 0, 0, 0]


def test_mtta_and_mttr_are_means_over_the_window_in_minutes():
    incidents = [incident(1, ack_min=10, resolve_min=60), incident(2, ack_min=30, resolve_min=180),
                 incident(20, ack_min=1000, resolve_min=1000)]
    assert mtta(WEEK, incidents).value == 20 and mtta(WEEK, incidents).based_on == 2
    assert mttr(WEEK, incidents).value == 120
    assert mttr(MONTH, incidents).value == Decimal(1240) / 3


def test_incident_count_and_weekly_series_count_openings_per_week():
    incidents = [incident(0.5), incident(1), incident(8), incident(29), incident(31)]
    assert incident_count(MONTH, incidents).value == 4
    assert [w.incidents for w in weekly_incidents(MONTH, incidents)] == [0, 0, 1, 2]


def test_sla_compliance_counts_only_incidents_subject_to_an_sla():
    incidents = [incident(1, sla_met=True), incident(2, sla_met=False), incident(3, breached=True),
                 incident(4, sla_met=True), incident(5)]
    figure = sla_compliance(WEEK, incidents)
    assert figure.value == 50 and figure.based_on == 4


def test_availability_is_agreed_minus_outage_over_agreed_time():
    incidents = [incident(2, resolve_min=100, outage_min=100.8), incident(40, resolve_min=10, outage_min=500)]
    figure = availability(WEEK, incidents)
    assert figure.value == (Decimal(10080) - Decimal("100.8")) * 100 / 10080 and figure.value == 99
    assert figure.based_on == 1


def test_csat_is_the_share_of_fours_and_fives():
    incidents = [incident(1, csat=5), incident(1, csat=4), incident(2, csat=3), incident(2, csat=1)]
    assert csat(WEEK, incidents).value == 50 and csat(WEEK, incidents).based_on == 4


def test_change_success_rate_and_tco():
    changes = [ChangeFact(uuid4(), SERVICE, ok, AS_OF - timedelta(days=1)) for ok in (True, True, True, False)]
    assert change_success_rate(WEEK, changes).value == 75
    costs = [CostFact(SERVICE, Decimal(100), AS_OF - timedelta(days=3)), CostFact(SERVICE, Decimal(5), AS_OF)]
    projects = [CostFact(uuid4(), Decimal(1000), AS_OF - timedelta(days=2))]
    figure = tco(WEEK, costs, projects)
    assert figure.value == 1100 and figure.based_on == 2  # the cost at as_of itself is outside [start, end)


def test_incident_reduction_compares_with_the_window_before():
    incidents = [incident(d) for d in (1, 2, 8, 9, 10, 11)]
    assert incident_reduction(WEEK, incidents).value == 50
    assert incident_reduction(WEEK, [incident(1)]).value is None  # no baseline: undefined


@given(st.lists(st.integers(min_value=0, max_value=120 * 1440), max_size=40), st.sampled_from([7, 30, 90]))
def test_windowing_counts_each_incident_once_and_weeks_partition_the_window(minutes_ago, days):
    incidents = [incident(timedelta(minutes=m)) for m in minutes_ago]
    window = Window.ending(AS_OF, days=days)
    inside = sum(1 for m in minutes_ago if 0 < m <= days * 1440)
    assert incident_count(window, incidents).value == inside
    weeks = weekly_incidents(window, incidents)
    assert sum(w.incidents for w in weeks) == sum(1 for m in minutes_ago if 0 < m <= 7 * (days // 7) * 1440)
    assert all(a.week.end == b.week.start for a, b in zip(weeks, weeks[1:]))


@given(st.lists(st.tuples(st.integers(1, 5), st.floats(0, 6.9)), max_size=30))
def test_csat_stays_within_0_and_100_or_is_null(ratings):
    figure = csat(WEEK, [incident(d, csat=score) for score, d in ratings])
    assert (figure.value is None) == (figure.based_on == 0)
    assert figure.value is None or 0 <= figure.value <= 100


@given(st.lists(st.floats(0, 20_000), max_size=10))
def test_availability_never_leaves_0_to_100(outages):
    figure = availability(WEEK, [incident(1, resolve_min=1, outage_min=m) for m in outages])
    assert 0 <= figure.value <= 100


def test_an_outage_still_open_counts_up_to_the_end_of_the_window():
    ongoing = incident(timedelta(hours=10), outage_min=0.5)  # outage flag set, never resolved
    figure = availability(WEEK, [ongoing])
    assert figure.value == (Decimal(10080) - 600) * 100 / 10080 and figure.based_on == 1
    resolved_later = incident(timedelta(hours=10), resolve_min=24 * 60, outage_min=24 * 60)
    assert availability(WEEK, [resolved_later]).value == figure.value  # at as_of it was still down


def test_an_outage_across_the_window_start_counts_only_inside_the_window():
    across = incident(timedelta(days=7, hours=1), resolve_min=180, outage_min=180)  # 1 h before, 2 h inside
    figure = availability(WEEK, [across])
    assert figure.value == (Decimal(10080) - 120) * 100 / 10080 and figure.based_on == 1


def test_overlapping_outages_count_once():
    first = incident(timedelta(hours=5), resolve_min=120, outage_min=120)
    second = incident(timedelta(hours=4), resolve_min=120, outage_min=120)  # one hour of overlap
    assert availability(WEEK, [first, second]).value == (Decimal(10080) - 180) * 100 / 10080


def test_the_improvement_register_counts_items_planned_and_implemented_by_as_of():
    day = timedelta(days=1)
    items = [ImprovementFact(uuid4(), SERVICE, AS_OF - 40 * day, AS_OF - 10 * day),
             ImprovementFact(uuid4(), SERVICE, AS_OF - 5 * day),
             ImprovementFact(uuid4(), SERVICE, AS_OF - 3 * day, AS_OF + day),  # implemented after as_of
             ImprovementFact(uuid4(), SERVICE, AS_OF + day)]  # planned after as_of
    register = improvement_register(AS_OF, items)
    assert (register.planned, register.implemented) == (3, 1)
    assert improvement_register(AS_OF - 20 * day, items).planned == 1
