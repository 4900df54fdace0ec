"""Prometheus metrics of one service, in its own registry (several apps may share a process in tests)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram


class Telemetry:
    def __init__(self, *, service: str) -> None:
        self.service = service
        self.registry = CollectorRegistry()
        self.http_requests = Counter(
            "continuum_http_requests",
            "HTTP requests handled",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.http_latency = Histogram(
            "continuum_http_request_seconds",
            "HTTP request latency",
            ["method", "route"],
            registry=self.registry,
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
        )
        self.relay_published = Counter(
            "continuum_relay_published_events", "Events acknowledged by Kafka", registry=self.registry
        )
        self.relay_lag = Gauge(
            "continuum_relay_lag_events", "Committed events not yet acknowledged by Kafka", registry=self.registry
        )
        self.relay_failures = Counter(
            "continuum_relay_publish_failures", "Batches Kafka did not acknowledge", registry=self.registry
        )
        self.consumed = Counter(
            "continuum_consumer_messages",
            "Messages taken by the consumer, by outcome",
            ["outcome"],
            registry=self.registry,
        )
        self.consumer_lag = Gauge(
            "continuum_consumer_lag_messages", "Messages behind the end of the consumed topics", registry=self.registry
        )
