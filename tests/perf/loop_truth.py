"""Ground truth for the loop benchmark: services whose incident streams have known regressions (or none), and
the two detectors run beside the stack on the same streams.

The generator is deliberately wider than the cases the method was tuned on (tests/unit/metrics_svc): base rates
log-uniform from 0.1 to 10 a day over 1–5 categories with uneven shares, a weekly profile per service (office
hours, flat, or weekend-heavy), day-to-day overdispersion (gamma factors of shape 3 or 8, or none), the same
holidays for every service (rates × 0.3), benign growth of every category together (× 1.5–3 over the period),
one-day bursts of 8–30 incidents, services with only ~75 days of history, and regressions in one category —
steps or ramps over 7–14 days — to max(f × its rate, its rate + e a day) with f from 2 to 5 and e from 0.5 to 3:
smaller at the low end than the size the method states it finds (f ≥ 2.5, e ≥ 1), so misses are possible and
counted.
"""

from __future__ import annotations

import math
import random
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from scipy.stats import poisson

from continuum_dev.demo.history import _poisson as demo_poisson
from metrics_svc.domain.detection import DailyCounts, RuleSettings, recurring_incidents, signal_cleared

CATEGORIES = ["network", "disk", "database", "login", "batch-job", "certificate", "queue"]
PROFILES = {"office": (1.3, 1.2, 1.2, 1.15, 1.05, 0.55, 0.45), "flat": (1.0,) * 7,
            "weekend": (0.85, 0.85, 0.9, 0.95, 1.05, 1.25, 1.3)}
HOLIDAY_OFFSETS = (12, 40, 41, 77, 103, 130, 151, 175)  # days from the start: the same for every service


@dataclass
class Regression:
    category: str
    day: int
    factor: float
    extra: float
    ramp_days: int

    def level(self, day: int) -> float:
        """0 before the shift, rising to 1 over the ramp."""
        if day < self.day:
            return 0.0
        return 1.0 if self.ramp_days == 0 else min(1.0, (day - self.day + 1) / self.ramp_days)


@dataclass
class ServiceTruth:
    id: str
    name: str
    rate: float
    shares: dict[str, float]
    profile: tuple[float, ...]
    shape: float | None
    start_day: int
    days: int
    growth: float = 1.0
    bursts: list[tuple[int, str, int]] = field(default_factory=list)
    regression: Regression | None = None
    deliver: bool = False
    fix: bool = False
    id_in_stack: str | None = None
    origin: datetime | None = None

    @property
    def shift_start(self) -> datetime:
        assert self.origin is not None
        return self.origin + timedelta(days=self.regression.day) if self.regression else datetime.max.replace(tzinfo=UTC)

    @property
    def judged_days(self) -> int:
        return max(0, self.days - self.start_day - RuleSettings().min_history_days)

    def mean(self, day: int, category: str, fixed: bool) -> float:
        weekday = (self.origin + timedelta(days=day)).weekday()
        base = self.rate * self.shares[category] * self.profile[weekday] * self.growth ** (day / self.days)
        if day in HOLIDAY_OFFSETS:
            base *= 0.3
        r = self.regression
        if r is not None and category == r.category and not fixed:
            raised = max(base * r.factor, base + r.extra * self.profile[weekday])
            base += (raised - base) * r.level(day)
        return base


