"""The lines an import applies and what a service supplies: `Line` (a validated line and its import key),
`ImportLineModel` (the fields every line kind has) and `Importer` (how a service makes and changes its records)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Generic, Protocol, TypeVar

from continuum.domain import Aggregate
from continuum.eventstore.uow import UnitOfWork

A = TypeVar("A", bound=Aggregate)
C = TypeVar("C")


class ImportLineModel(Protocol):
    ref: str
    command: str
    occurred_at: datetime


@dataclass(frozen=True)
class Line:
    number: int
    body: Any  # the line's validated model (an ImportLineModel)
    key: str = field(init=False)
    """The line's import key: its record, command and business time (the same line again is the same key)."""

    def __post_init__(self) -> None:
        body = self.body
        key = f"{body.ref}|{body.command}|{body.occurred_at.astimezone(UTC).isoformat()}"
        own = getattr(body, "line_key", None)  # a line kind that may repeat at one time says what else tells it apart
        object.__setattr__(self, "key", f"{key}|{own()}" if own is not None else key)


class Importer(Protocol, Generic[A, C]):
    """What a service tells the engine about one kind of record."""

    aggregate: type[A]
    creates: frozenset[str]  # the commands that make a new record (the record's first line)

    async def begin(self, uow: UnitOfWork) -> C:
        """Per transaction, before any line: take locks, load what lines need (the service, its SLA)."""
        ...

    async def create(self, body: Any, context: C) -> A:
        """The new aggregate a creating line makes (its events pending)."""
        ...

    async def apply(self, aggregate: A, body: Any, context: C) -> None:
        """Run one line's command on the aggregate (events pending); raise a DomainError to refuse it."""
        ...
