"""The summaries table: each aggregate's list view, written in the same transaction as its events.

Revision ID: 0002
Revises: 0001
"""

from continuum.migrations import downgrade_summaries, upgrade_summaries

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    upgrade_summaries()


def downgrade() -> None:
    downgrade_summaries()
