"""Contracts at the edges: validating received data into a contract, dumping one, its JSON Schema, the catalog."""

from __future__ import annotations

import inspect
from collections.abc import Iterable
from typing import Any, TypeVar

from continuum.contracts.base import EventContract
from continuum.eventstore.codec import type_adapter as _adapter

C = TypeVar("C", bound=EventContract)


def parse(contract: type[C], data: dict[str, Any]) -> C:
    """`data` (a received event's JSON) validated into the contract; raises pydantic's ValidationError."""
    return _adapter(contract).validate_python(data)


def dump(event: EventContract) -> dict[str, Any]:
    """An event as JSON-ready data, as it is published."""
    return _adapter(type(event)).dump_python(event, mode="json")


def parse_json(contract: type[C], data: bytes | str) -> C:
    """A received event's JSON text validated into the contract; raises pydantic's ValidationError."""
    return _adapter(contract).validate_json(data)


def dump_json(event: EventContract) -> bytes:
    """An event's JSON text, as a producer sends it."""
    return _adapter(type(event)).dump_json(event)


def json_schema(contract: type[EventContract], *, ref_template: str = "#/$defs/{model}") -> dict[str, Any]:
    """The JSON Schema of a contract's data (its nested parts under `$defs`, or where `ref_template` says)."""
    return _adapter(contract).json_schema(ref_template=ref_template)


def docstring(contract: type[EventContract]) -> str | None:
    """The contract's own docstring, stripped; None where it has none (not the signature dataclasses make up)."""
    doc = contract.__dict__.get("__doc__")
    if not doc or doc.startswith(f"{contract.__name__}("):
        return None
    return inspect.cleandoc(doc)


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
        schema = json_schema(contract)
        schema["$id"] = f"urn:continuum:event:{ce_type}"
        return schema
