"""The KPI projections' fact tables (metrics_svc.projection.tables).

Revision ID: 0003
Revises: 0002
"""

from alembic import op

from metrics_svc.projection.tables import LIVE

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    LIVE.metadata.create_all(op.get_bind())


def downgrade() -> None:
    LIVE.metadata.drop_all(op.get_bind())
