"""Topic names (DESIGN §3): pure functions, importable from the event contracts and the domains."""

from __future__ import annotations

CONTEXTS = ("project", "service", "handover", "metrics")


def events_topic(context: str) -> str:
    """The integration log of one bounded context: `continuum.<context>.events`."""
    return f"continuum.{context}.events"


def dlq_topic(consumer: str) -> str:
    """Where a consumer parks messages it can never handle: `continuum.<consumer>.dlq`."""
    return f"continuum.{consumer}.dlq"
