"""Published event contracts: one frozen pydantic model per event type and schema version."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict

from continuum.kafka.cloudevents import event_type_name
from continuum.kafka.topics import events_topic

_VERSION_SUFFIX = re.compile(r"V[0-9]+$")


class ContractPart(BaseModel):
    """A nested part of a contract (not an event of its own)."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class EventContract(BaseModel):
    """Subclasses set `context` (and `schema_version` past 1); the event name is the class name less `V<n>`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    context: ClassVar[str]
    event_name: ClassVar[str]
    schema_version: ClassVar[int] = 1

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        if "event_name" not in cls.__dict__:
            cls.event_name = _VERSION_SUFFIX.sub("", cls.__name__)

    @classmethod
    def ce_type(cls) -> str:
        """`continuum.<context>.<EventName>.v<N>`: the CloudEvents type on the wire."""
        return event_type_name(cls.context, cls.event_name, cls.schema_version)

    @classmethod
    def topic(cls) -> str:
        """The Kafka topic the contract's events are published on: its bounded context's events topic."""
        return events_topic(cls.context)


class ContractCatalog:
    """A set of contracts looked up by CloudEvents type, or by event name across versions."""

    def __init__(self, contracts: Iterable[type[EventContract]]) -> None:
        self._by_type = {contract.ce_type(): contract for contract in contracts}

    def __iter__(self):
        return iter(self._by_type.values())

    def __len__(self) -> int:
        return len(self._by_type)

    def get(self, ce_type: str) -> type[EventContract] | None:
        """The contract of a CloudEvents type (e.g. `continuum.service.IncidentOpened.v1`), or None."""
        return self._by_type.get(ce_type)

    def knows_event(self, context: str, event_name: str) -> bool:
        """Whether some version of the event `event_name` of `context` is in the catalog."""
        return any(c.context == context and c.event_name == event_name for c in self._by_type.values())

    def json_schema(self, ce_type: str) -> dict[str, Any] | None:
        """The JSON Schema of a CloudEvents type's payload, with a stable `$id`; None for an unknown type."""
        contract = self.get(ce_type)
        if contract is None:
            return None
        schema = contract.model_json_schema()
        schema["$id"] = f"urn:continuum:event:{ce_type}"
        return schema
