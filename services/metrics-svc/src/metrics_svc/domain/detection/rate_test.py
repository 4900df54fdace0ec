"""One window of the recurring-incidents test: a category's recent days against its baseline by the exact
conditional test of two Poisson rates (weekday-adjusted, quasi-Poisson scaled), with the window's bursts left out
and the guard against the rest of the service (`_test_window`, giving a `_Candidate`)."""

from __future__ import annotations

from dataclasses import dataclass

from metrics_svc.domain.detection.baseline import Baseline
from metrics_svc.domain.detection.rules import RuleSettings
from metrics_svc.domain.statistics import binomial_sf, z_score

SCREEN_Z = 3.0  # below this normal-approximation z no exact tail is computed: it cannot reach any alpha in use


@dataclass(frozen=True)
class _Candidate:
    p_value: float
    length: int
    observed: int
    kept: float
    kept_exposure: float
    window_exposure: float
    baseline_count: int
    baseline_exposure: float
    z: float
    share_p: float | None
    dispersion: float


def _test_window(series: list[int], others: list[int], exposure: list[float], length: int, baseline: list[int],
                 model: Baseline, s: RuleSettings) -> _Candidate | None:
    """The window of `length` days ending at the day end against its baseline: the rate test (quasi-Poisson
    scaled) significant at alpha / window lengths, its bursts left out, and the share guard."""
    window = range(length)
    if sum(1 for i in window if series[i]) < s.min_days_with_incidents:
        return None
    dropped = _burst_days(series, exposure, length, s)
    kept = [i for i in window if i not in dropped]
    observed, kept_count = sum(series[i] for i in window), sum(series[i] for i in kept)
    kept_exposure = sum(exposure[i] for i in kept)
    base_count, base_exposure = sum(series[i] for i in baseline), sum(exposure[i] for i in baseline)
    if kept_exposure <= 0 or kept_count / kept_exposure < s.min_rise_ratio * (base_count + 0.5) / base_exposure:
        return None
    phi = model.category_dispersion(base_count / base_exposure, s)
    n, share = (kept_count + base_count) / phi, kept_exposure / (kept_exposure + base_exposure)
    z = z_score(kept_count / phi, n, share)
    if z < SCREEN_Z:
        return None
    p_value = binomial_sf(kept_count / phi, n, share)
    if p_value >= s.alpha / len(s.window_lengths):
        return None
    control = _control([others[i] for i in kept], [others[i] for i in baseline], s)
    share_p = None if control is None else binomial_sf(kept_count / phi, n, control)
    if share_p is not None and share_p >= s.share_alpha:
        return None
    return _Candidate(p_value, length, observed, kept_count, kept_exposure, sum(exposure[i] for i in window),
                      base_count, base_exposure, z, share_p, phi)


def _burst_days(series: list[int], exposure: list[float], length: int, s: RuleSettings) -> set[int]:
    """Up to `burst_days` days of the window, busiest first, that stand out from the rest of the window: the
    day's count is improbably high (binomial tail below `burst_alpha`) if all its days shared one weekday-adjusted
    rate. A burst is left out; the even days of a sustained step are all kept."""
    dropped: set[int] = set()
    for _ in range(min(s.burst_days, length - 1)):
        top = max((i for i in range(length) if i not in dropped), key=lambda i: (series[i], -i))
        rest = [i for i in range(length) if i != top and i not in dropped]
        total = series[top] + sum(series[i] for i in rest)
        share = exposure[top] / (exposure[top] + sum(exposure[i] for i in rest))
        if series[top] == 0 or binomial_sf(series[top], total, share) >= s.burst_alpha:
            break
        dropped.add(top)
    return dropped


def _control(window_others: list[int], base_others: list[int], s: RuleSettings) -> float | None:
    """The category against the rest of the service: the share of the other categories' incidents that fall in
    the window, which the category's share would match if it moved with the rest (adoption). None when the rest
    is too small to compare."""
    control, control_base = sum(window_others), sum(base_others)
    if control < s.min_control_incidents or control_base == 0:
        return None
    return control / (control + control_base)
