"""Pure building blocks for event-sourced aggregates: no framework, no I/O (services' domains import this)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import singledispatchmethod
from typing import Any, ClassVar
from uuid import UUID


class DomainEvent:
    """Base of domain events: frozen dataclasses named in the past tense.

    `schema_version` is the version of the event's shape; changing the shape bumps it and adds an upcaster.
    """

    schema_version: ClassVar[int] = 1

    @classmethod
    def event_type(cls) -> str:
        return cls.__name__


class DomainError(Exception):
    """A command broke a domain rule; `rule` names it (it becomes a 409 problem)."""

    def __init__(self, rule: str, detail: str) -> None:
        super().__init__(detail)
        self.rule = rule
        self.detail = detail


class NotAllowed(DomainError):
    """The rule broken is who may decide (e.g. only the project's own sponsor): a 403 problem naming the rule."""


class NotFound(Exception):
    """The aggregate does not exist (at the requested time)."""

    def __init__(self, stream_type: str, stream_id: UUID) -> None:
        super().__init__(f"{stream_type} {stream_id} not found")
        self.stream_type = stream_type
        self.stream_id = stream_id


@dataclass(frozen=True)
class PendingEvent:
    event: DomainEvent
    occurred_at: datetime


class Aggregate:
    """An aggregate changes only by applying events: a command checks its rule, then `_record`s an event.

    Subclasses set `stream_type` and implement `apply` as a `singledispatchmethod`, one branch per event.
    Long-lived aggregates may set `snapshot_every` and implement `snapshot_state` / `restore_state`.
    """

    stream_type: ClassVar[str]
    snapshot_every: ClassVar[int | None] = None

    def __init__(self, id: UUID) -> None:
        self.id = id
        self.version = 0
        self.pending: list[PendingEvent] = []

    @singledispatchmethod
    def apply(self, event: DomainEvent) -> None:
        raise NotImplementedError(f"{type(self).__name__} cannot apply {type(event).__name__}")

    def _record(self, event: DomainEvent, *, at: datetime) -> None:
        self.apply(event)
        self.pending.append(PendingEvent(event, at))

    def replay(self, event: DomainEvent, *, version: int) -> None:
        """Fold one stored event into the state (used when loading)."""
        self.apply(event)
        self.version = version

    @property
    def exists(self) -> bool:
        return self.version > 0 or bool(self.pending)

    def summary(self) -> dict[str, Any] | None:
        """The JSON list view kept in `summaries` with each commit (filters match it by containment)."""
        return None

    def snapshot_state(self) -> dict[str, Any]:
        raise NotImplementedError(f"{type(self).__name__} does not take snapshots")

    def restore_state(self, state: dict[str, Any]) -> None:
        raise NotImplementedError(f"{type(self).__name__} does not take snapshots")
