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
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from metrics_svc.domain.facts import IncidentFact, SlaFact
from metrics_svc.domain.service_kpis import availability, outages_in
from metrics_svc.domain.statistics import binomial_cdf, binomial_sf, z_score
from metrics_svc.domain.windows import Window

DAY = timedelta(days=1)
LOWER_IS_BETTER = {"incident_rate_rise", "recurring_incidents", "sla_breach_rate"}
SCREEN_Z = 3.0  # below this normal-approximation z no exact tail is computed: it cannot reach any alpha in use


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


def day_end(moment: datetime) -> datetime:
    """The midnight (UTC) that ends the day holding `moment`."""
    return datetime.combine(moment.astimezone(UTC).date() + DAY, time(), tzinfo=UTC)


def day_ends(after: datetime, through: datetime) -> list[datetime]:
    """The midnights in (after, through]."""
    first = day_end(after) if after.astimezone(UTC).time() != time() else after + DAY
    count = max(0, int((through - first) / DAY) + 1)
    return [first + DAY * i for i in range(count)]


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


def _days_before(end: datetime, count: int, offset: int = 0) -> list[date]:
    """`count` days ending `offset` days before the day end `end`, newest first."""
    last = end.astimezone(UTC).date() - DAY
    return [last - DAY * (offset + i) for i in range(count)]


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


def _ids(incidents: Sequence[IncidentFact]) -> list[str]:
    return [str(i.incident_id) for i in incidents]


def _opened(window: Window, incidents: Sequence[IncidentFact]) -> list[IncidentFact]:
    return [i for i in incidents if window.holds(i.opened_at)]


def sla_breach_rate(incidents: Sequence[IncidentFact], end: datetime, s: RuleSettings) -> Detection | None:
    """More breaches than the allowed rate, by a one-sided binomial test over incidents whose outcome is known."""
    window = Window.ending(end, days=s.breach_days)
    subject = [i for i in _opened(window, incidents) if i.subject_to_sla and (i.resolved_at or i.breached)]
    breaches = [i for i in subject if i.breached]
    allowed = float(s.breach_rate_pct) / 100
    if len(subject) < s.breach_min_incidents:
        return None
    p_value = binomial_sf(len(breaches), len(subject), allowed)
    if p_value >= s.proportion_alpha:
        return None
    rate = Decimal(len(breaches)) * 100 / len(subject)
    evidence = {"test": "one-sided binomial test against the allowed breach rate", "observed": len(breaches),
                "expected": round(allowed * len(subject), 3), "subject_to_sla": len(subject), "p_value": p_value,
                "alpha": s.proportion_alpha, "window_start": window.start.isoformat(),
                "window_end": window.end.isoformat(), "incident_ids": _ids(breaches)}
    return Detection("sla_breach_rate", f"SLA breached by {rate:.1f}% of incidents", "sla_breach_rate_pct",
                     s.breach_rate_pct, rate, s.breach_days, None, evidence)


def settled(incidents: Sequence[IncidentFact]) -> list[IncidentFact]:
    """Incidents without an outage still open: an open outage is an incident to fix, not yet evidence for an
    improvement project (and while history is imported, its resolution may simply not have arrived)."""
    return [i for i in incidents if not i.outage or i.resolved_at is not None]


def availability_below_target(incidents: Sequence[IncidentFact], sla: SlaFact | None, end: datetime,
                              s: RuleSettings) -> Detection | None:
    """Below target over a whole window after the SLA was defined, through several distinct outages."""
    window = Window.ending(end, days=s.availability_days)
    if sla is None or sla.defined_at > window.start:
        return None
    incidents = settled(incidents)
    outages = [incident for incident, _, _ in outages_in(window, incidents)]
    figure = availability(window, incidents)
    if figure.value is None or figure.value >= sla.availability_target_pct or len(outages) < s.availability_min_outages:
        return None
    evidence = {"test": "availability over the whole window against the target, with distinct outages",
                "outages": len(outages), "window_start": window.start.isoformat(),
                "window_end": window.end.isoformat(), "incident_ids": _ids(outages)}
    return Detection("availability_below_target", f"Availability {figure.value:.3f}% below target",
                     "availability_pct", sla.availability_target_pct, figure.value, s.availability_days, None, evidence)


def csat_below_target(incidents: Sequence[IncidentFact], sla: SlaFact | None, end: datetime,
                      s: RuleSettings) -> Detection | None:
    """Fewer satisfied responses than the target, by a one-sided binomial test with a minimum sample."""
    window = Window.ending(end, days=s.csat_days)
    rated = [i for i in incidents if i.csat is not None and window.holds(i.csat_at)]
    if sla is None or len(rated) < s.csat_min_responses:
        return None
    positive = sum(1 for i in rated if (i.csat or 0) >= 4)
    target = float(sla.csat_target_pct) / 100
    p_value = binomial_cdf(positive, len(rated), target)
    if p_value >= s.proportion_alpha:
        return None
    value = Decimal(positive) * 100 / len(rated)
    evidence = {"test": "one-sided binomial test against the CSAT target", "observed": positive,
                "expected": round(target * len(rated), 3), "responses": len(rated), "p_value": p_value,
                "alpha": s.proportion_alpha, "window_start": window.start.isoformat(),
                "window_end": window.end.isoformat(), "incident_ids": _ids(rated)}
    return Detection("csat_below_target", f"CSAT {value:.1f}% below target", "csat_pct", sla.csat_target_pct,
                     value, s.csat_days, None, evidence)


