"""Handover acceptance criteria (from CriterionAdded/Met/Waived/Reset), so readiness is known in transition.

Revision ID: 0006
Revises: 0005
"""

from alembic import op

from metrics_svc.projection.tables import LIVE

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    LIVE.criteria.create(op.get_bind(), checkfirst=True)


def downgrade() -> None:
    LIVE.criteria.drop(op.get_bind())
