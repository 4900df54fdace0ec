"""The service_facts read model: what service events said about a service's SLA and owner.

Revision ID: 0003
Revises: 0002
"""

from alembic import op

from handover_svc.read_model import metadata

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    metadata.create_all(op.get_bind(), tables=[metadata.tables["service_facts"]])


def downgrade() -> None:
    metadata.drop_all(op.get_bind(), tables=[metadata.tables["service_facts"]])
