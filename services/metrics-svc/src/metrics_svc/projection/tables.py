"""The fact tables of the KPI projections (SQLAlchemy Core); a prefix gives a fresh set for a rebuild."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB, UUID

from continuum.domain import EARLIEST_BUSINESS_TIME, LATEST_BUSINESS_TIME

from metrics_svc.projection.success_facts import success_tables

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
    service_days: sa.Table
    service_hours: sa.Table
    outage_pieces: sa.Table
    known_services: sa.Table
    project_outcomes: sa.Table  # the success scorecard's facts (projection.success_facts)
    change_requests: sa.Table
    service_requests: sa.Table
    service_stages: sa.Table

    @property
    def metadata(self) -> sa.MetaData:
        return self.incidents.metadata

    def all(self) -> list[sa.Table]:
        return [self.incidents, self.slas, self.operating_costs, self.changes, self.projects, self.milestones,
                self.progress, self.project_costs, self.handovers, self.improvements,
                self.names, self.criteria, self.owners, self.service_days, self.service_hours,
                self.outage_pieces, self.known_services, self.project_outcomes, self.change_requests,
                self.service_requests, self.service_stages]


def _ts(name: str, nullable: bool = True) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _calendar(moment: str) -> sa.TextClause:
    """A stored moment outside the business calendar (as windows.usable_moment), as SQL on literals: a partial
    index's predicate, which a query repeating it can use."""
    return sa.text(f"({moment} < '{EARLIEST_BUSINESS_TIME.isoformat()}'::timestamptz"
                   f" OR {moment} > '{LATEST_BUSINESS_TIME.isoformat()}'::timestamptz)")


NOT_FINITE = "('NaN'::numeric, 'Infinity'::numeric, '-Infinity'::numeric)"
UNUSABLE_INCIDENT = sa.text("(" + " OR ".join(
    [_calendar(m).text for m in ("opened_at", "acknowledged_at", "resolved_at", "csat_at")]
    + [f"outage_minutes IN {NOT_FINITE}"]) + ")")
"""An incident no figure may use (domain.service_kpis.usable_incidents), as SQL: its problems are read by it."""


def within_calendar(column: str) -> str:
    return (f"{column} BETWEEN '{EARLIEST_BUSINESS_TIME.isoformat()}'::timestamptz"
            f" AND '{LATEST_BUSINESS_TIME.isoformat()}'::timestamptz")


def usable_sql(alias: str) -> str:
    """SQL for an incident (of table or alias `alias`) every figure may use: the opposite of UNUSABLE_INCIDENT,
    written so that an absent moment counts as usable."""
    moments = [f"({alias}.{m} IS NULL OR {within_calendar(f'{alias}.{m}')})"
               for m in ("acknowledged_at", "resolved_at", "csat_at")]
    finite = f"{alias}.outage_minutes NOT IN {NOT_FINITE}"
    return " AND ".join([within_calendar(f"{alias}.opened_at"), *moments, finite])


def _count(name: str) -> sa.Column:
    return sa.Column(name, sa.BigInteger, nullable=False, server_default="0")


def _business_sums() -> list[sa.Column]:
    """Of the incidents acknowledged (resolved) in the bucket, those whose event carried business minutes, and the
    sum of those minutes in microseconds (migration 0014)."""
    return [_count("ack_business"), sa.Column("ack_business_us", sa.Numeric, nullable=False, server_default="0"),
            _count("resolved_business"),
            sa.Column("resolve_business_us", sa.Numeric, nullable=False, server_default="0")]


