"""The services project-svc knows of, learned from `continuum.service.events` (SQLAlchemy Core).

A project may target only a service known here and not retired. The table is written by the consumer in the
inbox's transaction, so a service registered a moment ago is known as soon as project-svc has read its
`ServiceRegistered` (usually well under a second; longer while the consumer catches up).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection

metadata = sa.MetaData()

known_services = sa.Table(
    "known_services",
    metadata,
    sa.Column("service_id", sa.Uuid, primary_key=True),
    sa.Column("name", sa.Text, nullable=True),
    sa.Column("retired", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("learned_at", sa.DateTime(timezone=True), nullable=False),
)


async def remember_service(conn: AsyncConnection, *, service_id: UUID, name: str | None, retired: bool,
                           at: datetime) -> None:
    """Record that the service exists (and whether it is retired); a name left as None keeps the known one."""
    changes: dict[str, object] = {"retired": retired, "learned_at": at}
    if name is not None:
        changes["name"] = name
    insert = pg_insert(known_services).values(service_id=service_id, **changes)
    await conn.execute(insert.on_conflict_do_update(index_elements=[known_services.c.service_id], set_=changes))


async def unusable_services(conn: AsyncConnection, service_ids: Iterable[UUID]) -> dict[UUID, str]:
    """Of `service_ids`, those a project may not target, each with why: "unknown" or "retired"."""
    wanted = list(dict.fromkeys(service_ids))
    if not wanted:
        return {}
    rows = await conn.execute(sa.select(known_services.c.service_id, known_services.c.retired)
                              .where(known_services.c.service_id.in_(wanted)))
    retired = {row.service_id: row.retired for row in rows}
    return {s: "unknown" if s not in retired else "retired" for s in wanted if retired.get(s, True)}
