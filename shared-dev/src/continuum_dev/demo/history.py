"""The demo's operational history: months of incidents per service, made up deterministically (a seeded RNG)."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

WEEKS = 16
SLA = {"availability_target_pct": "99.5", "csat_target_pct": "80",
       "targets": {p: {"response_minutes": r, "resolution_minutes": 8 * r}
                   for p, r in (("P1", 15), ("P2", 30), ("P3", 60), ("P4", 240))}}
# minutes to acknowledge and to resolve by priority: inside the SLA targets above, unless a breach is wanted
ACK_MINUTES = {"P1": (4, 12), "P2": (8, 25), "P3": (15, 50)}
RESOLVE_MINUTES = {"P1": (30, 70), "P2": (60, 220), "P3": (90, 420)}


@dataclass(frozen=True)
class IncidentPlan:
    opened_at: datetime
    priority: str
    category: str
    title: str
    ack_minutes: float
    resolve_minutes: float
    outage: bool = False
    csat: int | None = None

    @property
    def resolved_at(self) -> datetime:
        return self.opened_at + timedelta(minutes=self.resolve_minutes)



@dataclass(frozen=True)
class Rise:
    """A category's calm rate a day and its risen rate from `start` to `end` days ago: a sustained rise, which
    metrics-svc's recurring_incidents finds within days (docs/improvement-loop.md), unlike a one-day burst."""

    category: str
    calm: float
    risen: float
    start: int  # days ago of the first risen day
    end: int  # days ago of the first calm day again (0: risen up to now)

    def rate(self, days_ago: int) -> float:
        return self.risen if self.start >= days_ago > self.end else self.calm


@dataclass(frozen=True)
class ServicePlan:
    key: str
    name: str
    description: str
    demanded_by: str
    expected_volume: str
    owner: str
    weekly: tuple[int, ...]  # incidents opened per week, oldest first, the last ending now
    categories: tuple[str, ...]
    slow_down: float = 1.0  # how much slower resolution gets towards now (a worsening MTTR)
    breach_every: int = 0  # every n-th incident misses its resolution target (0: never)
    daily: tuple[tuple[str, float], ...] = ()  # besides `weekly`: categories opened at these rates a day (Poisson)
    rise: Rise | None = None  # besides `weekly`: a category that rises in a sustained way (a systemic weakness)
    history_days: int = 7 * WEEKS  # how far back `daily` and `rise` reach


# the email relay's loop, in days ago: calm months, the queue gets stuck 5-6 times a day from RISE.start; its
# history up to DETECTED_BY is imported before the opportunity is awaited; the fix's handover is accepted on
# RISE.end, after which the category is calm again and the benefits are judged 28 days later
EMAIL_RISE = Rise("mail-queue-stuck", calm=0.7, risen=5.5, start=110, end=85)
EMAIL_DETECTED_BY = 101
EMAIL_ACCEPTED = EMAIL_RISE.end

SERVICES = (
    ServicePlan("payments", "Payments gateway", "Card and wallet payments for the web shop", "Sales",
                "2M transactions a month", "sam", (3, 2, 3, 4, 2, 3, 2, 3, 2, 2, 3, 2, 1, 2, 1, 2),
                ("network", "certificates", "card-declines", "latency", "deploy", "database", "config", "capacity")),
    ServicePlan("portal", "Customer portal", "Self-service accounts, invoices and contracts", "Customer care",
                "40k logins a day", "priya", (1, 2, 1, 2, 1, 1, 2, 2, 2, 3, 3, 3, 3, 4, 3, 4),
                ("ui", "search", "pdf-export", "deploy", "email", "config"), slow_down=2.2,
                rise=Rise("login-timeouts", calm=0.1, risen=2.5, start=21, end=0)),  # rising these three weeks
    ServicePlan("warehouse", "Data warehouse", "Nightly loads and the finance reports", "Finance",
                "300 reports a day", "lee", (2, 1, 2, 1, 1, 2, 1, 1, 2, 1, 1, 2, 1, 1, 1, 2),
                ("etl", "storage", "reports", "permissions", "scheduler"), breach_every=9),
    ServicePlan("hr", "HR self-service", "Leave, payslips and personal data for employees", "HR department",
                "3,000 employees", "nadia", (0,) * 10 + (2, 1, 1, 0, 1, 0), ("login", "payslips", "forms")),
    ServicePlan("email", "Email relay", "Outbound mail for every other service", "IT operations",
                "500k messages a day", "omar", (0,) * WEEKS, ("dns", "tls", "spam-filter"),
                daily=(("dns", 0.5), ("tls", 0.4), ("spam-filter", 0.4)), rise=EMAIL_RISE, history_days=168),
)


