"""The Handover aggregate: service acceptance criteria, the decision, and early life support. `Handover` opens a
handover with the default criteria, takes the decision (reject, resubmit, accept), then follows early life
support (its incidents, SLA breaches, extensions) to its completion; the criteria's commands are `_Criteria`'s."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from continuum.domain import DomainError

from handover_svc.domain import rules
from handover_svc.domain.criteria import DEFAULT_CRITERIA
from handover_svc.domain.early_life import EarlyLifeIncident, ExitAssessment
from handover_svc.domain.events import (
    CriterionAdded,
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
from handover_svc.domain.handover.criteria_commands import _Criteria
from handover_svc.domain.handover.state import HandoverState


class Handover(_Criteria):
    """The Handover aggregate: each command checks its rules, then records events."""

    # Opening

    @classmethod
    def open(cls, *, handover_id: UUID, service_id: UUID, project_id: UUID | None, at: datetime) -> Handover:
        handover = cls(handover_id)
        handover.service_id, handover.project_id = service_id, project_id
        handover._record(handover._event(HandoverOpened, opened_at=at), at=at)
        for key, title in DEFAULT_CRITERIA:
            handover._record(handover._event(CriterionAdded, key=key, title=title, mandatory=True), at=at)
        return handover

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

    # Guards

    def _require_state(self, state: HandoverState, rule: str) -> None:
        if self.state is not state:
            raise DomainError(rule, f"the handover is {self.state.value}, not {state.value}")

    def _early_life_incident(self, incident_id: UUID) -> EarlyLifeIncident | None:
        if self.early_life is None or self.state is not HandoverState.accepted:
            return None
        return self.early_life.incidents.get(incident_id)
