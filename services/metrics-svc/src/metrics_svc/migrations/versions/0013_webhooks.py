"""Outbound webhooks (issue #21): subscriptions, their events and secrets, deliveries, intake positions.

Revision ID: 0013
Revises: 0012
"""

from alembic import op

from metrics_svc.webhooks.tables import TABLES

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    for table in TABLES:
        table.create(bind, checkfirst=True)


def downgrade() -> None:
    bind = op.get_bind()
    for table in reversed(TABLES):
        table.drop(bind, checkfirst=True)
