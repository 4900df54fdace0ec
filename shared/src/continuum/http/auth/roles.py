"""The roles a token may grant (DESIGN §4) and the verified caller, `Principal`, who holds some of them."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    admin = "admin"
    sponsor = "sponsor"
    project_manager = "project_manager"
    service_owner = "service_owner"
    support_agent = "support_agent"
    viewer = "viewer"
    integration = "integration"


@dataclass(frozen=True)
class Principal:
    subject: str
    roles: frozenset[Role]

    def has_any(self, roles: frozenset[Role]) -> bool:
        """Whether the caller holds one of `roles`; admin holds every role."""
        return Role.admin in self.roles or bool(self.roles & roles)
