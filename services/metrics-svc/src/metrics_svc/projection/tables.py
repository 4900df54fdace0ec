"""The fact tables of the KPI projections (SQLAlchemy Core); a prefix gives a fresh set for a rebuild."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB, UUID

LIVE_PREFIX = "kpi_"
REBUILD_PREFIX = "kpi_rebuild_"


@dataclass(frozen=True)
class FactTables:
    incidents: sa.Table
    slas: sa.Table
    operating_costs: sa.Table
    changes: sa.Table
    projects: sa.Table
    milestones: sa.Table
    progress: sa.Table
    project_costs: sa.Table
    handovers: sa.Table
    improvements: sa.Table
    names: sa.Table
    criteria: sa.Table
    owners: sa.Table

    @property
    def metadata(self) -> sa.MetaData:
        return self.incidents.metadata

    def all(self) -> list[sa.Table]:
        return [self.incidents, self.slas, self.operating_costs, self.changes, self.projects, self.milestones,
                self.progress, self.project_costs, self.handovers, self.improvements,
                self.names, self.criteria, self.owners]


def _ts(name: str, nullable: bool = True) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def fact_tables(prefix: str = LIVE_PREFIX, metadata: sa.MetaData | None = None) -> FactTables:
    """The fact tables named `<prefix><name>`."""
    md = metadata or sa.MetaData()
    uid = UUID(as_uuid=True)
    return FactTables(
        incidents=sa.Table(
            f"{prefix}incidents", md,
            sa.Column("incident_id", uid, primary_key=True), sa.Column("service_id", uid, nullable=False, index=True),
            sa.Column("priority", sa.Text, nullable=False), sa.Column("category", sa.Text, nullable=False),
            sa.Column("outage", sa.Boolean, nullable=False), _ts("opened_at", False), _ts("acknowledged_at"),
            _ts("resolved_at"), sa.Column("outage_minutes", sa.Numeric, nullable=False, server_default="0"),
            sa.Column("response_sla_met", sa.Boolean), sa.Column("resolution_sla_met", sa.Boolean),
            sa.Column("response_breached", sa.Boolean, nullable=False, server_default=sa.false()),
            sa.Column("resolution_breached", sa.Boolean, nullable=False, server_default=sa.false()),
            sa.Column("csat", sa.Integer), _ts("csat_at"),
        ),
        slas=sa.Table(
            f"{prefix}slas", md,
            sa.Column("service_id", uid, primary_key=True),
            sa.Column("availability_target_pct", sa.Numeric, nullable=False),
            sa.Column("csat_target_pct", sa.Numeric, nullable=False), _ts("defined_at", False),
        ),
        operating_costs=sa.Table(
            f"{prefix}operating_costs", md,
            sa.Column("event_id", sa.Text, primary_key=True), sa.Column("service_id", uid, nullable=False, index=True),
            sa.Column("amount", sa.Numeric, nullable=False), _ts("incurred_at", False),
        ),
        changes=sa.Table(
            f"{prefix}changes", md,
            sa.Column("change_id", uid, primary_key=True), sa.Column("service_id", uid, nullable=False, index=True),
            sa.Column("successful", sa.Boolean, nullable=False), _ts("implemented_at", False),
        ),
        projects=sa.Table(
            f"{prefix}projects", md,
            sa.Column("project_id", uid, primary_key=True), sa.Column("origin", sa.Text, nullable=False),
            sa.Column("opportunity_id", uid), sa.Column("target_service_ids", JSONB, nullable=False),
            sa.Column("budget_at_completion", sa.Numeric), sa.Column("baselined", sa.Boolean, nullable=False,
                                                                     server_default=sa.false()),
        ),
        milestones=sa.Table(
            f"{prefix}milestones", md,
            sa.Column("milestone_id", uid, primary_key=True), sa.Column("project_id", uid, nullable=False, index=True),
            sa.Column("planned_date", sa.Date, nullable=False), sa.Column("planned_value", sa.Numeric, nullable=False),
            sa.Column("actual_date", sa.Date),
        ),
        progress=sa.Table(
            f"{prefix}progress", md,
            sa.Column("event_id", sa.Text, primary_key=True), sa.Column("project_id", uid, nullable=False, index=True),
            sa.Column("milestone_id", uid, nullable=False), sa.Column("percent_complete", sa.Numeric, nullable=False),
            _ts("recorded_at", False),
        ),
        project_costs=sa.Table(
            f"{prefix}project_costs", md,
            sa.Column("event_id", sa.Text, primary_key=True), sa.Column("project_id", uid, nullable=False, index=True),
            sa.Column("amount", sa.Numeric, nullable=False), _ts("incurred_at", False),
        ),
        handovers=sa.Table(
            f"{prefix}handovers", md,
            sa.Column("handover_id", uid, primary_key=True), sa.Column("service_id", uid, nullable=False, index=True),
            sa.Column("project_id", uid), _ts("opened_at", False), _ts("accepted_at"),
            sa.Column("readiness_score", sa.Numeric), sa.Column("early_life_support_days", sa.Integer),
            sa.Column("rejections", sa.Integer, nullable=False, server_default="0"), _ts("completed_at"),
        ),
        improvements=sa.Table(
            f"{prefix}improvements", md,
            sa.Column("improvement_id", uid, primary_key=True),
            sa.Column("service_id", uid, nullable=False, index=True), _ts("planned_at"), _ts("implemented_at"),
        ),
        names=sa.Table(  # what people call a service (its catalog name) or a project (its title)
            f"{prefix}names", md,
            sa.Column("id", uid, primary_key=True), sa.Column("name", sa.Text, nullable=False),
        ),
        criteria=sa.Table(  # a handover's acceptance criteria, for its readiness while in transition
            f"{prefix}handover_criteria", md,
            sa.Column("criterion_id", sa.Text, primary_key=True),  # "<handover_id>/<key>"
            sa.Column("handover_id", uid, nullable=False, index=True), sa.Column("key", sa.Text, nullable=False),
            sa.Column("mandatory", sa.Boolean, nullable=False), _ts("added_at", False), _ts("settled_at"),
        ),
        owners=sa.Table(  # who owns a service (ServiceRegistered, ServiceOwnerAssigned): who may dismiss its opportunities
            f"{prefix}service_owners", md,
            sa.Column("service_id", uid, primary_key=True), sa.Column("owner", sa.Text, nullable=False),
        ),
    )


LIVE = fact_tables()
