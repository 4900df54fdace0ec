"""Detection: statistical tests on business time, judged at the end of each day, per service (and per category
for incidents). docs/improvement-loop.md explains the method for a service manager; in short:

- **recurring_incidents** — the rate of a category over the last L days (any L from `min_window_days` to
  `max_window_days`) against the same category in the `baseline_days` before them, weekday-adjusted with the
  service's own weekly pattern, scaled for the service's overdispersion, by the exact conditional test of two
  Poisson rates. It fires only when the rise is significant at `alpha / number of window lengths`, is at
  least `min_rise_ratio`, stays significant with its bursts left out (up to `burst_days` days that stand out
  from the rest of the window: a one-day burst is an incident, not a weakness), spans
  `min_days_with_incidents`, and — when the other categories give enough control — also rises against the rest
  of the service (growth in proportion to all categories is adoption).
- **sla_breach_rate**, **csat_below_target** — one-sided binomial tests against the allowed breach rate and
  the CSAT target, with a minimum sample; **availability_below_target** — below target over a whole window with
  at least `availability_min_outages` distinct outages (one outage is an incident).

A test judged at a day end sees only facts before it, so its verdict does not depend on when or in which
order the facts arrived.

The package's modules: `rules` (the settings and what a detection records), `days` (day ends), `baseline` (daily
counts and the weekday/overdispersion baseline), `rate_test` (one window's rate test), `recurring` (the
recurring-incidents rule and its lapse), `proportions` (the SLA, availability and CSAT rules) and
`proportion_counts` (those rules from their per-day counts).
"""

from __future__ import annotations

from metrics_svc.domain.detection.baseline import DailyCounts
from metrics_svc.domain.detection.days import DAY, day_end, day_ends
from metrics_svc.domain.detection.proportion_counts import ProportionCounts, detect_proportions_counted
from metrics_svc.domain.detection.proportions import (
    availability_below_target,
    csat_below_target,
    detect_proportions,
    lookback,
    sla_breach_rate,
)
from metrics_svc.domain.detection.recurring import recurring_incidents, signal_cleared
from metrics_svc.domain.detection.rules import Detection, RuleSettings

__all__ = [
    "DAY", "DailyCounts", "Detection", "ProportionCounts", "RuleSettings", "availability_below_target",
    "csat_below_target", "day_end", "day_ends", "detect_proportions", "detect_proportions_counted", "lookback",
    "recurring_incidents", "signal_cleared", "sla_breach_rate",
]
