"""Bulk history import (docs/bulk-import.md): the `import_keys` table of external keys and applied lines.

After 0002a, on the platform branch of every service (migrations upgrade to all heads).

Revision ID: 0002i
Revises: 0002a
"""

from alembic import op

from continuum.eventstore import schema

revision = "0002i"
down_revision = "0002a"
branch_labels = None
depends_on = None


def upgrade() -> None:
    schema.metadata.create_all(op.get_bind(), tables=[schema.import_keys])


def downgrade() -> None:
    schema.metadata.drop_all(op.get_bind(), tables=[schema.import_keys])
