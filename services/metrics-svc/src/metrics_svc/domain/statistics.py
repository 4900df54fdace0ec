"""The few exact tests the loop needs, in plain Python: binomial tails through the regularized incomplete beta
function, Clopper–Pearson intervals, and the conditional test for two Poisson rates.

Counts may be fractional: an overdispersed count divided by its dispersion factor (quasi-Poisson scaling) keeps
the tests' meaning, and the incomplete beta function takes any positive parameters. Checked against scipy in
tests/unit/metrics_svc/test_statistics.py.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

_TINY = 1e-300
_EPS = 3e-14


def _beta_fraction(a: float, b: float, x: float) -> float:
    """The continued fraction of the incomplete beta function (modified Lentz's method)."""
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c, d = 1.0, 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > _TINY else _TINY)
    h = d
    for m in range(1, 10_000):
        m2 = 2 * m
        for numerator in (m * (b - m) * x / ((qam + m2) * (a + m2)),
                          -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))):
            d = 1.0 + numerator * d
            d = 1.0 / (d if abs(d) > _TINY else _TINY)
            c = 1.0 + numerator / c
            c = c if abs(c) > _TINY else _TINY
            h *= d * c
        if abs(d * c - 1.0) < _EPS:
            break
    return h


def betainc(a: float, b: float, x: float) -> float:
    """The regularized incomplete beta function I_x(a, b), for a, b > 0 and 0 ≤ x ≤ 1."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    log_front = (math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x))
    if x < (a + 1.0) / (a + b + 2.0):
        return math.exp(log_front) * _beta_fraction(a, b, x) / a
    return 1.0 - math.exp(log_front) * _beta_fraction(b, a, 1.0 - x) / b


def binomial_sf(k: float, n: float, p: float) -> float:
    """P(X ≥ k) for X ~ Binomial(n, p), continued to real k and n (k ≤ 0 gives 1)."""
    if k <= 0:
        return 1.0
    if k > n:
        return 0.0
    return betainc(k, n - k + 1.0, p)


def binomial_cdf(k: float, n: float, p: float) -> float:
    """P(X ≤ k) for X ~ Binomial(n, p), continued to real k and n."""
    if k >= n:
        return 1.0
    if k < 0:
        return 0.0
    return 1.0 - betainc(k + 1.0, n - k, p)


def _bisect(f, target: float, low: float = 0.0, high: float = 1.0) -> float:
    """The x in [low, high] where the increasing function f reaches target."""
    for _ in range(60):
        middle = (low + high) / 2
        if f(middle) < target:
            low = middle
        else:
            high = middle
    return (low + high) / 2


def clopper_pearson(k: float, n: float, confidence: float = 0.95) -> tuple[float, float]:
    """The exact (Clopper–Pearson) interval for a binomial proportion k/n."""
    if n <= 0:
        return 0.0, 1.0
    tail = (1 - confidence) / 2
    low = 0.0 if k <= 0 else _bisect(lambda p: binomial_sf(k, n, p), tail)
    high = 1.0 if k >= n else _bisect(lambda p: 1 - binomial_cdf(k, n, p), 1 - tail)
    return low, high


@dataclass(frozen=True)
class RateComparison:
    """Two Poisson rates, counts over exposures, compared by the exact conditional test: given the total, the
    first count is binomial with p = exposure share. `ratio` is rate_a / rate_b with its interval."""

    count_a: float
    exposure_a: float
    count_b: float
    exposure_b: float
    ratio: float
    ratio_low: float
    ratio_high: float
    p_greater: float  # P-value of "rate a > rate b"
    p_less: float  # P-value of "rate a < rate b"


def compare_rates(count_a: float, exposure_a: float, count_b: float, exposure_b: float,
                  confidence: float = 0.95) -> RateComparison:
    """Rate a (count_a / exposure_a) against rate b, exactly (counts may be quasi-Poisson scaled)."""
    n = count_a + count_b
    share = exposure_a / (exposure_a + exposure_b)
    scale = exposure_b / exposure_a
    low, high = clopper_pearson(count_a, n, confidence) if n > 0 else (0.0, 1.0)

    def to_ratio(p: float) -> float:
        return math.inf if p >= 1 else p / (1 - p) * scale

    ratio = to_ratio(count_a / n) if n > 0 else math.nan
    return RateComparison(count_a, exposure_a, count_b, exposure_b, ratio, to_ratio(low), to_ratio(high),
                          p_greater=binomial_sf(count_a, n, share), p_less=binomial_cdf(count_a, n, share))


def z_score(k: float, n: float, p: float) -> float:
    """The normal approximation's z of k against Binomial(n, p): a cheap screen before the exact tail."""
    variance = n * p * (1 - p)
    return (k - n * p) / math.sqrt(variance) if variance > 0 else 0.0
