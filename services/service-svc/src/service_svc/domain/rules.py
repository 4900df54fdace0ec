"""Domain rules shared by the service context's aggregates: pure functions that raise a named DomainError."""

from __future__ import annotations

from datetime import datetime

from continuum.domain import DomainError

PRIORITIES = ("P1", "P2", "P3", "P4")
STAGES = ("strategy", "design", "transition", "operation", "retired")


def require(condition: bool, rule: str, detail: str) -> None:
    if not condition:
        raise DomainError(rule, detail)


def require_in_order(at: datetime, last: datetime | None) -> None:
    """Business time moves forward: a command cannot happen before what the aggregate already recorded."""
    if last is not None and at < last:
        raise DomainError("time-in-order", f"{at.isoformat()} is before the last recorded {last.isoformat()}")


def next_stage(stage: str) -> str | None:
    index = STAGES.index(stage)
    return STAGES[index + 1] if index + 1 < len(STAGES) else None
