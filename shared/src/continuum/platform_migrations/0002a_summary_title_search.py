"""Case-insensitive title search on every list (`q`): a trigram index on the summaries' lowercased titles.

The platform branch off 0002 in every service, which 0002i continues (migrations upgrade to all heads).

Revision ID: 0002a
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0002a"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))  # a trusted extension: the owner may create it
    op.execute(sa.text("CREATE INDEX IF NOT EXISTS summaries_title_search ON summaries "
                       "USING gin (lower(data ->> 'title') gin_trgm_ops)"))


def downgrade() -> None:
    op.execute(sa.text("DROP INDEX IF EXISTS summaries_title_search"))
