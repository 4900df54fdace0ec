"""Business minutes of the incident clocks (issue 16): the minutes service-svc's IncidentAcknowledged and
IncidentResolved carry, as incident facts, and their counts and sums in the daily and hourly rollups (business MTTA
and MTTR beside the wall-clock ones).

Facts stored before this revision have none (null: absent, never 0), and the rollups' new sums start at 0, which is
what those facts sum to: the rollups stay equal to the facts without a backfill. The business minutes of events
consumed before it are read again by a rebuild (`python -m metrics_svc.rebuild`, docs/kpi-reads.md).

Revision ID: 0014
Revises: 0013
"""

from alembic import op

from metrics_svc.projection.tables import LIVE

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

FACTS = ("ack_business_minutes", "resolve_business_minutes")
SUMS = ("ack_business", "ack_business_us", "resolved_business", "resolve_business_us")
# on a fresh database 0003 and 0009 create the tables from the current definition, with the columns already
COLUMNS = {LIVE.incidents: FACTS, LIVE.service_days: SUMS, LIVE.service_hours: SUMS}


def _ddl(table, name: str) -> str:
    column = table.c[name]
    kind = column.type.compile(dialect=op.get_bind().dialect)
    default = "" if column.server_default is None else f" NOT NULL DEFAULT {column.server_default.arg}"
    return f"ADD COLUMN IF NOT EXISTS {name} {kind}{default}"


def upgrade() -> None:
    for table, names in COLUMNS.items():
        op.execute(f"ALTER TABLE {table.name} " + ", ".join(_ddl(table, name) for name in names))


def downgrade() -> None:
    for table, names in COLUMNS.items():
        op.execute(f"ALTER TABLE {table.name} " + ", ".join(f"DROP COLUMN IF EXISTS {name}" for name in names))
