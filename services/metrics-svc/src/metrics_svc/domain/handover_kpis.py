"""Handover and loop KPIs (DESIGN §6): readiness, days in transition, early-life incidents, loop figures."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal

from metrics_svc.domain.facts import CriterionFact, HandoverFact, IncidentFact
from metrics_svc.domain.windows import Figure, Window, ratio_pct


@dataclass(frozen=True)
class HandoverKpis:
    as_of: datetime
    accepted: bool
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


def readiness_in_transition(criteria: Sequence[CriterionFact], as_of: datetime) -> Decimal | None:
    """DESIGN's readiness score, the share of criteria met or waived, as of `as_of` (4 places, half-even, as
    handover-svc rounds it); None while no criterion is known here yet."""
    known = [c for c in criteria if c.added_at <= as_of]
    if not known:
        return None
    settled = sum(1 for c in known if c.settled_at is not None and c.settled_at <= as_of)
    return (Decimal(settled) / len(known)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_EVEN)


def handover_kpis(handover: HandoverFact, incidents: Sequence[IncidentFact], as_of: datetime) -> HandoverKpis:
    accepted = handover.accepted_at is not None and handover.accepted_at <= as_of
    until = handover.accepted_at if accepted else as_of
    transition = Decimal((until - handover.opened_at).total_seconds()) / 86_400 if until >= handover.opened_at else None
    period = early_life(handover, as_of)
    count = 0 if period is None else sum(1 for i in incidents if period.holds(i.opened_at))
    weeks = None if period is None else period.days / 7
    rate = None if not weeks else Decimal(count) / weeks
    return HandoverKpis(
        as_of=as_of, accepted=accepted,
        readiness_score=handover.readiness_score if accepted else readiness_in_transition(handover.criteria, as_of),
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
