"""Contracts of the events published on `continuum.metrics.events` (filled in by the metrics context's issue)."""

from __future__ import annotations

from continuum.contracts.base import EventContract

PUBLISHED: tuple[type[EventContract], ...] = ()
