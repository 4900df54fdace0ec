"""A tiny event-sourced service used to exercise the platform end to end: a counter with a limit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import singledispatchmethod
from typing import Annotated, Any
from uuid import UUID, uuid4

from annotated_types import Ge
from fastapi import APIRouter, Request, Response
from pydantic import AwareDatetime, BaseModel, Field

from continuum.bus import MessageBus
from continuum.contracts.base import EventContract
from continuum.domain import Aggregate, DomainError, DomainEvent
from continuum.eventstore.codec import EventCodec
from continuum.eventstore.summaries import summary_page
from continuum.eventstore.uow import UnitOfWork
from continuum.http.auth import Role
from continuum.http.commands import Caller, allowed, answer_with_version, business_time, readable
from continuum.http.conditional import IfMatch, parse_if_match
from continuum.http.history import AsOf, History, HistoryLimit, history_page
from continuum.http.pagination import Cursor, Limit, Page, decode_cursor, encode_cursor
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

    def summary(self) -> dict[str, Any]:
        return {"id": str(self.id), "name": self.name, "limit": self.limit, "value": self.value,
                "full": self.value >= self.limit}

    def snapshot_state(self) -> dict[str, Any]:
        return {"name": self.name, "limit": self.limit, "value": self.value}

    def restore_state(self, state: dict[str, Any]) -> None:
        self.name, self.limit, self.value = state["name"], state["limit"], state["value"]


CODEC = EventCodec([CounterOpened, CounterIncremented])


@dataclass(frozen=True, kw_only=True)
class CounterOpenedV1(EventContract):
    """A counter was opened."""

    context = "counter"
    name: str
    limit: int


@dataclass(frozen=True, kw_only=True)
class CounterIncrementedV1(EventContract):
    """A counter went up."""

    context = "counter"
    by: Annotated[int, Ge(1)]


# Commands and their handlers: what a domain service's handlers.py holds.


@dataclass(frozen=True)
class OpenCounterCommand:
    name: str
    limit: int
    at: datetime


@dataclass(frozen=True)
class IncrementCounter:
    counter_id: UUID
    by: int
    at: datetime


async def open_counter(command: OpenCounterCommand, uow: UnitOfWork) -> Counter:
    counter = Counter.open(name=command.name, limit=command.limit, at=command.at)
    uow.add(counter)
    await uow.commit()
    return counter


async def increment_counter(command: IncrementCounter, uow: UnitOfWork) -> Counter:
    counter = await uow.get(Counter, command.counter_id)
    counter.increment(command.by, at=command.at)
    await uow.commit()
    return counter


HANDLERS = {OpenCounterCommand: open_counter, IncrementCounter: increment_counter}


# The API: DTOs and thin routes.


class OpenCounter(BaseModel):
    name: str = Field(min_length=1, max_length=100, examples=["visits"])
    limit: int = Field(ge=0, le=1_000_000, examples=[10])
    occurred_at: AwareDatetime | None = None


class Increment(BaseModel):
    by: int = Field(ge=1, le=1000, examples=[1])
    occurred_at: AwareDatetime | None = None


class CounterView(BaseModel):
    id: UUID
    name: str
    limit: int
    value: int
    version: int

    @classmethod
    def of(cls, counter: Counter) -> CounterView:
        return cls(id=counter.id, name=counter.name, limit=counter.limit, value=counter.value, version=counter.version)


class CounterSummary(BaseModel):
    id: UUID
    name: str
    limit: int
    value: int
    full: bool


def counter_router() -> APIRouter:
    router = APIRouter(prefix="/counters", tags=["counters"])

    @router.post("", status_code=201, **allowed(Role.project_manager))
    async def open_(body: OpenCounter, caller: Caller, request: Request, response: Response) -> CounterView:
        command = OpenCounterCommand(body.name, body.limit, business_time(caller, body.occurred_at))
        counter = await request.app.state.bus.handle(command)
        answer_with_version(response, counter.version, location=f"/counters/{counter.id}")
        return CounterView.of(counter)

    @router.post("/{counter_id}/increment", **allowed(Role.project_manager))
    async def increment(counter_id: UUID, body: Increment, caller: Caller, request: Request, response: Response,
                        if_match: IfMatch = None) -> CounterView:
        command = IncrementCounter(counter_id, body.by, business_time(caller, body.occurred_at))
        counter = await request.app.state.bus.handle(command, expected_version=parse_if_match(if_match))
        answer_with_version(response, counter.version)
        return CounterView.of(counter)

    @router.get("", **readable())
    async def list_(request: Request, limit: Limit = 50, cursor: Cursor = None,
                    full: bool | None = None) -> Page[CounterSummary]:
        page = await summary_page(request.app.state.engine, stream_type=Counter.stream_type, filters={"full": full},
                                  after=(decode_cursor(cursor) or {}).get("after", 0), limit=limit)
        next_cursor = encode_cursor({"after": page.next_after}) if page.next_after else None
        return Page[CounterSummary](items=page.items, next_cursor=next_cursor)

    @router.get("/{counter_id}", **readable())
    async def read(counter_id: UUID, request: Request, response: Response, as_of: AsOf = None) -> CounterView:
        async with request.app.state.platform.unit_of_work() as uow:
            counter = await uow.get(Counter, counter_id, as_of=as_of)
        answer_with_version(response, counter.version)
        return CounterView.of(counter)

    @router.get("/{counter_id}/history", **readable())
    async def history(counter_id: UUID, request: Request, cursor: Cursor = None, limit: HistoryLimit = 100
                          ) -> History:
        return await history_page(request.app.state.platform, Counter.stream_type, counter_id, cursor=cursor, limit=limit)

    return router


async def _wire_bus(app, platform) -> None:
    app.state.bus = MessageBus(handlers=HANDLERS, unit_of_work=platform.unit_of_work)


def counter_spec(context: str = "counter") -> ServiceSpec:
    return ServiceSpec(name="counter-svc", context=context, port=0, database="unused", title="Counter",
                       description="A test service")


def counter_parts() -> ServiceParts:
    return ServiceParts(codec=CODEC, publishes=(CounterOpenedV1, CounterIncrementedV1), routers=[counter_router()],
                        on_start=_wire_bus)
