"""The checker itself can fail: it names a command that left no event, and streams out of order on Kafka."""

from __future__ import annotations

import time
from uuid import uuid4

from tests.reliability.checks import _out_of_order, verify
from tests.reliability.ledger import Acknowledged, LoadDriver


def message(ce_id: str, stream: str, version: int, partition: int = 0) -> tuple[int, dict[str, str]]:
    return partition, {"ce_id": ce_id, "ce_subject": stream, "ce_sequence": str(version)}


def test_redeliveries_are_removed_by_ce_id_before_the_order_is_judged():
    log = [message("a", "s", 1), message("b", "s", 2), message("a", "s", 1), message("b", "s", 2),
           message("c", "s", 3), message("x", "t", 1)]
    assert _out_of_order("topic", log) == []


def test_a_stream_going_back_or_across_partitions_is_named():
    assert _out_of_order("topic", [message("a", "s", 2), message("b", "s", 1)]) == [
        "kafka: stream s on topic: version 1 after 2"]
    assert _out_of_order("topic", [message("a", "s", 1), message("b", "s", 2, partition=1)]) == [
        "kafka: stream s on topic spans partitions 0, 1"]


async def test_an_acknowledged_command_without_its_event_is_named(faulty_stack, clients):
    driver = LoadDriver(clients, workers=1, services_per_worker=1)
    await driver.prepare()
    worker = driver._workers[0]
    assert await worker.open_incident()
    phantom = Acknowledged("service-svc", uuid4(), "IncidentOpened", "incidents", 201,
                           service_id=worker.services[0])
    driver.ledger.acknowledged.append(phantom)
    figures = await verify(faulty_stack, driver.ledger, scenario="checker", fault_over_at=time.monotonic())
    assert figures.in_store == figures.on_kafka == figures.in_metrics == 1
    assert figures.lost == [
        f"store: service-svc holds IncidentOpened of stream {phantom.stream_id} 0 times, not once",
        f"metrics-svc: incident_count of service {worker.services[0]} is 1, its store holds 1 incidents, the ledger 2",
    ]
