"""The business time each aggregate was opened (its first event's `occurred_at`) as a column of `summaries`:
lists bound and sort by it through an index (`opened_after`, `opened_before`, `sort=opened_at`) instead of
joining `events` on version 1 (docs/api-conventions.md).

After 0002i, on the platform branch of every service (migrations upgrade to all heads). Written by the append
paths from then on (`EventStore.append`, `bulk.append_streams`); backfilled here from the events.

Revision ID: 0002o
Revises: 0002i
"""

import sqlalchemy as sa
from alembic import op

revision = "0002o"
down_revision = "0002i"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(sa.text("ALTER TABLE summaries ADD COLUMN opened_at timestamptz"))
    op.execute(sa.text("UPDATE summaries SET opened_at = e.occurred_at FROM events e "
                       "WHERE e.stream_id = summaries.stream_id AND e.version = 1"))
    op.execute(sa.text("ALTER TABLE summaries ALTER COLUMN opened_at SET NOT NULL"))  # every summary has events
    op.execute(sa.text("CREATE INDEX summaries_type_opened ON summaries (stream_type, opened_at, sequence)"))


def downgrade() -> None:
    op.execute(sa.text("DROP INDEX IF EXISTS summaries_type_opened"))
    op.execute(sa.text("ALTER TABLE summaries DROP COLUMN IF EXISTS opened_at"))
