"""Response DTOs of the dashboard's read-only routes, each with examples."""

from __future__ import annotations

from uuid import UUID

from pydantic import BaseModel, Field

from continuum.http.dates import UtcDateTime
from metrics_svc.api.schemas import FigureView, HandoverKpisView, ProblemView, ProjectKpisView, number, problems_field
from metrics_svc.dashboard.read_model import EarnedValuePoint, HandoverEntry, ProjectEntry, ServiceWeek


class ServiceWeekView(BaseModel):
    start: UtcDateTime = Field(examples=["2026-01-24T00:00:00Z"])
    end: UtcDateTime = Field(examples=["2026-01-31T00:00:00Z"])
    incidents: int = Field(description="Incidents opened in the week.", examples=[3])
    mttr_minutes: FigureView = Field(description="Over incidents resolved in the week.")
    sla_compliance_pct: FigureView = Field(description="Over incidents opened in the week and subject to an SLA.")
    availability_pct: FigureView

    @classmethod
    def of(cls, week: ServiceWeek) -> ServiceWeekView:
        return cls(start=week.week.start, end=week.week.end, incidents=week.incidents,
                   mttr_minutes=FigureView.of(week.mttr_minutes),
                   sla_compliance_pct=FigureView.of(week.sla_compliance_pct),
                   availability_pct=FigureView.of(week.availability_pct))


class ServiceWeeklyView(BaseModel):
    service_id: UUID
    weeks: list[ServiceWeekView] = Field(description="Whole weeks ending at as_of, oldest first.")
    problems: list[ProblemView] = problems_field()


class ProjectSummaryView(ProjectKpisView):
    title: str | None = Field(description="The project's title (null until its proposal is seen).",
                              examples=["Stabilise the payroll batch"])
    origin: str = Field(examples=["improvement_opportunity"])
    opportunity_id: UUID | None = None
    target_service_ids: list[UUID]
    baselined: bool

    @classmethod
    def of_entry(cls, entry: ProjectEntry) -> ProjectSummaryView:
        f = entry.fact
        kpis = ProjectKpisView.of(f.project_id, entry.earned).model_dump()
        return cls(**kpis, title=entry.title, origin=f.origin, opportunity_id=f.opportunity_id,
                   target_service_ids=list(f.target_service_ids), baselined=f.baselined)


class EarnedValuePointView(BaseModel):
    at: UtcDateTime = Field(examples=["2026-02-01T00:00:00Z"])
    pv: float | None = Field(description="Null only for a value JSON cannot carry.", examples=[40000])
    ev: float | None = Field(description="Null after as_of.", examples=[35000])
    ac: float | None = Field(description="Null after as_of.", examples=[38000])

    @classmethod
    def of(cls, point: EarnedValuePoint) -> EarnedValuePointView:
        return cls(at=point.at, pv=number(point.pv), ev=number(point.ev), ac=number(point.ac))


class EarnedValueSeriesView(BaseModel):
    project_id: UUID
    as_of: UtcDateTime
    bac: float | None = Field(examples=[100000])
    points: list[EarnedValuePointView] = Field(
        description="From the project's first fact to its last planned milestone (or as_of), weekly or coarser.")
    problems: list[ProblemView] = problems_field()


class HandoverSummaryView(HandoverKpisView):
    service_id: UUID
    project_id: UUID | None = None
    opened_at: UtcDateTime
    accepted_at: UtcDateTime | None = None
    completed_at: UtcDateTime | None = None

    @classmethod
    def of_entry(cls, entry: HandoverEntry) -> HandoverSummaryView:
        f = entry.fact
        kpis = HandoverKpisView.of(f.handover_id, entry.kpis).model_dump()
        return cls(**kpis, service_id=f.service_id, project_id=f.project_id, opened_at=f.opened_at,
                   accepted_at=f.accepted_at, completed_at=f.completed_at)
