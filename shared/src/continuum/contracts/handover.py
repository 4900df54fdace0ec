"""Contracts of the events published on `continuum.handover.events` (filled in by the handover context's issue)."""

from __future__ import annotations

from continuum.contracts.base import EventContract

PUBLISHED: tuple[type[EventContract], ...] = ()
