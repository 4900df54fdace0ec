"""The demo's operational history: months of incidents per service, made up deterministically (a seeded RNG)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

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
class ServicePlan:
    key: str
    name: str
    description: str
    demanded_by: str
    expected_volume: str
    owner: str
    weekly: tuple[int, ...]  # incidents opened per week, oldest first, the last ending now
    categories: tuple[str, ...]
    hot_category: str | None = None  # recurs in the last weeks (a systemic weakness)
    slow_down: float = 1.0  # how much slower resolution gets towards now (a worsening MTTR)
    breach_every: int = 0  # every n-th incident misses its resolution target (0: never)


SERVICES = (
    ServicePlan("payments", "Payments gateway", "Card and wallet payments for the web shop", "Sales",
                "2M transactions a month", "sam", (3, 2, 3, 4, 2, 3, 2, 3, 2, 2, 3, 2, 1, 2, 1, 2),
                ("network", "certificates", "card-declines", "latency", "deploy", "database", "config", "capacity")),
    ServicePlan("portal", "Customer portal", "Self-service accounts, invoices and contracts", "Customer care",
                "40k logins a day", "priya", (1, 2, 1, 2, 1, 1, 2, 2, 2, 3, 3, 3, 3, 4, 3, 4),
                ("ui", "search", "pdf-export", "deploy", "email", "config"), hot_category="login-timeouts",
                slow_down=2.2),
    ServicePlan("warehouse", "Data warehouse", "Nightly loads and the finance reports", "Finance",
                "300 reports a day", "lee", (2, 1, 2, 1, 1, 2, 1, 1, 2, 1, 1, 2, 1, 1, 1, 2),
                ("etl", "storage", "reports", "permissions", "scheduler"), breach_every=9),
    ServicePlan("hr", "HR self-service", "Leave, payslips and personal data for employees", "HR department",
                "3,000 employees", "nadia", (0,) * 10 + (2, 1, 1, 0, 1, 0), ("login", "payslips", "forms")),
    ServicePlan("email", "Email relay", "Outbound mail for every other service", "IT operations",
                "500k messages a day", "omar", (0,) * WEEKS, ("dns", "tls", "spam-filter", "quota")),
)


def weekly_incidents(plan: ServicePlan, *, now: datetime, rng: random.Random) -> list[IncidentPlan]:
    """Incidents by the plan's weekly counts, each at least half a day from a week boundary (stable buckets)."""
    incidents = []
    for index, count in enumerate(plan.weekly):
        week_start = now - timedelta(days=7 * (WEEKS - index))
        progress = index / (WEEKS - 1)
        for n in range(count):
            offset = timedelta(days=0.5 + (5.5 if index == WEEKS - 1 else 6.0) * (n + rng.random()) / (count + 1))
            hot = plan.hot_category is not None and index >= WEEKS - 5 and n % 3 != 2
            incidents.append(_incident(plan, week_start + offset, progress, hot, len(incidents), rng))
    return incidents


def _incident(plan: ServicePlan, opened_at: datetime, progress: float, hot: bool, number: int,
              rng: random.Random) -> IncidentPlan:
    priority = "P1" if number % 11 == 5 else "P2" if number % 4 == 1 else "P3"
    category = plan.hot_category if hot else plan.categories[number % len(plan.categories)]
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


def email_loop_incidents(*, now: datetime) -> list[IncidentPlan]:
    """A calm period, then the same failure six times (an opportunity), then calm again after the fix."""
    def at(days_ago: float, category: str, n: int) -> IncidentPlan:
        return IncidentPlan(now - timedelta(days=days_ago), "P3", category, f"{category} on Email relay",
                            20 + n, 120 + 10 * n, csat=4 + n % 2)

    calm = [at(95 - 7 * week, category, week)
            for week, category in enumerate(("dns", "tls", "spam-filter", "quota", "bounce", "dkim"))]
    burst = [at(58 - 3 * n, "mail-queue-stuck", n) for n in range(6)]  # 2 a week: recurring, not a rate rise
    after = [at(30, "dns", 1), at(17, "tls", 2), at(6, "quota", 3)]
    return calm + burst + after
