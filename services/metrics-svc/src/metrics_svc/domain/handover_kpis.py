"""Handover and loop KPIs (DESIGN §6): readiness, days in transition, early-life incidents, loop figures."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal

from continuum.domain import incidents_per_week

from metrics_svc.domain.facts import CriterionFact, HandoverFact, IncidentFact
from metrics_svc.domain.service_kpis import usable_incidents
from metrics_svc.domain.windows import (
    Figure,
    Problem,
    Window,
    computed,
    ratio_pct,
    unusable_fact,
    usable_amount,
    usable_moment,
)


@dataclass(frozen=True)
class HandoverKpis:
    as_of: datetime
    accepted: bool
    readiness_score: Decimal | None
    days_in_transition: Decimal | None
    early_life_incidents: Figure
    early_life_incident_rate_per_week: Figure
    rejections: int
    problems: tuple[Problem, ...] = ()


def early_life(handover: HandoverFact, as_of: datetime) -> Window | None:
    """The early-life-support period after acceptance (agreed days plus extensions), cut at `as_of`. Its incident
    rate is over the whole period's days, as handover-svc's exit criterion judges it (one definition:
    `continuum.domain.incidents_per_week`)."""
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


def usable_criteria(criteria: Sequence[CriterionFact], problems: list[Problem], *, of: str) -> list[CriterionFact]:
    bad = [(c, name, getattr(c, name)) for c in criteria for name in ("added_at", "settled_at")
           if not usable_moment(getattr(c, name))]
    problems.extend(unusable_fact(f"{of} criterion {c.key}", name, value) for c, name, value in bad)
    return [c for c in criteria if all(c is not left_out for left_out, _, _ in bad)]


def _unusable_moments(handover: HandoverFact, problems: list[Problem]) -> bool:
    """Names the handover's own moments no figure may use; True when its transition cannot be timed."""
    bad = [(name, getattr(handover, name)) for name in ("opened_at", "accepted_at")
           if not usable_moment(getattr(handover, name))]
    problems.extend(unusable_fact(f"handover {handover.handover_id}", *field) for field in bad)
    return bool(bad)


def days_in_transition(handover: HandoverFact, accepted: bool, as_of: datetime) -> Decimal | None:
    until = handover.accepted_at if accepted else as_of
    return Decimal((until - handover.opened_at).total_seconds()) / 86_400 if until >= handover.opened_at else None


def handover_kpis(handover: HandoverFact, incidents: Sequence[IncidentFact], as_of: datetime) -> HandoverKpis:
    """The handover's figures, each on its own: a moment outside the business calendar nulls the figures it times."""
    problems: list[Problem] = []
    untimed = _unusable_moments(handover, problems)
    incidents = usable_incidents(incidents, problems)
    criteria = usable_criteria(handover.criteria, problems, of=f"handover {handover.handover_id}")
    accepted = handover.accepted_at is not None and handover.accepted_at <= as_of
    period = None if untimed else computed("early_life_incidents", lambda: early_life(handover, as_of), problems, None)
    count = 0 if period is None else sum(1 for i in incidents if period.holds(i.opened_at))
    days = handover.early_life_support_days or 0
    rate = None if period is None else computed("early_life_incident_rate_per_week",
                                                lambda: incidents_per_week(count, days), problems, None)
    score = handover.readiness_score
    if not usable_amount(score):
        problems.append(unusable_fact(f"handover {handover.handover_id}", "readiness_score", score))
        score = None
    return HandoverKpis(
        as_of=as_of, accepted=accepted,
        readiness_score=score if accepted else computed(
            "readiness_score", lambda: readiness_in_transition(criteria, as_of), problems, None),
        days_in_transition=None if untimed else computed(
            "days_in_transition", lambda: days_in_transition(handover, accepted, as_of), problems, None),
        early_life_incidents=Figure(None if period is None else Decimal(count), count),
        early_life_incident_rate_per_week=Figure(rate, count), rejections=handover.rejections,
        problems=tuple(problems),
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
