"""What service-svc's routes add to the runtime's (continuum.http.routes): who acts as the service's owner."""

from __future__ import annotations

from continuum.context import set_actor
from continuum.http.auth import Principal, Role
from continuum.http.commands import in_person

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
