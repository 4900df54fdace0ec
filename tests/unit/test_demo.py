"""`make demo`'s made-up history keeps the shape the dashboard and its test rely on; its CLI says when no stack runs."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import UTC, datetime, timedelta

import pytest
from metrics_svc.domain.benefits import BenefitsSettings, due, judge_incident_rate
from metrics_svc.domain.detection import DailyCounts, RuleSettings, day_ends, recurring_incidents, signal_cleared

from continuum_dev.demo.__main__ import main
from continuum_dev.demo.history import (
    EMAIL_ACCEPTED,
    EMAIL_DETECTED_BY,
    EMAIL_RISE,
    SERVICES,
    SLA,
    WEEKS,
    service_incidents,
    weekly_incidents,
)
from continuum_dev.testing.plugin import free_port

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)


def plans():
    rng = random.Random(7)
    return {plan.key: (plan, weekly_incidents(plan, now=NOW, rng=rng)) for plan in SERVICES}


def test_incidents_follow_the_weekly_counts_away_from_week_boundaries_and_end_before_now():
    for plan, incidents in plans().values():
        for week, count in enumerate(plan.weekly):
            start = NOW - timedelta(days=7 * (WEEKS - week))
            inside = [i for i in incidents if start <= i.opened_at < start + timedelta(days=7)]
            assert len(inside) == count, plan.key
            assert all(start + timedelta(days=0.5) <= i.opened_at <= start + timedelta(days=6.5) for i in inside)
        assert all(i.ack_minutes < i.resolve_minutes and i.resolved_at < NOW for i in incidents)


def test_only_the_warehouse_misses_resolution_targets():
    for plan, incidents in plans().values():
        late = [i for i in incidents if i.resolve_minutes > SLA["targets"][i.priority]["resolution_minutes"]]
        assert bool(late) == (plan.key == "warehouse")


def daily_counts(incidents) -> DailyCounts:
    days: dict = defaultdict(lambda: defaultdict(int))
    for incident in incidents:
        days[incident.opened_at.date()][incident.category] += 1
    return DailyCounts(first_day=min(days), days={day: dict(counts) for day, counts in days.items()})


def first_detection(counts: DailyCounts, now: datetime):
    """metrics-svc's recurring_incidents judged at each day end in turn, as business time passes them."""
    first = datetime.combine(counts.first_day, datetime.min.time(), tzinfo=UTC)
    return next(((end, found[0]) for end in day_ends(first, now)
                 if (found := recurring_incidents(counts, end, RuleSettings()))), (None, None))


@pytest.mark.parametrize("now", [NOW + DAY * k + timedelta(hours=5 * k) for k in range(7)])  # every weekday
def test_the_loop_detects_the_email_relays_and_the_portals_rise_only_and_the_email_relays_fix_realizes(now):
    """The histories as metrics-svc's own rules judge them: the email relay's rise is detected before the seeder
    stops its import to await the opportunity, and after the acceptance the first look (28 days on) finds the
    benefits realized; the portal's recent rise is detected before its charter (3 days ago) and does not lapse;
    the other services have no opportunity."""
    rng = random.Random(7)
    detected = {}
    for plan in SERVICES:
        counts = daily_counts(service_incidents(plan, now=now, rng=rng))
        end, detection = first_detection(counts, now)
        detected[plan.key] = (end, detection, counts)
    assert {key for key, (end, _, _) in detected.items() if end is not None} == {"email", "portal"}

    end, detection, counts = detected["email"]
    assert detection.category == EMAIL_RISE.category
    assert now - DAY * EMAIL_RISE.start <= end <= now - DAY * EMAIL_DETECTED_BY
    accepted = now - DAY * EMAIL_ACCEPTED
    look = next(e for e in day_ends(accepted, now) if due(accepted, e, BenefitsSettings()))
    verdict = judge_incident_rate(detection.evidence, end, accepted, look, counts, BenefitsSettings())
    assert verdict is not None and verdict.outcome == "realized", verdict

    end, detection, counts = detected["portal"]
    portal = next(plan for plan in SERVICES if plan.key == "portal")
    assert detection.category == portal.rise.category
    assert now - DAY * portal.rise.start <= end <= now - DAY * 4
    assert not any(signal_cleared(detection.evidence, counts, e, RuleSettings()) for e in day_ends(end, now)
                   if e - end >= DAY * RuleSettings().lapse_days)


def test_the_email_relays_loop_keeps_its_order():
    """The rise begins before the import stops for the opportunity, the handover is accepted while it is on,
    and a verdict (28 days after the acceptance) falls inside the history."""
    assert EMAIL_RISE.start > EMAIL_DETECTED_BY > EMAIL_ACCEPTED == EMAIL_RISE.end >= 28 + 7
    email = next(plan for plan in SERVICES if plan.key == "email")
    assert email.history_days >= EMAIL_RISE.start + 56  # a whole baseline before the rise


def test_the_cli_says_the_stack_is_not_running(capsys):
    port = free_port()
    urls = [f"--url={name}=http://127.0.0.1:{port}" for name in ("project-svc", "service-svc", "handover-svc",
                                                                   "metrics-svc")]
    assert main(urls) == 1
    error = capsys.readouterr().err
    assert "does not answer" in error and "make run" in error
