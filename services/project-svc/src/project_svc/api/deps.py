"""Dependencies of project-svc's routes: who acts, in what capacity, recorded as the events' actor."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from continuum.context import set_actor
from continuum.http.auth import Principal, Role
from continuum.http.commands import Caller

from project_svc.domain.entities import Actor, Authority


def authority_of(caller: Principal) -> Authority:
    """admin and integration act for others (ownership does not bind them); everyone else acts in person."""
    if Role.admin in caller.roles:
        return Authority.admin
    if Role.integration in caller.roles:
        return Authority.integration
    return Authority.in_person


async def acting(caller: Caller) -> Actor:
    """The caller as the commands' actor; the events it causes record `admin:<sub>` / `integration:<sub>`."""
    actor = Actor(caller.subject, authority_of(caller))
    set_actor(actor.recorded_as)
    return actor


Acting = Annotated[Actor, Depends(acting)]
