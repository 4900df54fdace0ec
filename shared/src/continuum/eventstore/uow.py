"""The unit of work: loads aggregates, then appends their new events in one transaction on commit."""

from __future__ import annotations

from collections.abc import Collection
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any, TypeVar
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from continuum import idempotency
from continuum.context import current_context
from continuum.domain import Aggregate, NotFound, require_business_time
from continuum.eventstore.store import ConcurrencyError, EventStore, RecordedEvent, Snapshot

A = TypeVar("A", bound=Aggregate)
_SNAPSHOT_LAST_OCCURRED_AT = "_last_occurred_at"  # kept beside the aggregate's own snapshot state

# The business time a caller gave the command being handled (DESIGN §4): set by the HTTP layer, checked on
# commit against each changed aggregate. Facts mirrored from other contexts and watchers' findings carry their
# own times (an SLA breached before the last assignment) and are not held to it. The flag: the server stamped it.
_caller_business_time: ContextVar[tuple[datetime, bool] | None] = ContextVar("continuum_caller_business_time",
                                                                             default=None)


def hold_to_business_time(at: datetime, *, stamped_now: bool = False) -> datetime:
    """Have the next command's commit check `at`, its caller's business time, against the platform rule.

    `stamped_now`: the caller gave no time and `at` is the server's clock when the request came in. Such a time
    behind the aggregate's last one (not in the future) only lost a race with a concurrent command: it is a
    concurrency conflict (409 `optimistic-concurrency`, not kept for its Idempotency-Key: a retry is stamped
    again), not a refusal of the caller's input.
    """
    _caller_business_time.set((at, stamped_now))
    return at


class PreconditionFailed(Exception):
    """The command's target is no longer at the version the caller last read (If-Match)."""

    def __init__(self, stream_id: UUID, expected: Collection[int] | int, actual: int) -> None:
        super().__init__(f"{stream_id} is at version {actual}, not {expected}")
        self.stream_id = stream_id
        self.expected = expected
        self.actual = actual


