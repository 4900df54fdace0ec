"""The webhook tables: subscriptions (their events, current state and secrets), deliveries, intake positions.

Webhook state is not a projection (a rebuild must not forget who subscribed, nor what is owed to them), so
these tables live apart from `metrics_svc.projection.tables`. A subscription's events stay in
`webhook_subscription_events`, not in the service's `events` table: the relay publishes every row there, and a
target URL can itself be a credential (a Slack or Teams incoming-webhook URL); secrets are in no event at all.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID

metadata = sa.MetaData()
TIMESTAMP = sa.DateTime(timezone=True)

subscription_events = sa.Table(
    "webhook_subscription_events",
    metadata,
    sa.Column("subscription_id", UUID(as_uuid=True), primary_key=True),
    sa.Column("version", sa.Integer, primary_key=True),
    sa.Column("event_id", UUID(as_uuid=True), nullable=False, unique=True),
    sa.Column("event_type", sa.Text, nullable=False),
    sa.Column("data", JSONB, nullable=False),
    sa.Column("metadata", JSONB, nullable=False),
    sa.Column("occurred_at", TIMESTAMP, nullable=False),
    sa.Column("recorded_at", TIMESTAMP, nullable=False, server_default=sa.func.now()),
)

subscriptions = sa.Table(
    "webhook_subscriptions",
    metadata,
    sa.Column("id", UUID(as_uuid=True), primary_key=True),
    sa.Column("owner", sa.Text, nullable=False),
    sa.Column("target_url", sa.Text, nullable=False),
    sa.Column("event_types", ARRAY(sa.Text), nullable=False),
    sa.Column("sources", ARRAY(sa.Text), nullable=False),
    sa.Column("subjects", ARRAY(sa.Text), nullable=False),
    sa.Column("skip_own_events", sa.Boolean, nullable=False),
    sa.Column("state", sa.Text, nullable=False),
    sa.Column("paused_reason", sa.Text),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("start", sa.Text, nullable=False),
    sa.Column("start_offsets", JSONB, nullable=False, server_default=sa.text("'{}'::jsonb"),
              comment="topic:partition → the first offset taken live; a replay takes those before"),
    sa.Column("replay_pending", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("consecutive_failures", sa.Integer, nullable=False, server_default=sa.text("0")),
    sa.Column("created_at", TIMESTAMP, nullable=False),
    sa.Column("updated_at", TIMESTAMP, nullable=False, server_default=sa.func.now()),
    sa.Index("webhook_subscriptions_owner", "owner", "created_at", "id"),
)

secrets = sa.Table(
    "webhook_secrets",
    metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(always=True), primary_key=True),
    sa.Column("subscription_id", UUID(as_uuid=True), sa.ForeignKey("webhook_subscriptions.id", ondelete="CASCADE"),
              nullable=False, index=True),
    sa.Column("secret", sa.Text, nullable=False),
    sa.Column("created_at", TIMESTAMP, nullable=False, server_default=sa.func.now()),
    sa.Column("expires_at", TIMESTAMP, comment="null: the current secret; else it signs until then (rotation)"),
)

deliveries = sa.Table(
    "webhook_deliveries",
    metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(always=True), primary_key=True),
    sa.Column("subscription_id", UUID(as_uuid=True), sa.ForeignKey("webhook_subscriptions.id", ondelete="CASCADE"),
              nullable=False),
    sa.Column("event_id", sa.Text, nullable=False),
    sa.Column("subject", sa.Text, nullable=False, comment="ce_subject, or the event id when it has none"),
    sa.Column("topic", sa.Text, nullable=False),
    sa.Column("partition", sa.Integer, nullable=False),
    sa.Column("offset", sa.BigInteger, nullable=False),
    sa.Column("attributes", JSONB, nullable=False, comment="the CloudEvent's attributes (ce-* headers)"),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("state", sa.Text, nullable=False, server_default="pending", comment="pending | delivered | parked"),
    sa.Column("attempts", sa.Integer, nullable=False, server_default=sa.text("0")),
    sa.Column("next_attempt_at", TIMESTAMP, nullable=False, server_default=sa.func.now()),
    sa.Column("leased_until", TIMESTAMP),
    sa.Column("first_failed_at", TIMESTAMP),
    sa.Column("last_attempt_at", TIMESTAMP),
    sa.Column("last_status", sa.Integer),
    sa.Column("last_error", sa.Text),
    sa.Column("last_response", sa.Text),
    sa.Column("delivered_at", TIMESTAMP),
    sa.Column("created_at", TIMESTAMP, nullable=False, server_default=sa.func.now()),
    sa.UniqueConstraint("subscription_id", "event_id", name="webhook_deliveries_once"),
    sa.Index("webhook_deliveries_due", "next_attempt_at", postgresql_where=sa.text("state = 'pending'")),
    sa.Index("webhook_deliveries_subject", "subscription_id", "subject", "partition", "offset",
             postgresql_where=sa.text("state = 'pending'")),
    sa.Index("webhook_deliveries_parked", "subscription_id", "id", postgresql_where=sa.text("state = 'parked'")),
)

intake_positions = sa.Table(
    "webhook_intake_positions",
    metadata,
    sa.Column("topic", sa.Text, primary_key=True),
    sa.Column("partition", sa.Integer, primary_key=True),
    sa.Column("next_offset", sa.BigInteger, nullable=False),
)

TABLES = (subscription_events, subscriptions, secrets, deliveries, intake_positions)
