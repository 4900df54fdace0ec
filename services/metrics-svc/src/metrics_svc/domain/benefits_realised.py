"""The value dimension of the success scorecard, benefits realised: the loop's verdict on the opportunity a project
came from, or — for a manual project — the KPI and target it declared at charter, judged the loop's way
(domain.benefits.judge_proportion at the same looks)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from metrics_svc.domain.benefits import BenefitsSettings, Verdict, judge_proportion
from metrics_svc.domain.detection import DAY, day_end
from metrics_svc.domain.facts import IncidentFact
from metrics_svc.domain.scorecard import (
    NOT_APPLICABLE,
    DeliveredService,
    Dimension,
    OpportunityVerdict,
    ProjectRecord,
    pending,
    settled,
)
from metrics_svc.domain.windows import Window, ratio_pct

# A manual project's declared KPI (at charter) and the loop's rule that measures it (domain.benefits.judge_proportion)
DECLARED_KPIS = {"sla_compliance_pct": "sla_breach_rate", "csat_pct": "csat_below_target",
                 "availability_pct": "availability_below_target"}
VERDICT_STATES = {"benefits_realized": "realized", "benefits_not_realized": "not_realized",
                  "benefits_inconclusive": "inconclusive"}


def value(project: ProjectRecord, services: Sequence[DeliveredService], verdict: OpportunityVerdict | None,
          as_of: datetime, benefits: BenefitsSettings) -> Dimension:
    """Benefits realised: the loop's verdict on the opportunity the project came from, or — for a manual project —
    the KPI and target it declared at charter, judged the loop's way (judge_proportion at the same looks)."""
    if project.opportunity_id is not None:
        return _opportunity_value(project, verdict)
    if project.benefit_kpi is None or project.benefit_target is None:
        return settled("value", NOT_APPLICABLE,
                       reason="a manual project that declared no benefit KPI and target at charter")
    return _declared_value(project, services, as_of, benefits)


def _opportunity_value(project: ProjectRecord, verdict: OpportunityVerdict | None) -> Dimension:
    traditional = {"opportunity_id": str(project.opportunity_id)}
    if verdict is None or verdict.state not in VERDICT_STATES:
        state = None if verdict is None else verdict.state
        if state in ("dismissed", "lapsed", "abandoned"):
            return settled("value", NOT_APPLICABLE, traditional=traditional,
                           reason=f"the opportunity was {state}: nothing is measured")
        return pending("value", "the loop has not judged the benefits yet", traditional=traditional)
    outcome = VERDICT_STATES[verdict.state]
    extended = {"outcome": outcome, "kpi": verdict.kpi, "measured": None if verdict.measured is None
                else str(verdict.measured), "baseline": None if verdict.baseline is None else str(verdict.baseline),
                "effect": verdict.effect}
    return settled("value", figure=verdict.measured, unit=verdict.kpi, traditional=traditional, extended=extended,
                   based_on=1)


def _declared_value(project: ProjectRecord, services: Sequence[DeliveredService], as_of: datetime,
                    benefits: BenefitsSettings) -> Dimension:
    kpi, target = project.benefit_kpi, project.benefit_target
    traditional = {"declared_kpi": kpi, "declared_target": str(target)}
    accepted = [s.handover.accepted_at for s in services if s.handover and s.handover.accepted_at]
    if not services or len(accepted) < len(services):
        return pending("value", "the delivered services' handovers have not all been accepted yet",
                       traditional=traditional)
    start = max(accepted)
    incidents = [i for s in services for i in s.incidents_after_acceptance]
    level = _level_before(kpi, services)
    found = measure_declared(kpi, target, level, start, as_of, incidents, benefits)
    window = Window(day_end(start), found[1] if found else min(as_of, day_end(start) + DAY * benefits.max_days))
    if found is None:
        return pending("value", f"the declared {kpi} is judged from {benefits.min_days} days after acceptance "
                                f"until a verdict (at most {benefits.max_days} days)", traditional=traditional,
                       window=window, based_on=len(incidents))
    verdict, _ = found
    extended = {"outcome": verdict.outcome, "kpi": kpi, "measured": str(verdict.measured), "target": str(target),
                "level_before": None if level is None else str(level), "effect": verdict.effect}
    return settled("value", figure=verdict.measured, unit=kpi, traditional=traditional, extended=extended,
                   window=window, based_on=len(incidents))


def _level_before(kpi: str, services: Sequence[DeliveredService]) -> Decimal | None:
    befores = [s.before for s in services if s.before is not None]
    if kpi == "sla_compliance_pct":
        return ratio_pct(sum(f.sla_met for f in befores), sum(f.sla_subject for f in befores))
    if kpi == "csat_pct":
        return ratio_pct(sum(f.csat_positive for f in befores), sum(f.csat_responses for f in befores))
    values = [f.availability.value for f in befores if f.availability and f.availability.value is not None]
    return min(values) if values else None


def measure_declared(kpi: str, target: Decimal, level_before: Decimal | None, accepted_at: datetime,
                     as_of: datetime, incidents: Sequence[IncidentFact], s: BenefitsSettings
                     ) -> tuple[Verdict, datetime] | None:
    """The first decisive look (domain.benefits.due) up to `as_of`: the loop's judge_proportion with the declared
    target, against the level before the project (the worst level where there was none: a new service)."""
    rule = DECLARED_KPIS[kpi]
    allowed = Decimal(100) - target if rule == "sla_breach_rate" else target
    if rule == "sla_breach_rate":
        observed = Decimal(100) - (level_before if level_before is not None else Decimal(0))
    else:
        observed = level_before if level_before is not None else Decimal(0)
    first = day_end(accepted_at)
    for days in _look_days(s):
        end = first + DAY * days
        if end > as_of:
            return None
        seen = [i for i in incidents if i.opened_at < end]
        verdict = judge_proportion(rule, observed, allowed, accepted_at, end, seen, s)
        if verdict is not None:
            return _shown(kpi, verdict), end
    return None


def _look_days(s: BenefitsSettings) -> list[int]:
    return sorted({*range(s.min_days, s.max_days, s.look_every_days), s.max_days})


def _shown(kpi: str, verdict: Verdict) -> Verdict:
    """judge_proportion shows a breach rate for SLA compliance: the declared KPI is compliance."""
    if kpi == "sla_compliance_pct" and verdict.effect.get("kpi") == "sla_breach_rate":
        return Verdict(verdict.outcome, Decimal(100) - verdict.measured, verdict.effect)
    return verdict