@dataclass
class Truth:
    start: datetime
    days: int
    services: dict[str, ServiceTruth]
    rng: random.Random
    streams: dict[str, list[tuple[str, datetime]]] = field(default_factory=lambda: defaultdict(list))
    by_stack_id: dict[str, ServiceTruth] = field(default_factory=dict)

    def index_by_stack_id(self) -> None:
        self.by_stack_id = {s.id_in_stack: s for s in self.services.values() if s.id_in_stack}

    def day(self, day: int, *, fixed: Callable[[str, datetime], bool]) -> list[tuple[str, str, datetime]]:
        """The incidents of every service on `day`, in business-time order (recorded for the offline detectors)."""
        out = []
        midnight = self.start + timedelta(days=day)
        for service in self.services.values():
            if day < service.start_day:
                continue
            factor = self.rng.gammavariate(service.shape, 1 / service.shape) if service.shape else 1.0
            is_fixed = fixed(service.id_in_stack, midnight)
            for category in service.shares:
                count = _poisson(self.rng, service.mean(day, category, is_fixed) * factor)
                count += sum(n for d, c, n in service.bursts if d == day and c == category)
                for _ in range(count):
                    at = midnight + timedelta(hours=self.rng.triangular(0, 24, 13))
                    out.append((service.id_in_stack, category, at.replace(microsecond=0)))
                    self.streams[service.id].append((category, at))
        return sorted(out, key=lambda row: row[2])

    def sent_streams(self) -> dict[str, DailyCounts]:
        counts = {}
        for service in self.services.values():
            days: dict[date, dict[str, int]] = defaultdict(lambda: defaultdict(int))
            for category, at in self.streams[service.id]:
                days[at.date()][category] += 1
            first = min(days) if days else (self.start + timedelta(days=service.start_day)).date()
            counts[service.id] = DailyCounts(first, {d: dict(c) for d, c in days.items()})
        return counts


def _poisson(rng: random.Random, mean: float) -> int:
    """The demo's Poisson draw; above 40 a day, its normal approximation (the product of uniforms underflows)."""
    if mean > 40:
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    return demo_poisson(rng, mean)


