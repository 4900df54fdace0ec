"""Who owns each known service and its lifecycle stage; the projects handover-svc knows of.

`service_facts.stage` is learned from ServiceRegistered and ServiceStageChanged; `known_projects` from
ProjectProposed and ProjectClosingStarted. The projects of existing handovers are known already; the stage
of a service learned before this revision stays unknown (NULL) until its next stage change.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # 0003 builds service_facts from today's table definition, so on a new database the column is there already
    op.execute("ALTER TABLE service_facts ADD COLUMN IF NOT EXISTS stage text")
    op.create_table(
        "known_projects",
        sa.Column("project_id", sa.Uuid, primary_key=True),
        sa.Column("learned_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )
    op.execute(
        "INSERT INTO known_projects (project_id) "
        "SELECT DISTINCT (data->>'project_id')::uuid FROM summaries "
        "WHERE stream_type = 'Handover' AND data->>'project_id' IS NOT NULL ON CONFLICT DO NOTHING"
    )
    op.execute(
        "INSERT INTO service_facts (service_id) "
        "SELECT DISTINCT (data->>'service_id')::uuid FROM summaries WHERE stream_type = 'Handover' "
        "ON CONFLICT DO NOTHING"
    )


def downgrade() -> None:
    op.drop_table("known_projects")
    op.drop_column("service_facts", "stage")
