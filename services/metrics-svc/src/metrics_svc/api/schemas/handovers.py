"""A handover's KPIs as of a moment (`HandoverKpisView`): readiness, time in transition, early-life incidents and
rejections."""

from __future__ import annotations

from uuid import UUID

from pydantic import BaseModel, Field

from continuum.http.dates import UtcDateTime
from continuum.http.decimals import DecimalText
from metrics_svc.api.schemas.common import FigureView, ProblemView, number, problems_field, problems_of
from metrics_svc.domain.handover_kpis import HandoverKpis


class HandoverKpisView(BaseModel):
    handover_id: UUID
    as_of: UtcDateTime
    accepted: bool = Field(description="Accepted by the service owner as of `as_of`.")
    readiness_pct: DecimalText | None = Field(
        description="Percentage (0–100) of criteria met or waived: at acceptance once accepted, as of `as_of` while "
        "in transition (null until a criterion is known).", examples=["90"])
    days_in_transition: DecimalText | None = Field(examples=["12.5"])
    early_life_incidents: FigureView
    early_life_incident_rate_per_week: FigureView
    rejections: int = Field(examples=[1])
    problems: list[ProblemView] = problems_field()

    @classmethod
    def of(cls, handover_id: UUID, k: HandoverKpis) -> HandoverKpisView:
        return cls(handover_id=handover_id, as_of=k.as_of, accepted=k.accepted,
                   readiness_pct=number(None if k.readiness_score is None else k.readiness_score * 100),
                   days_in_transition=number(k.days_in_transition),
                   early_life_incidents=FigureView.of(k.early_life_incidents),
                   early_life_incident_rate_per_week=FigureView.of(k.early_life_incident_rate_per_week),
                   rejections=k.rejections, problems=problems_of(k.problems))
