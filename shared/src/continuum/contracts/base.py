"""Published event contracts: one frozen, keyword-only dataclass per event type and schema version.

A contract is the event's one definition: the owning service's domain records it (its `events.py` names the
contracts it records), the codec stores it, the relay publishes it, and consumers read it. Contracts are plain
data (no pydantic here): constraints and descriptions are `Annotated` metadata that `continuum.contracts.catalog`
turns into validation and JSON Schema.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

from continuum.domain import DomainEvent
from continuum.kafka.cloudevents import event_type_name
from continuum.kafka.names import events_topic

_VERSION_SUFFIX = re.compile(r"V[0-9]+$")
# Read by pydantic on plain dataclasses: a contract accepts no unknown field (its JSON Schema says so too).
_PYDANTIC_CONFIG: dict[str, Any] = {"extra": "forbid"}


class ContractPart:
    """Base of a nested part of a contract (not an event of its own); subclasses are frozen dataclasses."""

    __pydantic_config__: ClassVar[dict[str, Any]] = _PYDANTIC_CONFIG


class EventContract(DomainEvent):
    """Base of the published events; subclasses are `@dataclass(frozen=True, kw_only=True)`.

    Subclasses set `context` (and `schema_version` past 1); the event name is the class name less `V<n>`, and it
    is the name the owning service stores the event under.
    """

    __pydantic_config__: ClassVar[dict[str, Any]] = _PYDANTIC_CONFIG
    context: ClassVar[str]
    event_name: ClassVar[str]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "event_name" not in cls.__dict__:
            cls.event_name = _VERSION_SUFFIX.sub("", cls.__name__)

    @classmethod
    def event_type(cls) -> str:
        """The event's name as stored: its class name less the `V<n>` suffix."""
        return cls.event_name

    @classmethod
    def ce_type(cls) -> str:
        """`continuum.<context>.<EventName>.v<N>`: the CloudEvents type on the wire."""
        return event_type_name(cls.context, cls.event_name, cls.schema_version)

    @classmethod
    def topic(cls) -> str:
        """The Kafka topic the contract's events are published on: its bounded context's events topic."""
        return events_topic(cls.context)


class Described:
    """`Annotated` metadata: the field's description in the JSON Schema."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __get_pydantic_json_schema__(self, core_schema: Any, handler: Any) -> dict[str, Any]:
        schema = handler(core_schema)
        schema["description"] = self.text
        return schema


class Pattern:
    """`Annotated` metadata of a string field: the regular expression it must match (validated, and in the schema)."""

    def __init__(self, regex: str) -> None:
        self.regex = regex

    def __get_pydantic_core_schema__(self, source: Any, handler: Any) -> Any:
        schema = handler(source)
        schema["pattern"] = self.regex
        return schema