def _rollups(prefix: str, md: sa.MetaData, uid: UUID) -> dict[str, sa.Table]:
    """The maintained rollups (projection.rollups): per service and UTC day, what the incident KPIs sum."""
    return {
        "service_days": sa.Table(
            f"{prefix}service_days", md,
            sa.Column("service_id", uid, primary_key=True), sa.Column("day", sa.Date, primary_key=True, index=True),
            _count("opened"), _count("sla_subject"), _count("sla_met"),  # by opening day
            _count("acknowledged"), sa.Column("ack_us", sa.Numeric, nullable=False, server_default="0"),
            _count("resolved"), sa.Column("resolve_us", sa.Numeric, nullable=False, server_default="0"),
            _count("csat_responses"), _count("csat_positive"),  # by rating day
            _count("outages_started"),  # resolved outages whose span starts that day
            sa.Column("down_us", sa.Numeric, nullable=False, server_default="0"),  # their union within the day
            *_business_sums(),
        ),
        "service_hours": sa.Table(  # the same sums per UTC hour: a window's partial days are whole hours and less
            f"{prefix}service_hours", md,
            sa.Column("service_id", uid, primary_key=True),
            sa.Column("hour", sa.DateTime(timezone=True), primary_key=True),
            _count("opened"), _count("sla_subject"), _count("sla_met"), _count("acknowledged"),
            sa.Column("ack_us", sa.Numeric, nullable=False, server_default="0"), _count("resolved"),
            sa.Column("resolve_us", sa.Numeric, nullable=False, server_default="0"),
            _count("csat_responses"), _count("csat_positive"), *_business_sums(),
        ),
        "outage_pieces": sa.Table(  # a resolved outage's span cut at each UTC midnight (one piece a day)
            f"{prefix}outage_pieces", md,
            sa.Column("incident_id", uid, primary_key=True), sa.Column("day", sa.Date, primary_key=True),
            sa.Column("service_id", uid, nullable=False), _ts("piece_start", False), _ts("piece_end", False),
            _ts("span_start", False), _ts("span_end", False), sa.Column("first", sa.Boolean, nullable=False),
            sa.Column("fault", sa.Text),  # why its span cannot be computed (availability is then null)
            sa.Index(f"ix_{prefix}outage_pieces_service_day", "service_id", "day"),
            sa.Index(f"ix_{prefix}outage_pieces_day_ends", "service_id", "day", "piece_end"),  # a window's edges
            sa.Index(f"ix_{prefix}outage_pieces_faults", "service_id", postgresql_where=sa.text("fault IS NOT NULL")),
        ),
        "known_services": sa.Table(  # every service with an incident fact: the lists page over it
            f"{prefix}known_services", md, sa.Column("service_id", uid, primary_key=True),
        ),
    }


def fact_tables(prefix: str = LIVE_PREFIX, metadata: sa.MetaData | None = None) -> FactTables:
    """The fact tables named `<prefix><name>`."""
    md = metadata or sa.MetaData()
    uid = UUID(as_uuid=True)
    return FactTables(
        incidents=_incidents(prefix, md, uid),
        names=sa.Table(  # what people call a service (its catalog name) or a project (its title)
            f"{prefix}names", md,
            sa.Column("id", uid, primary_key=True), sa.Column("name", sa.Text, nullable=False),
        ),
        **_service_facts(prefix, md, uid),
        **_project_facts(prefix, md, uid),
        **_handover_facts(prefix, md, uid),
        **_rollups(prefix, md, uid),
        **success_tables(prefix, md, uid),
    )


