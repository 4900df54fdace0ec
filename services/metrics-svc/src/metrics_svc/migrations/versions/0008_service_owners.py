"""Service owners (from ServiceRegistered and ServiceOwnerAssigned): a service's opportunities are its owner's.

Revision ID: 0008
Revises: 0007
"""

from alembic import op

from metrics_svc.projection.tables import LIVE

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    LIVE.owners.create(op.get_bind(), checkfirst=True)


def downgrade() -> None:
    LIVE.owners.drop(op.get_bind())
