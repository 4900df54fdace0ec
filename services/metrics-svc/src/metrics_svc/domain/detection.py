"""Detection rules over a service's facts on business time, and the KPI each one measures for benefits."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from metrics_svc.domain.facts import IncidentFact, SlaFact
from metrics_svc.domain.service_kpis import availability, csat, opened_in, outages_in
from metrics_svc.domain.windows import Window, ratio_pct

MOMENT = timedelta(microseconds=1)
LOWER_IS_BETTER = {"incident_rate_rise", "recurring_incidents", "sla_breach_rate"}


@dataclass(frozen=True)
class RuleSettings:
    """Each rule's settings (documented in Config.detection)."""

    recent_days: int = 7
    baseline_days: int = 28
    rise_factor: Decimal = Decimal(2)
    rise_min_incidents: int = 5
    recurring_days: int = 30
    recurring_min_incidents: int = 5
    breach_days: int = 30
    breach_rate_pct: Decimal = Decimal(20)
    breach_min_incidents: int = 5
    availability_days: int = 30
    csat_days: int = 30
    csat_min_responses: int = 5


@dataclass(frozen=True)
class Detection:
    rule: str
    title: str
    kpi: str
    baseline: Decimal
    observed: Decimal
    window_days: int
    evidence: dict[str, Any] = field(default_factory=dict)


def _window_evidence(window: Window, incidents: Sequence[IncidentFact]) -> dict[str, Any]:
    return {"window_start": window.start.isoformat(), "window_end": window.end.isoformat(),
            "incident_ids": [str(i.incident_id) for i in incidents]}


def incident_rate_rise(incidents: Sequence[IncidentFact], as_of: datetime, s: RuleSettings) -> Detection | None:
    """Incidents in the recent window against the trailing baseline, scaled to the same length."""
    recent = Window.ending(as_of, days=s.recent_days)
    trailing = Window(recent.start - timedelta(days=s.baseline_days), recent.start)
    now, before = opened_in(recent, incidents), opened_in(trailing, incidents)
    expected = Decimal(len(before)) * s.recent_days / s.baseline_days
    if len(now) < s.rise_min_incidents or len(now) < s.rise_factor * expected:
        return None
    evidence = _window_evidence(recent, now) | {"baseline_window_start": trailing.start.isoformat(),
                                                "baseline_incidents": len(before), "rise_factor": str(s.rise_factor)}
    return Detection("incident_rate_rise", f"Incident rate rose to {len(now)} in {s.recent_days} days",
                     f"incidents_per_{s.recent_days}_days", expected, Decimal(len(now)), s.recent_days, evidence)


def recurring_incidents(incidents: Sequence[IncidentFact], as_of: datetime, s: RuleSettings) -> Detection | None:
    """The most frequent category in the window, when it reaches the threshold."""
    window = Window.ending(as_of, days=s.recurring_days)
    recent = opened_in(window, incidents)
    top = Counter(i.category for i in recent).most_common(1)
    if not top or top[0][1] < s.recurring_min_incidents:
        return None
    category, count = top[0]
    evidence = _window_evidence(window, [i for i in recent if i.category == category]) | {"category": category}
    return Detection("recurring_incidents", f"{count} recurring '{category}' incidents in {s.recurring_days} days",
                     f"incidents_in_category_per_{s.recurring_days}_days", Decimal(s.recurring_min_incidents - 1),
                     Decimal(count), s.recurring_days, evidence)


def sla_breach_rate(incidents: Sequence[IncidentFact], as_of: datetime, s: RuleSettings) -> Detection | None:
    window = Window.ending(as_of, days=s.breach_days)
    subject = [i for i in opened_in(window, incidents) if i.subject_to_sla]
    rate = ratio_pct(sum(1 for i in subject if i.breached), len(subject))
    if len(subject) < s.breach_min_incidents or rate is None or rate <= s.breach_rate_pct:
        return None
    evidence = _window_evidence(window, [i for i in subject if i.breached]) | {"subject_to_sla": len(subject)}
    return Detection("sla_breach_rate", f"SLA breached by {rate:.1f}% of incidents", "sla_breach_rate_pct",
                     s.breach_rate_pct, rate, s.breach_days, evidence)


