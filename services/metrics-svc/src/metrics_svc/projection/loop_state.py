"""The loop's own state, shared by every metrics-svc replica: how far business time is known on each partition
of the service topic (the watermark), and up to which day end each service has been judged.

A partition with more to read is trusted to be complete up to its newest business time as long as it arrives in
order (no event older than the newest before it by more than the grace). Once a backlog shows events out of
order (a careless import, a history sent shuffled), nothing after its oldest business time seen is known complete
until the partition is caught up: its days are then judged once, on everything, instead of again and again on
what happened to have arrived — the same verdicts whatever the order, at the cost of judging at the backlog's end.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
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
    # how far the partition is known complete while it has more to read, and whether its backlog came in order
    sa.Column("complete", sa.DateTime(timezone=True)),
    sa.Column("in_order", sa.Boolean, nullable=False, server_default=sa.true()),
)

judged = sa.Table(
    "loop_judged", metadata,
    sa.Column("service_id", PgUUID(as_uuid=True), primary_key=True),
    sa.Column("through", sa.DateTime(timezone=True), nullable=False),
)

_NOTE = pg_insert(watermarks)
NOTE_MARK = _NOTE.on_conflict_do_update(
    index_elements=[watermarks.c.topic, watermarks.c.partition],
    set_={"mark": sa.func.greatest(watermarks.c.mark, _NOTE.excluded.mark), "caught_up": _NOTE.excluded.caught_up,
          "complete": _NOTE.excluded.complete, "in_order": _NOTE.excluded.in_order})
_JUDGED = pg_insert(judged)
NOTE_JUDGED = _JUDGED.on_conflict_do_update(
    index_elements=[judged.c.service_id], set_={"through": sa.func.greatest(judged.c.through, _JUDGED.excluded.through)})
LOCK_SERVICES = sa.text("SELECT pg_advisory_xact_lock(hashtextextended('loop:' || id::text, 0)) "
                        "FROM unnest(CAST(:ids AS uuid[])) AS id ORDER BY id")


@dataclass
class _Partition:
    """One partition's marks as a fetch moves them (see the module's docstring)."""

    mark: datetime | None
    complete: datetime | None
    in_order: bool
    caught_up: bool = False
    oldest: datetime | None = None

    def see(self, moment: datetime, grace: timedelta) -> None:
        if self.mark is not None and moment < self.mark - grace:
            self.in_order = False
        self.mark = moment if self.mark is None else max(self.mark, moment)
        self.oldest = moment if self.oldest is None else min(self.oldest, moment)

    def row(self) -> dict:
        if self.caught_up:  # nothing left to read: a new backlog starts trusted again
            return {"mark": self.mark, "caught_up": True, "complete": self.mark, "in_order": True}
        if self.in_order:
            return {"mark": self.mark, "caught_up": False, "complete": self.mark, "in_order": True}
        held = self.oldest if self.complete is None else min(self.complete, self.oldest)
        return {"mark": self.mark, "caught_up": False, "complete": held, "in_order": False}


async def note_deliveries(conn: AsyncConnection, topic: str, deliveries: Sequence[Delivery], *,
                          grace: timedelta = timedelta(0)) -> None:
    """Each partition's newest business time, how far it is known complete, and whether this fetch reached its end."""
    seen = [d for d in deliveries if d.topic == topic and d.event.time is not None]
    if not seen:
        return
    query = sa.select(watermarks).where(watermarks.c.topic == topic,
                                        watermarks.c.partition.in_(sorted({d.partition for d in seen})))
    stored = {row.partition: row for row in await conn.execute(query)}
    marks: dict[int, _Partition] = {}
    for delivery in seen:
        if delivery.partition not in marks:
            row = stored.get(delivery.partition)
            marks[delivery.partition] = (_Partition(None, None, True) if row is None else
                                         _Partition(row.mark, row.complete, row.in_order or row.caught_up))
        found = marks[delivery.partition]
        found.see(delivery.event.time, grace)
        found.caught_up = delivery.highwater is not None and delivery.offset + 1 >= delivery.highwater
    await conn.execute(NOTE_MARK, [{"topic": topic, "partition": p, **marks[p].row()} for p in sorted(marks)])


async def watermark(conn: AsyncConnection, topic: str, *, now: datetime, grace: timedelta,
                    live_window: timedelta) -> datetime | None:
    """Business time known complete on the topic: the oldest of the partitions with more to read (each complete up to
    its newest mark, or only to its oldest business time seen when its backlog came out of order; a caught-up
    partition holds nothing older back), never past the newest mark — or the clock, when every partition is
    caught up and the newest mark is within `live_window` of it — less `grace`."""
    rows = (await conn.execute(sa.select(watermarks.c.mark, watermarks.c.caught_up, watermarks.c.complete)
                               .where(watermarks.c.topic == topic))).all()
    if not rows:
        return None
    newest = max(row.mark for row in rows)
    lagging = [row.mark if row.complete is None else row.complete for row in rows if not row.caught_up]
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
