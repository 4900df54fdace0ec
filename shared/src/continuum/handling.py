"""The one way a handler changes an aggregate: load it, let it decide, commit."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar
from uuid import UUID

from continuum.domain import Aggregate
from continuum.eventstore.uow import UnitOfWork

A = TypeVar("A", bound=Aggregate)


async def decide_on(uow: UnitOfWork, kind: type[A], aggregate_id: UUID,
                    decide: Callable[[A], Awaitable[Any] | Any]) -> A:
    """Load the aggregate, let `decide` (plain or async) record its events, commit, and return the aggregate."""
    aggregate = await uow.get(kind, aggregate_id)
    decided = decide(aggregate)
    if inspect.isawaitable(decided):
        await decided
    await uow.commit()
    return aggregate
