"""The consumer runtime: a consumer group per service, manual commits, an inbox, a DLQ, retries.

Each handled message's `ce_id` is written to the inbox in the same transaction as the handler's effects, so
a redelivered message has no second effect. A message that can never be handled (not a CloudEvent, bad JSON,
unknown schema version, failing its contract, breaking a domain rule) goes to the DLQ with the error in its
headers; a transient fault (database down, lost race) is retried with backoff and never skipped.

What one fetch brought is applied in one transaction, across its partitions (one inbox insert, one commit:
the subscriptions' handlers in partition order, or the consumer's batch handler); any failure there rolls it
back, each partition is then tried in a transaction of its own, and a partition failing that too takes the
one-by-one path, with its retries and its DLQ, so a batch never costs more than a message
(`ConsumerSettings.batch_transactions=False`: one by one always). While fetches come full (a backlog), each next
fetch asks for twice as many messages, up to 16 × `max_batch`; offsets are committed at most every
`commit_interval_s` and when the consumer stops; the inbox makes what a crash leaves uncommitted harmless.

Modules: `delivery` (what handlers receive, subscriptions), `status`, `inbox`, `batches` (decoding and the
transactional path), `one_by_one` (retries and the DLQ), `runtime` (`EventConsumer`, the group's loop).
"""

from __future__ import annotations

from continuum.consumer.delivery import BatchHandler, Delivery, PermanentFailure, Subscription
from continuum.consumer.runtime import BACKLOG_GROWTH, EventConsumer
from continuum.consumer.status import ConsumerStatus

__all__ = ["BACKLOG_GROWTH", "BatchHandler", "ConsumerStatus", "Delivery", "EventConsumer", "PermanentFailure",
           "Subscription"]
