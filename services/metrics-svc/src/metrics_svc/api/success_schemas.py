"""Response DTOs of a project's success scorecard (GET /kpis/projects/{id}/success) and its list columns."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, Field

from continuum.http.dates import UtcDateTime

from metrics_svc.domain.scorecard import DIMENSIONS, Dimension, Scorecard
from metrics_svc.domain.windows import Window

State = Literal["known", "not_yet_known", "not_applicable"]


def shown(value: Decimal | None) -> str | None:
    """A decimal as a JSON string (DESIGN §6); None for none and what is not finite."""
    return None if value is None or not Decimal(value).is_finite() else str(value)


class SpanView(BaseModel):
    start: UtcDateTime = Field(examples=["2026-07-01T00:00:00Z"])
    end: UtcDateTime = Field(description="[start, end) of business time.", examples=["2026-08-14T00:00:00Z"])

    @classmethod
    def of(cls, window: Window | None) -> SpanView | None:
        return None if window is None else cls(start=window.start, end=window.end)


class DimensionView(BaseModel):
    dimension: Literal["scope", "time", "cost", "quality", "stakeholders", "value"] = Field(examples=["time"])
    traditional_measure: str = Field(examples=["on time"])
    extended_measure: str = Field(examples=["speed to value"])
    state: State = Field(description="`not_yet_known` until the dimension can be known (`reason` says what it "
                         "waits for); `not_applicable` when it never will be (`reason` says why).",
                         examples=["known"])
    figure: str | None = Field(description="The extended measure's headline figure, in `unit`.", examples=["21.50"])
    unit: str | None = Field(examples=["days"])
    traditional: dict[str, Any] = Field(description="The traditional measure's figures.",
                                        examples=[{"on_time": True, "schedule_slip_days": 0}])
    extended: dict[str, Any] = Field(description="The extended measure's figures.",
                                     examples=[{"closing_to_acceptance_days": "3.00",
                                                "closing_to_value_days": "21.50"}])
    window: SpanView | None = Field(description="The business time the figure rests on.")
    events: list[str] = Field(description="The event types it rests on.", examples=[["HandoverCompleted"]])
    based_on: int = Field(description="How many events (incidents, ratings, costs, decisions) it counts.",
                          examples=[3])
    reason: str | None = Field(examples=[None])

    @classmethod
    def of(cls, d: Dimension) -> DimensionView:
        return cls(dimension=d.name, traditional_measure=d.traditional_measure, extended_measure=d.extended_measure,
                   state=d.state, figure=shown(d.figure), unit=d.unit, traditional=d.traditional, extended=d.extended,
                   window=SpanView.of(d.window), events=list(d.events), based_on=d.based_on, reason=d.reason)


class ScorecardView(BaseModel):
    """The Expanded View of the project's success: each dimension's traditional and extended measure."""

    project_id: UUID
    as_of: UtcDateTime
    horizon_days: int = Field(description="The total cost of ownership's horizon from the acceptance.",
                              examples=[365])
    complete: bool = Field(description="Every dimension known (or not applicable): ProjectOutcomeEvaluated is "
                           "published on continuum.metrics.events when this first holds.")
    dimensions: list[DimensionView]

    @classmethod
    def of(cls, card: Scorecard) -> ScorecardView:
        return cls(project_id=card.project_id, as_of=card.as_of, horizon_days=card.horizon_days,
                   complete=card.complete, dimensions=[DimensionView.of(d) for d in card.dimensions])


class CellView(BaseModel):
    state: State
    figure: str | None = Field(examples=["99.950"])
    unit: str | None = Field(examples=["pct_sla_compliance"])


class SuccessColumnsView(BaseModel):
    """A project's scorecard in a list: each dimension's state and headline figure."""

    complete: bool
    known: int = Field(description="Dimensions known or not applicable, of six.", examples=[4])
    scope: CellView
    time: CellView
    cost: CellView
    quality: CellView
    stakeholders: CellView
    value: CellView

    @classmethod
    def of(cls, card: Scorecard | None) -> SuccessColumnsView | None:
        """None for a project whose scorecard the caller may not read."""
        if card is None:
            return None
        cells = {d.name: CellView(state=d.state, figure=shown(d.figure), unit=d.unit) for d in card.dimensions}
        return cls(complete=card.complete, known=sum(1 for d in card.dimensions if d.settled),
                   **{name: cells[name] for name in DIMENSIONS})
