"""The benefits verdict: after the handover, the detected KPI is judged on business time against both the level
it had after detection (the regressed level) and the baseline before the regression, by exact tests, only once
enough exposure exists; Inconclusive when a maximum period ends without a decision.

Regression to the mean: a detection is made at a peak, which falls back by itself. So the regressed level is
the one the project started from — the last `level_days` before the acceptance, and after the detection — not
the window that fired (only when that period is shorter than `min_regressed_days` does it reach back to the
shift's start); a project delivered after the signal had faded by itself is then not credited with the fall.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from metrics_svc.domain.detection import DailyCounts, day_end
from metrics_svc.domain.facts import IncidentFact
from metrics_svc.domain.service_kpis import availability
from metrics_svc.domain.statistics import clopper_pearson, compare_rates
from metrics_svc.domain.windows import Window

DAY = timedelta(days=1)


@dataclass(frozen=True)
class BenefitsSettings:
    min_days: int = 28
    look_every_days: int = 7
    max_days: int = 90
    min_expected: float = 10.0
    min_gap_closed_pct: float = 50.0
    confidence: float = 0.9
    min_regressed_days: int = 7
    level_days: int = 14
    still_regressed_alpha: float = 0.01
    min_responses: int = 10


    @property
    def looks(self) -> int:
        return (self.max_days - self.min_days) // self.look_every_days + 1

    @property
    def look_confidence(self) -> float:
        """Each look's confidence: the error `1 - confidence` is shared among the looks (Bonferroni), so that
        looking every week does not make a wrong verdict likelier than the stated confidence allows."""
        return 1 - (1 - self.confidence) / self.looks


@dataclass(frozen=True)
class Verdict:
    """`outcome` is realized, not_realized or inconclusive; `effect` holds the figures and intervals."""

    outcome: str
    measured: Decimal
    effect: dict[str, Any]


def due(accepted_at: datetime, end: datetime, s: BenefitsSettings) -> bool:
    """Whether the day end `end` is one of the verdict's looks: from `min_days` after acceptance, every
    `look_every_days`, and the last at `max_days`."""
    days = (end - day_end(accepted_at)) / DAY
    if days < s.min_days:
        return False
    return days >= s.max_days or (days - s.min_days) % s.look_every_days == 0


def _days(start: datetime, end: datetime) -> list[date]:
    first, last = day_end(start - DAY).date(), end.date()
    return [first + DAY * i for i in range((last - first).days)]


def _rate(counts: DailyCounts, category: str, days: Sequence[date], weights: Sequence[float]) -> tuple[int, float]:
    return sum(counts.count(d, category) for d in days), sum(weights[d.weekday()] for d in days)


def judge_incident_rate(evidence: dict[str, Any], detected_at: datetime, accepted_at: datetime, end: datetime,
                        counts: DailyCounts, s: BenefitsSettings) -> Verdict | None:
    """The category's rate after acceptance against the regressed level and the pre-regression baseline."""
    weights, category = evidence["weekday_weights"], evidence["category"]
    post_days = _days(day_end(accepted_at), end)
    after_detection = _days(max(detected_at, day_end(accepted_at) - DAY * (s.level_days + 1)), day_end(accepted_at) - DAY)
    regressed_days = after_detection if len(after_detection) >= s.min_regressed_days else _days(
        datetime.fromisoformat(evidence["window_start"]), day_end(accepted_at) - DAY)
    post, post_x = _rate(counts, category, post_days, weights)
    regressed, regressed_x = _rate(counts, category, regressed_days, weights)
    base, base_x = evidence["baseline_count"], evidence["baseline_exposure"]
    if regressed_x <= 0 or post_x <= 0:
        return None
    level, before, after = regressed / regressed_x, base / base_x, post / post_x
    final = (end - day_end(accepted_at)) / DAY >= s.max_days
    if level * post_x < s.min_expected and not final:
        return None  # too little exposure yet to tell
    against_level = compare_rates(post, post_x, regressed, regressed_x, s.look_confidence)
    against_base = compare_rates(post, post_x, base, base_x, s.look_confidence)
    faded = compare_rates(regressed, regressed_x, base, base_x, s.confidence).p_greater >= s.still_regressed_alpha
    gap = (level - after) / (level - before) if level > before else math.nan
    effect = {"kpi": "incidents_in_category_per_day", "category": category,
              "measured_rate": round(after, 4), "regressed_rate": round(level, 4), "baseline_rate": round(before, 4),
              "ratio_to_regressed": _finite(against_level.ratio),
              "ratio_to_regressed_interval": [_finite(against_level.ratio_low), _finite(against_level.ratio_high)],
              "ratio_to_baseline": _finite(against_base.ratio),
              "ratio_to_baseline_interval": [_finite(against_base.ratio_low), _finite(against_base.ratio_high)],
              "gap_closed_pct": None if math.isnan(gap) else round(gap * 100, 1),
              "confidence": round(s.look_confidence, 4),
              "post_incidents": post, "post_days": len(post_days), "regressed_incidents": regressed,
              "regressed_days": len(regressed_days), "faded_before_handover": faded}
    if faded:  # nothing left for the project to fix: whatever follows cannot be credited to it
        return Verdict("inconclusive", Decimal(f"{after:.4f}"), effect)
    outcome = _decide(gap, against_level.ratio_high < 1, against_base.p_greater < 1 - s.look_confidence, final, s)
    return None if outcome is None else Verdict(outcome, Decimal(f"{after:.4f}"), effect)


