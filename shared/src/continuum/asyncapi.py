"""AsyncAPI 3 documents generated from the contract models (never hand-written)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from continuum.config import KafkaSettings
from continuum.contracts import catalog as contract_catalog
from continuum.contracts.base import EventContract

CLOUDEVENTS_HEADERS: dict[str, Any] = {
    "type": "object",
    "required": ["ce_specversion", "ce_id", "ce_source", "ce_type", "ce_subject", "ce_time", "content-type"],
    "properties": {
        "ce_specversion": {"type": "string", "const": "1.0"},
        "ce_id": {"type": "string", "format": "uuid", "description": "The event id (dedup key)."},
        "ce_source": {"type": "string", "examples": ["/continuum/project-svc"]},
        "ce_type": {"type": "string", "description": "continuum.<context>.<EventName>.v<N>"},
        "ce_subject": {"type": "string", "format": "uuid", "description": "The aggregate (stream) id."},
        "ce_time": {"type": "string", "format": "date-time", "description": "Business time of the event."},
        "ce_sequence": {"type": "string", "description": "The aggregate's version after this event."},
        "ce_correlationid": {"type": "string"},
        "ce_causationid": {"type": "string"},
        "ce_actor": {"type": "string", "description": "The token subject whose command caused the event."},
        "traceparent": {"type": "string", "description": "W3C trace context."},
        "content-type": {"type": "string", "const": "application/json"},
    },
}


def _channel_id(topic: str) -> str:
    return "".join(part.capitalize() if i else part for i, part in enumerate(topic.replace("-", ".").split(".")))


def _message_id(contract: type[EventContract]) -> str:
    return f"{contract.context}.{contract.event_name}.v{contract.schema_version}"


def asyncapi_document(
    *,
    service: str,
    version: str,
    description: str,
    kafka: KafkaSettings,
    publishes: Iterable[type[EventContract]],
    consumes: Iterable[type[EventContract]],
    topics_published: Iterable[str],
    topics_consumed: Iterable[str] = (),
) -> dict[str, Any]:
    """The AsyncAPI 3.0 document of one service's published and consumed topics."""
    publishes, consumes = list(publishes), list(consumes)
    schemas: dict[str, Any] = {}
    messages = {_message_id(c): _message(c, schemas) for c in publishes + consumes}
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    for action, topics, contracts in (("send", topics_published, publishes), ("receive", topics_consumed, consumes)):
        for topic in topics:
            channel_id = _channel_id(topic)
            members = [c for c in contracts if c.topic() == topic]
            channels[channel_id] = _channel(topic, members, kafka)
            operations[f"{action}{channel_id[0].upper()}{channel_id[1:]}"] = _operation(action, channel_id, members)
    return {
        "asyncapi": "3.0.0",
        "info": {"title": f"{service} events", "version": version, "description": description},
        "defaultContentType": "application/json",
        "servers": {
            "kafka": {
                "host": kafka.bootstrap_servers.split(",")[0],
                "protocol": "kafka",
                "description": "Apache Kafka; messages are CloudEvents 1.0 in binary mode, keyed by aggregate id.",
            }
        },
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages, "schemas": schemas},
    }


def _operation(action: str, channel_id: str, contracts: list[type[EventContract]]) -> dict[str, Any]:
    return {
        "action": action,
        "channel": {"$ref": f"#/channels/{channel_id}"},
        "messages": [{"$ref": f"#/channels/{channel_id}/messages/{_message_id(c)}"} for c in contracts],
    }


def _channel(topic: str, contracts: list[type[EventContract]], kafka: KafkaSettings) -> dict[str, Any]:
    return {
        "address": topic,
        "description": f"Kafka topic `{topic}` (retention: forever; replay from offset 0).",
        "messages": {_message_id(c): {"$ref": f"#/components/messages/{_message_id(c)}"} for c in contracts},
        "bindings": {
            "kafka": {
                "partitions": kafka.partitions,
                "replicas": kafka.replication_factor,
                "topicConfiguration": {"retention.ms": -1},
                "bindingVersion": "0.5.0",
            }
        },
    }


def _message(contract: type[EventContract], schemas: dict[str, Any]) -> dict[str, Any]:
    schema = contract_catalog.json_schema(contract, ref_template="#/components/schemas/{model}")
    schemas.update(schema.pop("$defs", {}))
    schema_id = _message_id(contract).replace(".", "_")
    schemas[schema_id] = schema
    return {
        "name": contract.ce_type(),
        "title": contract.event_name,
        "summary": (contract_catalog.docstring(contract) or contract.event_name).splitlines()[0],
        "contentType": "application/json",
        "headers": CLOUDEVENTS_HEADERS,
        "payload": {"$ref": f"#/components/schemas/{schema_id}"},
        "bindings": {"kafka": {"key": {"type": "string", "format": "uuid"}, "bindingVersion": "0.5.0"}},
    }
