"""The wire stays byte-compatible: every stored (so published) event encodes as it did when the golden file was made.

The relay publishes `data::text` of the stored JSONB, so the wire is a function of the encoded JSON value (jsonb
orders keys itself) and of the CloudEvents type. For every event type of every service this builds two samples
from the type hints alone — every field filled, and every optional field left None — encodes them with the
service's codec: the filled sample must equal the one in `tests/resources/published-events.json`, and every
payload there must read back and encode unchanged.
Regenerate (only for a deliberate, versioned change of a published shape): CONTINUUM_REGEN_GOLDEN=1 pytest this file.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import types
import typing
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from uuid import NAMESPACE_URL, UUID, uuid5

import pytest

from continuum.contracts.base import Pattern
from continuum.eventstore.codec import EventCodec
from continuum.kafka.cloudevents import event_type_name

from handover_svc.domain.events import EVENT_TYPES as HANDOVER_EVENTS
from metrics_svc.domain.events import EVENT_TYPES as METRICS_EVENTS
from project_svc.domain.events import EVENT_TYPES as PROJECT_EVENTS
from service_svc.domain.events import EVENT_TYPES as SERVICE_EVENTS

GOLDEN = Path(__file__).parents[1] / "resources" / "published-events.json"
CONTEXTS = {"service": SERVICE_EVENTS, "project": PROJECT_EVENTS, "handover": HANDOVER_EVENTS,
            "metrics": METRICS_EVENTS}
WHEN = datetime(2026, 3, 4, 5, 6, 7, 123456, tzinfo=UTC)


def unannotated(hint) -> tuple[object, list[object]]:
    """A type without its `Annotated` metadata, and that metadata (the field's constraints)."""
    if typing.get_origin(hint) is typing.Annotated:
        inner, constraints = unannotated(hint.__origin__)
        return inner, [*constraints, *hint.__metadata__]
    return hint, []


def within(value, constraints):
    """`value` moved inside the bounds the constraints set (a sample must be a valid event)."""
    for c in constraints:
        for bound, fits, nearest in (("gt", lambda v, b: v > b, lambda b: b + 1), ("ge", lambda v, b: v >= b, None),
                                     ("lt", lambda v, b: v < b, lambda b: b - 1), ("le", lambda v, b: v <= b, None)):
            limit = getattr(c, bound, None)
            if limit is not None and not fits(value, limit):
                value = type(value)(nearest(limit) if nearest else limit)
    return value


def sample(hint, name: str, *, optional_none: bool, constraints=()):
    """A deterministic value of the type `hint` for the field `name`, valid as its contract declares it."""
    hint, more = unannotated(hint)
    constraints = [*constraints, *more]
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        if optional_none and type(None) in args:
            return None
        nonnull = next(a for a in args if a is not type(None))
        return sample(nonnull, name, optional_none=optional_none, constraints=constraints)
    if origin is typing.Literal:
        return args[0]
    if origin in (list, tuple, set, frozenset):
        item = sample(args[0], name, optional_none=optional_none)
        return [item] if origin is list else origin((item,))
    if origin is dict:
        key = sample(args[0], f"{name}.key", optional_none=False)
        return {key: sample(args[1], name, optional_none=optional_none)}
    if dataclasses.is_dataclass(hint):
        return build(hint, name, optional_none=optional_none)
    if hint is str:
        patterns = [c.regex for c in constraints if isinstance(c, Pattern)]
        text = next((t for t in (f"{name}-text", "08:00") if all(re.fullmatch(p, t) for p in patterns)), None)
        assert text is not None, f"no sample of {name} matches {patterns}"
        return text
    simple = {UUID: uuid5(NAMESPACE_URL, name), datetime: WHEN, date: WHEN.date(), Decimal: Decimal("12.50"),
              bool: True, int: 7, float: 0.25, typing.Any: {"any": name}}
    return within(simple[hint], constraints)


def build(cls, name: str, *, optional_none: bool):
    """An instance of the contract (or part of one) `cls`, named by its path `name` (not its class name), with every
    field sampled."""
    hints = typing.get_type_hints(cls, include_extras=True)
    return cls(**{f.name: sample(hints[f.name], f"{name}.{f.name}", optional_none=optional_none)
                  for f in dataclasses.fields(cls) if f.init})


def published() -> dict[str, dict[str, object]]:
    shapes = {}
    for context, event_types in CONTEXTS.items():
        codec = EventCodec(event_types)
        for cls in event_types:
            ce_type = event_type_name(context, cls.event_type(), cls.schema_version)
            shapes[ce_type] = {
                variant: codec.encode(build(cls, cls.event_type(), optional_none=variant == "optional-none"))
                for variant in ("filled", "optional-none")}
    return dict(sorted(shapes.items()))


def test_every_published_event_encodes_as_in_the_golden_file():
    shapes = published()
    if os.environ.get("CONTINUUM_REGEN_GOLDEN"):
        GOLDEN.write_text(json.dumps(shapes, indent=1, sort_keys=True) + "\n")
    golden = json.loads(GOLDEN.read_text())
    assert sorted(shapes) == sorted(golden), "the set of published event types changed"
    for ce_type, variants in shapes.items():
        assert variants["filled"] == golden[ce_type]["filled"], ce_type


@pytest.mark.parametrize("context", sorted(CONTEXTS))
def test_every_golden_payload_reads_back_and_encodes_unchanged(context):
    """What was published (the golden samples, optional fields null too) is read and written again byte for byte:
    a field made optional, or given a default, changes the type hints but not the wire."""
    golden = json.loads(GOLDEN.read_text())
    codec = EventCodec(CONTEXTS[context])
    for cls in CONTEXTS[context]:
        for variant, payload in golden[event_type_name(context, cls.event_type(), cls.schema_version)].items():
            event = codec.decode(cls.event_type(), cls.schema_version, payload)
            assert codec.encode(event) == payload, (cls.event_type(), variant)
