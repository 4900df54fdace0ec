"""The delivery loop: claims due deliveries, POSTs them as signed CloudEvents, retries, parks, pauses.

Claims take a lease (`leased_until`) under `FOR UPDATE SKIP LOCKED`, so replicas share the work and a delivery
whose claimer died is claimed again when its lease ends (at least once). A delivery is claimable only when no
earlier event of its subject is pending for its subscription (order per subject), and a subscription never has
more than `per_subscription_in_flight` POSTs in flight: a slow receiver holds only its own slots.

The package's modules: `statements` (the SQL), `sender` (one signed POST and its outcome), `metrics` (the Prometheus
metrics) and `loop` (the `Dispatcher` itself).
"""

from __future__ import annotations

from metrics_svc.webhooks.dispatcher.loop import Dispatcher, full_jitter_delay
from metrics_svc.webhooks.dispatcher.metrics import WebhookMetrics
from metrics_svc.webhooks.dispatcher.sender import Sender

__all__ = ["Dispatcher", "Sender", "WebhookMetrics", "full_jitter_delay"]
