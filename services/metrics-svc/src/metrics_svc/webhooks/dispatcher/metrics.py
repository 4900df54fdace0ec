"""The delivery loop's Prometheus metrics (`WebhookMetrics`): attempts by outcome and the backlog per
subscription, and the intake's lag."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge


class WebhookMetrics:
    """Per subscription: deliveries by outcome, and the backlog (lag) in deliveries and seconds."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.attempts = Counter("continuum_webhook_deliveries", "Webhook delivery attempts by outcome",
                                ["subscription", "outcome"], registry=registry)
        self.pending = Gauge("continuum_webhook_pending_deliveries", "Deliveries not yet delivered (lag)",
                             ["subscription"], registry=registry)
        self.oldest = Gauge("continuum_webhook_lag_seconds", "Age of the oldest pending delivery",
                            ["subscription"], registry=registry)
        self.intake_lag = Gauge("continuum_webhook_intake_lag_messages",
                                "Messages of the four topics not yet taken into deliveries", registry=registry)
