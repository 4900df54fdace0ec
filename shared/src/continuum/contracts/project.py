"""Contracts of the events published on `continuum.project.events` (filled in by the project context's issue)."""

from __future__ import annotations

from continuum.contracts.base import EventContract

PUBLISHED: tuple[type[EventContract], ...] = ()
