"""A project's success scorecard, the Expanded View (docs/project-success.md): six dimensions, each its traditional
measure beside its extended one, with the window and the events it rests on, and "not yet known" until it can be.

Pure: the facts come in (what project-svc decided at close, the handovers of the delivered services, the sums of
their incident KPIs over the windows `periods` names, costs, the loop's verdict), the scorecard comes out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from metrics_svc.domain.benefits import BenefitsSettings, Verdict, judge_proportion
from metrics_svc.domain.detection import DAY, day_end
from metrics_svc.domain.facts import HandoverFact, IncidentFact, SlaFact
from metrics_svc.domain.windows import Figure, Window, ratio_pct

AFTER_DAYS = 30  # the window after early life (and, for a changed service, the same length before the acceptance)
HORIZON_DAYS = 365  # the total cost of ownership's horizon from the acceptance
KNOWN, NOT_YET_KNOWN, NOT_APPLICABLE = "known", "not_yet_known", "not_applicable"
DIMENSIONS = ("scope", "time", "cost", "quality", "stakeholders", "value")
# A manual project's declared KPI (at charter) and the loop's rule that measures it (domain.benefits.judge_proportion)
DECLARED_KPIS = {"sla_compliance_pct": "sla_breach_rate", "csat_pct": "csat_below_target",
                 "availability_pct": "availability_below_target"}
VERDICT_STATES = {"benefits_realized": "realized", "benefits_not_realized": "not_realized",
                  "benefits_inconclusive": "inconclusive"}


@dataclass(frozen=True)
class TripleConstraint:
    """project-svc's ProjectSuccessEvaluated at close."""

    scope_delivered: bool
    on_time: bool
    within_budget: bool
    milestones_planned: int
    milestones_completed: int
    milestones_descoped: int
    planned_end: date
    actual_end: date
    schedule_slip_days: int
    budget_at_completion: Decimal
    actual_cost: Decimal
    evaluated_at: datetime


@dataclass(frozen=True)
class ChangeRequestFact:
    change_request_id: UUID
    raised_at: datetime
    scope_delta: str
    schedule_delta_days: int
    budget_delta: Decimal
    decision: str | None = None  # approved | rejected (None while pending)


@dataclass(frozen=True)
class ProjectRecord:
    """What the scorecard knows of the project itself."""

    project_id: UUID
    origin: str
    opportunity_id: UUID | None
    target_service_ids: tuple[UUID, ...]
    sponsor: str | None = None
    project_manager: str | None = None
    closing_at: datetime | None = None
    accepted_by: str | None = None  # the sponsor's formal acceptance (ProjectAccepted)
    success: TripleConstraint | None = None
    change_requests: tuple[ChangeRequestFact, ...] = ()
    benefit_kpi: str | None = None
    benefit_target: Decimal | None = None
    project_cost: Decimal = Decimal(0)
    cost_entries: int = 0


@dataclass(frozen=True)
class Periods:
    """The windows of one delivered service (whole, not cut at as_of); `before` only for a changed service."""

    during: Window | None
    after: Window | None
    before: Window | None
    horizon: Window | None


@dataclass(frozen=True)
class WindowFigures:
    """The incident sums and service requests of one service over one window (cut at as_of)."""

    window: Window
    incidents: int = 0
    sla_subject: int = 0
    sla_met: int = 0
    csat_responses: int = 0
    csat_positive: int = 0
    availability: Figure | None = None
    service_requests: int = 0


@dataclass(frozen=True)
class DeliveredService:
    service_id: UUID
    handover: HandoverFact | None
    changed: bool  # in operation before this project's handover: its figures are compared with before
    sla: SlaFact | None = None
    before: WindowFigures | None = None
    during: WindowFigures | None = None
    after: WindowFigures | None = None
    operating_cost: Decimal = Decimal(0)  # within the horizon, up to as_of
    operating_cost_entries: int = 0
    incidents_after_acceptance: tuple[IncidentFact, ...] = ()  # for a declared KPI, over the benefits period


@dataclass(frozen=True)
class OpportunityVerdict:
    """The loop's verdict on the opportunity the project came from (its summary)."""

    state: str
    kpi: str | None = None
    measured: Decimal | None = None
    baseline: Decimal | None = None
    effect: dict[str, Any] | None = None


@dataclass(frozen=True)
class Dimension:
    name: str
    traditional_measure: str
    extended_measure: str
    state: str
    figure: Decimal | None = None
    unit: str | None = None
    traditional: dict[str, Any] = field(default_factory=dict)
    extended: dict[str, Any] = field(default_factory=dict)
    window: Window | None = None
    events: tuple[str, ...] = ()
    based_on: int = 0
    reason: str | None = None

    @property
    def settled(self) -> bool:
        return self.state != NOT_YET_KNOWN


