"""The known_services read model: the service catalog as project-svc learns it from service events.

Revision ID: 0003
Revises: 0002
"""

from alembic import op

from project_svc.service_catalog import metadata

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    metadata.create_all(op.get_bind(), tables=[metadata.tables["known_services"]])


def downgrade() -> None:
    metadata.drop_all(op.get_bind(), tables=[metadata.tables["known_services"]])
