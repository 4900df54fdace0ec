"""The loop's own state, shared by every metrics-svc replica: how far business time is known on each partition
of the service topic (the watermark), and up to which day end each service has been judged."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime, timedelta
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import UUID as PgUUID
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from continuum.consumer import Delivery

metadata = sa.MetaData()

watermarks = sa.Table(
    "loop_watermarks", metadata,
    sa.Column("topic", sa.Text, primary_key=True), sa.Column("partition", sa.Integer, primary_key=True),
    sa.Column("mark", sa.DateTime(timezone=True), nullable=False),
    sa.Column("caught_up", sa.Boolean, nullable=False),
)

judged = sa.Table(
    "loop_judged", metadata,
    sa.Column("service_id", PgUUID(as_uuid=True), primary_key=True),
    sa.Column("through", sa.DateTime(timezone=True), nullable=False),
)

_NOTE = pg_insert(watermarks)
NOTE_MARK = _NOTE.on_conflict_do_update(
    index_elements=[watermarks.c.topic, watermarks.c.partition],
    set_={"mark": sa.func.greatest(watermarks.c.mark, _NOTE.excluded.mark), "caught_up": _NOTE.excluded.caught_up})
_JUDGED = pg_insert(judged)
NOTE_JUDGED = _JUDGED.on_conflict_do_update(
    index_elements=[judged.c.service_id], set_={"through": sa.func.greatest(judged.c.through, _JUDGED.excluded.through)})
LOCK_SERVICES = sa.text("SELECT pg_advisory_xact_lock(hashtextextended('loop:' || id::text, 0)) "
                        "FROM unnest(CAST(:ids AS uuid[])) AS id ORDER BY id")


async def note_deliveries(conn: AsyncConnection, topic: str, deliveries: Sequence[Delivery]) -> None:
    """Each partition's newest business time, and whether this fetch reached its end."""
    latest: dict[int, tuple[datetime, bool]] = {}
    for delivery in deliveries:
        if delivery.topic != topic or delivery.event.time is None:
            continue
        mark, _ = latest.get(delivery.partition, (delivery.event.time, False))
        caught_up = delivery.highwater is not None and delivery.offset + 1 >= delivery.highwater
        latest[delivery.partition] = (max(mark, delivery.event.time), caught_up)
    if latest:
        await conn.execute(NOTE_MARK, [{"topic": topic, "partition": p, "mark": mark, "caught_up": caught_up}
                                       for p, (mark, caught_up) in sorted(latest.items())])


async def watermark(conn: AsyncConnection, topic: str, *, now: datetime, grace: timedelta,
                    live_window: timedelta) -> datetime | None:
    """Business time known complete on the topic: the oldest mark of a partition with more to read (a caught-up
    partition holds nothing older back), never past the newest mark — or the clock, when every partition is
    caught up and the newest mark is within `live_window` of it — less `grace`."""
    rows = (await conn.execute(sa.select(watermarks.c.mark, watermarks.c.caught_up)
                               .where(watermarks.c.topic == topic))).all()
    if not rows:
        return None
    newest = max(row.mark for row in rows)
    lagging = [row.mark for row in rows if not row.caught_up]
    known = min(lagging) if lagging else newest
    if not lagging and now - newest <= live_window:
        known = max(known, now)
    return known - grace


async def lock_services(conn: AsyncConnection, service_ids: Collection[UUID]) -> None:
    """Until commit, one replica at a time judges a service (taken in one order, so replicas never deadlock)."""
    if service_ids:
        await conn.execute(LOCK_SERVICES, {"ids": sorted(service_ids)})


async def judged_through(conn: AsyncConnection, service_ids: Collection[UUID]) -> dict[UUID, datetime]:
    query = sa.select(judged.c.service_id, judged.c.through).where(judged.c.service_id.in_(list(service_ids)))
    return dict((await conn.execute(query)).all())


async def judged_before(conn: AsyncConnection, day_end: datetime) -> list[UUID]:
    """The services with day ends up to `day_end` not judged yet (business time has passed them since)."""
    query = sa.select(judged.c.service_id).where(judged.c.through < day_end)
    return list((await conn.execute(query)).scalars())


async def note_judged(conn: AsyncConnection, through: dict[UUID, datetime]) -> None:
    if through:
        await conn.execute(NOTE_JUDGED, [{"service_id": s, "through": t} for s, t in through.items()])
