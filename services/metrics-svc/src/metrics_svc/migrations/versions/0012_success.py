"""The success scorecard's facts (projection.success_facts): project outcomes, change requests, service requests and
since when a service is in operation. Events consumed before this revision are not replayed into them: a `rebuild`
fills them from the topics (they are rebuilt like every fact table).

Revision ID: 0012
Revises: 0011
"""

from alembic import op

from metrics_svc.projection.tables import LIVE

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

NEW_TABLES = (LIVE.project_outcomes, LIVE.change_requests, LIVE.service_requests, LIVE.service_stages)


def upgrade() -> None:
    for table in NEW_TABLES:
        table.create(op.get_bind(), checkfirst=True)


def downgrade() -> None:
    for table in reversed(NEW_TABLES):
        table.drop(op.get_bind(), checkfirst=True)
