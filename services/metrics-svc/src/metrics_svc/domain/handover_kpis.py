"""Handover and loop KPIs (DESIGN §6): readiness, days in transition, early-life incidents, loop figures."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from metrics_svc.domain.facts import HandoverFact, IncidentFact
from metrics_svc.domain.windows import Figure, Window, ratio_pct


@dataclass(frozen=True)
class HandoverKpis:
    as_of: datetime
    readiness_score: Decimal | None
    days_in_transition: Decimal | None
    early_life_incidents: Figure
    early_life_incident_rate_per_week: Figure
    rejections: int


def early_life(handover: HandoverFact, as_of: datetime) -> Window | None:
    """The early-life-support period after acceptance, cut at `as_of`."""
    if handover.accepted_at is None or handover.accepted_at > as_of:
        return None
    end = handover.accepted_at + timedelta(days=handover.early_life_support_days or 0)
    return Window(handover.accepted_at, min(end, as_of))


def handover_kpis(handover: HandoverFact, incidents: Sequence[IncidentFact], as_of: datetime) -> HandoverKpis:
    accepted = handover.accepted_at is not None and handover.accepted_at <= as_of
    until = handover.accepted_at if accepted else as_of
    transition = Decimal((until - handover.opened_at).total_seconds()) / 86_400 if until >= handover.opened_at else None
    period = early_life(handover, as_of)
    count = 0 if period is None else sum(1 for i in incidents if period.holds(i.opened_at))
    weeks = None if period is None else period.days / 7
    rate = None if not weeks else Decimal(count) / weeks
    return HandoverKpis(
        as_of=as_of, readiness_score=handover.readiness_score if accepted else None,
        days_in_transition=transition,
        early_life_incidents=Figure(None if period is None else Decimal(count), count),
        early_life_incident_rate_per_week=Figure(rate, count), rejections=handover.rejections,
    )


@dataclass(frozen=True)
class LoopKpis:
    opportunities_detected: int
    converted_to_projects: int
    benefits_measured: int
    benefits_realized: int
    benefits_realized_pct: Decimal | None


def loop_kpis(states: Sequence[str]) -> LoopKpis:
    """The improvement loop's own figures, from the opportunities' states (each once detected)."""
    converted = {"converted", "abandoned", "measuring", "benefits_realized", "benefits_not_realized"}
    realized = sum(1 for s in states if s == "benefits_realized")
    measured = realized + sum(1 for s in states if s == "benefits_not_realized")
    return LoopKpis(
        opportunities_detected=len(states), converted_to_projects=sum(1 for s in states if s in converted),
        benefits_measured=measured, benefits_realized=realized, benefits_realized_pct=ratio_pct(realized, measured),
    )
