"""Domain events of the metrics context, named in the past tense (filled in by the metrics context's issue)."""

from __future__ import annotations

from continuum.domain import DomainEvent

EVENT_TYPES: tuple[type[DomainEvent], ...] = ()
