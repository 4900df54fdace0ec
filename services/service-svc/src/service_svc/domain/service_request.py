"""The ServiceRequest aggregate: a standard request submitted, then fulfilled or cancelled."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from functools import singledispatchmethod
from typing import Any
from uuid import UUID, uuid4

from continuum.domain import Aggregate, DomainEvent

from service_svc.domain import events as ev
from service_svc.domain.rules import require, require_in_order
from service_svc.domain.sla_clock import minutes


class ServiceRequest(Aggregate):
    stream_type = "ServiceRequest"

    def __init__(self, id: UUID) -> None:
        super().__init__(id)
        self.service_id: UUID | None = None
        self.title = self.requested_by = ""
        self.submitted_at: datetime | None = None
        self.status = "submitted"
        self.fulfilled_at: datetime | None = None
        self.fulfilment_minutes: Decimal | None = None
        self.cancel_reason: str | None = None

    @classmethod
    def submit(cls, *, service_id: UUID, title: str, requested_by: str, at: datetime) -> ServiceRequest:
        request = cls(uuid4())
        request._record(ev.ServiceRequestSubmitted(service_id=service_id, request_id=request.id, title=title,
                                                   requested_by=requested_by, submitted_at=at), at=at)
        return request

    def fulfil(self, *, at: datetime) -> None:
        require(self.status == "submitted", "fulfil-submitted-request", f"the request is {self.status}")
        require_in_order(at, self.submitted_at)
        self._record(ev.ServiceRequestFulfilled(service_id=self.service_id, request_id=self.id, fulfilled_at=at,
                                                fulfilment_minutes=minutes(at - self.submitted_at)), at=at)

    def cancel(self, reason: str, *, at: datetime) -> None:
        require(self.status == "submitted", "cancel-submitted-request", f"the request is {self.status}")
        require_in_order(at, self.submitted_at)
        self._record(ev.ServiceRequestCancelled(service_id=self.service_id, request_id=self.id, reason=reason), at=at)

    @singledispatchmethod
    def apply(self, event: DomainEvent) -> None:
        raise NotImplementedError(type(event).__name__)

    @apply.register
    def _(self, event: ev.ServiceRequestSubmitted) -> None:
        self.service_id, self.title, self.requested_by = event.service_id, event.title, event.requested_by
        self.submitted_at = event.submitted_at

    @apply.register
    def _(self, event: ev.ServiceRequestFulfilled) -> None:
        self.status, self.fulfilled_at, self.fulfilment_minutes = "fulfilled", event.fulfilled_at, event.fulfilment_minutes

    @apply.register
    def _(self, event: ev.ServiceRequestCancelled) -> None:
        self.status, self.cancel_reason = "cancelled", event.reason

    def summary(self) -> dict[str, Any]:
        return {"id": str(self.id), "service_id": str(self.service_id), "title": self.title, "status": self.status,
                "requested_by": self.requested_by}
