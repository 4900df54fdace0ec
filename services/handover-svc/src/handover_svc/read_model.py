"""Read models of handover-svc (SQLAlchemy Core), written in the transaction of the command that learns them.

`service_facts` keeps what service events said about a service before (or while) it has a handover, so
that a handover opened later starts with "SLA defined" and "service owner named" already ticked; with its
owner and lifecycle stage it also says who decides for the service's handovers and whether one may be
accepted. A service with a row is known (a service event named it); `known_projects` lists the projects
project-svc's events named. Both are only as fresh as the last event consumed: a service or project created
a moment ago may take a moment to be known.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from continuum.eventstore.summaries import list_summaries

from handover_svc.domain.handover import Handover

metadata = sa.MetaData()

service_facts = sa.Table(
    "service_facts",
    metadata,
    sa.Column("service_id", sa.Uuid, primary_key=True),
    sa.Column("sla_defined", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("sla_evidence", sa.Text, nullable=True),
    sa.Column("owner", sa.Text, nullable=True),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    sa.Column("stage", sa.Text, nullable=True),  # None: not heard yet (learned before stages were kept)
)

known_projects = sa.Table(
    "known_projects",
    metadata,
    sa.Column("project_id", sa.Uuid, primary_key=True),
    sa.Column("learned_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
)

@dataclass(frozen=True)
class ServiceFacts:
    known: bool = False
    sla_defined: bool = False
    sla_evidence: str | None = None
    owner: str | None = None
    stage: str | None = None


async def save_service_fact(conn: AsyncConnection, *, service_id: UUID, sla_defined: bool | None, owner: str | None,
                            evidence: str, stage: str | None = None) -> None:
    """Merge one fact into the service's row (a fact left as None keeps what was known)."""
    changes: dict[str, Any] = {"updated_at": sa.func.now()}
    if sla_defined is not None:
        changes |= {"sla_defined": sla_defined, "sla_evidence": evidence if sla_defined else None}
    if owner is not None:
        changes["owner"] = owner
    if stage is not None:
        changes["stage"] = stage
    insert = pg_insert(service_facts).values(service_id=service_id, **{k: v for k, v in changes.items()
                                                                         if k != "updated_at"})
    await conn.execute(insert.on_conflict_do_update(index_elements=[service_facts.c.service_id], set_=changes))


async def facts_of(conn: AsyncConnection, service_id: UUID) -> ServiceFacts:
    row = (await conn.execute(sa.select(service_facts).where(service_facts.c.service_id == service_id))).first()
    if row is None:
        return ServiceFacts()
    return ServiceFacts(known=True, sla_defined=row.sla_defined, sla_evidence=row.sla_evidence, owner=row.owner,
                        stage=row.stage)


async def save_known_project(conn: AsyncConnection, project_id: UUID) -> None:
    await conn.execute(pg_insert(known_projects).values(project_id=project_id).on_conflict_do_nothing())


async def project_known(conn: AsyncConnection, project_id: UUID) -> bool:
    found = await conn.execute(sa.select(known_projects.c.project_id).where(known_projects.c.project_id == project_id))
    return found.first() is not None


async def handover_ids(conn: AsyncConnection, contains: dict[str, Any]) -> list[UUID]:
    """Ids of every handover whose summary contains `contains`, in opening order."""
    ids: list[UUID] = []
    after = 0
    while True:
        page = await list_summaries(conn, stream_type=Handover.stream_type, contains=contains, after=after, limit=200)
        ids += [UUID(item["id"]) for item in page.items]
        if page.next_after is None:
            return ids
        after = page.next_after
