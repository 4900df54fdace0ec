"""The index a window's edges read the outage pieces by (rollup_reads._edges_statement): a day's pieces ending at or
after an edge, so that an edge late in a busy day does not scan the day's earlier outages.

Revision ID: 0010
Revises: 0009
"""

from alembic import op

from metrics_svc.projection.tables import LIVE

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

INDEX = next(i for i in LIVE.outage_pieces.indexes if i.name == "ix_kpi_outage_pieces_day_ends")


def upgrade() -> None:
    # 0009 creates the table from the current definition, so on a fresh database the index exists already
    INDEX.create(op.get_bind(), checkfirst=True)


def downgrade() -> None:
    INDEX.drop(op.get_bind(), checkfirst=True)
