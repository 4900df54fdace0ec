"""The Problem aggregate: the cause behind recurring incidents, its known error and its resolution."""

from __future__ import annotations

from datetime import datetime
from functools import singledispatchmethod
from typing import Any
from uuid import UUID, uuid4

from continuum.domain import Aggregate, DomainEvent

from service_svc.domain import events as ev
from service_svc.domain.rules import require


class Problem(Aggregate):
    stream_type = "Problem"

    def __init__(self, id: UUID) -> None:
        super().__init__(id)
        self.service_id: UUID | None = None
        self.title = ""
        self.incident_ids: list[UUID] = []
        self.root_cause: str | None = None
        self.workaround: str | None = None
        self.status = "open"
        self.resolution: str | None = None
        self.resolves_incidents = False

    @classmethod
    def open(cls, *, service_id: UUID, title: str, incident_ids: list[UUID], at: datetime) -> Problem:
        require(bool(incident_ids), "problem-from-incidents", "a problem is opened from at least one incident")
        require(len(set(incident_ids)) == len(incident_ids), "incident-linked-once", "an incident is listed twice")
        problem = cls(uuid4())
        problem._record(ev.ProblemOpened(service_id=service_id, problem_id=problem.id, title=title,
                                         incident_ids=list(incident_ids)), at=at)
        return problem

    def _require_unresolved(self) -> None:
        require(self.status != "resolved", "problem-unresolved", "the problem is resolved")

    def link_incident(self, incident_id: UUID, *, at: datetime) -> None:
        self._require_unresolved()
        require(incident_id not in self.incident_ids, "incident-linked-once", f"{incident_id} is already linked")
        self._record(ev.ProblemIncidentLinked(service_id=self.service_id, problem_id=self.id, incident_id=incident_id),
                     at=at)

    def record_root_cause(self, root_cause: str, *, at: datetime) -> None:
        self._require_unresolved()
        self._record(ev.ProblemRootCauseRecorded(service_id=self.service_id, problem_id=self.id, root_cause=root_cause),
                     at=at)

    def record_known_error(self, workaround: str, *, at: datetime) -> None:
        self._require_unresolved()
        self._record(ev.ProblemKnownErrorRecorded(service_id=self.service_id, problem_id=self.id,
                                                  workaround=workaround), at=at)

    def resolve(self, resolution: str, *, resolve_incidents: bool, at: datetime) -> None:
        self._require_unresolved()
        require(self.root_cause is not None, "root-cause-before-resolution", "record the root cause first")
        self._record(ev.ProblemResolved(service_id=self.service_id, problem_id=self.id, resolution=resolution,
                                        resolved_at=at, resolves_incidents=resolve_incidents), at=at)

    @singledispatchmethod
    def apply(self, event: DomainEvent) -> None:
        raise NotImplementedError(type(event).__name__)

    @apply.register
    def _(self, event: ev.ProblemOpened) -> None:
        self.service_id, self.title, self.incident_ids = event.service_id, event.title, list(event.incident_ids)

    @apply.register
    def _(self, event: ev.ProblemIncidentLinked) -> None:
        self.incident_ids.append(event.incident_id)

    @apply.register
    def _(self, event: ev.ProblemRootCauseRecorded) -> None:
        self.root_cause = event.root_cause

    @apply.register
    def _(self, event: ev.ProblemKnownErrorRecorded) -> None:
        self.workaround, self.status = event.workaround, "known_error"

    @apply.register
    def _(self, event: ev.ProblemResolved) -> None:
        self.status, self.resolution, self.resolves_incidents = "resolved", event.resolution, event.resolves_incidents

    def summary(self) -> dict[str, Any]:
        return {"id": str(self.id), "service_id": str(self.service_id), "title": self.title, "status": self.status,
                "incident_count": len(self.incident_ids), "known_error": self.workaround is not None}
