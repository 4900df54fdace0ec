"""Aggregates fold events; the codec round-trips and upcasts; contracts name their wire types."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import jsonschema
import pytest

from continuum.asyncapi import asyncapi_document
from continuum.config import KafkaSettings
from continuum.domain import DomainError, DomainEvent
from continuum.eventstore.codec import EventCodec, UnknownEventType
from tests.support.counter import CODEC, Counter, CounterIncremented, CounterIncrementedV1, CounterOpenedV1

T0 = datetime(2026, 1, 1, tzinfo=UTC)
ASYNCAPI_SCHEMA = json.loads((Path(__file__).parents[1] / "resources" / "asyncapi-3.0.0.schema.json").read_text())


def test_a_command_records_an_event_and_a_broken_rule_records_none():
    counter = Counter.open(name="c", limit=3, at=T0)
    counter.increment(2, at=T0)
    with pytest.raises(DomainError) as broken:
        counter.increment(2, at=T0)
    assert broken.value.rule == "counter-within-limit"
    assert counter.value == 2 and [type(p.event).__name__ for p in counter.pending] == ["CounterOpened",
                                                                                        "CounterIncremented"]


def test_the_codec_round_trips_events():
    event = CounterIncremented(by=4)
    assert CODEC.decode("CounterIncremented", 1, CODEC.encode(event)) == event
    with pytest.raises(UnknownEventType):
        CODEC.decode("Nope", 1, {})


def test_upcasters_chain_from_any_old_version():
    @dataclass(frozen=True)
    class Priced(DomainEvent):
        amount_cents: int
        currency: str
        schema_version = 3

    codec = EventCodec([Priced])
    codec.upcaster("Priced", from_version=1)(lambda d: {"amount_cents": round(d["amount"] * 100)})
    codec.upcaster("Priced", from_version=2)(lambda d: {**d, "currency": "EUR"})
    assert codec.decode("Priced", 1, {"amount": 1.5}) == Priced(amount_cents=150, currency="EUR")
    assert codec.decode("Priced", 3, {"amount_cents": 1, "currency": "USD"}) == Priced(1, "USD")


def test_contracts_name_their_cloudevents_type_and_topic():
    assert CounterOpenedV1.ce_type() == "continuum.counter.CounterOpened.v1"
    assert CounterOpenedV1.topic() == "continuum.counter.events"


def test_an_asyncapi_document_with_messages_validates():
    document = asyncapi_document(
        service="counter-svc", version="1", description="d", kafka=KafkaSettings(),
        publishes=[CounterOpenedV1, CounterIncrementedV1], consumes=[],
        topics_published=["continuum.counter.events"],
    )
    jsonschema.Draft7Validator(ASYNCAPI_SCHEMA).validate(document)
    channel = document["channels"]["continuumCounterEvents"]
    assert set(channel["messages"]) == {"counter.CounterOpened.v1", "counter.CounterIncremented.v1"}
    payload = document["components"]["schemas"]["counter_CounterIncremented_v1"]
    assert payload["properties"]["by"]["minimum"] == 1
