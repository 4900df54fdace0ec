"""The incident test's inputs: `DailyCounts`, a service's incidents opened per day and category, and `Baseline`,
the service's weekday pattern and overdispersion estimated from the days before a window (`estimate_baseline`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from metrics_svc.domain.detection.rules import RuleSettings


@dataclass(frozen=True)
class DailyCounts:
    """Incidents opened per day and category for one service, and the first day it had any."""

    first_day: date
    days: Mapping[date, Mapping[str, int]]

    def count(self, day: date, category: str) -> int:
        return self.days.get(day, {}).get(category, 0)

    def total(self, day: date) -> int:
        return sum(self.days.get(day, {}).values())


@dataclass(frozen=True)
class Baseline:
    """The service's weekday pattern (mean 1) and overdispersion, estimated from the days before a window."""

    weekday_weights: tuple[float, ...]
    dispersion: float
    extra_variance: float = 0.0

    def category_dispersion(self, mean_per_day: float, s: RuleSettings) -> float:
        """A day's common busyness (variance `extra_variance` of a gamma factor) scales every category's count:
        a category with mean m has variance m (1 + m v), so its dispersion grows with its own mean."""
        return min(max(1.0 + mean_per_day * self.extra_variance, 1.0), s.max_dispersion)

    def exposure(self, days: Sequence[date]) -> float:
        return sum(self.weekday_weights[day.weekday()] for day in days)


def estimate_baseline(counts: DailyCounts, days: Sequence[date], s: RuleSettings) -> Baseline:
    """Weekday weights shrunk toward 1 (five pseudo-days each) and the Pearson dispersion of daily totals,
    with the busiest `burst_days` left out so that one burst does not make the whole history look noisy."""
    totals = [counts.total(day) for day in days]
    mean = sum(totals) / len(totals) if totals else 0.0
    if mean <= 0:
        return Baseline((1.0,) * 7, 1.0)
    raw = []
    for weekday in range(7):
        seen = [t for day, t in zip(days, totals, strict=True) if day.weekday() == weekday]
        raw.append((sum(seen) + 5 * mean) / ((len(seen) + 5) * mean))
    norm = sum(raw) / 7
    weights = tuple(w / norm for w in raw)
    residuals = sorted((t - mean * weights[d.weekday()]) ** 2 / (mean * weights[d.weekday()])
                       for d, t in zip(days, totals, strict=True))
    kept = residuals[:max(1, len(residuals) - s.burst_days)]
    dispersion = min(max(sum(kept) / len(kept), 1.0), s.max_dispersion)
    return Baseline(weights, dispersion, (dispersion - 1.0) / mean)
