"""Response DTOs of the dashboard's read-only routes, each with examples."""

from __future__ import annotations

from uuid import UUID

from pydantic import BaseModel, Field

from continuum.http.dates import UtcDateTime
from continuum.http.decimals import DecimalText

from metrics_svc.api.schemas import (
    FigureView,
    HandoverKpisView,
    ProblemView,
    ProjectKpisView,
    ServiceKpisView,
    WindowView,
    number,
    problems_field,
)
from metrics_svc.api.success_schemas import SuccessColumnsView
from metrics_svc.dashboard.read_model import (
    EarnedValuePoint,
    HandoverEntry,
    ProjectEntry,
    Ranking,
    RankingKpi,
    ServiceWeek,
)


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
    success: SuccessColumnsView | None = Field(None, description=(
        "The success scorecard's columns (GET /kpis/projects/{id}/success gives the whole): null for a project "
        "the caller neither sponsors nor manages (admin reads every one)."))

    @classmethod
    def of_entry(cls, entry: ProjectEntry, *, success: SuccessColumnsView | None = None) -> ProjectSummaryView:
        f = entry.fact
        kpis = ProjectKpisView.of(f.project_id, entry.earned).model_dump()
        return cls(**kpis, title=entry.title, origin=f.origin, opportunity_id=f.opportunity_id,
                   target_service_ids=list(f.target_service_ids), baselined=f.baselined, success=success)


class EarnedValuePointView(BaseModel):
    at: UtcDateTime = Field(examples=["2026-02-01T00:00:00Z"])
    pv: DecimalText | None = Field(description="Null only when the stored facts make it fail.",
                                   examples=["40000"])
    ev: DecimalText | None = Field(description="Null after as_of.", examples=["35000"])
    ac: DecimalText | None = Field(description="Null after as_of.", examples=["38000"])

    @classmethod
    def of(cls, point: EarnedValuePoint) -> EarnedValuePointView:
        return cls(at=point.at, pv=number(point.pv), ev=number(point.ev), ac=number(point.ac))


class EarnedValueSeriesView(BaseModel):
    project_id: UUID
    as_of: UtcDateTime
    bac: DecimalText | None = Field(examples=["100000"])
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


class RankedServiceView(ServiceKpisView):
    rank: int = Field(description="1 for the first service of the ranking.", examples=[1])
    ranked_by: FigureView = Field(description="The figure the ranking orders by (as in this item's KPIs).")


class ServiceRankingView(BaseModel):
    by: RankingKpi = Field(description="incident_rate: incidents opened in the window; mttr: minutes; "
                           "sla_compliance, availability, csat: percentages.", examples=["mttr"])
    order: str = Field(description="worst: most incidents, longest MTTR, lowest SLA compliance, availability or "
                       "CSAT first; best: the opposite. Services without the figure come last either way.",
                       examples=["worst"])
    window: WindowView
    ranked: int = Field(description="How many services were ranked (every service metrics knows of).",
                        examples=[1000])
    items: list[RankedServiceView]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next places; null on the last page.")

    @classmethod
    def of(cls, ranking: Ranking, days: int, next_cursor: str | None) -> ServiceRankingView:
        items = []
        for n, (report, figure) in enumerate(zip(ranking.reports, ranking.figures, strict=True)):
            view = ServiceKpisView.of(report, days).model_dump()
            items.append(RankedServiceView(**view, rank=ranking.first_rank + n, ranked_by=FigureView.of(figure)))
        return cls(by=ranking.by, order="worst" if ranking.worst_first else "best", ranked=ranking.ranked,
                   window=WindowView.of(ranking.window, days), items=items, next_cursor=next_cursor)
