"""Contracts of the events published on `continuum.service.events` (filled in by the service context's issue)."""

from __future__ import annotations

from continuum.contracts.base import EventContract

PUBLISHED: tuple[type[EventContract], ...] = ()