def generate(*, seed: int, services: int, days: int) -> Truth:
    rng = random.Random(seed)
    start = datetime.combine(datetime.now(UTC).date() - timedelta(days=days), time(), tzinfo=UTC)
    kinds = (["step"] * 6 + ["ramp"] * 4 + ["noise"] * 6 + ["growth"] * 2 + ["burst"] * 2) * (services // 20 + 1)
    rng.shuffle(kinds)
    truth = Truth(start, days, {}, rng)
    for n, kind in enumerate(kinds[:services]):
        categories = rng.sample(CATEGORIES, rng.randint(1, 5))
        weights = [rng.uniform(0.2, 1.0) for _ in categories]
        short = rng.random() < 0.15
        service = ServiceTruth(
            id=f"s{n}", name=f"Loopbench {seed}-{n}", rate=math.exp(rng.uniform(math.log(0.1), math.log(10))),
            shares={c: w / sum(weights) for c, w in zip(categories, weights, strict=True)},
            profile=PROFILES[rng.choice(list(PROFILES))], shape=rng.choice([None, 8.0, 3.0]),
            start_day=days - 75 if short else 0, days=days, origin=start)
        if kind == "growth" or rng.random() < 0.15:
            service.growth = rng.uniform(1.5, 3.0)
        if kind == "burst" or rng.random() < 0.2:
            service.bursts = [(rng.randint(service.start_day + 30, days - 5), rng.choice(categories),
                               rng.randint(8, 30)) for _ in range(rng.randint(1, 2))]
        if kind in ("step", "ramp"):
            service.deliver = rng.random() < 0.6 and not short  # a verdict needs 28 days after a handover
            service.fix = service.deliver and rng.random() < 0.5
            latest = days - 75 if service.deliver else days - 20
            earliest = max(60, service.start_day + 35)
            service.regression = Regression(
                category=rng.choice(categories), day=rng.randint(earliest, max(earliest, latest)),
                factor=rng.uniform(2.0, 5.0), extra=rng.uniform(0.5, 3.0),
                ramp_days=0 if kind == "step" else rng.randint(7, 14))
        truth.services[service.id] = service
    return truth


def plain_reference(streams: dict[str, DailyCounts], *, alpha: float = 1e-3, open_days: int = 14
                    ) -> list[tuple[str, str, datetime]]:
    """The plain detector: per service and category at each day end, the last 7 days against the 28 before by a
    Poisson tail test (rate at least one incident in 28 days), with at least 3 distinct days and 5 incidents;
    a category that fired stays quiet until it has not fired for `open_days`."""
    found = []
    for service_id, counts in streams.items():
        if not counts.days:
            continue
        last_fired: dict[str, date] = {}
        first, last = counts.first_day, max(counts.days)
        for offset in range(35, (last - first).days + 1):
            end = first + timedelta(days=offset)
            recent = [end - timedelta(days=i + 1) for i in range(7)]
            baseline = [end - timedelta(days=8 + i) for i in range(28)]
            for category in {c for d in recent for c in counts.days.get(d, {})}:
                observed = sum(counts.count(d, category) for d in recent)
                days_with = sum(1 for d in recent if counts.count(d, category))
                expected = max(sum(counts.count(d, category) for d in baseline), 1) * 7 / 28
                if observed >= 5 and days_with >= 3 and poisson.sf(observed - 1, expected) < alpha:
                    if category not in last_fired or (end - last_fired[category]).days > open_days:
                        found.append((service_id, category, _midnight(end)))
                    last_fired[category] = end
    return found


def method_offline(streams: dict[str, DailyCounts], s: RuleSettings | None = None) -> list[tuple[str, str, datetime]]:
    """The loop's own rule on the same streams, with its lifecycle (one open per category, lapse, cooldown)."""
    s = s or RuleSettings()
    found = []
    for service_id, counts in streams.items():
        if not counts.days:
            continue
        open_: dict[str, dict] = {}
        closed: dict[str, datetime] = {}
        first, last = counts.first_day, max(counts.days)
        for offset in range(1, (last - first).days + 1):
            end = _midnight(first + timedelta(days=offset))
            for category, detection in list(open_.items()):
                if end - detection["at"] >= timedelta(days=s.lapse_days) and signal_cleared(detection, counts, end, s):
                    del open_[category]
                    closed[category] = end
            for detection in recurring_incidents(counts, end, s):
                category = detection.category
                if category in open_ or (category in closed and end < closed[category] + timedelta(days=s.cooldown_days)):
                    continue
                open_[category] = detection.evidence | {"at": end}
                found.append((service_id, category, end))
    return found


def poisson_copy(*, seed: int, services: int, days: int) -> Truth:
    """The same services as `generate(seed)` (rates, shares, weekly profiles, holidays, growth, regressions) with
    plain Poisson days: no overdispersion and no bursts, nothing delivered or fixed — the easiest version of the
    streams, on which the oracle below gives a bound no detector that must learn the rates can beat."""
    truth = generate(seed=seed, services=services, days=days)
    for service in truth.services.values():
        service.shape, service.bursts, service.id_in_stack = None, [], service.id
    truth.index_by_stack_id()
    for day in range(days):
        truth.day(day, fixed=lambda *_: False)
    return truth


def oracle_cusum(truth: Truth, threshold: float, min_history_days: int = 28) -> list[tuple[str, str, datetime]]:
    """Page's CUSUM per service and category with the *true* daily means before and after the change (for a
    category that does not regress, the smallest change the method states: max(2.5 ×, + 1 a day)): the
    optimal detector of a known shift (Lorden, Moustakides). It restarts after an alarm; alarms of one category
    within 14 days count once."""
    found = []
    for service in truth.services.values():
        daily: dict[tuple[int, str], int] = defaultdict(int)
        for category, at in truth.streams[service.id]:
            daily[(at - truth.start) // timedelta(days=1), category] += 1
        for category in service.shares:
            statistic, last_alarm = 0.0, -999
            for day in range(service.start_day + min_history_days, truth.days):
                before = service.mean(day, category, True)
                weekday = service.profile[(truth.start + timedelta(days=day)).weekday()]
                r = service.regression
                factor, extra = (r.factor, r.extra) if r is not None and r.category == category else (2.5, 1.0)
                after = max(before * factor, before + extra * weekday)
                count = daily[day, category]
                statistic = max(0.0, statistic + count * math.log(after / before) - (after - before))
                if statistic > threshold:
                    if day - last_alarm > 14:
                        found.append((service.id, category, _midnight((truth.start + timedelta(days=day + 1)).date())))
                    statistic, last_alarm = 0.0, day
    return found


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)
