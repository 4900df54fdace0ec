"""What every service's routes do the same way: run a command on the bus and answer its version (ETag, and
Location for a creation), read one aggregate (at `as_of`), page its history, list a cursor page of summaries.

The app holds the bus (`app.state.bus`), the platform (`app.state.platform`) and the engine (`app.state.engine`),
as `continuum.service.build_service_app` sets them up.
"""

from __future__ import annotations

from datetime import datetime
from collections.abc import Callable
from typing import Any, TypeVar
from uuid import UUID

from fastapi import APIRouter, Request, Response

from continuum.domain import Aggregate
from continuum.eventstore.summaries import ListQuery
from continuum.http.commands import answer_with_version
from continuum.http.conditional import parse_if_match
from continuum.http.history import History, history_page
from continuum.http.listing import listed_page

A = TypeVar("A", bound=Aggregate)


def with_routes(router: APIRouter, *parts: Callable[[APIRouter], None]) -> APIRouter:
    """The router with the routes of each part added, in the order given (the order they match and that
    the OpenAPI document lists them in): a collection's routes written as a few builders of related ones."""
    for part in parts:
        part(router)
    return router


async def handled(request: Request, response: Response, command: Any, *, if_match: str | None = None,
                  created_in: str | None = None, location: str | None = None) -> Any:
    """Hand the command to the bus (`If-Match` as its expected version) and answer the resulting aggregate's
    version as ETag. A creation names its Location: `created_in` the collection (Location `<created_in>/<id>`
    of the aggregate), or `location` the whole path (a part of the aggregate). The bus's result is returned
    as is: the aggregate, or a tuple whose first item is the aggregate."""
    result = await request.app.state.bus.handle(command, expected_version=parse_if_match(if_match))
    aggregate = result[0] if isinstance(result, tuple) else result
    if created_in is not None:
        location = f"{created_in}/{aggregate.id}"
    answer_with_version(response, aggregate.version, location=location)
    return result


async def loaded(request: Request, cls: type[A], stream_id: UUID, as_of: datetime | None = None) -> A:
    """The aggregate as it stands (or stood at `as_of`); 404 if it has no events (then)."""
    async with request.app.state.platform.unit_of_work() as uow:
        return await uow.get(cls, stream_id, as_of=as_of)


async def read_one(request: Request, response: Response, cls: type[A], stream_id: UUID,
                   as_of: datetime | None = None) -> A:
    """`GET .../{id}`: the aggregate (at `as_of`), its version answered as ETag."""
    aggregate = await loaded(request, cls, stream_id, as_of)
    answer_with_version(response, aggregate.version)
    return aggregate


async def history_of(request: Request, cls: type[Aggregate], stream_id: UUID, cursor: str | None, limit: int
                     ) -> History:
    """`GET .../{id}/history`: a page of the aggregate's events after the cursor (404 if it has none)."""
    return await history_page(request.app.state.platform, cls.stream_type, stream_id, cursor=cursor, limit=limit)


async def listed(request: Request, cls: type[Aggregate], filters: dict[str, Any], limit: int,
                 cursor: str | None, listing: ListQuery = ListQuery()) -> tuple[list[dict[str, Any]], str | None]:
    """One page of summaries matching every filter that was given, and the cursor of the next."""
    return await listed_page(request.app.state.engine, stream_type=cls.stream_type, filters=filters,
                             listing=listing, limit=limit, cursor=cursor)
