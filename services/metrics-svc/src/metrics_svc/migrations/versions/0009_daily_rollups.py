"""Daily rollups of the incident facts (projection.rollups) and the indexes the bounded KPI reads use; the rollups
of the facts already stored are derived once here.

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

from metrics_svc.projection import rollups
from metrics_svc.projection.tables import LIVE

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

NEW_TABLES = (LIVE.service_days, LIVE.service_hours, LIVE.outage_pieces, LIVE.known_services)
INDEXED = (LIVE.incidents, LIVE.changes, LIVE.operating_costs)


def upgrade() -> None:
    bind = op.get_bind()
    for table in NEW_TABLES:
        table.create(bind, checkfirst=True)
    for table in INDEXED:
        for index in table.indexes:
            index.create(bind, checkfirst=True)
    # the backfill runs today's rollup code, which reads the incident columns revision 0014 adds: a database made
    # before them gets them here (0014 adds them if not there yet)
    op.execute(f"ALTER TABLE {LIVE.incidents.name} ADD COLUMN IF NOT EXISTS ack_business_minutes numeric, "
               "ADD COLUMN IF NOT EXISTS resolve_business_minutes numeric")
    services = bind.execute(sa.select(LIVE.incidents.c.service_id).distinct()).scalars().all()
    if services:
        _drive(rollups.refresh_services(_Sync(bind), LIVE, services))


def _drive(coroutine) -> None:
    """Runs the rollups' own (async) code on Alembic's synchronous connection: every await is a _Sync.execute,
    which never suspends, so the coroutine completes at its first step (migrations already run inside the event
    loop, where asyncio.run is refused)."""
    try:
        coroutine.send(None)
    except StopIteration:
        return
    raise RuntimeError("the rollup backfill awaited something asynchronous")


class _Sync:
    """Alembic's synchronous connection with the awaitable `execute` the rollups call."""

    def __init__(self, bind) -> None:
        self.bind = bind

    async def execute(self, statement, parameters=None):
        return self.bind.execute(statement, parameters)


def downgrade() -> None:
    for table in reversed(NEW_TABLES):
        table.drop(op.get_bind(), checkfirst=True)
