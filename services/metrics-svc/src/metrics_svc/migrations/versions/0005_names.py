"""Service names and project titles, so KPIs can be shown by name (from ServiceRegistered, ProjectProposed).

Revision ID: 0005
Revises: 0004
"""

from alembic import op

from metrics_svc.projection.tables import LIVE

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    LIVE.names.create(op.get_bind(), checkfirst=True)


def downgrade() -> None:
    LIVE.names.drop(op.get_bind())
