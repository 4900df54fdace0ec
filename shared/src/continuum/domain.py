"""Pure building blocks for event-sourced aggregates: no framework, no I/O (services' domains import this)."""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import singledispatchmethod
from typing import Any, ClassVar
from uuid import UUID


class DomainEvent:
    """Base of domain events: frozen dataclasses named in the past tense.

    `schema_version` is the version of the event's shape; changing the shape bumps it and adds an upcaster.
    """

    schema_version: ClassVar[int] = 1

    @classmethod
    def event_type(cls) -> str:
        """The event's name as stored and published: its class name."""
        return cls.__name__


class DomainError(Exception):
    """A command broke a domain rule; `rule` names it (it becomes a 409 problem)."""

    def __init__(self, rule: str, detail: str) -> None:
        super().__init__(detail)
        self.rule = rule
        self.detail = detail


class BusinessTimeRefused(DomainError):
    """`occurred_at`, a command's business time, breaks the platform's business-time rule (docs/business-time.md)."""

    field = "occurred_at"


# The business calendar (docs/business-time.md): every date and business time the platform accepts, `as_of`
# included, lies within it. 2999 rather than 9999 leaves millennia of room for the windows, deadlines and
# periods computed from a date, and keeps PostgreSQL's ±infinity (year 1, 9999-12-31T23:59:59.999999) out.
EARLIEST_BUSINESS_DATE = date(1900, 1, 1)
LATEST_BUSINESS_DATE = date(2999, 12, 31)
EARLIEST_BUSINESS_TIME = datetime.combine(EARLIEST_BUSINESS_DATE, time.min, UTC)
LATEST_BUSINESS_TIME = datetime.combine(LATEST_BUSINESS_DATE, time.max, UTC)
# How far ahead of the receiving host's clock a caller's `occurred_at` may be (clocks differ a little).
FUTURE_SKEW = timedelta(minutes=5)


def as_utc(when: datetime) -> datetime:
    """`when`, timezone-aware: a naive value (only PostgreSQL's ±infinity reads back so) is taken as UTC."""
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when


def require_in_calendar(at: datetime) -> None:
    """A business time is timezone-aware and within the business calendar."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise BusinessTimeRefused("business-time-aware", f"occurred_at {at.isoformat()} has no UTC offset")
    if not EARLIEST_BUSINESS_TIME <= at <= LATEST_BUSINESS_TIME:
        raise BusinessTimeRefused(
            "business-time-in-calendar",
            f"occurred_at {at.isoformat()} is not between {EARLIEST_BUSINESS_DATE} and {LATEST_BUSINESS_DATE}",
        )


def require_in_order(at: datetime, last: datetime | None) -> None:
    """Business time moves forward: a command cannot happen before what the aggregate already recorded."""
    if last is not None and at < last:
        raise BusinessTimeRefused(
            "time-in-order", f"occurred_at {at.isoformat()} is before the last recorded {last.isoformat()}"
        )


def require_business_time(at: datetime, *, last: datetime | None, now: datetime,
                          skew: timedelta = FUTURE_SKEW) -> None:
    """The platform's rule for a caller's `occurred_at`: in the calendar, in order, and not in the future."""
    require_in_calendar(at)
    require_in_order(at, last)
    if at > now + skew:
        raise BusinessTimeRefused(
            "business-time-not-in-future",
            f"occurred_at {at.isoformat()} is more than {skew} after now ({now.isoformat()})",
        )


def incidents_per_week(incidents: int, days: int) -> Decimal:
    """The early-life incident rate, one definition for handover-svc and metrics-svc (docs/early-life-support.md):
    incidents opened in the early-life period (so far) × 7 / the period's days (agreed plus extensions), to 2
    places rounded half up; 0 for a period of no days."""
    if days <= 0:
        return Decimal(0).quantize(Decimal("0.01"))
    return (Decimal(incidents) * 7 / Decimal(days)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


class NotAllowed(DomainError):
    """The rule broken is who may decide (e.g. only the project's own sponsor): a 403 problem naming the rule."""


class NotFound(Exception):
    """The aggregate does not exist (at the requested time)."""

    def __init__(self, stream_type: str, stream_id: UUID) -> None:
        super().__init__(f"{stream_type} {stream_id} not found")
        self.stream_type = stream_type
        self.stream_id = stream_id


@dataclass(frozen=True)
class PendingEvent:
    event: DomainEvent
    occurred_at: datetime


_BRANCHES: dict[type, dict[type, Any]] = {}  # Aggregate._apply's cache


class Aggregate:
    """An aggregate changes only by applying events: a command checks its rule, then `_record`s an event.

    Subclasses set `stream_type` and implement `apply` as a `singledispatchmethod`, one branch per event.
    Long-lived aggregates may set `snapshot_every` and implement `snapshot_state` / `restore_state`.
    """

    stream_type: ClassVar[str]
    snapshot_every: ClassVar[int | None] = None

    def __init__(self, id: UUID) -> None:
        self.id = id
        self.version = 0
        self.pending: list[PendingEvent] = []
        self.last_occurred_at: datetime | None = None  # the latest business time among its stored events

    @singledispatchmethod
    def apply(self, event: DomainEvent) -> None:
        """Change the state by one event; each aggregate registers one branch per event type it knows."""
        raise NotImplementedError(f"{type(self).__name__} cannot apply {type(event).__name__}")

    def _record(self, event: DomainEvent, *, at: datetime) -> None:
        require_in_calendar(at)  # whatever the path (caller, consumer, watcher), no ±infinity is ever stored
        self._apply(event)
        self.pending.append(PendingEvent(event, at))

    def replay(self, event: DomainEvent, *, version: int, occurred_at: datetime | None = None) -> None:
        """Fold one stored event into the state (used when loading)."""
        self._apply(event)
        self.version = version
        if occurred_at is not None:
            self.saw_business_time(occurred_at)

    def _apply(self, event: DomainEvent) -> None:
        """`apply`'s branch for the event's type, looked up once per (aggregate class, event type): Python 3.11's
        `singledispatchmethod` builds a new bound wrapper on every access, which was a third of the cost of
        recording an event (bulk import's profile)."""
        branches = _BRANCHES.setdefault(type(self), {})
        branch = branches.get(type(event))
        if branch is None:
            descriptor = inspect.getattr_static(type(self), "apply")
            if isinstance(descriptor, singledispatchmethod):
                branch = descriptor.dispatcher.dispatch(type(event))
            else:
                branch = type(self).apply
            branches[type(event)] = branch
        branch(self, event)

    def saw_business_time(self, at: datetime) -> None:
        """Remember `at` if it is the latest business time of the aggregate's stored events."""
        if self.last_occurred_at is None or at > self.last_occurred_at:
            self.last_occurred_at = at

    @property
    def exists(self) -> bool:
        """Whether the aggregate has any event, stored or pending (a new one has neither)."""
        return self.version > 0 or bool(self.pending)

    def summary(self) -> dict[str, Any] | None:
        """The JSON list view kept in `summaries` with each commit (filters match it by containment)."""
        return None

    def snapshot_state(self) -> dict[str, Any]:
        """The state as JSON, for a snapshot; only aggregates that take snapshots define it."""
        raise NotImplementedError(f"{type(self).__name__} does not take snapshots")

    def restore_state(self, state: dict[str, Any]) -> None:
        """Take back the state of `snapshot_state`, before the events after the snapshot are applied."""
        raise NotImplementedError(f"{type(self).__name__} does not take snapshots")
