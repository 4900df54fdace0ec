"""The pieces every KPI view shares: `number` (a figure as decimal text), `ProblemView` (why an item's KPIs rest on
less than its stored facts) with `problems_of` and `problems_field`, `FigureView` (a figure and what it rests on) and
`WindowView` (the window of business time it covers)."""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, Field

from continuum.http.dates import UtcDateTime
from continuum.http.decimals import DecimalText, decimal_text
from metrics_svc.domain.windows import Figure, Problem, Window


def number(value: Decimal | None) -> str | None:
    """A figure as decimal text, to 4 places (api-conventions: decimals as strings); None for none and NaN."""
    return decimal_text(value)


class ProblemView(BaseModel):
    """Why this item's KPIs rest on less than its stored facts: the item is still answered, the rest intact."""

    figure: str | None = Field(description="The figure left null (null: the fact below was left out of every "
                               "figure).", examples=["mttr_minutes"])
    fact: str | None = Field(description="The stored fact left out, if one was.",
                             examples=["incident 6f1c0e0e-8a43-4c1e-9b43-2f0d2f8c0a11 opened_at"])
    reason: str = Field(examples=["opened_at is -infinity, outside the business calendar 1900-01-01 to 2999-12-31: "
                                  "left out of the figures"])

    @classmethod
    def of(cls, problem: Problem) -> ProblemView:
        return cls(figure=problem.figure, fact=problem.fact, reason=problem.reason)


def problems_of(problems) -> list[ProblemView]:
    return [ProblemView.of(p) for p in problems]


def problems_field():  # a Field of its own per model
    return Field(default_factory=list, description="Figures that could not be computed and stored facts left out "
                 "for this item, each with its reason; empty when every fact was usable.")


class FigureView(BaseModel):
    value: DecimalText | None = Field(description="Null when undefined (a ratio over nothing).", examples=["42.5"])
    based_on: int = Field(description="How many events (incidents, ratings, changes, costs) it rests on.",
                          examples=[12])

    @classmethod
    def of(cls, figure: Figure) -> FigureView:
        return cls(value=number(figure.value), based_on=figure.based_on)


class WindowView(BaseModel):
    days: int = Field(examples=[30])
    start: UtcDateTime = Field(examples=["2026-01-01T00:00:00Z"])
    end: UtcDateTime = Field(description="as_of: the window is [start, end) of business time.",
                          examples=["2026-01-31T00:00:00Z"])

    @classmethod
    def of(cls, window: Window, days: int) -> WindowView:
        return cls(days=days, start=window.start, end=window.end)
