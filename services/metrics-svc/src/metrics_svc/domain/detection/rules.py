"""What the detection rules are given and what they give: `RuleSettings`, each rule's settings (with the recent
window lengths and the span of days the incident test reads), and `Detection`, what a rule that fires records (its
KPI, baseline, observed level, window and evidence)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any


@dataclass(frozen=True)
class RuleSettings:
    """Each rule's settings (documented in Config.detection and docs/improvement-loop.md)."""

    alpha: float = 3e-4
    min_window_days: int = 3
    max_window_days: int = 28
    window_growth: float = 1.35
    baseline_days: int = 56
    min_history_days: int = 28
    min_rise_ratio: float = 1.5
    min_days_with_incidents: int = 3
    burst_days: int = 2
    burst_alpha: float = 0.1
    share_alpha: float = 1e-3
    min_control_incidents: int = 10
    max_dispersion: float = 4.0
    lapse_days: int = 14
    clear_alpha: float = 0.05
    cooldown_days: int = 14
    proportion_alpha: float = 1e-3
    breach_days: int = 30
    breach_rate_pct: Decimal = Decimal(20)
    breach_min_incidents: int = 10
    availability_days: int = 30
    availability_min_outages: int = 2
    csat_days: int = 30
    csat_min_responses: int = 10

    @property
    def window_lengths(self) -> list[int]:
        """Recent windows from `min_window_days` to `max_window_days`, about a third longer each (the test's
        level is shared among them: nested windows this close are nearly the same test)."""
        lengths, length = [], self.min_window_days
        while length < self.max_window_days:
            lengths.append(length)
            length = max(length + 1, round(length * self.window_growth))
        return lengths + [self.max_window_days]

    @property
    def span_days(self) -> int:
        """How many days before a day end the incident test reads."""
        return self.max_window_days + self.baseline_days


@dataclass(frozen=True)
class Detection:
    rule: str
    title: str
    kpi: str
    baseline: Decimal
    observed: Decimal
    window_days: int
    category: str | None = None
    evidence: dict[str, Any] = field(default_factory=dict)
