"""A tiny event-sourced service used to exercise the platform end to end: a counter with a limit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from functools import singledispatchmethod
from typing import Annotated, Any
from uuid import UUID, uuid4

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, Field

from continuum.contracts.base import EventContract
from continuum.domain import Aggregate, DomainError, DomainEvent
from continuum.eventstore.codec import EventCodec
from continuum.http.auth import ANY_ROLE, Role, requires
from continuum.http.conditional import IfMatch, check_version, etag, parse_if_match
from continuum.http.history import AsOf, History, HistoryEntry
from continuum.service import ServiceParts, ServiceSpec


@dataclass(frozen=True)
class CounterOpened(DomainEvent):
    name: str
    limit: int


@dataclass(frozen=True)
class CounterIncremented(DomainEvent):
    by: int


class Counter(Aggregate):
    stream_type = "Counter"
    snapshot_every = 50

    def __init__(self, id: UUID) -> None:
        super().__init__(id)
        self.name = ""
        self.limit = 0
        self.value = 0

    @classmethod
    def open(cls, *, name: str, limit: int, at: datetime) -> Counter:
        counter = cls(uuid4())
        counter._record(CounterOpened(name=name, limit=limit), at=at)
        return counter

    def increment(self, by: int, *, at: datetime) -> None:
        if self.value + by > self.limit:
            raise DomainError("counter-within-limit", f"{self.value} + {by} would pass the limit {self.limit}")
        self._record(CounterIncremented(by=by), at=at)

    @singledispatchmethod
    def apply(self, event: DomainEvent) -> None:
        raise NotImplementedError(type(event).__name__)

    @apply.register
    def _(self, event: CounterOpened) -> None:
        self.name, self.limit = event.name, event.limit

    @apply.register
    def _(self, event: CounterIncremented) -> None:
        self.value += event.by

    def snapshot_state(self) -> dict[str, Any]:
        return {"name": self.name, "limit": self.limit, "value": self.value}

    def restore_state(self, state: dict[str, Any]) -> None:
        self.name, self.limit, self.value = state["name"], state["limit"], state["value"]


CODEC = EventCodec([CounterOpened, CounterIncremented])


class CounterOpenedV1(EventContract):
    """A counter was opened."""

    context = "counter"
    name: str
    limit: int


class CounterIncrementedV1(EventContract):
    """A counter went up."""

    context = "counter"
    by: int = Field(ge=1)


class OpenCounter(BaseModel):
    name: str = Field(min_length=1, max_length=100, examples=["visits"])
    limit: int = Field(ge=0, le=1_000_000, examples=[10])
    occurred_at: datetime | None = None


class Increment(BaseModel):
    by: int = Field(ge=1, le=1000, examples=[1])
    occurred_at: datetime | None = None


class CounterView(BaseModel):
    id: UUID
    name: str
    limit: int
    value: int
    version: int


def _view(counter: Counter, response: Response) -> CounterView:
    response.headers["ETag"] = etag(counter.version)
    return CounterView(id=counter.id, name=counter.name, limit=counter.limit, value=counter.value,
                       version=counter.version)


def counter_router() -> APIRouter:
    router = APIRouter(prefix="/counters", tags=["counters"])

    @router.post("", status_code=201, dependencies=[Depends(requires(Role.project_manager))])
    async def open_counter(body: OpenCounter, request: Request, response: Response) -> CounterView:
        platform = request.app.state.platform
        async with platform.unit_of_work() as uow:
            counter = Counter.open(name=body.name, limit=body.limit, at=body.occurred_at or datetime.now(UTC))
            uow.add(counter)
            await uow.commit()
        response.headers["Location"] = f"/counters/{counter.id}"
        return _view(counter, response)

    @router.post("/{counter_id}/increment", dependencies=[Depends(requires(Role.project_manager))])
    async def increment(counter_id: UUID, body: Increment, request: Request, response: Response,
                        if_match: IfMatch = None) -> CounterView:
        expected = parse_if_match(if_match)
        async with request.app.state.platform.unit_of_work() as uow:
            counter = await uow.get(Counter, counter_id)
            check_version(expected, counter.version)
            counter.increment(body.by, at=body.occurred_at or datetime.now(UTC))
            await uow.commit()
        return _view(counter, response)

    @router.get("/{counter_id}", dependencies=[Depends(ANY_ROLE)])
    async def read(counter_id: UUID, request: Request, response: Response, as_of: AsOf = None) -> CounterView:
        async with request.app.state.platform.unit_of_work() as uow:
            return _view(await uow.get(Counter, counter_id, as_of=as_of), response)

    @router.get("/{counter_id}/history", dependencies=[Depends(ANY_ROLE)])
    async def history(counter_id: UUID, request: Request) -> History:
        async with request.app.state.platform.unit_of_work() as uow:
            recorded = await uow.history(Counter.stream_type, counter_id)
        return History(stream_id=counter_id, items=[HistoryEntry.of(r) for r in recorded])

    return router


def counter_spec(context: str = "counter") -> ServiceSpec:
    return ServiceSpec(name="counter-svc", context=context, port=0, database="unused", title="Counter",
                       description="A test service")


def counter_parts() -> ServiceParts:
    return ServiceParts(codec=CODEC, publishes=(CounterOpenedV1, CounterIncrementedV1), routers=[counter_router()])