def _decide(gap: float, below_level: bool, above_baseline: bool, final: bool, s: BenefitsSettings) -> str | None:
    """Realized: significantly below the regressed level and at least `min_gap_closed_pct` of the gap closed;
    not realized: still significantly above the baseline with less of the gap closed."""
    closed = not math.isnan(gap) and gap * 100 >= s.min_gap_closed_pct
    if closed and below_level:
        return "realized"
    if not closed and above_baseline:
        return "not_realized"
    return "inconclusive" if final else None


def judge_proportion(rule: str, observed_at_detection: Decimal, target: Decimal, accepted_at: datetime,
                     end: datetime, incidents: Sequence[IncidentFact], s: BenefitsSettings) -> Verdict | None:
    """SLA breach rate, CSAT or availability after acceptance, against the level at detection and the target."""
    window = Window(day_end(accepted_at), end)
    final = (end - day_end(accepted_at)) / DAY >= s.max_days
    if rule == "availability_below_target":
        value = availability(window, [i for i in incidents if not i.outage or i.resolved_at]).value
        if value is None:
            return Verdict("inconclusive", observed_at_detection, {"kpi": "availability_pct"}) if final else None
        outcome = "realized" if value >= target else "not_realized"
        return Verdict(outcome, value, {"kpi": "availability_pct", "measured": str(value), "target": str(target)})
    bad, n = _bad_outcomes(rule, window, incidents)
    if n < s.min_responses:
        return Verdict("inconclusive", observed_at_detection, {"sample": n}) if final else None
    low, high = clopper_pearson(bad, n, s.look_confidence)
    level = float(observed_at_detection) / 100 if rule == "sla_breach_rate" else 1 - float(observed_at_detection) / 100
    allowed = float(target) / 100 if rule == "sla_breach_rate" else 1 - float(target) / 100
    rate = bad / n
    effect = {"kpi": rule, "bad_share": round(rate, 4), "interval": [round(low, 4), round(high, 4)],
              "level_at_detection": level, "allowed": allowed, "sample": n, "confidence": round(s.look_confidence, 4)}
    if high < level and rate <= allowed:
        outcome = "realized"
    elif low > allowed:
        outcome = "not_realized"
    else:
        outcome = "inconclusive" if final else None
    shown = Decimal(f"{(rate if rule == 'sla_breach_rate' else 1 - rate) * 100:.2f}")
    return None if outcome is None else Verdict(outcome, shown, effect)


def _bad_outcomes(rule: str, window: Window, incidents: Sequence[IncidentFact]) -> tuple[int, int]:
    if rule == "sla_breach_rate":
        subject = [i for i in incidents if window.holds(i.opened_at) and i.subject_to_sla and (i.resolved_at or i.breached)]
        return sum(1 for i in subject if i.breached), len(subject)
    rated = [i for i in incidents if i.csat is not None and window.holds(i.csat_at)]
    return sum(1 for i in rated if (i.csat or 0) < 4), len(rated)


def _finite(value: float) -> float | None:
    return round(value, 4) if math.isfinite(value) else None
