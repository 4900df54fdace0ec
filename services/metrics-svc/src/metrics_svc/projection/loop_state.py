"""The loop's own state, shared by every metrics-svc replica: how far business time is known on each partition
of the service topic (the watermark), and, for each service, up to which day end it has been judged and how far its
own history is known to have arrived (`Progress.reach`).

A partition with more to read is trusted to be complete up to its newest business time as long as it arrives in
order (no event older than the newest before it by more than the grace). Once a backlog shows events out of
order (a careless import, a history sent shuffled), nothing after its oldest business time seen is known complete
until the partition is caught up: its days are then judged once, on everything, instead of again and again on
what happened to have arrived — the same verdicts whatever the order, at the cost of judging at the backlog's end.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import UUID as PgUUID
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from continuum.consumer import Delivery

from metrics_svc.domain.detection import day_end

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
    sa.Column("through", sa.DateTime(timezone=True)),  # the last day end judged; null: none yet
    # the newest business time of the service's events, and whether the event that brought it came in step
    sa.Column("latest", sa.DateTime(timezone=True)),
    sa.Column("in_step", sa.Boolean, nullable=False, server_default=sa.true()),
    # when (on the clock) the service's events last arrived far behind the topic's newest business time
    sa.Column("behind_at", sa.DateTime(timezone=True)),
)

_NOTE = pg_insert(watermarks)
NOTE_MARK = _NOTE.on_conflict_do_update(
    index_elements=[watermarks.c.topic, watermarks.c.partition],
    set_={"mark": sa.func.greatest(watermarks.c.mark, _NOTE.excluded.mark), "caught_up": _NOTE.excluded.caught_up,
          "complete": _NOTE.excluded.complete, "in_order": _NOTE.excluded.in_order})
_JUDGED = pg_insert(judged)
NOTE_JUDGED = _JUDGED.on_conflict_do_update(
    index_elements=[judged.c.service_id], set_={"through": sa.func.greatest(judged.c.through, _JUDGED.excluded.through)})
_NEWER = "(j.latest IS NULL OR excluded.latest >= j.latest)"
NOTE_ARRIVALS = sa.text(f"""
    INSERT INTO loop_judged AS j (service_id, latest, in_step, behind_at, through)
    SELECT * FROM unnest(CAST(:ids AS uuid[]), CAST(:latests AS timestamptz[]), CAST(:steps AS boolean[]),
                         CAST(:behinds AS timestamptz[]), CAST(:sinces AS timestamptz[]))
    ON CONFLICT (service_id) DO UPDATE
       SET latest = greatest(j.latest, excluded.latest),
           in_step = CASE WHEN {_NEWER} THEN excluded.in_step ELSE j.in_step END,
           behind_at = coalesce(excluded.behind_at, j.behind_at),
           through = least(j.through, excluded.through)""")
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
                          grace: timedelta = timedelta(0)) -> dict[str, timedelta]:
    """Each partition's newest business time, how far it is known complete, and whether this fetch reached its end.
    Answers how far behind the topic's newest business time before it each event (by id) arrived."""
    seen = [d for d in deliveries if d.topic == topic and d.event.time is not None]
    if not seen:
        return {}
    stored = {row.partition: row for row in await conn.execute(sa.select(watermarks).where(watermarks.c.topic == topic))}
    newest = max((row.mark for row in stored.values()), default=None)
    marks: dict[int, _Partition] = {}
    behind: dict[str, timedelta] = {}
    for delivery in seen:
        moment = delivery.event.time
        behind[delivery.event.id] = timedelta(0) if newest is None else max(timedelta(0), newest - moment)
        newest = moment if newest is None else max(newest, moment)
        if delivery.partition not in marks:
            row = stored.get(delivery.partition)
            marks[delivery.partition] = (_Partition(None, None, True) if row is None else
                                         _Partition(row.mark, row.complete, row.in_order or row.caught_up))
        found = marks[delivery.partition]
        found.see(moment, grace)
        found.caught_up = delivery.highwater is not None and delivery.offset + 1 >= delivery.highwater
    await conn.execute(NOTE_MARK, [{"topic": topic, "partition": p, **marks[p].row()} for p in sorted(marks)])
    return behind


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


