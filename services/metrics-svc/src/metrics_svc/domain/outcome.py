"""The ProjectOutcome aggregate: one stream per project (its id the project's), holding the one
ProjectOutcomeEvaluated recorded when the project's scorecard became complete (domain.success)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import singledispatchmethod
from typing import Any
from uuid import UUID

from continuum.domain import Aggregate, DomainError, DomainEvent

from metrics_svc.domain.events import OutcomeDimension, ProjectOutcomeEvaluated
from metrics_svc.domain.scorecard import Dimension, Scorecard


@dataclass(frozen=True)
class EvaluateProjectOutcome:
    scorecard: Scorecard
    at: datetime


def published_dimension(d: Dimension) -> OutcomeDimension:
    return OutcomeDimension(
        dimension=d.name, traditional_measure=d.traditional_measure, extended_measure=d.extended_measure,
        state=d.state, figure=d.figure, unit=d.unit, traditional=d.traditional, extended=d.extended,
        window_start=None if d.window is None else d.window.start,
        window_end=None if d.window is None else d.window.end,
        events=list(d.events), based_on=d.based_on, reason=d.reason)


class ProjectOutcome(Aggregate):
    stream_type = "ProjectOutcome"

    def __init__(self, id: UUID) -> None:
        super().__init__(id)
        self.evaluated: ProjectOutcomeEvaluated | None = None

    @classmethod
    def evaluate(cls, scorecard: Scorecard, *, at: datetime) -> ProjectOutcome:
        if not scorecard.complete:
            pending = [d.name for d in scorecard.dimensions if not d.settled]
            raise DomainError("outcome-evaluated-when-every-dimension-is-known",
                              f"not yet known: {', '.join(pending)}")
        outcome = cls(scorecard.project_id)
        outcome._record(ProjectOutcomeEvaluated(
            project_id=scorecard.project_id, evaluated_at=scorecard.as_of, horizon_days=scorecard.horizon_days,
            dimensions=[published_dimension(d) for d in scorecard.dimensions]), at=at)
        return outcome

    @singledispatchmethod
    def apply(self, event: DomainEvent) -> None:
        raise NotImplementedError(type(event).__name__)

    @apply.register
    def _(self, event: ProjectOutcomeEvaluated) -> None:
        self.evaluated = event

    def summary(self) -> dict[str, Any]:
        assert self.evaluated is not None
        return {"project_id": str(self.id), "evaluated_at": self.evaluated.evaluated_at.isoformat()}
