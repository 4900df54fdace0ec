"""The criteria's commands of a Handover while it awaits acceptance: add one, meet it (by hand or from a service
event), waive it, reset it (by hand or when its evidence goes away), with the guards they share. `Handover` has
these through `_Criteria`."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from continuum.domain import DomainError

from handover_svc.domain import rules
from handover_svc.domain.criteria import Criterion, CriterionStatus
from handover_svc.domain.events import CriterionAdded, CriterionMet, CriterionReset, CriterionWaived
from handover_svc.domain.handover.state import AWAITING_ACCEPTANCE, HandoverFold

SYSTEM = "continuum:service-events"


class _Criteria(HandoverFold):
    """The acceptance criteria's half of `Handover`'s commands."""

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

    # Guards

    def _event(self, cls: type, **fields: Any) -> Any:
        return cls(handover_id=self.id, service_id=self.service_id, project_id=self.project_id, **fields)

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
