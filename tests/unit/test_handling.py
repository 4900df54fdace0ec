"""decide_on: load, decide (plain or async), commit — and no commit when the aggregate refuses."""

from __future__ import annotations

import asyncio
from uuid import uuid4

import pytest
from continuum.domain import DomainError
from continuum.handling import decide_on


class Counter:
    def __init__(self) -> None:
        self.decisions: list[str] = []


class FakeUnitOfWork:
    def __init__(self, aggregate: Counter) -> None:
        self.aggregate, self.loaded, self.commits = aggregate, [], 0

    async def get(self, kind, aggregate_id):
        self.loaded.append((kind, aggregate_id))
        return self.aggregate

    async def commit(self) -> None:
        self.commits += 1


def test_loads_decides_and_commits_once() -> None:
    uow, aggregate_id = FakeUnitOfWork(Counter()), uuid4()
    result = asyncio.run(decide_on(uow, Counter, aggregate_id, lambda counter: counter.decisions.append("plain")))
    assert result is uow.aggregate and result.decisions == ["plain"]
    assert uow.loaded == [(Counter, aggregate_id)] and uow.commits == 1


def test_an_async_decision_is_awaited_before_the_commit() -> None:
    uow = FakeUnitOfWork(Counter())

    async def decide(counter: Counter) -> None:
        await asyncio.sleep(0)
        counter.decisions.append(f"async, commits so far {uow.commits}")

    asyncio.run(decide_on(uow, Counter, uuid4(), decide))
    assert uow.aggregate.decisions == ["async, commits so far 0"] and uow.commits == 1


def test_a_refusal_commits_nothing() -> None:
    uow = FakeUnitOfWork(Counter())

    def refuse(counter: Counter) -> None:
        raise DomainError("some-rule", "refused")

    with pytest.raises(DomainError):
        asyncio.run(decide_on(uow, Counter, uuid4(), refuse))
    assert uow.commits == 0
