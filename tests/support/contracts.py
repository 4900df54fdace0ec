"""What every service's contract test checks of the events its aggregates record."""

from __future__ import annotations

from collections.abc import Iterable

from continuum.contracts import catalog
from continuum.domain import DomainEvent
from continuum.eventstore.codec import EventCodec


def assert_read_back_as_consumers_read_them(event_types: Iterable[type[DomainEvent]],
                                            events: Iterable[DomainEvent]) -> None:
    """Every kind of event is among `events`, and each, as stored, reads back through its contract (the
    validation its consumers apply) to the same event, and dumps as it is stored."""
    event_types, events = list(event_types), list(events)
    assert {type(event) for event in events} == set(event_types)
    codec = EventCodec(event_types)
    for event in events:
        payload = codec.encode(event)
        assert catalog.parse(type(event), payload) == event, event.event_type()
        assert catalog.dump(event) == payload, event.event_type()