@dataclass(frozen=True)
class Scorecard:
    project_id: UUID
    as_of: datetime
    horizon_days: int
    dimensions: tuple[Dimension, ...]

    @property
    def complete(self) -> bool:
        """Every dimension known (or not applicable): when ProjectOutcomeEvaluated is published."""
        return all(d.settled for d in self.dimensions)


def periods(handover: HandoverFact | None, *, changed: bool, horizon_days: int = HORIZON_DAYS) -> Periods:
    """Early life as it ran, the AFTER_DAYS after it, the same length before the acceptance, and the TCO horizon."""
    if handover is None or handover.accepted_at is None:
        return Periods(None, None, None, None)
    accepted, completed = handover.accepted_at, handover.completed_at
    before = Window(accepted - timedelta(days=AFTER_DAYS), accepted) if changed else None
    horizon = Window(accepted, accepted + timedelta(days=horizon_days))
    if completed is None:
        return Periods(None, None, before, horizon)
    return Periods(Window(accepted, completed), Window(completed, completed + timedelta(days=AFTER_DAYS)), before,
                   horizon)


def cut(window: Window | None, as_of: datetime) -> Window | None:
    """The part of `window` business time has reached (None before it starts)."""
    if window is None or window.start >= as_of:
        return None
    return Window(window.start, min(window.end, as_of))


def scorecard(project: ProjectRecord, services: Sequence[DeliveredService], verdict: OpportunityVerdict | None,
              *, as_of: datetime, horizon_days: int = HORIZON_DAYS,
              benefits: BenefitsSettings | None = None) -> Scorecard:
    dimensions = (scope(project, services), time(project, services), cost(project, services, as_of, horizon_days),
                  quality(project, services, as_of), stakeholders(project, services, as_of),
                  value(project, services, verdict, as_of, benefits or BenefitsSettings()))
    return Scorecard(project.project_id, as_of, horizon_days, dimensions)


def _pending(name: str, reason: str, **known: Any) -> Dimension:
    return Dimension(name, *MEASURES[name], state=NOT_YET_KNOWN, reason=reason, events=EVENTS[name], **known)


