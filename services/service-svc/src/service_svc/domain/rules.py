"""Domain rules shared by the service context's aggregates: pure functions that raise a named DomainError."""

from __future__ import annotations

from continuum.domain import DomainError, NotAllowed, require_in_order  # noqa: F401 (the platform's time-in-order)

PRIORITIES = ("P1", "P2", "P3", "P4")
OWNER_DECIDES = "decided-by-the-services-owner"
CLAIM_FOR_ONESELF = "unowned-service-claimed-for-oneself"
STAGES = ("strategy", "design", "transition", "operation", "retired")


def require(condition: bool, rule: str, detail: str) -> None:
    if not condition:
        raise DomainError(rule, detail)


def next_stage(stage: str) -> str | None:
    index = STAGES.index(stage)
    return STAGES[index + 1] if index + 1 < len(STAGES) else None


def require_services_owner(owner: str | None, acting: str | None, *, service: object) -> None:
    """A service's owner decides for it. `acting` is who acts in person (None: admin or integration, for any
    service); a service with no owner yet has no one to decide for it until someone claims it."""
    if acting is None or acting == owner:
        return
    if owner is None:
        raise NotAllowed(OWNER_DECIDES, f"service {service} has no owner yet: a service owner claims it first "
                                        "(assign-owner naming themselves)")
    raise NotAllowed(OWNER_DECIDES, f"{acting!r} is not the owner ({owner!r}) of service {service}")


def require_owner_change_allowed(owner: str | None, new_owner: str, acting: str | None, *, service: object) -> None:
    """The owner hands the service on to anyone; a service with no owner is claimed by a service owner for
    themselves (naming someone else is not theirs to decide)."""
    if owner is None and acting is not None and acting != new_owner:
        raise NotAllowed(CLAIM_FOR_ONESELF, f"service {service} has no owner yet: {acting!r} may claim it for "
                                            f"themselves, not name {new_owner!r}")
    if owner is not None:
        require_services_owner(owner, acting, service=service)
