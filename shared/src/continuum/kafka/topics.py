"""The creation of the topics at start-up; their names (DESIGN §3) are in `continuum.kafka.names`."""

from __future__ import annotations

import logging

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from continuum.config import KafkaSettings
from continuum.kafka.names import CONTEXTS, dlq_topic, events_topic

__all__ = ["CONTEXTS", "dlq_topic", "ensure_topics", "events_topic"]

log = logging.getLogger(__name__)


async def ensure_topics(settings: KafkaSettings, names: list[str]) -> None:
    """Create missing topics with infinite retention (they are the integration log)."""
    admin = AIOKafkaAdminClient(
        bootstrap_servers=settings.bootstrap_servers, request_timeout_ms=settings.request_timeout_ms
    )
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [
            NewTopic(
                name,
                num_partitions=settings.partitions,
                replication_factor=settings.replication_factor,
                topic_configs={"retention.ms": "-1"},
            )
            for name in names
            if name not in existing
        ]
        if missing:
            await _create(admin, missing)
    finally:
        await admin.close()


async def _create(admin: AIOKafkaAdminClient, topics: list[NewTopic]) -> None:
    try:
        response = await admin.create_topics(topics)
    except TopicAlreadyExistsError:
        return  # another service created it between our list and create: fine
    failures = [
        f"{topic}: {message or code}"
        for topic, code, message in response.topic_errors
        if code not in (0, TopicAlreadyExistsError.errno)
    ]
    if failures:
        raise RuntimeError(f"Kafka refused to create topics: {'; '.join(failures)}")
    log.info("created topics %s", [topic.name for topic in topics])
