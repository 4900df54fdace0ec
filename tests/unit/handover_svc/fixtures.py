"""Builders for handovers in a given state (pure domain, no I/O)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from uuid import uuid4

from handover_svc.domain.criteria import DEFAULT_CRITERIA, EARLY_LIFE_SUPPORT_AGREED
from handover_svc.domain.handover import Handover

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def opened(at: datetime = T0) -> Handover:
    return Handover.open(handover_id=uuid4(), service_id=uuid4(), project_id=uuid4(), at=at)


def ready(*, days: int = 28, max_per_week: str | None = None, at: datetime = T0) -> Handover:
    """Every default criterion met; early life support agreed for `days`."""
    handover = opened(at)
    for key, _ in DEFAULT_CRITERIA:
        if key == EARLY_LIFE_SUPPORT_AGREED:
            handover.meet(key=key, evidence="agreed in the steering meeting", by="pm", at=at,
                          early_life_support_days=days,
                          max_incidents_per_week=Decimal(max_per_week) if max_per_week else None)
        else:
            handover.meet(key=key, evidence=f"https://wiki/{key}", by="pm", at=at)
    return handover


def accepted(*, days: int = 28, max_per_week: str | None = None) -> Handover:
    handover = ready(days=days, max_per_week=max_per_week)
    handover.accept(by="owner", service_stage="transition", at=T0 + timedelta(hours=1))
    return handover
