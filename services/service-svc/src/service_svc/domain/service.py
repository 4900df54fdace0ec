"""The Service aggregate: catalog entry, lifecycle stage, owner, SLA, operating cost, improvement register."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import singledispatchmethod
from typing import Any
from uuid import UUID, uuid4

from continuum.domain import Aggregate, DomainEvent

from service_svc.domain import events as ev
from service_svc.domain.events import SlaTarget
from service_svc.domain.rules import (
    PRIORITIES,
    STAGES,
    next_stage,
    require,
    require_owner_change_allowed,
    require_services_owner,
)


@dataclass(frozen=True)
class Sla:
    availability_target_pct: Decimal
    targets: dict[str, SlaTarget]
    csat_target_pct: Decimal

    def target_for(self, priority: str) -> SlaTarget | None:
        return self.targets.get(priority)

    def known_revision(self, calendar_id: UUID) -> int | None:
        """The calendar's latest revision as the SLA last heard of it (None: not recorded, e.g. older SLAs)."""
        return next((t.calendar_revision for t in self.targets.values() if t.calendar_id == calendar_id), None)

    @property
    def calendar_ids(self) -> set[UUID]:
        """The calendars its targets count business minutes on (the built-in 24x7 is not one)."""
        return {target.calendar_id for target in self.targets.values() if target.calendar_id is not None}


@dataclass(frozen=True)
class Improvement:
    title: str
    status: str
    project_id: UUID | None


