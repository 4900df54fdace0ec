"""What every route of service-svc does the same way: run a command on the bus, read one, list, history."""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypeVar
from uuid import UUID

from fastapi import Request, Response

from continuum.context import set_actor
from continuum.domain import Aggregate
from continuum.eventstore.summaries import ListQuery
from continuum.http.auth import Principal, Role
from continuum.http.commands import answer_with_version, in_person
from continuum.http.conditional import parse_if_match
from continuum.http.history import History, history_page
from continuum.http.listing import listed_page

A = TypeVar("A", bound=Aggregate)

OWNER_NOTE = ("\n\nOwnership: only the service's own owner (403 `decided-by-the-services-owner` for another service "
              "owner, or while the service has no owner yet); admin and integration act on any service, and the "
              "event's actor then reads `admin:<sub>` or `integration:<sub>`.")


def acting_owner(caller: Principal) -> str | None:
    """Who acts in person as the service's owner; None for admin and integration, who may act on any service —
    the events' actor then says in which capacity (`admin:<sub>`, `integration:<sub>`)."""
    acting = in_person(caller)
    if acting is None:
        capacity = Role.admin if Role.admin in caller.roles else Role.integration
        set_actor(f"{capacity.value}:{caller.subject}")
    return acting


async def handled(request: Request, response: Response, command: Any, *, if_match: str | None = None,
                  location: str | None = None) -> Any:
    """Hand the command to the bus and answer with the resulting aggregate's version (ETag)."""
    result = await request.app.state.bus.handle(command, expected_version=parse_if_match(if_match))
    aggregate = result[0] if isinstance(result, tuple) else result
    answer_with_version(response, aggregate.version, location=location and f"{location}/{aggregate.id}")
    return result


async def read_one(request: Request, response: Response, cls: type[A], stream_id: UUID,
                   as_of: datetime | None = None) -> A:
    async with request.app.state.platform.unit_of_work() as uow:
        aggregate = await uow.get(cls, stream_id, as_of=as_of)
    answer_with_version(response, aggregate.version)
    return aggregate


async def history_of(request: Request, cls: type[Aggregate], stream_id: UUID, cursor: str | None, limit: int
                     ) -> History:
    return await history_page(request.app.state.platform, cls.stream_type, stream_id, cursor=cursor, limit=limit)


async def listed(request: Request, cls: type[Aggregate], filters: dict[str, Any], limit: int,
                 cursor: str | None, listing: ListQuery = ListQuery()) -> tuple[list[dict[str, Any]], str | None]:
    """One page of summaries matching every filter that was given."""
    return await listed_page(request.app.state.engine, stream_type=cls.stream_type, filters=filters,
                             listing=listing, limit=limit, cursor=cursor)
