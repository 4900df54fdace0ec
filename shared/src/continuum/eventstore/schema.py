"""The platform tables every service's database holds (DESIGN §3), in SQLAlchemy Core."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.types import UserDefinedType

EVENTS_CHANNEL = "continuum_events"


class Xid8(UserDefinedType):
    """PostgreSQL's 64-bit transaction id, read and written as text to stay exact."""

    cache_ok = True

    def get_col_spec(self, **kw) -> str:
        """The column's SQL type: PostgreSQL's 64-bit transaction id."""
        return "xid8"


metadata = sa.MetaData()

events = sa.Table(
    "events",
    metadata,
    sa.Column("global_position", sa.BigInteger, sa.Identity(always=True), primary_key=True),
    sa.Column("transaction_id", Xid8, nullable=False, server_default=sa.text("pg_current_xact_id()")),
    sa.Column("stream_id", UUID(as_uuid=True), nullable=False),
    sa.Column("stream_type", sa.Text, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("event_id", UUID(as_uuid=True), nullable=False, unique=True),
    sa.Column("event_type", sa.Text, nullable=False),
    sa.Column("schema_version", sa.Integer, nullable=False),
    sa.Column("data", JSONB, nullable=False),
    sa.Column("metadata", JSONB, nullable=False),
    sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    sa.UniqueConstraint("stream_id", "version", name="events_stream_version_key"),
    sa.Index("events_relay_order", "transaction_id", "global_position"),
    sa.Index("events_stream_type_position", "stream_type", "global_position"),
)

snapshots = sa.Table(
    "snapshots",
    metadata,
    sa.Column("stream_id", UUID(as_uuid=True), primary_key=True),
    sa.Column("stream_type", sa.Text, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("state", JSONB, nullable=False),
    sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
)

relay_checkpoints = sa.Table(
    "relay_checkpoints",
    metadata,
    sa.Column("relay", sa.Text, primary_key=True),
    sa.Column("transaction_id", Xid8, nullable=False),
    sa.Column("global_position", sa.BigInteger, nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
)

inbox = sa.Table(
    "inbox",
    metadata,
    sa.Column("consumer", sa.Text, primary_key=True),
    sa.Column("event_id", sa.Text, primary_key=True),
    sa.Column("topic", sa.Text, nullable=False),
    sa.Column("partition", sa.Integer, nullable=False),
    sa.Column("offset", sa.BigInteger, nullable=False),
    sa.Column("handled_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
)

summaries = sa.Table(
    "summaries",
    metadata,
    sa.Column("stream_id", UUID(as_uuid=True), primary_key=True),
    sa.Column("stream_type", sa.Text, nullable=False),
    sa.Column("sequence", sa.BigInteger, sa.Identity(always=True), nullable=False, unique=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("data", JSONB, nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    sa.Index("summaries_type_sequence", "stream_type", "sequence"),
    sa.Index("summaries_data", "data", postgresql_using="gin", postgresql_ops={"data": "jsonb_path_ops"}),
)

idempotency_keys = sa.Table(
    "idempotency_keys",
    metadata,
    sa.Column("principal", sa.Text, primary_key=True),
    sa.Column("key", sa.Text, primary_key=True),
    sa.Column("request_hash", sa.Text, nullable=False),
    sa.Column("stream_id", UUID(as_uuid=True)),
    sa.Column("status", sa.Integer),
    sa.Column("headers", JSONB),
    sa.Column("body", sa.LargeBinary),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
)

import_keys = sa.Table(
    "import_keys",
    metadata,
    sa.Column("scope", sa.Text, primary_key=True),
    sa.Column("key", sa.Text, primary_key=True),
    sa.Column("stream_id", UUID(as_uuid=True), nullable=False),
    sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
)
"""Bulk imports' external keys (docs/bulk-import.md): a record's key → its stream, and each applied line's key, so
that a re-run of the same lines answers "already imported" and appends nothing (written in the lines' transaction)."""

NOTIFY_FUNCTION = f"""
CREATE OR REPLACE FUNCTION continuum_notify_events() RETURNS trigger AS $$
BEGIN
  PERFORM pg_notify('{EVENTS_CHANNEL}', '');
  RETURN NULL;
END $$ LANGUAGE plpgsql
"""
NOTIFY_TRIGGER = """
CREATE TRIGGER events_notify AFTER INSERT ON events
FOR EACH STATEMENT EXECUTE FUNCTION continuum_notify_events()
"""
