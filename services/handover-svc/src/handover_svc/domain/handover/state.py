"""The Handover's state: `HandoverState` (open, rejected, accepted, completed), the fold of its events into
`HandoverFold` (criteria, the decision, early life support), and what reads need from it (readiness, the exit
assessment, the list summary). No decisions here: `Handover` adds the commands."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from functools import singledispatchmethod
from typing import Any
from uuid import UUID

from continuum.domain import Aggregate, DomainEvent

from handover_svc.domain.criteria import EARLY_LIFE_SUPPORT_AGREED, Criterion, CriterionStatus, Readiness, readiness
from handover_svc.domain.early_life import (
    DEFAULT_MAX_INCIDENTS_PER_WEEK,
    EarlyLifeIncident,
    EarlyLifeSupport,
    ExitAssessment,
    assess_exit,
)
from handover_svc.domain.events import (
    CriterionAdded,
    CriterionMet,
    CriterionReset,
    CriterionWaived,
    EarlyLifeIncidentOpened,
    EarlyLifeIncidentResolved,
    EarlyLifeSlaBreached,
    EarlyLifeSupportExtended,
    HandoverAccepted,
    HandoverCompleted,
    HandoverOpened,
    HandoverRejected,
    HandoverResubmitted,
)


class HandoverState(StrEnum):
    open = "open"
    rejected = "rejected"
    accepted = "accepted"  # early life support is running
    completed = "completed"


AWAITING_ACCEPTANCE = frozenset({HandoverState.open, HandoverState.rejected})


class HandoverFold(Aggregate):
    """Handover state; `Handover` adds the commands. Changed only by `apply`."""

    stream_type = "Handover"

    def __init__(self, id: UUID) -> None:
        super().__init__(id)
        self.service_id: UUID | None = None
        self.project_id: UUID | None = None
        self.state = HandoverState.open
        self.opened_at: datetime | None = None
        self.criteria: dict[str, Criterion] = {}
        self.early_life_support_days: int | None = None
        self.max_incidents_per_week = DEFAULT_MAX_INCIDENTS_PER_WEEK
        self.last_rejection: HandoverRejected | None = None
        self.acceptance: HandoverAccepted | None = None
        self.early_life: EarlyLifeSupport | None = None
        self.completion: HandoverCompleted | None = None

    # Views

    def readiness(self) -> Readiness:
        return readiness(self.criteria.values())

    def exit_assessment(self, at: datetime) -> ExitAssessment | None:
        return assess_exit(self.early_life, at) if self.early_life is not None else None

    @property
    def awaiting_acceptance(self) -> bool:
        return self.state in AWAITING_ACCEPTANCE

    def summary(self) -> dict[str, Any]:
        ready = self.readiness()
        return {
            "id": str(self.id), "project_id": str(self.project_id) if self.project_id else None,
            "service_id": str(self.service_id), "state": self.state.value,
            "awaiting_acceptance": self.awaiting_acceptance, "readiness_score": str(ready.score),
            "pending": ready.pending, "opened_at": self.opened_at.isoformat() if self.opened_at else None,
        }

    # Folding events into state

    @singledispatchmethod
    def apply(self, event: DomainEvent) -> None:
        raise NotImplementedError(type(event).__name__)

    @apply.register
    def _(self, event: HandoverOpened) -> None:
        self.service_id, self.project_id, self.opened_at = event.service_id, event.project_id, event.opened_at

    @apply.register
    def _(self, event: CriterionAdded) -> None:
        self.criteria[event.key] = Criterion(key=event.key, title=event.title, mandatory=event.mandatory)

    @apply.register
    def _(self, event: CriterionMet) -> None:
        criterion = self.criteria[event.key]
        criterion.status, criterion.evidence, criterion.justification = CriterionStatus.met, event.evidence, None
        criterion.confirmed_by, criterion.confirmed_at, criterion.automatic = (
            event.confirmed_by, event.confirmed_at, event.automatic)
        if event.key == EARLY_LIFE_SUPPORT_AGREED:
            self.early_life_support_days = event.early_life_support_days
            self.max_incidents_per_week = event.max_incidents_per_week or DEFAULT_MAX_INCIDENTS_PER_WEEK

    @apply.register
    def _(self, event: CriterionWaived) -> None:
        criterion = self.criteria[event.key]
        criterion.status, criterion.justification, criterion.evidence = (
            CriterionStatus.waived, event.justification, None)
        criterion.confirmed_by, criterion.confirmed_at, criterion.automatic = event.waived_by, event.waived_at, False
        if event.key == EARLY_LIFE_SUPPORT_AGREED:
            self.early_life_support_days = 0

    @apply.register
    def _(self, event: CriterionReset) -> None:
        key = event.key
        old = self.criteria[key]
        self.criteria[key] = Criterion(key=key, title=old.title, mandatory=old.mandatory)
        if key == EARLY_LIFE_SUPPORT_AGREED:
            self.early_life_support_days, self.max_incidents_per_week = None, DEFAULT_MAX_INCIDENTS_PER_WEEK

    @apply.register
    def _(self, event: HandoverRejected) -> None:
        self.state, self.last_rejection = HandoverState.rejected, event

    @apply.register
    def _(self, event: HandoverResubmitted) -> None:
        self.state = HandoverState.open

    @apply.register
    def _(self, event: HandoverAccepted) -> None:
        self.state, self.acceptance = HandoverState.accepted, event
        self.early_life = EarlyLifeSupport(started_at=event.accepted_at, days=event.early_life_support_days,
                                           max_incidents_per_week=self.max_incidents_per_week)

    @apply.register
    def _(self, event: EarlyLifeIncidentOpened) -> None:
        self.early_life.incidents[event.incident_id] = EarlyLifeIncident(
            incident_id=event.incident_id, priority=event.priority, opened_at=event.opened_at)

    @apply.register
    def _(self, event: EarlyLifeIncidentResolved) -> None:
        self.early_life.incidents[event.incident_id].resolved_at = event.resolved_at

    @apply.register
    def _(self, event: EarlyLifeSlaBreached) -> None:
        self.early_life.incidents[event.incident_id].sla_breaches[event.kind] = event.breached_at

    @apply.register
    def _(self, event: EarlyLifeSupportExtended) -> None:
        self.early_life.extensions.append((event.days, event.reason))

    @apply.register
    def _(self, event: HandoverCompleted) -> None:
        self.state, self.completion = HandoverState.completed, event
