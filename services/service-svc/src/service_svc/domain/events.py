"""Domain events of the service context, named in the past tense (filled in by the service context's issue)."""

from __future__ import annotations

from continuum.domain import DomainEvent

EVENT_TYPES: tuple[type[DomainEvent], ...] = ()