@dataclass
class Arrival:
    """What one batch brought of a service's incidents: their newest business time and whether that event came in
    step (not far behind the newest business time the topic had reached), and the earliest business time among its
    events that came far behind, if any."""

    latest: datetime
    in_step: bool = True
    behind_from: datetime | None = None

    def see(self, at: datetime, in_step: bool) -> None:
        if at >= self.latest:
            self.latest, self.in_step = at, in_step
        if not in_step:
            self.behind_from = at if self.behind_from is None else min(self.behind_from, at)


@dataclass(frozen=True)
class Progress:
    """One service's judgement so far: the last day end judged (None: none yet); the newest business time of its
    incidents' events and whether it came in step with the topic; when (on the clock) they last came far behind."""

    through: datetime | None = None
    latest: datetime | None = None
    in_step: bool = True
    behind_at: datetime | None = None

    def reach(self, business_time: datetime, *, now: datetime, settle: timedelta) -> datetime | None:
        """How far the service's history is known to have arrived; None while it is catching up.

        A service whose events arrive in step with the topic is known as far as the topic's business time: a quiet
        day of a live service is a quiet day. One whose events arrive far behind it (a history imported or replayed
        after the topic passed it) has the rest of that history on its way, on every partition, in no order the
        topic's business time can tell: its days wait until none has come behind for `settle` on the clock, and are
        then judged once, on everything that came — as far as its own newest event if that one came behind too
        (a history that ends in the past is not followed by quiet days, only by what has not arrived yet)."""
        if self.behind_at is not None and now - self.behind_at < settle:
            return None
        if self.in_step or self.latest is None:
            return business_time
        return min(business_time, self.latest)


async def note_arrivals(conn: AsyncConnection, arrivals: Mapping[UUID, Arrival], *, now: datetime) -> None:
    """Each service's newest business time and how it came; a service with events far behind is catching up since
    `now`, and its days from the earliest of those on are judged again once it settles."""
    if arrivals:
        ids = sorted(arrivals)
        rows = [arrivals[s] for s in ids]
        await conn.execute(NOTE_ARRIVALS, {
            "ids": ids, "latests": [a.latest for a in rows], "steps": [a.in_step for a in rows],
            "behinds": [None if a.behind_from is None else now for a in rows],
            "sinces": [None if a.behind_from is None else day_end(a.behind_from) - timedelta(days=1) for a in rows]})


async def catch_ups_settled(conn: AsyncConnection, *, before: datetime) -> bool:
    """Whether a service that was catching up has settled (nothing behind since `before`) and waits to be judged."""
    query = sa.select(sa.exists().where(judged.c.behind_at <= before))
    return bool(await conn.scalar(query))


async def note_settled(conn: AsyncConnection, service_ids: Collection[UUID], *, before: datetime) -> None:
    """The services judged once they settled are caught up (unless something came behind again since)."""
    if service_ids:
        await conn.execute(sa.update(judged).where(judged.c.service_id.in_(list(service_ids)),
                                                   judged.c.behind_at <= before).values(behind_at=None))


async def progress_of(conn: AsyncConnection, service_ids: Collection[UUID]) -> dict[UUID, Progress]:
    c = judged.c
    query = sa.select(c.service_id, c.through, c.latest, c.in_step, c.behind_at).where(
        c.service_id.in_(list(service_ids)))
    return {row.service_id: Progress(row.through, row.latest, row.in_step, row.behind_at)
            for row in await conn.execute(query)}


async def judged_before(conn: AsyncConnection, day_end: datetime) -> list[UUID]:
    """The services with day ends up to `day_end` not judged yet (business time has passed them since, and for one
    whose history came behind the topic, its own events have too)."""
    c = judged.c
    query = sa.select(c.service_id).where(c.through < day_end,
                                          sa.or_(c.in_step, c.latest >= c.through + timedelta(days=1)))
    return list((await conn.execute(query)).scalars())


async def note_judged(conn: AsyncConnection, through: dict[UUID, datetime]) -> None:
    if through:
        await conn.execute(NOTE_JUDGED, [{"service_id": s, "through": t} for s, t in through.items()])