class Service(Aggregate):
    stream_type = "Service"

    def __init__(self, id: UUID) -> None:
        super().__init__(id)
        self.name = self.description = ""
        self.owner: str | None = None
        self.stage = "strategy"
        self.demanded_by: str | None = None
        self.expected_volume: str | None = None
        self.sla: Sla | None = None
        self.operating_cost = Decimal(0)
        self.improvements: dict[UUID, Improvement] = {}
        self.handovers: list[UUID] = []

    @classmethod
    def register(cls, *, name: str, description: str, owner: str | None, demanded_by: str, expected_volume: str,
                 by: str | None, at: datetime) -> Service:
        """Enter the catalog in strategy; a service owner acting in person names themselves as owner or no one."""
        require(bool(demanded_by.strip()) and bool(expected_volume.strip()), "demand-case-stated",
                "a service in strategy states who needs it and the expected volume")
        if owner is not None:
            require_owner_change_allowed(None, owner, by, service="being registered")
        service = cls(uuid4())
        service._record(ev.ServiceRegistered(service_id=service.id, name=name, description=description, owner=owner,
                                             stage="strategy", demanded_by=demanded_by,
                                             expected_volume=expected_volume), at=at)
        return service

    def require_live(self) -> None:
        require(self.stage != "retired", "service-not-retired", "the service is retired")

    def require_owner(self, acting: str | None) -> None:
        """Only the service's owner acts on its SLA, stage, costs, improvements, changes and problems."""
        require_services_owner(self.owner, acting, service=self.id)

    def assign_owner(self, owner: str, *, by: str | None, at: datetime) -> None:
        require_owner_change_allowed(self.owner, owner, by, service=self.id)
        self.require_live()
        require(owner != self.owner, "owner-changes", f"{owner} already owns the service")
        self._record(ev.ServiceOwnerAssigned(service_id=self.id, owner=owner), at=at)

    def change_stage(self, to_stage: str, reason: str, *, by_admin: bool, at: datetime) -> None:
        """Move forward one stage or retire; entering operation directly needs an admin and a reason."""
        require(to_stage in STAGES, "stage-known", f"{to_stage} is not a lifecycle stage")
        self.require_live()
        if to_stage == "operation":
            require(by_admin and bool(reason.strip()), "operation-needs-handover",
                    "a service enters operation when its handover is accepted (or by an admin, with a reason)")
            require(self.stage != "operation", "stage-order", "the service is already in operation")
        else:
            require(to_stage in (next_stage(self.stage), "retired"), "stage-order",
                    f"a service in {self.stage} cannot move to {to_stage}")
        self._record(ev.ServiceStageChanged(service_id=self.id, from_stage=self.stage, to_stage=to_stage,
                                            reason=reason), at=at)

    def accept_handover(self, handover_id: UUID, *, at: datetime) -> None:
        """An accepted handover puts the service in operation, once; a repeated or late one changes nothing."""
        if self.stage in ("operation", "retired") or handover_id in self.handovers:
            return
        self._record(ev.ServiceStageChanged(service_id=self.id, from_stage=self.stage, to_stage="operation",
                                            reason="handover accepted", handover_id=handover_id), at=at)

    def define_sla(self, sla: Sla, *, at: datetime) -> None:
        self.require_live()
        require(set(sla.targets) == set(PRIORITIES), "sla-covers-every-priority",
                f"targets are needed for {', '.join(PRIORITIES)}")
        for priority, target in sla.targets.items():
            require(0 < target.response_minutes <= target.resolution_minutes, "response-within-resolution",
                    f"{priority}: the response target must be positive and not after the resolution target")
        require(0 < sla.availability_target_pct <= 100, "availability-target-pct", "between 0 and 100")
        require(0 <= sla.csat_target_pct <= 100, "csat-target-pct", "between 0 and 100")
        self._record(ev.SlaDefined(service_id=self.id, availability_target_pct=sla.availability_target_pct,
                                   targets=dict(sla.targets), csat_target_pct=sla.csat_target_pct), at=at)

    def calendar_revised(self, calendar_id: UUID, revision: int, *, at: datetime) -> None:
        """Note a new revision of a calendar the SLA counts on (readers then know a copy older than it is stale)."""
        known = self.sla.known_revision(calendar_id) if self.sla else None
        if self.sla is not None and calendar_id in self.sla.calendar_ids and (known is None or revision > known):
            self._record(ev.SlaCalendarRevised(service_id=self.id, calendar_id=calendar_id, calendar_revision=revision),
                         at=at)

    def withdraw_sla(self, reason: str, *, at: datetime) -> None:
        require(self.sla is not None, "sla-defined", "the service has no SLA to withdraw")
        self._record(ev.SlaWithdrawn(service_id=self.id, reason=reason), at=at)

    def record_operating_cost(self, amount: Decimal, *, incurred_on: datetime, category: str, at: datetime) -> None:
        require(amount > 0, "cost-positive", "an operating cost is a positive amount")
        self._record(ev.OperatingCostRecorded(service_id=self.id, amount=amount, incurred_on=incurred_on,
                                              category=category), at=at)

    def plan_improvement(self, title: str, project_id: UUID | None, *, at: datetime) -> UUID:
        self.require_live()
        improvement_id = uuid4()
        self._record(ev.ImprovementPlanned(service_id=self.id, improvement_id=improvement_id, title=title,
                                           project_id=project_id), at=at)
        return improvement_id

    def implement_improvement(self, improvement_id: UUID, project_id: UUID | None, *, at: datetime) -> None:
        item = self.improvements.get(improvement_id)
        require(item is not None, "improvement-known", f"no improvement {improvement_id} in the register")
        require(item.status == "planned", "improvement-implemented-once", "the improvement is already implemented")
        self._record(ev.ImprovementImplemented(service_id=self.id, improvement_id=improvement_id, implemented_at=at,
                                               project_id=project_id or item.project_id), at=at)

    @singledispatchmethod
    def apply(self, event: DomainEvent) -> None:
        raise NotImplementedError(type(event).__name__)

    @apply.register
    def _(self, event: ev.ServiceRegistered) -> None:
        self.name, self.description, self.owner, self.stage = event.name, event.description, event.owner, event.stage
        self.demanded_by, self.expected_volume = event.demanded_by, event.expected_volume

    @apply.register
    def _(self, event: ev.ServiceOwnerAssigned) -> None:
        self.owner = event.owner

    @apply.register
    def _(self, event: ev.ServiceStageChanged) -> None:
        self.stage = event.to_stage
        if event.handover_id is not None:
            self.handovers.append(event.handover_id)

    @apply.register
    def _(self, event: ev.SlaDefined) -> None:
        self.sla = Sla(event.availability_target_pct, dict(event.targets), event.csat_target_pct)

    @apply.register
    def _(self, event: ev.SlaCalendarRevised) -> None:
        assert self.sla is not None
        targets = {p: dataclasses.replace(t, calendar_revision=event.calendar_revision)
                   if t.calendar_id == event.calendar_id else t for p, t in self.sla.targets.items()}
        self.sla = dataclasses.replace(self.sla, targets=targets)

    @apply.register
    def _(self, event: ev.SlaWithdrawn) -> None:
        self.sla = None

    @apply.register
    def _(self, event: ev.OperatingCostRecorded) -> None:
        self.operating_cost += event.amount

    @apply.register
    def _(self, event: ev.ImprovementPlanned) -> None:
        self.improvements[event.improvement_id] = Improvement(event.title, "planned", event.project_id)

    @apply.register
    def _(self, event: ev.ImprovementImplemented) -> None:
        item = self.improvements[event.improvement_id]
        self.improvements[event.improvement_id] = Improvement(item.title, "implemented", event.project_id)

    def summary(self) -> dict[str, Any]:
        calendars = sorted(str(c) for c in self.sla.calendar_ids) if self.sla else []
        return {"id": str(self.id), "name": self.name, "owner": self.owner, "stage": self.stage,
                "sla_defined": self.sla is not None, "calendar_ids": calendars}
