"""`ByTheServicesOwner`: the base of a command only the service's owner may give, with who gives it in person."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class ByTheServicesOwner:
    """A command only the service's owner may give (registering: naming its first owner): `acting_owner` is who
    gives it in person, checked against the service's owner (None when admin or integration act, for any)."""

    acting_owner: str | None