def detect_proportions(incidents: Sequence[IncidentFact], sla: SlaFact | None, end: datetime,
                       s: RuleSettings) -> list[Detection]:
    """The SLA, availability and CSAT rules that fire for one service at the day end `end`."""
    if sla is None:
        return []
    found = [sla_breach_rate(incidents, end, s), availability_below_target(incidents, sla, end, s),
             csat_below_target(incidents, sla, end, s)]
    return [detection for detection in found if detection is not None]


@dataclass(frozen=True)
class ProportionCounts:
    """What the SLA-breach and CSAT rules count, per UTC day (their sufficient statistics): with them, whether a
    rule fires on a day end costs the days of its window, not its incidents; the incidents are listed only for
    the evidence of a rule that fires. Windows end at midnight, so a moment is in one exactly when its day is."""

    subject: Mapping[date, int]  # by opening day: subject to an SLA, with its outcome known
    breached: Mapping[date, int]
    rated: Mapping[date, int]  # by rating day, rated no earlier than opened
    satisfied: Mapping[date, int]
    rated_before_opening: tuple[IncidentFact, ...] = ()  # odd facts, counted one by one

    @classmethod
    def of(cls, incidents: Sequence[IncidentFact]) -> ProportionCounts:
        subject: dict[date, int] = {}
        breached: dict[date, int] = {}
        rated: dict[date, int] = {}
        satisfied: dict[date, int] = {}
        odd = []
        for i in incidents:
            if i.subject_to_sla and (i.resolved_at is not None or i.breached):
                day = _utc_date(i.opened_at)
                subject[day] = subject.get(day, 0) + 1
                if i.breached:
                    breached[day] = breached.get(day, 0) + 1
            if i.csat is not None and i.csat_at is not None:
                if i.csat_at < i.opened_at:
                    odd.append(i)
                    continue
                day = _utc_date(i.csat_at)
                rated[day] = rated.get(day, 0) + 1
                if i.csat >= 4:
                    satisfied[day] = satisfied.get(day, 0) + 1
        return cls(subject, breached, rated, satisfied, tuple(odd))

    def sla_breach_fires(self, end: datetime, s: RuleSettings) -> bool:
        """Whether sla_breach_rate finds a detection at `end` over the incidents opened before it."""
        days = _days_before(end, s.breach_days)
        n, breaches = sum(self.subject.get(d, 0) for d in days), sum(self.breached.get(d, 0) for d in days)
        return n >= s.breach_min_incidents and binomial_sf(breaches, n, float(s.breach_rate_pct) / 100) < \
            s.proportion_alpha

    def csat_fires(self, sla: SlaFact | None, end: datetime, s: RuleSettings) -> bool:
        """Whether csat_below_target finds a detection at `end` over the incidents opened before it."""
        if sla is None:
            return False
        days = _days_before(end, s.csat_days)
        n, positive = sum(self.rated.get(d, 0) for d in days), sum(self.satisfied.get(d, 0) for d in days)
        window = Window.ending(end, days=s.csat_days)
        for i in self.rated_before_opening:
            if i.opened_at < end and window.holds(i.csat_at):
                n, positive = n + 1, positive + ((i.csat or 0) >= 4)
        return n >= s.csat_min_responses and binomial_cdf(positive, n, float(sla.csat_target_pct) / 100) < \
            s.proportion_alpha


def _utc_date(moment: datetime) -> date:
    return moment.astimezone(UTC).date()


def detect_proportions_counted(counts: ProportionCounts, incidents: Callable[[], Sequence[IncidentFact]],
                               outages: Sequence[IncidentFact], sla: SlaFact | None, end: datetime,
                               s: RuleSettings) -> list[Detection]:
    """detect_proportions at `end`, the same list, from the rules' counts: `incidents()` (those opened before `end`)
    is listed only for a rule that fires; availability needs only the outage incidents among them."""
    if sla is None:
        return []
    found = [sla_breach_rate(incidents(), end, s) if counts.sla_breach_fires(end, s) else None,
             availability_below_target(outages, sla, end, s),
             csat_below_target(incidents(), sla, end, s) if counts.csat_fires(sla, end, s) else None]
    return [detection for detection in found if detection is not None]


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


def lookback(s: RuleSettings) -> timedelta:
    """How far before a day end the proportion rules look."""
    return timedelta(days=max(s.breach_days, s.availability_days, s.csat_days))

