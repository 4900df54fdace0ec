"""One trace shows a command and what consuming its event caused: HTTP → event metadata → Kafka → consumer."""

from __future__ import annotations

import asyncio
import time

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from sqlalchemy.ext.asyncio import create_async_engine

from continuum.config import ConsumerSettings, ServiceSettings
from continuum.consumer import EventConsumer, Subscription
from continuum.service import build_service_app
from continuum.telemetry import Telemetry
from tests.integration.test_consumer import opened_contract
from tests.support.apps import serving, settings_for
from tests.support.counter import counter_parts, counter_spec
from tests.support.kafka import read_topic

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
INCOMING = f"00-{TRACE_ID}-00f067aa0ba902b7-01"


@pytest.fixture(scope="session")
def spans() -> InMemorySpanExporter:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    trace.set_tracer_provider(provider)
    return exporter


async def test_a_command_and_the_consumption_of_its_event_share_one_trace(
    spans, database_url, kafka_settings, auth_settings, issue_token, topic_prefix
):
    config = settings_for(ServiceSettings, database_url=database_url, kafka=kafka_settings, auth=auth_settings)
    app = build_service_app(spec=counter_spec(topic_prefix), config=config, parts=counter_parts())
    headers = {"Authorization": f"Bearer {issue_token('project_manager')}", "traceparent": INCOMING}
    async with serving(app) as client:
        created = await client.post("/counters", json={"name": "traced", "limit": 1}, headers=headers)
        topic = f"continuum.{topic_prefix}.events"
        [message] = await read_topic(kafka_settings.bootstrap_servers, topic, expect=1)
    assert created.status_code == 201
    assert message.headers["traceparent"].split("-")[1] == TRACE_ID

    contract = opened_contract(topic_prefix)  # the counter's CounterOpened, as a consumer of that topic sees it
    consumed: list[str | None] = []

    async def handle(delivery, conn) -> None:
        consumed.append(delivery.event.traceparent)

    engine = create_async_engine(database_url)
    consumer = EventConsumer(
        name=f"{topic_prefix}-tracer", engine=engine, subscriptions={contract.ce_type(): Subscription(contract, handle)},
        kafka=kafka_settings, settings=ConsumerSettings(), telemetry=Telemetry(service="test"),
    )
    task = asyncio.create_task(consumer.run())
    deadline = time.monotonic() + 30
    while not consumed and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    await engine.dispose()

    finished = spans.get_finished_spans()
    server = [s for s in finished if s.kind is SpanKind.SERVER and s.name == "POST /counters"]
    consumer_spans = [s for s in finished if s.kind is SpanKind.CONSUMER and topic_prefix in s.name]
    assert server and consumer_spans
    assert format(server[0].context.trace_id, "032x") == TRACE_ID
    assert format(consumer_spans[0].context.trace_id, "032x") == TRACE_ID

