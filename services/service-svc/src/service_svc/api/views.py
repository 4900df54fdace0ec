"""Response models of service-svc: one aggregate's state (with live SLA clocks), and list summaries."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from uuid import UUID

from pydantic import BaseModel, Field

from continuum.http.dates import UtcDateTime
from service_svc.domain.calendar import BUILT_IN
from service_svc.domain.change import Change
from service_svc.domain.incident import Incident
from service_svc.domain.problem import Problem
from service_svc.domain.service import Service
from service_svc.domain.service_request import ServiceRequest
from service_svc.domain.sla_clock import ClockFigures

ID = Field(examples=["7f1c2d4e-0000-4000-8000-000000000001"])


def calendar_label(calendar_id: UUID | None) -> str:
    return BUILT_IN if calendar_id is None else str(calendar_id)


class SlaTargetsView(BaseModel):
    response_minutes: int = Field(examples=[15], description="Business minutes of the calendar.")
    resolution_minutes: int = Field(examples=[240], description="Business minutes of the calendar.")
    calendar_id: str = Field(examples=["24x7"], description="A calendar's id, or `24x7` (the built-in).")


class SlaView(BaseModel):
    availability_target_pct: Decimal = Field(examples=["99.9"])
    targets: dict[str, SlaTargetsView]
    csat_target_pct: Decimal = Field(examples=["85"])


class ImprovementView(BaseModel):
    id: UUID = ID
    title: str = Field(examples=["Automate payslip distribution"])
    status: str = Field(examples=["planned"])
    project_id: UUID | None = Field(examples=[None])


class ServiceView(BaseModel):
    id: UUID = ID
    name: str = Field(examples=["Payroll"])
    description: str = Field(examples=["Monthly payroll runs"])
    owner: str | None = Field(examples=["alice"])
    stage: str = Field(examples=["operation"])
    demanded_by: str | None = Field(examples=["HR department"])
    expected_volume: str | None = Field(examples=["3,000 payslips a month"])
    sla: SlaView | None
    operating_cost_total: Decimal = Field(examples=["1250.00"])
    improvements: list[ImprovementView]
    version: int = Field(examples=[3])

    @classmethod
    def of(cls, service: Service) -> ServiceView:
        sla = None if service.sla is None else SlaView(
            availability_target_pct=service.sla.availability_target_pct, csat_target_pct=service.sla.csat_target_pct,
            targets={p: SlaTargetsView(response_minutes=t.response_minutes, resolution_minutes=t.resolution_minutes,
                                       calendar_id=calendar_label(t.calendar_id))
                     for p, t in service.sla.targets.items()})
        improvements = [ImprovementView(id=key, title=item.title, status=item.status, project_id=item.project_id)
                        for key, item in service.improvements.items()]
        return cls(id=service.id, name=service.name, description=service.description, owner=service.owner,
                   stage=service.stage, demanded_by=service.demanded_by, expected_volume=service.expected_volume,
                   sla=sla, operating_cost_total=service.operating_cost, improvements=improvements,
                   version=service.version)


class ServiceSummary(BaseModel):
    id: UUID = ID
    name: str = Field(examples=["Payroll"])
    owner: str | None = Field(examples=["alice"])
    stage: str = Field(examples=["operation"])
    sla_defined: bool = Field(examples=[True])


class ClockView(BaseModel):
    state: str = Field(examples=["running"], description="running | paused | stopped | not_started")
    target_minutes: int | None = Field(examples=[240], description="Business minutes of the incident's calendar.")
    elapsed_minutes: Decimal = Field(examples=["42.50"], description="Business minutes the clock ran.")
    paused_minutes: Decimal = Field(examples=["10.00"], description="Wall-clock minutes on hold.")
    remaining_minutes: Decimal | None = Field(examples=["197.50"], description="Business minutes left.")
    due_at: UtcDateTime | None = Field(examples=["2026-03-01T13:00:00Z"], description=(
        "The wall-clock deadline: from this instant the clock, still running, passes its business target "
        "(the next working moment when the target is used up at the end of working hours)."))
    breached: bool = Field(examples=[False])
    met: bool | None = Field(examples=[None], description="Known once the clock stopped.")
    within_calendar_hours: bool = Field(examples=[True], description=(
        "Whether that moment (now, or `as_of`) is business time of the calendar (always true on 24x7)."))

    @classmethod
    def of(cls, figures: ClockFigures) -> ClockView:
        return cls(**figures.__dict__)


class IncidentView(BaseModel):
    id: UUID = ID
    service_id: UUID = ID
    priority: str = Field(examples=["P2"])
    category: str = Field(examples=["network"])
    title: str = Field(examples=["Payslips not delivered"])
    description: str = Field(examples=["Mail relay refuses connections"])
    outage: bool = Field(examples=[False])
    status: str = Field(examples=["acknowledged"])
    assignee: str | None = Field(examples=["bob"])
    detected_at: UtcDateTime | None = Field(examples=["2026-03-01T08:55:00Z"])
    opened_at: UtcDateTime | None = Field(examples=["2026-03-01T09:00:00Z"])
    resolved_at: UtcDateTime | None = Field(examples=[None])
    resolution_code: str | None = Field(examples=[None])
    downtime_minutes: Decimal = Field(examples=["0"])
    response_breached: bool = Field(examples=[False])
    resolution_breached: bool = Field(examples=[False])
    response_sla_met: bool | None = Field(examples=[None])
    resolution_sla_met: bool | None = Field(examples=[None])
    csat_score: int | None = Field(examples=[None])
    calendar_id: str = Field(examples=["24x7"], description="The calendar its clocks count business time on.")
    clocks: dict[str, ClockView] = Field(description="The response and resolution SLA clocks, live.")
    version: int = Field(examples=[2])

    @classmethod
    def of(cls, incident: Incident, now: datetime) -> IncidentView:
        clocks = {name: ClockView.of(figures) for name, figures in incident.clocks(now).items()}
        return cls(id=incident.id, service_id=incident.service_id, priority=incident.priority,
                   category=incident.category, title=incident.title, description=incident.description,
                   outage=incident.outage, status=incident.status, assignee=incident.assignee,
                   detected_at=incident.detected_at, opened_at=incident.opened_at, resolved_at=incident.resolved_at,
                   resolution_code=incident.resolution_code, downtime_minutes=incident.outage_minutes,
                   response_breached=incident.response_breached, resolution_breached=incident.resolution_breached,
                   response_sla_met=incident.response_sla_met, resolution_sla_met=incident.resolution_sla_met,
                   csat_score=incident.csat, calendar_id=calendar_label(incident.calendar_id), clocks=clocks,
                   version=incident.version)


class IncidentSummary(BaseModel):
    id: UUID = ID
    service_id: UUID = ID
    priority: str = Field(examples=["P2"])
    category: str = Field(examples=["network"])
    title: str = Field(examples=["Payslips not delivered"])
    status: str = Field(examples=["open"])
    open: bool = Field(examples=[True])
    outage: bool = Field(examples=[False])
    assignee: str | None = Field(examples=[None])
    opened_at: UtcDateTime | None = Field(examples=["2026-03-01T09:00:00Z"])
    response_breached: bool = Field(examples=[False])
    resolution_breached: bool = Field(examples=[False])
    response_due_at: UtcDateTime | None = Field(examples=["2026-03-01T09:30:00Z"])
    resolution_due_at: UtcDateTime | None = Field(examples=["2026-03-01T17:00:00Z"])


class ProblemView(BaseModel):
    id: UUID = ID
    service_id: UUID = ID
    title: str = Field(examples=["Mail relay drops connections under load"])
    status: str = Field(examples=["known_error"])
    incident_ids: list[UUID]
    root_cause: str | None = Field(examples=["connection pool too small"])
    workaround: str | None = Field(examples=["restart the relay"])
    resolution: str | None = Field(examples=[None])
    version: int = Field(examples=[3])

    @classmethod
    def of(cls, problem: Problem) -> ProblemView:
        return cls(id=problem.id, service_id=problem.service_id, title=problem.title, status=problem.status,
                   incident_ids=problem.incident_ids, root_cause=problem.root_cause, workaround=problem.workaround,
                   resolution=problem.resolution, version=problem.version)


class ProblemSummary(BaseModel):
    id: UUID = ID
    service_id: UUID = ID
    title: str = Field(examples=["Mail relay drops connections under load"])
    status: str = Field(examples=["open"])
    incident_count: int = Field(examples=[3])
    known_error: bool = Field(examples=[False])


class ChangeView(BaseModel):
    id: UUID = ID
    service_id: UUID = ID
    kind: str = Field(examples=["normal"])
    title: str = Field(examples=["Resize the mail relay pool"])
    risk: str = Field(examples=["medium"])
    planned_start: UtcDateTime | None = Field(examples=["2026-03-10T20:00:00Z"])
    planned_end: UtcDateTime | None = Field(examples=["2026-03-10T22:00:00Z"])
    status: str = Field(examples=["approved"])
    decided_by: str | None = Field(examples=["alice"])
    rejection_reason: str | None = Field(examples=[None])
    outcome: str | None = Field(examples=[None])
    version: int = Field(examples=[2])

    @classmethod
    def of(cls, change: Change) -> ChangeView:
        return cls(id=change.id, service_id=change.service_id, kind=change.kind, title=change.title,
                   risk=change.risk, planned_start=change.planned_start, planned_end=change.planned_end,
                   status=change.status, decided_by=change.decided_by, rejection_reason=change.rejection_reason,
                   outcome=change.outcome, version=change.version)


class ChangeSummary(BaseModel):
    id: UUID = ID
    service_id: UUID = ID
    kind: str = Field(examples=["normal"])
    risk: str = Field(examples=["medium"])
    title: str = Field(examples=["Resize the mail relay pool"])
    status: str = Field(examples=["requested"])
    outcome: str | None = Field(examples=[None])


class ServiceRequestView(BaseModel):
    id: UUID = ID
    service_id: UUID = ID
    title: str = Field(examples=["New payroll account for Carol"])
    requested_by: str = Field(examples=["carol"])
    status: str = Field(examples=["fulfilled"])
    submitted_at: UtcDateTime | None = Field(examples=["2026-03-01T09:00:00Z"])
    fulfilled_at: UtcDateTime | None = Field(examples=["2026-03-01T11:30:00Z"])
    fulfilment_minutes: Decimal | None = Field(examples=["150.00"])
    cancel_reason: str | None = Field(examples=[None])
    version: int = Field(examples=[2])

    @classmethod
    def of(cls, request: ServiceRequest) -> ServiceRequestView:
        return cls(id=request.id, service_id=request.service_id, title=request.title,
                   requested_by=request.requested_by, status=request.status, submitted_at=request.submitted_at,
                   fulfilled_at=request.fulfilled_at, fulfilment_minutes=request.fulfilment_minutes,
                   cancel_reason=request.cancel_reason, version=request.version)


class ServiceRequestSummary(BaseModel):
    id: UUID = ID
    service_id: UUID = ID
    title: str = Field(examples=["New payroll account for Carol"])
    status: str = Field(examples=["submitted"])
    requested_by: str = Field(examples=["carol"])

