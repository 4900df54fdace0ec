"""The Incident aggregate: its life cycle and its two SLA stopwatches (response and resolution)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import singledispatchmethod
from typing import Any
from uuid import UUID, uuid4

from continuum.domain import Aggregate, DomainEvent

from service_svc.domain import events as ev
from service_svc.domain.business_hours import WALL_CLOCK
from service_svc.domain.calendar import timeline_pieces
from service_svc.domain.rules import PRIORITIES, require, require_in_order
from service_svc.domain.sla_clock import (PAUSED, RUNNING, STOPPED, ClockFigures, Stopwatch, breach_instant,
                                          clock_figures, due_at, is_breached, minutes)

OPEN_STATUSES = ("open", "acknowledged", "on_hold")


@dataclass(frozen=True)
class AppliedSla:
    """What an incident's clocks run against: business-minute targets on a calendar (None: the built-in 24x7),
    with the calendar's revisions in force from now on."""

    response_minutes: int | None = None
    resolution_minutes: int | None = None
    calendar_id: UUID | None = None
    calendar: list[ev.CalendarHours] | None = None

    @property
    def key(self) -> tuple:
        latest = self.calendar[-1].revision if self.calendar else None
        return self.response_minutes, self.resolution_minutes, self.calendar_id, latest


class Incident(Aggregate):
    stream_type = "Incident"

    def __init__(self, id: UUID) -> None:
        super().__init__(id)
        self.service_id: UUID | None = None
        self.priority = self.category = self.title = self.description = ""
        self.outage = False
        self.detected_at = self.opened_at = self.last_at = self.resolved_at = None
        self.status = "open"
        self.assignee: str | None = None
        self.response_target: int | None = None
        self.resolution_target: int | None = None
        self.calendar_id: UUID | None = None
        self.timeline = WALL_CLOCK
        self._sla_key: tuple = (None, None, None, None)
        self.response = Stopwatch()
        self.resolution = Stopwatch()
        self.response_breached = self.resolution_breached = False
        self.resolution_code: str | None = None
        self.outage_minutes = Decimal(0)
        self.response_sla_met: bool | None = None
        self.resolution_sla_met: bool | None = None
        self.csat: int | None = None

    @classmethod
    def open(cls, *, service_id: UUID, priority: str, category: str, title: str, description: str, outage: bool,
             detected_at: datetime, sla: AppliedSla, at: datetime) -> Incident:
        require(priority in PRIORITIES, "priority-known", f"{priority} is not one of {', '.join(PRIORITIES)}")
        require(detected_at <= at, "detected-before-opened", "an incident cannot be detected after it is opened")
        incident = cls(uuid4())
        incident._record(ev.IncidentOpened(service_id=service_id, incident_id=incident.id, priority=priority,
                                           category=category, title=title, outage=outage, detected_at=detected_at,
                                           opened_at=at, description=description), at=at)
        incident.apply_sla(sla, at=at)
        return incident

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def _keys(self) -> dict[str, UUID]:
        return {"service_id": self.service_id, "incident_id": self.id}

    def _check(self, at: datetime, *allowed: str, rule: str) -> None:
        require(self.status in allowed, rule, f"the incident is {self.status}")
        require_in_order(at, self.last_at)

    def apply_sla(self, sla: AppliedSla, *, at: datetime) -> None:
        """Run the clocks on new targets or a new calendar from `at` on; time already elapsed and paused is kept."""
        if self.status == "closed" or sla.key == self._sla_key:
            return
        self._record(ev.IncidentSlaApplied(**self._keys(), priority=self.priority,
                                           response_minutes=sla.response_minutes,
                                           resolution_minutes=sla.resolution_minutes, applied_at=at,
                                           calendar_id=sla.calendar_id, calendar=sla.calendar), at=at)

    def acknowledge(self, *, at: datetime) -> None:
        self._check(at, "open", rule="acknowledge-open-incident")
        self.record_breaches(now=at)
        self._record(ev.IncidentAcknowledged(**self._keys(), acknowledged_at=at,
                                             business_minutes=minutes(self.response.elapsed(at, self.timeline))),
                     at=at)

    def assign(self, assignee: str, *, at: datetime) -> None:
        self._check(at, *OPEN_STATUSES, rule="assign-open-incident")
        self._record(ev.IncidentAssigned(**self._keys(), assignee=assignee), at=at)

    def put_on_hold(self, reason: str, *, at: datetime) -> None:
        self._check(at, "acknowledged", rule="hold-acknowledged-incident")
        self.record_breaches(now=at)
        self._record(ev.IncidentPutOnHold(**self._keys(), held_at=at, reason=reason), at=at)

    def resume(self, *, at: datetime) -> None:
        self._check(at, "on_hold", rule="resume-held-incident")
        self._record(ev.IncidentResumed(**self._keys(), resumed_at=at), at=at)

    def resolve(self, resolution_code: str, *, downtime_minutes: Decimal | None, at: datetime) -> None:
        self._check(at, *OPEN_STATUSES, rule="resolve-open-incident")
        if self.outage:
            require(downtime_minutes is not None, "outage-downtime-recorded", "an outage needs its downtime minutes")
        else:
            require(not downtime_minutes, "downtime-only-for-outages", "only an outage has downtime")
        self.record_breaches(now=at)
        response_met = self._met(self.response, self.response_target, at)
        resolution_met = self._met(self.resolution, self.resolution_target, at)
        self._record(ev.IncidentResolved(**self._keys(), resolved_at=at, resolution_code=resolution_code,
                                         outage_minutes=downtime_minutes or Decimal(0), response_sla_met=response_met,
                                         resolution_sla_met=resolution_met,
                                         business_minutes=minutes(self.resolution.elapsed(at, self.timeline))),
                     at=at)

    def _met(self, watch: Stopwatch, target: int | None, now: datetime) -> bool | None:
        return None if target is None else not is_breached(watch, target, now, self.timeline)

    def close(self, *, at: datetime) -> None:
        self._check(at, "resolved", rule="close-resolved-incident")
        self._record(ev.IncidentClosed(**self._keys(), closed_at=at), at=at)

    def reopen(self, reason: str, *, at: datetime) -> None:
        self._check(at, "resolved", rule="reopen-resolved-incident")
        self._record(ev.IncidentReopened(**self._keys(), reason=reason, reopened_at=at), at=at)

    def rate(self, score: int, comment: str | None, *, at: datetime) -> None:
        require(self.status in ("resolved", "closed"), "csat-after-resolution", f"the incident is {self.status}")
        require(self.csat is None, "csat-once", "this incident was already rated")
        require(1 <= score <= 5, "csat-score-1-to-5", f"{score} is not between 1 and 5")
        self._record(ev.IncidentCsatRated(**self._keys(), score=score, comment=comment), at=at)

    def record_breaches(self, *, now: datetime) -> None:
        """Record each clock's breach once, at the business time its target was passed."""
        if not self.response_breached and is_breached(self.response, self.response_target, now, self.timeline):
            at = breach_instant(self.response, self.response_target, self.timeline)
            self._record(ev.IncidentResponseSlaBreached(**self._keys(), priority=self.priority,
                                                        target_minutes=self.response_target, breached_at=at), at=at)
        if not self.resolution_breached and is_breached(self.resolution, self.resolution_target, now, self.timeline):
            at = breach_instant(self.resolution, self.resolution_target, self.timeline)
            self._record(ev.IncidentResolutionSlaBreached(**self._keys(), priority=self.priority,
                                                          target_minutes=self.resolution_target, breached_at=at),
                         at=at)

    def clocks(self, now: datetime) -> dict[str, ClockFigures]:
        return {"response": clock_figures(self.response, self.response_target, now, self.timeline),
                "resolution": clock_figures(self.resolution, self.resolution_target, now, self.timeline)}

    def _see(self, at: datetime) -> None:
        self.last_at = at if self.last_at is None else max(self.last_at, at)

    @singledispatchmethod
    def apply(self, event: DomainEvent) -> None:
        raise NotImplementedError(type(event).__name__)

    @apply.register
    def _(self, event: ev.IncidentOpened) -> None:
        self.service_id, self.priority, self.category = event.service_id, event.priority, event.category
        self.title, self.description, self.outage = event.title, event.description or "", event.outage
        self.detected_at = event.detected_at
        self.opened_at = event.opened_at or event.detected_at
        self.response = self.response.moved(self.opened_at, RUNNING)
        self.resolution = self.resolution.moved(self.opened_at, RUNNING)
        self._see(self.opened_at)

    @apply.register
    def _(self, event: ev.IncidentSlaApplied) -> None:
        self.response_target, self.resolution_target = event.response_minutes, event.resolution_minutes
        self.calendar_id = event.calendar_id
        self.timeline = self.timeline.from_on(event.applied_at, timeline_pieces(event.calendar_id, event.calendar))
        self._sla_key = AppliedSla(event.response_minutes, event.resolution_minutes, event.calendar_id,
                                   event.calendar).key
        self._see(event.applied_at)

    @apply.register
    def _(self, event: ev.IncidentAcknowledged) -> None:
        self.status = "acknowledged"
        self.response = self.response.moved(event.acknowledged_at, STOPPED)
        self._see(event.acknowledged_at)

    @apply.register
    def _(self, event: ev.IncidentAssigned) -> None:
        self.assignee = event.assignee

    @apply.register
    def _(self, event: ev.IncidentPutOnHold) -> None:
        self.status = "on_hold"
        self.resolution = self.resolution.moved(event.held_at, PAUSED)
        self._see(event.held_at)

    @apply.register
    def _(self, event: ev.IncidentResumed) -> None:
        self.status = "acknowledged"
        self.resolution = self.resolution.moved(event.resumed_at, RUNNING)
        self._see(event.resumed_at)

    @apply.register
    def _(self, event: ev.IncidentResolved) -> None:
        self.status, self.resolved_at, self.resolution_code = "resolved", event.resolved_at, event.resolution_code
        self.outage_minutes = event.outage_minutes
        self.response_sla_met, self.resolution_sla_met = event.response_sla_met, event.resolution_sla_met
        self.response = self.response.moved(event.resolved_at, STOPPED)
        self.resolution = self.resolution.moved(event.resolved_at, STOPPED)
        self._see(event.resolved_at)

    @apply.register
    def _(self, event: ev.IncidentReopened) -> None:
        self.status = "acknowledged"
        if event.reopened_at is not None:
            self.resolution = self.resolution.moved(event.reopened_at, RUNNING)
            self._see(event.reopened_at)

    @apply.register
    def _(self, event: ev.IncidentClosed) -> None:
        self.status = "closed"
        self._see(event.closed_at)

    @apply.register
    def _(self, event: ev.IncidentResponseSlaBreached) -> None:
        self.response_breached = True

    @apply.register
    def _(self, event: ev.IncidentResolutionSlaBreached) -> None:
        self.resolution_breached = True

    @apply.register
    def _(self, event: ev.IncidentCsatRated) -> None:
        self.csat = event.score

    def summary(self) -> dict[str, Any]:
        return {
            "id": str(self.id), "service_id": str(self.service_id), "priority": self.priority,
            "category": self.category, "title": self.title, "status": self.status, "open": self.is_open,
            "outage": self.outage, "assignee": self.assignee, "opened_at": _iso(self.opened_at),
            "response_breached": self.response_breached, "resolution_breached": self.resolution_breached,
            "response_due_at": None if self.response_breached
            else _iso(due_at(self.response, self.response_target, self.timeline)),
            "resolution_due_at": None if self.resolution_breached
            else _iso(due_at(self.resolution, self.resolution_target, self.timeline)),
        }


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()
