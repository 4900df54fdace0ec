"""The delivery loop's SQL: the due deliveries a round may claim (each subject's earliest pending one, within its
subscription's in-flight slots), the claim under a lease (`FOR UPDATE SKIP LOCKED`), recording a delivery or a
failure (retried, parked after `retry_for_s`, counted against the subscription), forgetting old deliveries and the
backlog per subscription."""

from __future__ import annotations

import sqlalchemy as sa

CANDIDATES = sa.text("""
WITH heads AS (  -- each subject's earliest pending delivery: one ordered pass over the pending index
    SELECT DISTINCT ON (subscription_id, subject) id, subscription_id, next_attempt_at, leased_until
    FROM webhook_deliveries WHERE state = 'pending'
    ORDER BY subscription_id, subject, partition, "offset"
), busy AS (
    SELECT subscription_id, count(*) AS leased FROM heads WHERE leased_until >= now() GROUP BY subscription_id
), due AS (
    SELECT h.id, h.subscription_id, h.next_attempt_at,
           row_number() OVER (PARTITION BY h.subscription_id ORDER BY h.next_attempt_at, h.id) AS rank
    FROM heads h JOIN webhook_subscriptions s ON s.id = h.subscription_id
    WHERE h.next_attempt_at <= now() AND (h.leased_until IS NULL OR h.leased_until < now())
      AND s.state = 'active' AND NOT s.replay_pending
)
SELECT due.id FROM due LEFT JOIN busy USING (subscription_id)
WHERE due.rank + coalesce(busy.leased, 0) <= :per_subscription
ORDER BY due.next_attempt_at, due.id
LIMIT :limit
""")
CLAIM = sa.text("""
UPDATE webhook_deliveries d
SET leased_until = now() + make_interval(secs => :lease_s), attempts = d.attempts + 1, last_attempt_at = now()
FROM webhook_subscriptions s
WHERE s.id = d.subscription_id AND d.id IN (
    SELECT id FROM webhook_deliveries
    WHERE id = ANY(CAST(:ids AS bigint[])) AND state = 'pending' AND (leased_until IS NULL OR leased_until < now())
    FOR UPDATE SKIP LOCKED)
RETURNING d.id, d.subscription_id, d.event_id, d.attributes, d.body, d.attempts, s.target_url
""")
DELIVERED = sa.text("""
WITH done AS (
    UPDATE webhook_deliveries SET state = 'delivered', delivered_at = now(), leased_until = NULL,
           last_status = :status, last_error = NULL, last_response = NULL
    WHERE id = :id AND state = 'pending' RETURNING subscription_id)
UPDATE webhook_subscriptions SET consecutive_failures = 0
WHERE id IN (SELECT subscription_id FROM done) AND consecutive_failures <> 0
""")
FAILED = sa.text("""
WITH failed AS (
    UPDATE webhook_deliveries
    SET state = CASE WHEN coalesce(first_failed_at, now()) + make_interval(secs => :retry_for_s) <= now()
                     THEN 'parked' ELSE 'pending' END,
        first_failed_at = coalesce(first_failed_at, now()),
        next_attempt_at = now() + make_interval(secs => :delay_s), leased_until = NULL,
        last_status = :status, last_error = :error, last_response = :response
    WHERE id = :id AND state = 'pending' RETURNING subscription_id, state)
UPDATE webhook_subscriptions s SET consecutive_failures = s.consecutive_failures + 1
FROM failed WHERE s.id = failed.subscription_id
RETURNING s.consecutive_failures, s.state AS subscription_state, failed.state
""")
FORGET_DELIVERED = sa.text("""
DELETE FROM webhook_deliveries
WHERE state = 'delivered' AND delivered_at < now() - make_interval(secs => :keep_s)
""")
BACKLOG = sa.text("""
SELECT s.id, count(d.id) AS pending, coalesce(extract(epoch FROM now() - min(d.created_at)), 0) AS oldest_s
FROM webhook_subscriptions s LEFT JOIN webhook_deliveries d ON d.subscription_id = s.id AND d.state = 'pending'
GROUP BY s.id
""")