def settled(incidents: Sequence[IncidentFact]) -> list[IncidentFact]:
    """Incidents without an outage still open: an open outage is an incident to fix, not yet evidence for an
    improvement project (and while history is imported, its resolution may simply not have arrived)."""
    return [i for i in incidents if not i.outage or i.resolved_at is not None]


def availability_below_target(incidents: Sequence[IncidentFact], sla: SlaFact | None, as_of: datetime,
                              s: RuleSettings) -> Detection | None:
    window = Window.ending(as_of, days=s.availability_days)
    incidents = settled(incidents)
    figure = availability(window, incidents)
    if sla is None or figure.value is None or figure.value >= sla.availability_target_pct:
        return None
    outages = [incident for incident, _, _ in outages_in(window, incidents)]
    return Detection("availability_below_target", f"Availability {figure.value:.3f}% below target",
                     "availability_pct", sla.availability_target_pct, figure.value, s.availability_days,
                     _window_evidence(window, outages))


def csat_below_target(incidents: Sequence[IncidentFact], sla: SlaFact | None, as_of: datetime,
                      s: RuleSettings) -> Detection | None:
    window = Window.ending(as_of, days=s.csat_days)
    figure = csat(window, incidents)
    if sla is None or figure.value is None or figure.based_on < s.csat_min_responses:
        return None
    if figure.value >= sla.csat_target_pct:
        return None
    rated = [i for i in incidents if i.csat is not None and window.holds(i.csat_at)]
    return Detection("csat_below_target", f"CSAT {figure.value:.1f}% below target", "csat_pct",
                     sla.csat_target_pct, figure.value, s.csat_days,
                     _window_evidence(window, rated) | {"responses": len(rated)})


def detect(incidents: Sequence[IncidentFact], sla: SlaFact | None, as_of: datetime,
           settings: RuleSettings) -> list[Detection]:
    """Every rule that fires for one service as of `as_of`."""
    found = [incident_rate_rise(incidents, as_of, settings), recurring_incidents(incidents, as_of, settings),
             sla_breach_rate(incidents, as_of, settings), availability_below_target(incidents, sla, as_of, settings),
             csat_below_target(incidents, sla, as_of, settings)]
    return [detection for detection in found if detection is not None]


def evaluation_times(latest: datetime | None, at: datetime) -> list[datetime]:
    """When to run the rules after an event at `at`: then, and at `latest`, the latest moment known for the service.

    The consumer sees a service's incidents partition by partition, not in business-time order: evaluating at
    the latest known moment too means a burst is seen whole once its last event is in, whatever the order.
    Each time is nudged past its moment so that the event at that moment is inside the half-open window.
    """
    return sorted({at + MOMENT, max(at, latest or at) + MOMENT})


def lookback(s: RuleSettings) -> timedelta:
    """How far before an evaluation moment the rules look: older incidents cannot change what they find."""
    return timedelta(days=max(s.recent_days + s.baseline_days, s.recurring_days, s.breach_days,
                              s.availability_days, s.csat_days))


def measure(rule: str, *, window: Window, window_days: int, evidence: dict[str, Any],
            incidents: Sequence[IncidentFact]) -> Decimal | None:
    """The rule's KPI over `window`, in the units it was detected in (counts scaled to `window_days`)."""
    if rule == "incident_rate_rise":
        return Decimal(len(opened_in(window, incidents))) * window_days / window.days
    if rule == "recurring_incidents":
        same = sum(1 for i in opened_in(window, incidents) if i.category == evidence.get("category"))
        return Decimal(same) * window_days / window.days
    if rule == "sla_breach_rate":
        subject = [i for i in opened_in(window, incidents) if i.subject_to_sla]
        return ratio_pct(sum(1 for i in subject if i.breached), len(subject))  # None: nothing to judge by
    if rule == "availability_below_target":
        return availability(window, settled(incidents)).value
    return csat(window, incidents).value


def benefits_realized(rule: str, *, baseline: Decimal, observed: Decimal, measured: Decimal | None,
                      min_gap_closed_pct: Decimal) -> bool:
    """Realized when the measured KPI closed at least `min_gap_closed_pct` of the gap from observed to baseline."""
    if measured is None:
        return False
    gap = observed - baseline
    closed = observed - measured
    if rule not in LOWER_IS_BETTER:
        gap, closed = -gap, -closed
    return closed >= gap * min_gap_closed_pct / 100
