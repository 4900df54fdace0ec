"""Early life support: the period after acceptance and its exit criteria (pure).

The rule (docs/handover.md, "Early life support"): support ends when the period (agreed days plus every
extension) has ended and service levels were **consistently** achieved over its trailing part —

- no SLA breach in the last `STABLE_DAYS` (7) days of the period (of the period so far, before its end; the
  whole period when shorter): a breach
  early in the period is what early life support is for, and no longer holds the exit once a week has passed
  without one;
- the incident rate over the period, incidents opened in it × 7 / its days, within the agreed threshold;
- no P1 incident still open.

Incidents of the service are recorded for as long as support runs, also after the period's current end, so an
extension judges again with every incident inside its new days. A service owner may end support early with a
recorded justification.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from uuid import UUID

from continuum.domain import incidents_per_week

DEFAULT_MAX_INCIDENTS_PER_WEEK = Decimal(3)
STABLE_DAYS = 7


@dataclass
class EarlyLifeIncident:
    incident_id: UUID
    priority: str
    opened_at: datetime
    resolved_at: datetime | None = None
    sla_breaches: dict[str, datetime] = field(default_factory=dict)  # kind → when


@dataclass
class EarlyLifeSupport:
    """Runs from acceptance for the agreed days plus every extension."""

    started_at: datetime
    days: int
    max_incidents_per_week: Decimal
    incidents: dict[UUID, EarlyLifeIncident] = field(default_factory=dict)
    extensions: list[tuple[int, str]] = field(default_factory=list)

    @property
    def total_days(self) -> int:
        return self.days + sum(days for days, _ in self.extensions)

    @property
    def ends_at(self) -> datetime:
        return self.started_at + timedelta(days=self.total_days)

    def covers(self, at: datetime) -> bool:
        return self.started_at <= at < self.ends_at

    def stable_from(self, at: datetime) -> datetime:
        """The start of the trailing part of the period so far, over which service levels must hold."""
        return max(self.started_at, min(at, self.ends_at) - timedelta(days=STABLE_DAYS))

    def in_period(self) -> list[EarlyLifeIncident]:
        return [incident for incident in self.incidents.values() if self.covers(incident.opened_at)]


@dataclass(frozen=True)
class ExitAssessment:
    """The exit criteria of early life support, as they stand at `at`."""

    at: datetime
    period_ended: bool
    incidents: int
    incident_rate_per_week: Decimal
    rate_within_threshold: bool
    open_p1: int
    sla_breaches: int
    recent_sla_breaches: int
    stable_from: datetime

    @property
    def sla_met(self) -> bool:
        """Service levels achieved over the period's trailing part."""
        return self.recent_sla_breaches == 0

    @property
    def failing(self) -> list[str]:
        """Names of the exit criteria that do not hold."""
        checks = {
            "early-life-period-ended": self.period_ended,
            "incident-rate-within-threshold": self.rate_within_threshold,
            "no-open-p1": self.open_p1 == 0,
            "sla-met-over-trailing-days": self.sla_met,
        }
        return [name for name, holds in checks.items() if not holds]


def assess_exit(support: EarlyLifeSupport, at: datetime) -> ExitAssessment:
    incidents = support.in_period()
    breaches = [when for incident in incidents for when in incident.sla_breaches.values() if when < support.ends_at]
    rate = incident_rate_per_week(len(incidents), support.total_days)
    return ExitAssessment(
        at=at,
        period_ended=at >= support.ends_at,
        incidents=len(incidents),
        incident_rate_per_week=rate,
        rate_within_threshold=rate <= support.max_incidents_per_week,
        open_p1=sum(1 for incident in support.incidents.values()
                    if incident.priority == "P1" and incident.resolved_at is None),
        sla_breaches=len(breaches),
        recent_sla_breaches=sum(1 for when in breaches if when >= support.stable_from(at)),
        stable_from=support.stable_from(at),
    )


incident_rate_per_week = incidents_per_week  # the platform's one definition
