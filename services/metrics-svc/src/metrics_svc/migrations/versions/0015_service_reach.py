"""How far each service's history has arrived (issues 15 and 21, projection.loop_state.Progress): the newest
business time of its events and whether that came in step with the service topic, when its events last came far
behind it (an imported history on its way), and no day end judged yet for a service that has none.

Rows written before this revision read as in step and never behind, which is how they were judged.

Revision ID: 0015
Revises: 0014
"""

from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # 0007 creates the table from the current definition, so on a fresh database the columns exist already
    op.execute("ALTER TABLE loop_judged ADD COLUMN IF NOT EXISTS latest timestamptz")
    op.execute("ALTER TABLE loop_judged ADD COLUMN IF NOT EXISTS in_step boolean NOT NULL DEFAULT true")
    op.execute("ALTER TABLE loop_judged ADD COLUMN IF NOT EXISTS behind_at timestamptz")
    op.execute("ALTER TABLE loop_judged ALTER COLUMN through DROP NOT NULL")


def downgrade() -> None:
    op.execute("DELETE FROM loop_judged WHERE through IS NULL")
    op.execute("ALTER TABLE loop_judged ALTER COLUMN through SET NOT NULL")
    for column in ("behind_at", "in_step", "latest"):
        op.execute(f"ALTER TABLE loop_judged DROP COLUMN IF EXISTS {column}")
