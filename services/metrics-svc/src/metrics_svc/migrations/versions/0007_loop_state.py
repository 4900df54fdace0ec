"""The improvement loop's state (watermarks, judged day ends) and incidents indexed by service and opening time.

Revision ID: 0007
Revises: 0006
"""

from alembic import op

from metrics_svc.projection.loop_state import metadata

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    metadata.create_all(op.get_bind())
    op.create_index("ix_kpi_incidents_service_opened", "kpi_incidents", ["service_id", "opened_at"], if_not_exists=True)


def downgrade() -> None:
    op.drop_index("ix_kpi_incidents_service_opened", "kpi_incidents")
    metadata.drop_all(op.get_bind())
