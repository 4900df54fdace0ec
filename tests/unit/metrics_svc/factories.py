"""Hand-made facts for the KPI and rule tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from uuid import UUID, uuid4

from metrics_svc.domain.facts import IncidentFact, SlaFact

SERVICE = UUID("00000000-0000-0000-0000-0000000000aa")
AS_OF = datetime(2026, 3, 1, tzinfo=UTC)


def incident(days_ago: float | timedelta, *, category: str = "network", ack_min: float | None = None,
             resolve_min: float | None = None, outage_min: float = 0, breached: bool = False,
             sla_met: bool | None = None, csat: int | None = None) -> IncidentFact:
    opened = AS_OF - (days_ago if isinstance(days_ago, timedelta) else timedelta(days=days_ago))
    resolved = None if resolve_min is None else opened + timedelta(minutes=resolve_min)
    return IncidentFact(
        incident_id=uuid4(), service_id=SERVICE, priority="P2", category=category, outage=outage_min > 0,
        opened_at=opened, acknowledged_at=None if ack_min is None else opened + timedelta(minutes=ack_min),
        resolved_at=resolved, outage_minutes=Decimal(str(outage_min)), resolution_sla_met=sla_met,
        resolution_breached=breached, csat=csat, csat_at=None if csat is None else (resolved or opened),
    )


def sla(availability: str = "99.9", csat_target: str = "80") -> SlaFact:
    return SlaFact(SERVICE, Decimal(availability), Decimal(csat_target), AS_OF - timedelta(days=365))
