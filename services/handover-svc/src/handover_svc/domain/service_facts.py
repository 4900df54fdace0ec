"""What service-svc's events mean for a handover: the criteria they meet and the early-life record they feed."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from handover_svc.domain.criteria import SERVICE_OWNER_NAMED, SLA_DEFINED
from handover_svc.domain.handover import Handover


def apply_service_fact(handover: Handover, *, sla_defined: bool | None, owner: str | None, evidence: str | None,
                       at: datetime) -> None:
    """An SLA defined meets its criterion and a withdrawn one resets it; a named owner meets its criterion."""
    if sla_defined is True:
        handover.meet_automatically(key=SLA_DEFINED, evidence=evidence, at=at)
    elif sla_defined is False:
        handover.reset_automatically(key=SLA_DEFINED, reason=evidence, at=at)
    if owner:
        handover.meet_automatically(key=SERVICE_OWNER_NAMED, evidence=f"service owner: {owner}", at=at)


def apply_service_incident(handover: Handover, *, kind: str, incident_id: UUID, priority: str | None,
                           at: datetime) -> None:
    """An incident opened, resolved or breaching its SLA (`<clock>-breach`) during early-life support."""
    if kind == "opened":
        handover.record_incident_opened(incident_id=incident_id, priority=priority or "P4", opened_at=at)
    elif kind == "resolved":
        handover.record_incident_resolved(incident_id=incident_id, resolved_at=at)
    else:
        handover.record_sla_breach(incident_id=incident_id, kind=kind.removesuffix("-breach"), breached_at=at)
