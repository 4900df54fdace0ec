"""The shapes of a project's success scorecard (domain.success defines it): the facts it is decided from, the six
dimensions it answers with, and the windows it reads them over."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from metrics_svc.domain.facts import HandoverFact, IncidentFact, SlaFact
from metrics_svc.domain.windows import Figure, Window

AFTER_DAYS = 30  # the window after early life (and, for a changed service, the same length before the acceptance)
HORIZON_DAYS = 365  # the total cost of ownership's horizon from the acceptance
KNOWN, NOT_YET_KNOWN, NOT_APPLICABLE = "known", "not_yet_known", "not_applicable"
DIMENSIONS = ("scope", "time", "cost", "quality", "stakeholders", "value")


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

def pending(name: str, reason: str, **known: Any) -> Dimension:
    """The dimension `name` not yet known: what it waits for, and what is known of it so far."""
    return Dimension(name, *MEASURES[name], state=NOT_YET_KNOWN, reason=reason, events=EVENTS[name], **known)


def settled(name: str, state: str = "known", **known: Any) -> Dimension:
    return Dimension(name, *MEASURES[name], state=state, events=EVENTS[name], **known)


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