def _incidents(prefix: str, md: sa.MetaData, uid: UUID) -> sa.Table:
    """One row per incident: its times, SLA outcomes and CSAT, indexed for the windowed reads per service."""
    return sa.Table(
        f"{prefix}incidents", md,
        sa.Column("incident_id", uid, primary_key=True), sa.Column("service_id", uid, nullable=False, index=True),
        sa.Column("priority", sa.Text, nullable=False), sa.Column("category", sa.Text, nullable=False),
        sa.Column("outage", sa.Boolean, nullable=False), _ts("opened_at", False), _ts("acknowledged_at"),
        _ts("resolved_at"), sa.Column("outage_minutes", sa.Numeric, nullable=False, server_default="0"),
        sa.Column("response_sla_met", sa.Boolean), sa.Column("resolution_sla_met", sa.Boolean),
        sa.Column("response_breached", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("resolution_breached", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("csat", sa.Integer), _ts("csat_at"),
        # the events' business minutes (absent before calendars: null, never 0), migration 0014
        sa.Column("ack_business_minutes", sa.Numeric), sa.Column("resolve_business_minutes", sa.Numeric),
        sa.Index(f"ix_{prefix}incidents_service_opened", "service_id", "opened_at"),
        sa.Index(f"ix_{prefix}incidents_service_acknowledged", "service_id", "acknowledged_at"),
        sa.Index(f"ix_{prefix}incidents_service_resolved", "service_id", "resolved_at"),
        sa.Index(f"ix_{prefix}incidents_service_csat", "service_id", "csat_at"),
        sa.Index(f"ix_{prefix}incidents_open_outages", "service_id", "opened_at",
                 postgresql_where=sa.text("outage AND resolved_at IS NULL")),
        sa.Index(f"ix_{prefix}incidents_unusable", "service_id", postgresql_where=UNUSABLE_INCIDENT),
    )


def _service_facts(prefix: str, md: sa.MetaData, uid: UUID) -> dict[str, sa.Table]:
    """A service's SLA, operating costs, changes, improvements and owner."""
    return dict(
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
            sa.Index(f"ix_{prefix}operating_costs_service_incurred", "service_id", "incurred_at"),
        ),
        changes=sa.Table(
            f"{prefix}changes", md,
            sa.Column("change_id", uid, primary_key=True), sa.Column("service_id", uid, nullable=False, index=True),
            sa.Column("successful", sa.Boolean, nullable=False), _ts("implemented_at", False),
            sa.Index(f"ix_{prefix}changes_service_implemented", "service_id", "implemented_at"),
        ),
        improvements=sa.Table(
            f"{prefix}improvements", md,
            sa.Column("improvement_id", uid, primary_key=True),
            sa.Column("service_id", uid, nullable=False, index=True), _ts("planned_at"), _ts("implemented_at"),
        ),
        owners=sa.Table(  # who owns a service (ServiceRegistered, ServiceOwnerAssigned): who may dismiss its opportunities
            f"{prefix}service_owners", md,
            sa.Column("service_id", uid, primary_key=True), sa.Column("owner", sa.Text, nullable=False),
        ),
    )


def _project_facts(prefix: str, md: sa.MetaData, uid: UUID) -> dict[str, sa.Table]:
    """A project's plan (BAC, milestones), progress and actual costs, for earned value."""
    return dict(
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
    )


def _handover_facts(prefix: str, md: sa.MetaData, uid: UUID) -> dict[str, sa.Table]:
    """A handover's dates, readiness and acceptance criteria."""
    return dict(
        handovers=sa.Table(
            f"{prefix}handovers", md,
            sa.Column("handover_id", uid, primary_key=True), sa.Column("service_id", uid, nullable=False, index=True),
            sa.Column("project_id", uid), _ts("opened_at", False), _ts("accepted_at"),
            sa.Column("readiness_score", sa.Numeric), sa.Column("early_life_support_days", sa.Integer),
            sa.Column("rejections", sa.Integer, nullable=False, server_default="0"), _ts("completed_at"),
        ),
        criteria=sa.Table(  # a handover's acceptance criteria, for its readiness while in transition
            f"{prefix}handover_criteria", md,
            sa.Column("criterion_id", sa.Text, primary_key=True),  # "<handover_id>/<key>"
            sa.Column("handover_id", uid, nullable=False, index=True), sa.Column("key", sa.Text, nullable=False),
            sa.Column("mandatory", sa.Boolean, nullable=False), _ts("added_at", False), _ts("settled_at"),
        ),
    )


LIVE = fact_tables()