class UnitOfWork:
    """Use as `async with`: on its own transaction (from an engine) or inside a caller's (a consumer's inbox)."""

    def __init__(
        self, *, store: EventStore, engine: AsyncEngine | None = None, connection: AsyncConnection | None = None
    ) -> None:
        if (engine is None) == (connection is None):
            raise ValueError("give exactly one of engine or connection")
        self.store = store
        self._engine = engine
        self._connection = connection
        self._tracked: dict[UUID, Aggregate] = {}
        self.expected_version: Collection[int] | int | None = None

    @property
    def connection(self) -> AsyncConnection:
        """The unit of work's connection (its transaction); only inside `async with`."""
        assert self._connection is not None, "use the unit of work inside `async with`"
        return self._connection

    async def __aenter__(self) -> UnitOfWork:
        if self._engine is not None:
            self._connection = await self._engine.connect()  # its first statement begins the transaction
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        if exc_info[0] is not None:
            _caller_business_time.set(None)  # it was the failed command's
        if self._engine is not None and self._connection is not None:
            await self._connection.close()  # rolls back whatever was not committed
            self._connection = None
        self._tracked.clear()

    async def get(self, cls: type[A], stream_id: UUID, *, as_of: datetime | None = None) -> A:
        """The aggregate as its events fold it (as it stood at `as_of`, if given); NotFound if it has none."""
        aggregate = cls(stream_id)
        if as_of is None and cls.snapshot_every:
            snapshot, recorded = await self.store.load_from_snapshot(self.connection, stream_id)
            if snapshot is not None:
                _restore(aggregate, snapshot)
        else:
            recorded = await self.store.load(self.connection, stream_id, as_of=as_of)
        for event in recorded:
            if event.stream_type != cls.stream_type:  # an id of another kind of aggregate
                raise NotFound(cls.stream_type, stream_id)
            aggregate.replay(self.store.decode(event), version=event.version, occurred_at=event.occurred_at)
        if aggregate.version == 0:
            raise NotFound(cls.stream_type, stream_id)
        if as_of is None:
            self._check_expected_version(aggregate)
            self._tracked[stream_id] = aggregate
        return aggregate

    def _check_expected_version(self, aggregate: Aggregate) -> None:
        """If-Match applies to the first aggregate a command loads: its target."""
        if self.expected_version is not None and not self._tracked:
            expected = self.expected_version
            if aggregate.version not in (expected if isinstance(expected, Collection) else (expected,)):
                raise PreconditionFailed(aggregate.id, expected, aggregate.version)

    async def history(self, stream_type: str, stream_id: UUID) -> list[RecordedEvent]:
        """Every stored event of one aggregate, oldest first; NotFound when it has none or is of another type."""
        recorded = await self.store.load(self.connection, stream_id)
        if not recorded or recorded[0].stream_type != stream_type:
            raise NotFound(stream_type, stream_id)
        return recorded

    def add(self, aggregate: Aggregate) -> None:
        """Track a new aggregate: its events are appended on commit."""
        self._tracked[aggregate.id] = aggregate

    async def commit(self) -> None:
        """Append every tracked aggregate's new events with its expected version, then commit."""
        context = current_context()
        metadata = context.event_metadata()
        changed = [aggregate for aggregate in self._tracked.values() if aggregate.pending]
        _check_business_time(target=next(iter(self._tracked.values()), None), changed=changed)
        for aggregate in changed:
            await self._append(aggregate, metadata)
        if context.idempotency is not None:
            stream_id = changed[0].id if changed else None
            await idempotency.claim(self.connection, context.idempotency, stream_id=stream_id)
        if self._engine is not None:
            await self.connection.commit()  # a statement after this begins a new transaction

    async def _append(self, aggregate: Aggregate, metadata: dict[str, str]) -> None:
        """One statement: the events, the summary and, when the version crosses a multiple of
        `snapshot_every`, the snapshot."""
        before, after = aggregate.version, aggregate.version + len(aggregate.pending)
        every = aggregate.snapshot_every
        due = bool(every) and after // every > before // every
        aggregate.version = await self.store.append(
            self.connection,
            stream_id=aggregate.id,
            stream_type=aggregate.stream_type,
            expected_version=before,
            new_events=aggregate.pending,
            metadata=metadata,
            summary=aggregate.summary(),
            snapshot=Snapshot(after, _snapshot_state(aggregate)) if due else None,
        )
        for pending in aggregate.pending:
            aggregate.saw_business_time(pending.occurred_at)
        aggregate.pending = []


def _check_business_time(*, target: Aggregate | None, changed: list[Aggregate]) -> None:
    """A caller's `occurred_at` is refused before anything is stored if it breaks the platform rule.

    The order is the command's target's (the first aggregate it loads or adds, as for If-Match): the others a
    command changes follow from it at their own times (an SLA change applied to incidents opened since).
    """
    held = _caller_business_time.get()
    _caller_business_time.set(None)  # it is this command's
    if held is None or not changed:
        return
    at, stamped_now = held
    last = target.last_occurred_at if target is not None and target in changed else None
    now = datetime.now(UTC)
    if stamped_now and last is not None and at < last <= now:  # a retry, stamped again, will be in order
        raise ConcurrencyError(target.id, target.version)
    require_business_time(at, last=last, now=now)


def _snapshot_state(aggregate: Aggregate) -> dict[str, Any]:
    """The aggregate's snapshot with the latest business time so far (taken while its new events are pending)."""
    times = [pending.occurred_at for pending in aggregate.pending]
    if aggregate.last_occurred_at is not None:
        times.append(aggregate.last_occurred_at)
    return {**aggregate.snapshot_state(), _SNAPSHOT_LAST_OCCURRED_AT: max(times).isoformat()}


def _restore(aggregate: Aggregate, snapshot: Snapshot) -> None:
    state = dict(snapshot.state)
    last = state.pop(_SNAPSHOT_LAST_OCCURRED_AT, None)
    aggregate.restore_state(state)
    aggregate.version = snapshot.version
    if last is not None:
        aggregate.saw_business_time(datetime.fromisoformat(last))
