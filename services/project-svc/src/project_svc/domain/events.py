"""Domain events of the project context, named in the past tense (filled in by the project context's issue)."""

from __future__ import annotations

from continuum.domain import DomainEvent

EVENT_TYPES: tuple[type[DomainEvent], ...] = ()
