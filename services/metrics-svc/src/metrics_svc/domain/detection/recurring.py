"""The recurring-incidents rule over a service's daily counts: `recurring_incidents`, every category whose rate
rose in a sustained way at a day end (the best of the recent window lengths, as a `Detection` with its evidence),
and `signal_cleared`, whether such a signal has since lapsed against the baseline frozen at detection."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from metrics_svc.domain.detection.baseline import Baseline, DailyCounts, estimate_baseline
from metrics_svc.domain.detection.days import DAY, _days_before
from metrics_svc.domain.detection.rate_test import _Candidate, _test_window
from metrics_svc.domain.detection.rules import Detection, RuleSettings
from metrics_svc.domain.statistics import binomial_sf


def recurring_incidents(counts: DailyCounts, end: datetime, s: RuleSettings,
                        categories: Sequence[str] | None = None) -> list[Detection]:
    """Every category whose rate rose in a sustained way as of the day end `end` (see the module docstring)."""
    all_days = _days_before(end, s.span_days)
    history = [day for day in all_days if day >= counts.first_day]
    if len(history) < s.min_history_days + s.min_window_days:
        return []
    model = estimate_baseline(counts, _days_before(end, s.baseline_days, offset=s.min_window_days), s)
    recent = all_days[:s.max_window_days]
    seen = categories if categories is not None else sorted({c for day in recent for c in counts.days.get(day, {})})
    found = []
    for category in seen:
        best = _best_window(counts, category, all_days, model, s)
        if best is not None:
            found.append(_detection(category, best, end, model, s))
    return found


def _best_window(counts: DailyCounts, category: str, days: list[date], model: Baseline,
                 s: RuleSettings) -> _Candidate | None:
    series = [counts.count(day, category) for day in days]
    if sum(1 for n in series[:s.max_window_days] if n) < s.min_days_with_incidents:
        return None
    others = [counts.total(day) - n for day, n in zip(days, series, strict=True)]
    exposure = [model.weekday_weights[day.weekday()] for day in days]
    valid = [day >= counts.first_day for day in days]
    best: _Candidate | None = None
    for length in s.window_lengths:
        baseline = [i for i in range(length, length + s.baseline_days) if valid[i]]
        if len(baseline) < s.min_history_days or not all(valid[:length]):
            break
        candidate = _test_window(series, others, exposure, length, baseline, model, s)
        if candidate is not None and (best is None or candidate.p_value < best.p_value):
            best = candidate
    return best


def _detection(category: str, best: _Candidate, end: datetime, model: Baseline, s: RuleSettings) -> Detection:
    base_rate = (best.baseline_count + 0.5) / best.baseline_exposure
    window_rate = best.observed / best.window_exposure
    start = end - DAY * best.length
    evidence = {
        "test": "conditional Poisson rate test, weekday-adjusted, quasi-Poisson scaled, bursts left out",
        "category": category, "window_start": start.isoformat(), "window_end": end.isoformat(),
        "shift_start": start.date().isoformat(), "window_days": best.length,
        "observed": best.observed, "expected": round(base_rate * best.window_exposure, 3),
        "observed_without_bursts": best.kept, "p_value": best.p_value, "z": round(best.z, 3),
        "share_p_value": best.share_p, "alpha": s.alpha / len(s.window_lengths),
        "rise_ratio": round(window_rate / base_rate, 3), "dispersion": round(best.dispersion, 3),
        "baseline_start": (start - DAY * s.baseline_days).isoformat(), "baseline_end": start.isoformat(),
        "baseline_count": best.baseline_count, "baseline_exposure": round(best.baseline_exposure, 4),
        "weekday_weights": [round(w, 4) for w in model.weekday_weights],
    }
    return Detection("recurring_incidents",
                     f"'{category}' incidents at {window_rate / base_rate:.1f}× their usual rate for {best.length} days",
                     "incidents_in_category_per_day", _dec(base_rate), _dec(window_rate), best.length, category,
                     evidence)


def _dec(value: float) -> Decimal:
    return Decimal(f"{value:.4f}")


def signal_cleared(evidence: Mapping[str, Any], counts: DailyCounts, end: datetime, s: RuleSettings) -> bool:
    """An incident-rate signal has cleared when the category's last `lapse_days` no longer rise significantly
    (at `clear_alpha`) above the baseline frozen at detection."""
    days = _days_before(end, s.lapse_days)
    weights = evidence["weekday_weights"]
    exposure = sum(weights[day.weekday()] for day in days)
    observed = sum(counts.count(day, evidence["category"]) for day in days)
    phi, base, base_exposure = evidence["dispersion"], evidence["baseline_count"], evidence["baseline_exposure"]
    p_value = binomial_sf(observed / phi, (observed + base) / phi, exposure / (exposure + base_exposure))
    return p_value >= s.clear_alpha
