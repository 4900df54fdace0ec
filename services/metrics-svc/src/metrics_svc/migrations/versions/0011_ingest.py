"""Ingest that keeps up (issue 15 item 5): each partition's watermark says how far it is known complete while it
has a backlog, and whether that backlog came in order (projection.loop_state).

Revision ID: 0011
Revises: 0010
"""

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # 0007 creates the table from the current definition, so on a fresh database the columns exist already
    op.execute("ALTER TABLE loop_watermarks ADD COLUMN IF NOT EXISTS complete timestamptz")
    op.execute("ALTER TABLE loop_watermarks ADD COLUMN IF NOT EXISTS in_order boolean NOT NULL DEFAULT true")


def downgrade() -> None:
    op.execute("ALTER TABLE loop_watermarks DROP COLUMN IF EXISTS in_order")
    op.execute("ALTER TABLE loop_watermarks DROP COLUMN IF EXISTS complete")
