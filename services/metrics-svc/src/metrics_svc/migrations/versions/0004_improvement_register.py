"""The improvement register's facts (service-svc's ImprovementPlanned / ImprovementImplemented).

Revision ID: 0004
Revises: 0003
"""

from alembic import op

from metrics_svc.projection.tables import LIVE

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    LIVE.improvements.create(op.get_bind(), checkfirst=True)


def downgrade() -> None:
    LIVE.improvements.drop(op.get_bind())
