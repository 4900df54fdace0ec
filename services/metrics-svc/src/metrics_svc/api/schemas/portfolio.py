"""The portfolio's totals over a window (`PortfolioView`): services, projects and handovers, the improvement loop's
counts (`LoopView`) and each item whose KPIs rest on less than its facts (`ItemProblemView`)."""

from __future__ import annotations

from decimal import Decimal
from uuid import UUID

from pydantic import BaseModel, Field

from continuum.http.decimals import DecimalText
from metrics_svc.api.schemas.common import ProblemView, WindowView, number
from metrics_svc.domain.handover_kpis import LoopKpis
from metrics_svc.queries import ItemProblem, PortfolioReport


class LoopView(BaseModel):
    opportunities_detected: int = Field(examples=[4])
    converted_to_projects: int = Field(examples=[2])
    benefits_measured: int = Field(examples=[1])
    benefits_realized: int = Field(examples=[1])
    benefits_realized_pct: DecimalText | None = Field(examples=["100"])

    @classmethod
    def of(cls, loop: LoopKpis) -> LoopView:
        return cls(**{**loop.__dict__, "benefits_realized_pct": number(loop.benefits_realized_pct)})


class ItemProblemView(ProblemView):
    kind: str = Field(description="service, project or handover", examples=["project"])
    id: UUID

    @classmethod
    def of_item(cls, item: ItemProblem) -> ItemProblemView:
        return cls(kind=item.kind, id=item.id, **ProblemView.of(item.problem).model_dump())


class PortfolioView(BaseModel):
    window: WindowView
    services: int = Field(examples=[12])
    incidents: int = Field(examples=[57])
    projects: int = Field(examples=[5])
    pv: DecimalText = Field(examples=["400000"])
    ev: DecimalText = Field(examples=["380000"])
    ac: DecimalText = Field(examples=["390000"])
    handovers: int = Field(examples=[3])
    handovers_accepted: int = Field(examples=[2])
    handovers_rejected: int = Field(description="Rejections counted over all handovers.", examples=[1])
    loop: LoopView
    problems: list[ItemProblemView] = Field(
        default_factory=list, description="Each service, project or handover whose KPIs rest on less than its "
        "facts, and why; the totals leave out the figures named here.")

    @classmethod
    def of(cls, report: PortfolioReport, days: int) -> PortfolioView:
        def total(values) -> str:
            return number(sum((v for v in values if v is not None), Decimal(0))) or "0"

        return cls(
            window=WindowView.of(report.window, days), services=len(report.services),
            incidents=sum(s.incident_count.based_on for s in report.services), projects=len(report.projects),
            pv=total(p.pv for p in report.projects), ev=total(p.ev for p in report.projects),
            ac=total(p.ac for p in report.projects), handovers=len(report.handovers),
            handovers_accepted=sum(1 for h in report.handovers if h.accepted),
            handovers_rejected=sum(h.rejections for h in report.handovers), loop=LoopView.of(report.loop),
            problems=[ItemProblemView.of_item(p) for p in report.problems],
        )
