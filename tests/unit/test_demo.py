"""`make demo`'s made-up history keeps the shape the dashboard and its test rely on; its CLI says when no stack runs."""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, datetime, timedelta

from continuum.demo.__main__ import main
from continuum.demo.history import SERVICES, SLA, WEEKS, email_loop_incidents, weekly_incidents
from continuum.testing.plugin import free_port

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)


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


def test_only_the_portal_and_the_email_relay_have_a_recurring_failure():
    """At least 5 incidents of one category within 30 days: metrics-svc's recurring-incidents rule fires."""
    def recurs(incidents) -> bool:
        return any(max(Counter(i.category for i in incidents
                               if end - timedelta(days=30) <= i.opened_at < end).values(), default=0) >= 5
                   for end in (i.opened_at + timedelta(seconds=1) for i in incidents))

    recurring = {key for key, (_, incidents) in plans().items() if recurs(incidents)}
    assert recurring == {"portal"}
    assert recurs(email_loop_incidents(now=NOW))


def test_the_cli_says_the_stack_is_not_running(capsys):
    port = free_port()
    urls = [f"--url={name}=http://127.0.0.1:{port}" for name in ("project-svc", "service-svc", "handover-svc",
                                                                   "metrics-svc")]
    assert main(urls) == 1
    error = capsys.readouterr().err
    assert "does not answer" in error and "make run" in error
