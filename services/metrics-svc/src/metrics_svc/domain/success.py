"""A project's success scorecard, the Expanded View (docs/project-success.md): six dimensions, each its traditional
measure beside its extended one, with the window and the events it rests on, and "not yet known" until it can be.

Pure: the facts come in (what project-svc decided at close, the handovers of the delivered services, the sums of
their incident KPIs over the windows `periods` names, costs, the loop's verdict), the scorecard comes out. The
shapes are in domain.scorecard, the value dimension in domain.benefits_realised.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from metrics_svc.domain.benefits import BenefitsSettings
from metrics_svc.domain.benefits_realised import value
from metrics_svc.domain.facts import HandoverFact
from metrics_svc.domain.scorecard import (
    AFTER_DAYS,
    HORIZON_DAYS,
    NOT_APPLICABLE,
    DeliveredService,
    Dimension,
    OpportunityVerdict,
    ProjectRecord,
    Scorecard,
    TripleConstraint,
    WindowFigures,
    pending,
    periods,
    settled,
)
from metrics_svc.domain.windows import Window, ratio_pct

def scorecard(project: ProjectRecord, services: Sequence[DeliveredService], verdict: OpportunityVerdict | None,
              *, as_of: datetime, horizon_days: int = HORIZON_DAYS,
              benefits: BenefitsSettings | None = None) -> Scorecard:
    dimensions = (scope(project, services), time(project, services), cost(project, services, as_of, horizon_days),
                  quality(project, services, as_of), stakeholders(project, services, as_of),
                  value(project, services, verdict, as_of, benefits or BenefitsSettings()))
    return Scorecard(project.project_id, as_of, horizon_days, dimensions)

def _moment(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _days(start: datetime | None, end: datetime | None) -> Decimal | None:
    if start is None or end is None:
        return None
    return (Decimal((end - start).total_seconds()) / 86_400).quantize(Decimal("0.01"))


def _no_services(name: str, project: ProjectRecord) -> Dimension | None:
    if project.target_service_ids:
        return None
    return settled(name, NOT_APPLICABLE, reason="the project delivers no service (no target service ids)")


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
        return pending("scope", "the project has not closed yet (ProjectSuccessEvaluated)", extended=moved,
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
        return pending("scope", "not every delivered service's handover has been accepted yet", **known)
    return settled("scope", **known)


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
    known = {"figure": extended["closing_to_value_days"], "unit": "days", "traditional": traditional,
             "extended": extended,
                 "window": window, "based_on": len(accepted) + len(completed) + (project.success is not None)}
    if project.success is None or project.closing_at is None:
        return pending("time", "the project has not closed yet (ProjectSuccessEvaluated)", **known)
    if all_completed is None and services:
        return pending("time", "early life support has not completed for every delivered service", **known)
    return settled("time", **known)


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
        "within_budget": project.success.within_budget,
        "budget_at_completion": str(project.success.budget_at_completion),
        "actual_cost": str(project.success.actual_cost)}
    known = {"figure": tco, "unit": "currency", "traditional": traditional, "extended": extended, "window": window,
                 "based_on": project.cost_entries + sum(s.operating_cost_entries for s in services)}
    if project.success is None:
        return pending("cost", "the project has not closed yet (its costs are not final)", **known)
    if len(ends) < len(services):
        return pending("cost", "not every delivered service's handover has been accepted yet", **known)
    if ends and as_of < max(ends):
        return pending("cost", f"the {horizon_days}-day horizon ends at {max(ends).isoformat()} (so far: "
                               f"{tco})", **known)
    return settled("cost", **known)


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
        return pending("quality", "early life support has not completed for every delivered service", **known)
    if as_of < window.end:
        return pending("quality", f"the {AFTER_DAYS} days after early life end at {window.end.isoformat()}", **known)
    return settled("quality", **known)


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
                 "traditional": {"accepted_by_sponsor": project.accepted_by is not None,
                                 "accepted_by": project.accepted_by},
                 "based_on": responses + requests_after + requests_before}
    if not complete:
        return pending("stakeholders", "early life support has not completed for every delivered service", **known)
    if as_of < window.end:
        return pending("stakeholders", f"the {AFTER_DAYS} days after early life end at {window.end.isoformat()}",
                       **known)
    return settled("stakeholders", **known)
