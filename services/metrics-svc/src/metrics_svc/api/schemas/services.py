"""A service's KPIs over a window (`ServiceKpisView`, with its weekly incident counts as `WeekView`s)."""

from __future__ import annotations

from uuid import UUID

from pydantic import BaseModel, Field

from continuum.http.dates import UtcDateTime
from continuum.http.decimals import DecimalText
from metrics_svc.api.schemas.common import FigureView, ProblemView, WindowView, number, problems_field, problems_of
from metrics_svc.queries import ServiceReport


class WeekView(BaseModel):
    start: UtcDateTime = Field(examples=["2026-01-24T00:00:00Z"])
    end: UtcDateTime = Field(examples=["2026-01-31T00:00:00Z"])
    incidents: int = Field(examples=[3])


class ServiceKpisView(BaseModel):
    service_id: UUID
    name: str | None = Field(None, description="The service's catalog name (null until its registration is seen).",
                             examples=["Payroll"])
    window: WindowView
    mtta_minutes: FigureView = Field(description=(
        "Mean time to acknowledge in wall-clock minutes (opening to acknowledgement), over incidents acknowledged "
        "in the window."))
    mttr_minutes: FigureView = Field(description=(
        "Mean time to resolve in wall-clock minutes (opening to resolution, time on hold included), over incidents "
        "resolved in the window."))
    business_mtta_minutes: FigureView = Field(description=(
        "Mean time to acknowledge in business minutes of the SLA's calendar for the incident's priority, as "
        "service-svc's clocks measured them (time on hold left out), over incidents acknowledged in the window; "
        "based_on counts only those whose acknowledgement carried business minutes (events recorded before SLA "
        "calendars carry none and count in mtta_minutes only). On a 24x7 calendar they equal wall-clock minutes."))
    business_mttr_minutes: FigureView = Field(description=(
        "Mean time to resolve in business minutes of the SLA's calendar for the incident's priority, as "
        "service-svc's clocks measured them (time on hold left out), over incidents resolved in the window; "
        "based_on counts only those whose resolution carried business minutes (events recorded before SLA "
        "calendars carry none and count in mttr_minutes only)."))
    incident_count: FigureView
    weekly_incidents: list[WeekView] = Field(description="Whole weeks ending at as_of, oldest first.")
    sla_compliance_pct: FigureView
    availability_pct: FigureView
    availability_target_pct: DecimalText | None = Field(examples=["99.9"])
    csat_pct: FigureView
    csat_target_pct: DecimalText | None = Field(examples=["80"])
    change_success_rate_pct: FigureView
    tco: FigureView = Field(description="Operating costs + actual costs of the delivering projects, in the window.")
    incident_reduction_pct: FigureView = Field(description="Against the window of the same length just before.")
    improvements_planned: int = Field(
        description="Items in the service's improvement register (service-svc's ImprovementPlanned) by as_of.",
        examples=[3])
    improvements_implemented: int = Field(description="Of those, the ones implemented by as_of.", examples=[1])
    problems: list[ProblemView] = problems_field()

    @classmethod
    def of(cls, report: ServiceReport, days: int) -> ServiceKpisView:
        k = report.kpis
        return cls(
            service_id=report.service_id, window=WindowView.of(k.window, days),
            mtta_minutes=FigureView.of(k.mtta_minutes), mttr_minutes=FigureView.of(k.mttr_minutes),
            business_mtta_minutes=FigureView.of(k.business_mtta_minutes),
            business_mttr_minutes=FigureView.of(k.business_mttr_minutes),
            incident_count=FigureView.of(k.incident_count),
            weekly_incidents=[WeekView(start=w.week.start, end=w.week.end, incidents=w.incidents)
                              for w in k.weekly_incidents],
            sla_compliance_pct=FigureView.of(k.sla_compliance_pct), availability_pct=FigureView.of(k.availability_pct),
            availability_target_pct=number(report.sla.availability_target_pct) if report.sla else None,
            csat_pct=FigureView.of(k.csat_pct), csat_target_pct=number(report.sla.csat_target_pct) if report.sla else None,
            change_success_rate_pct=FigureView.of(k.change_success_rate_pct), tco=FigureView.of(k.tco),
            incident_reduction_pct=FigureView.of(k.incident_reduction_pct),
            improvements_planned=report.improvements_planned, improvements_implemented=report.improvements_implemented,
            name=report.name, problems=problems_of(report.problems),
        )
