"""The platform tables: events, snapshots, relay checkpoints, inbox, idempotency keys.

Revision ID: 0001
"""

from continuum.migrations import downgrade_platform, upgrade_platform

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    upgrade_platform()


def downgrade() -> None:
    downgrade_platform()
