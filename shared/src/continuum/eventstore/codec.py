"""Turns domain events into stored JSON and back, upcasting old shapes on the way in."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import cache
from typing import Any

from pydantic import TypeAdapter

from continuum.domain import DomainEvent

Upcaster = Callable[[dict[str, Any]], dict[str, Any]]


@cache
def type_adapter(event_type: type[Any]) -> TypeAdapter[Any]:
    """The pydantic adapter of an event (or contract) type, built once per process: the codec's and the contract
    catalog's are the same."""
    return TypeAdapter(event_type)


class UnknownEventType(Exception):
    """A stored event whose type this service does not know."""


class EventCodec:
    """The event types of one service, with the upcasters that lift old schema versions to the current one."""

    def __init__(self, event_types: Iterable[type[DomainEvent]]) -> None:
        self._types = {cls.event_type(): cls for cls in event_types}
        self._adapters = {name: type_adapter(cls) for name, cls in self._types.items()}
        self._upcasters: dict[tuple[str, int], Upcaster] = {}

    def upcaster(self, event_type: str, *, from_version: int) -> Callable[[Upcaster], Upcaster]:
        """Register a function lifting `event_type` data from `from_version` to `from_version + 1`."""

        def register(function: Upcaster) -> Upcaster:
            self._upcasters[(event_type, from_version)] = function
            return function

        return register

    def encode(self, event: DomainEvent) -> dict[str, Any]:
        """An event as the JSON-ready dict stored in `events.data`."""
        return self._adapters[event.event_type()].dump_python(event, mode="json")

    def encode_json(self, event: DomainEvent) -> str:
        """The stored JSON text of an event, serialised once by pydantic (no dict round trip)."""
        return self._adapters[event.event_type()].dump_json(event).decode()

    def decode(self, event_type: str, schema_version: int, data: dict[str, Any]) -> DomainEvent:
        """A stored event back as its domain dataclass, upcast first from the schema version it was stored with."""
        cls = self._types.get(event_type)
        if cls is None:
            raise UnknownEventType(event_type)
        data = self.upcast(event_type, schema_version, data)
        return self._adapters[event_type].validate_python(data)

    def upcast(self, event_type: str, schema_version: int, data: dict[str, Any]) -> dict[str, Any]:
        """The stored data raised step by step from `schema_version` to the event's current one."""
        current = self._types[event_type].schema_version
        while schema_version < current:
            data = self._upcasters[(event_type, schema_version)](data)
            schema_version += 1
        return data

    def __contains__(self, event_type: str) -> bool:
        return event_type in self._types