def _moment(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _days(start: datetime | None, end: datetime | None) -> Decimal | None:
    if start is None or end is None:
        return None
    return (Decimal((end - start).total_seconds()) / 86_400).quantize(Decimal("0.01"))


def _no_services(name: str, project: ProjectRecord) -> Dimension | None:
    if project.target_service_ids:
        return None
    return Dimension(name, *MEASURES[name], state=NOT_APPLICABLE, events=EVENTS[name],
                     reason="the project delivers no service (no target service ids)")


def _handovers(services: Sequence[DeliveredService]) -> list[HandoverFact | None]:
    return [s.handover for s in services]


def _triple(success: TripleConstraint) -> dict[str, Any]:
    return {"scope_delivered": success.scope_delivered, "on_time": success.on_time,
            "within_budget": success.within_budget}


def scope(project: ProjectRecord, services: Sequence[DeliveredService]) -> Dimension:
    """Scope delivered (milestones completed of those planned), and fit for purpose: every delivered service's
    handover accepted by its owner (rejections before it), with the change requests that moved the scope."""
    requests = project.change_requests
    moved = {"change_requests_raised": len(requests),
             "change_requests_approved": sum(1 for r in requests if r.decision == "approved"),
             "change_requests_rejected": sum(1 for r in requests if r.decision == "rejected"),
             "approved_scope_changes": [r.scope_delta for r in requests if r.decision == "approved" and r.scope_delta],
             "approved_schedule_delta_days": sum(r.schedule_delta_days for r in requests if r.decision == "approved"),
             "approved_budget_delta": str(sum((r.budget_delta for r in requests if r.decision == "approved"),
                                              Decimal(0)))}
    if project.success is None:
        return _pending("scope", "the project has not closed yet (ProjectSuccessEvaluated)", extended=moved,
                        based_on=len(requests))
    s = project.success
    traditional = _triple(s) | {"milestones_planned": s.milestones_planned,
                                "milestones_completed": s.milestones_completed,
                                "milestones_descoped": s.milestones_descoped}
    figure = ratio_pct(s.milestones_completed, s.milestones_planned)
    handovers = _handovers(services)
    accepted = [h for h in handovers if h is not None and h.accepted_at is not None]
    extended = moved | {"services_delivered": len(services), "handovers_accepted": len(accepted),
                        "handover_rejections": sum(h.rejections for h in handovers if h is not None),
                        "fit_for_purpose": bool(services) and len(accepted) == len(services)}
    known = {"figure": figure, "unit": "pct_milestones_completed", "traditional": traditional, "extended": extended,
                 "based_on": len(requests) + s.milestones_planned + len(accepted)}
    if len(accepted) < len(services):
        return _pending("scope", "not every delivered service's handover has been accepted yet", **known)
    return Dimension("scope", *MEASURES["scope"], state=KNOWN, events=EVENTS["scope"], **known)


def time(project: ProjectRecord, services: Sequence[DeliveredService]) -> Dimension:
    """On time (closed by the baselined end), and speed to value: closing → every handover accepted → every early
    life support completed, in days."""
    handovers = [h for h in _handovers(services) if h is not None]
    accepted = [h.accepted_at for h in handovers if h.accepted_at is not None]
    completed = [h.completed_at for h in handovers if h.completed_at is not None]
    all_accepted = max(accepted) if accepted and len(accepted) == len(services) else None
    all_completed = max(completed) if completed and len(completed) == len(services) else None
    extended = {"closing_started_at": _moment(project.closing_at), "handovers_accepted_at": _moment(all_accepted),
                "early_life_completed_at": _moment(all_completed),
                "closing_to_acceptance_days": _days(project.closing_at, all_accepted),
                "acceptance_to_early_life_completed_days": _days(all_accepted, all_completed),
                "closing_to_value_days": _days(project.closing_at, all_completed)}
    traditional = {} if project.success is None else {
        "on_time": project.success.on_time, "schedule_slip_days": project.success.schedule_slip_days,
        "planned_end": project.success.planned_end.isoformat(), "actual_end": project.success.actual_end.isoformat()}
    window = Window(project.closing_at, all_completed) if project.closing_at and all_completed else None
    known = {"figure": extended["closing_to_value_days"], "unit": "days", "traditional": traditional, "extended": extended,
                 "window": window, "based_on": len(accepted) + len(completed) + (project.success is not None)}
    if project.success is None or project.closing_at is None:
        return _pending("time", "the project has not closed yet (ProjectSuccessEvaluated)", **known)
    if all_completed is None and services:
        return _pending("time", "early life support has not completed for every delivered service", **known)
    return Dimension("time", *MEASURES["time"], state=KNOWN, events=EVENTS["time"], **known)


def cost(project: ProjectRecord, services: Sequence[DeliveredService], as_of: datetime, horizon_days: int
         ) -> Dimension:
    """Within budget (actual cost against BAC), and the total cost of ownership over the horizon: the project's
    actual costs plus the delivered services' operating costs from each acceptance for `horizon_days`."""
    operating = sum((s.operating_cost for s in services), Decimal(0))
    tco = project.project_cost + operating
    horizons = [periods(s.handover, changed=s.changed, horizon_days=horizon_days).horizon for s in services]
    ends = [h.end for h in horizons if h is not None]
    window = Window(min(h.start for h in horizons if h), max(ends)) if ends else None
    extended = {"horizon_days": horizon_days, "project_cost": str(project.project_cost),
                "operating_cost": str(operating), "tco": str(tco), "horizon_ends_at": _moment(max(ends, default=None))}
    traditional = {} if project.success is None else {
        "within_budget": project.success.within_budget, "budget_at_completion": str(project.success.budget_at_completion),
        "actual_cost": str(project.success.actual_cost)}
    known = {"figure": tco, "unit": "currency", "traditional": traditional, "extended": extended, "window": window,
                 "based_on": project.cost_entries + sum(s.operating_cost_entries for s in services)}
    if project.success is None:
        return _pending("cost", "the project has not closed yet (its costs are not final)", **known)
    if len(ends) < len(services):
        return _pending("cost", "not every delivered service's handover has been accepted yet", **known)
    if ends and as_of < max(ends):
        return _pending("cost", f"the {horizon_days}-day horizon ends at {max(ends).isoformat()} (so far: "
                                f"{tco})", **known)
    return Dimension("cost", *MEASURES["cost"], state=KNOWN, events=EVENTS["cost"], **known)


def _figures(f: WindowFigures | None) -> dict[str, Any] | None:
    if f is None:
        return None
    days = f.window.days
    return {"start": f.window.start.isoformat(), "end": f.window.end.isoformat(), "incidents": f.incidents,
            "incident_rate_per_week": None if not days else (Decimal(f.incidents) * 7 / days).quantize(Decimal("0.01")),
            "sla_compliance_pct": _pct(f.sla_met, f.sla_subject), "sla_subject": f.sla_subject,
            "availability_pct": None if f.availability is None or f.availability.value is None
            else f.availability.value.quantize(Decimal("0.001"))}


def _pct(part: int, whole: int) -> Decimal | None:
    value = ratio_pct(part, whole)
    return None if value is None else value.quantize(Decimal("0.01"))


def _reliability_window(services: Sequence[DeliveredService]) -> tuple[Window | None, bool]:
    """The span from the first acceptance to the last after-window's end, and whether every after-window is known."""
    spans = [periods(s.handover, changed=s.changed) for s in services]
    if not spans or any(p.after is None for p in spans):
        return None, False
    return Window(min(p.during.start for p in spans), max(p.after.end for p in spans)), True


def quality(project: ProjectRecord, services: Sequence[DeliveredService], as_of: datetime) -> Dimension:
    """Early-life incidents, and operational reliability during and after early life — incident rate, SLA
    compliance and availability against the service's SLA — beside the same before the acceptance for a service
    that was already in operation."""
    if (missing := _no_services("quality", project)) is not None:
        return missing
    per_service = [{"service_id": str(s.service_id), "changed_service": s.changed,
                    "availability_target_pct": None if s.sla is None else str(s.sla.availability_target_pct),
                    "before": _figures(s.before), "during_early_life": _figures(s.during),
                    "after_early_life": _figures(s.after)} for s in services]
    early = sum(s.during.incidents for s in services if s.during)
    traditional = {"early_life_incidents": early}
    subject = sum(f.sla_subject for s in services for f in (s.during, s.after) if f)
    met = sum(f.sla_met for s in services for f in (s.during, s.after) if f)
    window, complete = _reliability_window(services)
    known = {"figure": _pct(met, subject), "unit": "pct_sla_compliance", "traditional": traditional,
                 "extended": {"services": per_service}, "window": window,
                 "based_on": sum(f.incidents for s in services for f in (s.before, s.during, s.after) if f)}
    if not complete:
        return _pending("quality", "early life support has not completed for every delivered service", **known)
    if as_of < window.end:
        return _pending("quality", f"the {AFTER_DAYS} days after early life end at {window.end.isoformat()}", **known)
    return Dimension("quality", *MEASURES["quality"], state=KNOWN, events=EVENTS["quality"], **known)


def _growth(after: int, before: int) -> Decimal | None:
    value = ratio_pct(after - before, before)
    return None if value is None else value.quantize(Decimal("0.01"))


def stakeholders(project: ProjectRecord, services: Sequence[DeliveredService], as_of: datetime) -> Dimension:
    """The sponsor's acceptance, and adoption and satisfaction: CSAT during and after early life against the
    service's CSAT target, and service-request growth after early life against the same days before acceptance
    (before the handover for a new service: none) where requests are recorded."""
    if (missing := _no_services("stakeholders", project)) is not None:
        return missing
    responses = sum(f.csat_responses for s in services for f in (s.during, s.after) if f)
    positive = sum(f.csat_positive for s in services for f in (s.during, s.after) if f)
    requests_after = sum(s.after.service_requests for s in services if s.after)
    requests_before = sum(s.before.service_requests for s in services if s.before)
    targets = sorted({str(s.sla.csat_target_pct) for s in services if s.sla is not None})
    extended = {"csat_pct": _pct(positive, responses), "csat_responses": responses, "csat_target_pct": targets,
                "service_requests_after": requests_after, "service_requests_before": requests_before,
                "service_request_growth_pct": _growth(requests_after, requests_before)}
    if not requests_after and not requests_before:
        extended["service_requests"] = "none recorded"
    window, complete = _reliability_window(services)
    known = {"figure": extended["csat_pct"], "unit": "pct_csat", "extended": extended, "window": window,
                 "traditional": {"accepted_by_sponsor": project.accepted_by is not None, "accepted_by": project.accepted_by},
                 "based_on": responses + requests_after + requests_before}
    if not complete:
        return _pending("stakeholders", "early life support has not completed for every delivered service", **known)
    if as_of < window.end:
        return _pending("stakeholders", f"the {AFTER_DAYS} days after early life end at {window.end.isoformat()}",
                        **known)
    return Dimension("stakeholders", *MEASURES["stakeholders"], state=KNOWN, events=EVENTS["stakeholders"], **known)


def value(project: ProjectRecord, services: Sequence[DeliveredService], verdict: OpportunityVerdict | None,
          as_of: datetime, benefits: BenefitsSettings) -> Dimension:
    """Benefits realised: the loop's verdict on the opportunity the project came from, or — for a manual project —
    the KPI and target it declared at charter, judged the loop's way (judge_proportion at the same looks)."""
    if project.opportunity_id is not None:
        return _opportunity_value(project, verdict)
    if project.benefit_kpi is None or project.benefit_target is None:
        return Dimension("value", *MEASURES["value"], state=NOT_APPLICABLE, events=EVENTS["value"],
                         reason="a manual project that declared no benefit KPI and target at charter")
    return _declared_value(project, services, as_of, benefits)


def _opportunity_value(project: ProjectRecord, verdict: OpportunityVerdict | None) -> Dimension:
    traditional = {"opportunity_id": str(project.opportunity_id)}
    if verdict is None or verdict.state not in VERDICT_STATES:
        state = None if verdict is None else verdict.state
        if state in ("dismissed", "lapsed", "abandoned"):
            return Dimension("value", *MEASURES["value"], state=NOT_APPLICABLE, events=EVENTS["value"],
                             traditional=traditional, reason=f"the opportunity was {state}: nothing is measured")
        return _pending("value", "the loop has not judged the benefits yet", traditional=traditional)
    outcome = VERDICT_STATES[verdict.state]
    extended = {"outcome": outcome, "kpi": verdict.kpi, "measured": None if verdict.measured is None
                else str(verdict.measured), "baseline": None if verdict.baseline is None else str(verdict.baseline),
                "effect": verdict.effect}
    return Dimension("value", *MEASURES["value"], state=KNOWN, figure=verdict.measured, unit=verdict.kpi,
                     traditional=traditional, extended=extended, events=EVENTS["value"], based_on=1)


def _declared_value(project: ProjectRecord, services: Sequence[DeliveredService], as_of: datetime,
                    benefits: BenefitsSettings) -> Dimension:
    kpi, target = project.benefit_kpi, project.benefit_target
    traditional = {"declared_kpi": kpi, "declared_target": str(target)}
    accepted = [s.handover.accepted_at for s in services if s.handover and s.handover.accepted_at]
    if not services or len(accepted) < len(services):
        return _pending("value", "the delivered services' handovers have not all been accepted yet",
                        traditional=traditional)
    start = max(accepted)
    incidents = [i for s in services for i in s.incidents_after_acceptance]
    level = _level_before(kpi, services)
    found = measure_declared(kpi, target, level, start, as_of, incidents, benefits)
    window = Window(day_end(start), found[1] if found else min(as_of, day_end(start) + DAY * benefits.max_days))
    if found is None:
        return _pending("value", f"the declared {kpi} is judged from {benefits.min_days} days after acceptance "
                                 f"until a verdict (at most {benefits.max_days} days)", traditional=traditional,
                        window=window, based_on=len(incidents))
    verdict, _ = found
    extended = {"outcome": verdict.outcome, "kpi": kpi, "measured": str(verdict.measured), "target": str(target),
                "level_before": None if level is None else str(level), "effect": verdict.effect}
    return Dimension("value", *MEASURES["value"], state=KNOWN, figure=verdict.measured, unit=kpi,
                     traditional=traditional, extended=extended, window=window, events=EVENTS["value"],
                     based_on=len(incidents))


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


MEASURES: dict[str, tuple[str, str]] = {
    "scope": ("scope delivered", "fit for purpose"),
    "time": ("on time", "speed to value"),
    "cost": ("within budget", "total cost of ownership"),
    "quality": ("early-life incidents", "operational reliability"),
    "stakeholders": ("sponsor acceptance", "adoption and satisfaction"),
    "value": ("declared benefit", "benefits realised"),
}
EVENTS: dict[str, tuple[str, ...]] = {
    "scope": ("ProjectSuccessEvaluated", "ChangeRequestRaised", "ChangeRequestApproved", "ChangeRequestRejected",
              "HandoverAccepted", "HandoverRejected"),
    "time": ("ProjectClosingStarted", "ProjectSuccessEvaluated", "HandoverAccepted", "HandoverCompleted"),
    "cost": ("ProjectSuccessEvaluated", "ActualCostRecorded", "OperatingCostRecorded", "HandoverAccepted"),
    "quality": ("HandoverAccepted", "HandoverCompleted", "IncidentOpened", "IncidentResolved",
                "IncidentResponseSlaBreached", "IncidentResolutionSlaBreached", "SlaDefined"),
    "stakeholders": ("ProjectAccepted", "IncidentCsatRated", "ServiceRequestSubmitted", "HandoverCompleted"),
    "value": ("CharterApproved", "BenefitsRealized", "BenefitsNotRealized", "BenefitsInconclusive",
              "HandoverAccepted", "IncidentResolved", "IncidentCsatRated"),
}