def service_incidents(plan: ServicePlan, *, now: datetime, rng: random.Random) -> list[IncidentPlan]:
    """All of a service's incidents, in business-time order: its weekly ones and its daily ones."""
    return sorted(weekly_incidents(plan, now=now, rng=rng) + daily_incidents(plan, now=now),
                  key=lambda i: i.opened_at)


def weekly_incidents(plan: ServicePlan, *, now: datetime, rng: random.Random) -> list[IncidentPlan]:
    """Incidents by the plan's weekly counts, each at least half a day from a week boundary (stable buckets)."""
    incidents = []
    for index, count in enumerate(plan.weekly):
        week_start = now - timedelta(days=7 * (WEEKS - index))
        progress = index / (WEEKS - 1)
        for n in range(count):
            offset = timedelta(days=0.5 + (5.5 if index == WEEKS - 1 else 6.0) * (n + rng.random()) / (count + 1))
            number = len(incidents)
            category = plan.categories[number % len(plan.categories)]
            incidents.append(_incident(plan, week_start + offset, progress, category, number, rng))
    return incidents


def daily_incidents(plan: ServicePlan, *, now: datetime) -> list[IncidentPlan]:
    """The plan's daily categories and its rise, each day (UTC, as metrics-svc judges them) a Poisson count at
    the day's rate, over `history_days` up to now; from an RNG of their own, so the weekly ones stay as they were."""
    rates = [*((category, lambda _, r=rate: r) for category, rate in plan.daily),
             *([(plan.rise.category, plan.rise.rate)] if plan.rise else [])]
    if not rates:
        return []
    rng, incidents = random.Random(f"{plan.key}-daily"), []
    for days_ago in range(plan.history_days, -1, -1):
        midnight = datetime.combine(now.date() - timedelta(days=days_ago), time(), tzinfo=UTC)
        progress = 1 - days_ago / plan.history_days
        for category, rate in rates:
            for _ in range(_poisson(rng, rate(days_ago))):
                opened = midnight + timedelta(hours=rng.uniform(0.5, 23.5))
                incident = _incident(plan, opened, progress, category, 1000 + len(incidents), rng)
                if incident.resolved_at < now:
                    incidents.append(incident)
    return sorted(incidents, key=lambda i: i.opened_at)


def _poisson(rng: random.Random, mean: float) -> int:
    limit, k, p = math.exp(-mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def _incident(plan: ServicePlan, opened_at: datetime, progress: float, category: str, number: int,
              rng: random.Random) -> IncidentPlan:
    priority = "P1" if number % 11 == 5 else "P2" if number % 4 == 1 else "P3"
    resolve = rng.uniform(*RESOLVE_MINUTES[priority]) * (1 + (plan.slow_down - 1) * progress ** 2)
    target = SLA["targets"][priority]["resolution_minutes"]
    if plan.breach_every and number % plan.breach_every == plan.breach_every - 1:
        resolve = target * 1.6
    else:
        resolve = min(resolve, target * 0.95)
    csat = None if number % 3 == 2 else (3 if number % 9 == 8 else 4 + number % 2)
    # no outages: an imported outage is still open while its resolution is on its way, and the availability rule,
    # evaluated in that gap, would see months of downtime and detect a false opportunity
    return IncidentPlan(opened_at, priority, category, f"{category.replace('-', ' ').capitalize()} on {plan.name}",
                        rng.uniform(*ACK_MINUTES[priority]), resolve, csat=csat)
