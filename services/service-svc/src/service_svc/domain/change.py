"""The Change aggregate: a request for change (RFC), its approval and its implementation outcome."""

from __future__ import annotations

from datetime import datetime
from functools import singledispatchmethod
from typing import Any
from uuid import UUID, uuid4

from continuum.domain import Aggregate, DomainEvent

from service_svc.domain import events as ev
from service_svc.domain.rules import require

KINDS = ("standard", "normal", "emergency")
RISKS = ("low", "medium", "high")
OUTCOMES = ("successful", "failed")


class Change(Aggregate):
    stream_type = "Change"

    def __init__(self, id: UUID) -> None:
        super().__init__(id)
        self.service_id: UUID | None = None
        self.kind = self.title = self.risk = ""
        self.planned_start: datetime | None = None
        self.planned_end: datetime | None = None
        self.status = "requested"
        self.decided_by: str | None = None
        self.rejection_reason: str | None = None
        self.outcome: str | None = None

    @classmethod
    def request(cls, *, service_id: UUID, kind: str, title: str, risk: str, planned_start: datetime,
                planned_end: datetime, at: datetime) -> Change:
        require(kind in KINDS, "change-kind-known", f"{kind} is not one of {', '.join(KINDS)}")
        require(risk in RISKS, "change-risk-known", f"{risk} is not one of {', '.join(RISKS)}")
        require(planned_start < planned_end, "planned-window-in-order", "the window must end after it starts")
        change = cls(uuid4())
        change._record(ev.ChangeRequested(service_id=service_id, change_id=change.id, kind=kind, title=title, risk=risk,
                                          planned_start=planned_start, planned_end=planned_end), at=at)
        return change

    def approve(self, approver: str, *, at: datetime) -> None:
        require(self.status == "requested", "decide-requested-change", f"the change is {self.status}")
        self._record(ev.ChangeApproved(service_id=self.service_id, change_id=self.id, approved_by=approver), at=at)

    def reject(self, approver: str, reason: str, *, at: datetime) -> None:
        require(self.status == "requested", "decide-requested-change", f"the change is {self.status}")
        self._record(ev.ChangeRejected(service_id=self.service_id, change_id=self.id, rejected_by=approver,
                                       reason=reason), at=at)

    def implement(self, outcome: str, *, at: datetime) -> None:
        """Approved changes are implemented; a standard change is pre-authorised and needs no approval."""
        require(outcome in OUTCOMES, "change-outcome-known", f"{outcome} is not one of {', '.join(OUTCOMES)}")
        ready = self.status == "approved" or (self.status == "requested" and self.kind == "standard")
        require(ready, "change-approved-before-implementation", f"the {self.kind} change is {self.status}")
        self._record(ev.ChangeImplemented(service_id=self.service_id, change_id=self.id, outcome=outcome,
                                          implemented_at=at), at=at)

    @singledispatchmethod
    def apply(self, event: DomainEvent) -> None:
        raise NotImplementedError(type(event).__name__)

    @apply.register
    def _(self, event: ev.ChangeRequested) -> None:
        self.service_id, self.kind, self.title, self.risk = event.service_id, event.kind, event.title, event.risk
        self.planned_start, self.planned_end = event.planned_start, event.planned_end

    @apply.register
    def _(self, event: ev.ChangeApproved) -> None:
        self.status, self.decided_by = "approved", event.approved_by

    @apply.register
    def _(self, event: ev.ChangeRejected) -> None:
        self.status, self.decided_by, self.rejection_reason = "rejected", event.rejected_by, event.reason

    @apply.register
    def _(self, event: ev.ChangeImplemented) -> None:
        self.status, self.outcome = "implemented", event.outcome

    def summary(self) -> dict[str, Any]:
        return {"id": str(self.id), "service_id": str(self.service_id), "kind": self.kind, "risk": self.risk,
                "title": self.title, "status": self.status, "outcome": self.outcome}
