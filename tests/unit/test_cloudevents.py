"""Decoding inbound messages: only well-formed Continuum CloudEvents pass."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

import pytest

from continuum.kafka import cloudevents
from continuum.kafka.cloudevents import UndecodableMessage
from continuum.relay import OutboxRecord


def record(**overrides) -> OutboxRecord:
    fields = dict(global_position=1, transaction_id=7, event_id=uuid4(), stream_id=uuid4(), event_type="ProjectProposed",
                  schema_version=2, version=3, occurred_at=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
                  metadata={"correlation_id": "c-1", "causation_id": "e-0"}, data='{"a": 1}')
    return OutboxRecord(**{**fields, **overrides})


def test_encoded_headers_decode_back_to_the_same_event():
    stored = record()
    headers = cloudevents.encode_headers(stored, context="project", source="/continuum/project-svc")
    event = cloudevents.decode(headers, b'{"a": 1}')
    assert event.type == "continuum.project.ProjectProposed.v2"
    assert (event.context, event.name, event.schema_version) == ("project", "ProjectProposed", 2)
    assert event.id == str(stored.event_id) and event.subject == str(stored.stream_id)
    assert event.sequence == 3 and event.time == stored.occurred_at
    assert (event.correlation_id, event.causation_id, event.traceparent) == ("c-1", "e-0", None)
    assert event.data == {"a": 1}


def test_absent_metadata_leaves_no_empty_headers():
    headers = dict(cloudevents.encode_headers(record(metadata={}), context="project", source="/s"))
    assert "ce_correlationid" not in headers and "traceparent" not in headers


GOOD = [("ce_specversion", b"1.0"), ("ce_id", b"1"), ("ce_source", b"/s"), ("ce_type", b"continuum.project.X.v1")]


@pytest.mark.parametrize(
    ("headers", "value", "reason"),
    [
        ([], b"{}", "missing CloudEvents headers"),
        ([h for h in GOOD if h[0] != "ce_type"], b"{}", "ce_type"),
        ([*GOOD[:3], ("ce_type", b"com.other.Thing")], b"{}", "is not continuum"),
        ([("ce_specversion", b"0.3"), *GOOD[1:]], b"{}", "specversion"),
        (GOOD, b"{oops", "not JSON"),
        (GOOD, b"[1, 2]", "not a JSON object"),
        (GOOD, None, "not JSON"),
        ([*GOOD, ("ce_time", b"yesterday")], b"{}", "RFC 3339"),
        ([*GOOD, ("ce_sequence", b"x")], b"{}", "integer"),
        ([*GOOD[:3], ("ce_type", b"\xff\xfe")], b"{}", "UTF-8"),
    ],
)
def test_anything_else_is_undecodable(headers, value, reason):
    with pytest.raises(UndecodableMessage, match=reason):
        cloudevents.decode(headers, value)


@pytest.mark.parametrize("value", [b"{oops", b"[1, 2]", None])
def test_attributes_alone_leave_the_data_to_the_first_read(value):
    """A consumer that routes on attributes never parses the data; reading it then refuses a bad value."""
    event = cloudevents.decode(GOOD, value, parse_data=False)
    assert (event.id, event.type, event.raw) == ("1", "continuum.project.X.v1", value)
    with pytest.raises(UndecodableMessage):
        event.data


def test_data_read_later_is_parsed_once():
    event = cloudevents.decode(GOOD, b'{"a": [1]}', parse_data=False)
    assert event.data == {"a": [1]} and event.data is event.data
