"""The Handover aggregate: service acceptance criteria, the decision, and early life support."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from functools import singledispatchmethod
from typing import Any
from uuid import UUID

from continuum.domain import Aggregate, DomainError, DomainEvent

from handover_svc.domain import rules
from handover_svc.domain.criteria import (
    DEFAULT_CRITERIA,
    EARLY_LIFE_SUPPORT_AGREED,
    Criterion,
    CriterionStatus,
    Readiness,
    readiness,
)
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

SYSTEM = "continuum:service-events"


class HandoverState(StrEnum):
    open = "open"
    rejected = "rejected"
    accepted = "accepted"  # early life support is running
    completed = "completed"


AWAITING_ACCEPTANCE = frozenset({HandoverState.open, HandoverState.rejected})


class Handover(Aggregate):
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

    # Opening and criteria

    @classmethod
    def open(cls, *, handover_id: UUID, service_id: UUID, project_id: UUID | None, at: datetime) -> Handover:
        handover = cls(handover_id)
        handover.service_id, handover.project_id = service_id, project_id
        handover._record(handover._event(HandoverOpened, opened_at=at), at=at)
        for key, title in DEFAULT_CRITERIA:
            handover._record(handover._event(CriterionAdded, key=key, title=title, mandatory=True), at=at)
        return handover

    def add_criterion(self, *, key: str, title: str, mandatory: bool, at: datetime) -> None:
        self._require_awaiting_acceptance()
        rules.require_new_criterion_key(key, self.criteria)
        self._record(self._event(CriterionAdded, key=key, title=title, mandatory=mandatory), at=at)

    def meet(self, *, key: str, evidence: str, by: str, at: datetime, early_life_support_days: int | None = None,
             max_incidents_per_week: Decimal | None = None) -> None:
        criterion = self._pending_criterion(key)
        rules.require_evidence(evidence)
        rules.require_early_life_terms(key, early_life_support_days, max_incidents_per_week)
        self._record(self._event(CriterionMet, key=criterion.key, evidence=evidence.strip(), confirmed_by=by,
                                 confirmed_at=at, automatic=False, early_life_support_days=early_life_support_days,
                                 max_incidents_per_week=max_incidents_per_week), at=at)

    def meet_automatically(self, *, key: str, evidence: str, at: datetime) -> bool:
        """Tick a criterion from a service event; nothing happens if it is settled or the decision is taken."""
        criterion = self.criteria.get(key)
        if criterion is None or criterion.settled or self.state not in AWAITING_ACCEPTANCE:
            return False
        self._record(self._event(CriterionMet, key=key, evidence=evidence, confirmed_by=SYSTEM, confirmed_at=at,
                                 automatic=True, early_life_support_days=None, max_incidents_per_week=None), at=at)
        return True

    def waive(self, *, key: str, justification: str, by: str, at: datetime) -> None:
        criterion = self._pending_criterion(key)
        rules.require_justification(justification)
        self._record(self._event(CriterionWaived, key=criterion.key, justification=justification.strip(),
                                 waived_by=by, waived_at=at), at=at)

    def reset(self, *, key: str, reason: str, by: str, at: datetime) -> None:
        self._require_awaiting_acceptance()
        criterion = self._criterion(key)
        if not criterion.settled:
            raise DomainError("criterion-settled", f"criterion {key!r} is already pending")
        rules.require_reason(reason)
        self._record(self._event(CriterionReset, key=key, reason=reason.strip(), reset_by=by, reset_at=at), at=at)

    def reset_automatically(self, *, key: str, reason: str, at: datetime) -> bool:
        """Un-tick a criterion that was met, when its evidence goes away before acceptance."""
        criterion = self.criteria.get(key)
        if criterion is None or criterion.status is not CriterionStatus.met or self.state not in AWAITING_ACCEPTANCE:
            return False
        self._record(self._event(CriterionReset, key=key, reason=reason, reset_by=SYSTEM, reset_at=at), at=at)
        return True

    # The decision

    def reject(self, *, reasons: list[str], by: str, at: datetime) -> None:
        self._require_state(HandoverState.open, "handover-awaiting-decision")
        reasons = rules.require_reasons(reasons)
        self._record(self._event(HandoverRejected, rejected_by=by, reasons=reasons, rejected_at=at), at=at)

    def resubmit(self, *, by: str, note: str, at: datetime) -> None:
        self._require_state(HandoverState.rejected, "handover-rejected-before-resubmission")
        self._record(self._event(HandoverResubmitted, resubmitted_by=by, resubmitted_at=at, note=note.strip()), at=at)

    def accept(self, *, by: str, service_stage: str | None, at: datetime) -> None:
        """Accept once nothing mandatory is pending, for a service in transition or operation."""
        self._require_state(HandoverState.open, "handover-awaiting-decision")
        rules.require_no_mandatory_pending(self.readiness().pending_mandatory)
        rules.require_stage_for_acceptance(service_stage)
        self._record(self._event(HandoverAccepted, accepted_by=by, accepted_at=at,
                                 readiness_score=self.readiness().score,
                                 early_life_support_days=self.early_life_support_days or 0), at=at)

    # Early life support

    def record_incident_opened(self, *, incident_id: UUID, priority: str, opened_at: datetime) -> bool:
        support = self.early_life
        if support is None or self.state is not HandoverState.accepted or incident_id in support.incidents:
            return False
        if opened_at < support.started_at:
            return False  # recorded also after the period's current end: an extension may cover it
        self._record(self._event(EarlyLifeIncidentOpened, incident_id=incident_id, priority=priority,
                                 opened_at=opened_at), at=opened_at)
        return True

    def record_incident_resolved(self, *, incident_id: UUID, resolved_at: datetime) -> bool:
        incident = self._early_life_incident(incident_id)
        if incident is None or incident.resolved_at is not None:
            return False
        self._record(self._event(EarlyLifeIncidentResolved, incident_id=incident_id, resolved_at=resolved_at),
                     at=resolved_at)
        return True

    def record_sla_breach(self, *, incident_id: UUID, kind: str, breached_at: datetime) -> bool:
        incident = self._early_life_incident(incident_id)
        if incident is None or kind in incident.sla_breaches:
            return False
        self._record(self._event(EarlyLifeSlaBreached, incident_id=incident_id, kind=kind, breached_at=breached_at),
                     at=breached_at)
        return True

    def extend_early_life_support(self, *, days: int, reason: str, by: str, at: datetime) -> None:
        self._require_state(HandoverState.accepted, "early-life-support-running")
        rules.require_extension(days, reason)
        self._record(self._event(EarlyLifeSupportExtended, days=days, reason=reason.strip(), extended_by=by,
                                 extended_at=at), at=at)

    def complete(self, *, at: datetime) -> ExitAssessment:
        """End early life support if its exit criteria hold at `at`; else a rule error naming those that fail."""
        self._require_state(HandoverState.accepted, "early-life-support-running")
        assessment = self.exit_assessment(at)
        rules.require_exit_criteria(assessment.failing)
        self._record(self._event(HandoverCompleted, completed_at=at, early_life_incidents=assessment.incidents,
                                 early_life_incident_rate_per_week=assessment.incident_rate_per_week,
                                 sla_met=assessment.sla_met, sla_breaches=assessment.sla_breaches), at=at)
        return assessment

    def end_early(self, *, justification: str, by: str, at: datetime) -> ExitAssessment:
        """The service's owner ends early life support before its criteria hold, and says why."""
        self._require_state(HandoverState.accepted, "early-life-support-running")
        rules.require_ending_justification(justification)
        assessment = self.exit_assessment(at)
        self._record(self._event(HandoverCompleted, completed_at=at, early_life_incidents=assessment.incidents,
                                 early_life_incident_rate_per_week=assessment.incident_rate_per_week,
                                 sla_met=assessment.sla_met, sla_breaches=assessment.sla_breaches,
                                 ended_early=True, ended_by=by, justification=justification.strip()), at=at)
        return assessment

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

    # Guards

    def _event(self, cls: type, **fields: Any) -> Any:
        return cls(handover_id=self.id, service_id=self.service_id, project_id=self.project_id, **fields)

    def _require_state(self, state: HandoverState, rule: str) -> None:
        if self.state is not state:
            raise DomainError(rule, f"the handover is {self.state.value}, not {state.value}")

    def _require_awaiting_acceptance(self) -> None:
        if not self.awaiting_acceptance:
            raise DomainError("criteria-editable-before-acceptance", f"the handover is already {self.state.value}")

    def _criterion(self, key: str) -> Criterion:
        criterion = self.criteria.get(key)
        if criterion is None:
            raise DomainError("criterion-known", f"the handover has no criterion {key!r}")
        return criterion

    def _pending_criterion(self, key: str) -> Criterion:
        self._require_awaiting_acceptance()
        criterion = self._criterion(key)
        if criterion.settled:
            raise DomainError("criterion-pending", f"criterion {key!r} is already {criterion.status.value}")
        return criterion

    def _early_life_incident(self, incident_id: UUID) -> EarlyLifeIncident | None:
        if self.early_life is None or self.state is not HandoverState.accepted:
            return None
        return self.early_life.incidents.get(incident_id)

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
        criterion.status, criterion.justification, criterion.evidence = CriterionStatus.waived, event.justification, None
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
