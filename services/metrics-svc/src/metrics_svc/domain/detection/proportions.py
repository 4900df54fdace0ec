"""The SLA, availability and CSAT rules over a service's incidents: `sla_breach_rate` and `csat_below_target`
(one-sided binomial tests with a minimum sample), `availability_below_target` (a whole window below target through
several distinct outages), all three together in `detect_proportions`, and how far back they look (`lookback`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal

from metrics_svc.domain.detection.rules import Detection, RuleSettings
from metrics_svc.domain.facts import IncidentFact, SlaFact
from metrics_svc.domain.service_kpis import availability, outages_in
from metrics_svc.domain.statistics import binomial_cdf, binomial_sf
from metrics_svc.domain.windows import Window


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


def lookback(s: RuleSettings) -> timedelta:
    """How far before a day end the proportion rules look."""
    return timedelta(days=max(s.breach_days, s.availability_days, s.csat_days))
