"""Early life support: the period after acceptance and its exit criteria (pure)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from uuid import UUID

DEFAULT_MAX_INCIDENTS_PER_WEEK = Decimal(3)
RATE_PLACES = Decimal("0.01")


@dataclass
class EarlyLifeIncident:
    incident_id: UUID
    priority: str
    opened_at: datetime
    resolved_at: datetime | None = None
    sla_breaches: set[str] = field(default_factory=set)


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

    @property
    def sla_met(self) -> bool:
        return self.sla_breaches == 0

    @property
    def failing(self) -> list[str]:
        """Names of the exit criteria that do not hold."""
        checks = {
            "early-life-period-ended": self.period_ended,
            "incident-rate-within-threshold": self.rate_within_threshold,
            "no-open-p1": self.open_p1 == 0,
            "sla-met-over-period": self.sla_met,
        }
        return [name for name, holds in checks.items() if not holds]


def assess_exit(support: EarlyLifeSupport, at: datetime) -> ExitAssessment:
    incidents = list(support.incidents.values())
    rate = incident_rate_per_week(len(incidents), support.total_days)
    return ExitAssessment(
        at=at,
        period_ended=at >= support.ends_at,
        incidents=len(incidents),
        incident_rate_per_week=rate,
        rate_within_threshold=rate <= support.max_incidents_per_week,
        open_p1=sum(1 for incident in incidents if incident.priority == "P1" and incident.resolved_at is None),
        sla_breaches=sum(len(incident.sla_breaches) for incident in incidents),
    )


def incident_rate_per_week(incidents: int, days: int) -> Decimal:
    """Incidents per 7 days of the period, 2 decimals; a period of 0 days has no incidents in it."""
    if days <= 0:
        return Decimal(0).quantize(RATE_PLACES)
    return (Decimal(incidents) * 7 / Decimal(days)).quantize(RATE_PLACES, rounding=ROUND_HALF_UP)
