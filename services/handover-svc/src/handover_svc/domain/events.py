"""Domain events of the handover context, named in the past tense (filled in by the handover context's issue)."""

from __future__ import annotations

from continuum.domain import DomainEvent

EVENT_TYPES: tuple[type[DomainEvent], ...] = ()
