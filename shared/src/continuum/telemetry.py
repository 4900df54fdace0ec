"""Prometheus metrics of one service, in its own registry (several apps may share a process in tests)."""

from __future__ import annotations

import time

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram


class Telemetry:
    """The metrics one service exports at `/metrics`: HTTP, relay and consumer."""

    def __init__(self, *, service: str) -> None:
        self.service = service
        self.registry = r = CollectorRegistry()
        self.http_requests = Counter("continuum_http_requests", "HTTP requests handled", ["method", "route", "status"],
                                     registry=r)
        self.http_latency = Histogram("continuum_http_request_seconds", "HTTP request latency", ["method", "route"],
                                      registry=r, buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5))
        self.relay_published = Counter("continuum_relay_published_events", "Events acknowledged by Kafka", registry=r)
        self.relay_lag = Gauge("continuum_relay_lag_events", "Committed events not yet acknowledged by Kafka",
                               registry=r)
        self.relay_failures = Counter("continuum_relay_publish_failures", "Batches Kafka did not acknowledge",
                                      registry=r)
        self.consumed = Counter("continuum_consumer_messages", "Messages taken by the consumer, by outcome",
                                ["outcome"], registry=r)
        self.consumer_lag = Gauge("continuum_consumer_lag_messages", "Messages behind the end of the consumed topics",
                                  registry=r)
        self.projection_age = Gauge(
            "continuum_projection_age_seconds",
            "Seconds since the newest event a consumer applied entered Kafka (per consumer and topic)",
            ["service", "topic"], registry=r)
        self._newest_applied: dict[tuple[str, str], float] = {}

    def applied(self, *, consumer: str, topic: str, published_at: float) -> None:
        """Note an event a consumer is done with: the topic's projection age counts from the newest one."""
        key = (consumer, topic)
        first = key not in self._newest_applied
        self._newest_applied[key] = max(self._newest_applied.get(key, published_at), published_at)
        if first:  # computed at scrape time, so the age keeps growing while nothing new arrives
            self.projection_age.labels(consumer, topic).set_function(lambda: time.time() - self._newest_applied[key])
