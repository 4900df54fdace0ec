"""Who and what caused the current unit of work: carried into every appended event's metadata."""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from typing import Iterator
from uuid import uuid4


@dataclass
class IdempotencyClaim:
    principal: str
    key: str
    request_hash: str
    claimed: bool = False  # set when this request's command committed the key


@dataclass(frozen=True)
class CausationContext:
    correlation_id: str = field(default_factory=lambda: str(uuid4()))
    causation_id: str | None = None
    actor: str | None = None
    traceparent: str | None = None
    idempotency: IdempotencyClaim | None = None

    def event_metadata(self) -> dict[str, str]:
        """The metadata stored beside each event (DESIGN §3)."""
        fields = {
            "correlation_id": self.correlation_id,
            "causation_id": self.causation_id,
            "actor": self.actor,
            "traceparent": self.traceparent,
        }
        return {name: value for name, value in fields.items() if value is not None}


_current: ContextVar[CausationContext | None] = ContextVar("continuum_causation", default=None)


def active_context() -> CausationContext | None:
    """The context of the running request or message, if any."""
    return _current.get()


def current_context() -> CausationContext:
    """The context of the running request or message, or a fresh one."""
    return _current.get() or CausationContext()


@contextmanager
def causation(context: CausationContext) -> Iterator[CausationContext]:
    """Run a block within `context`."""
    token = _current.set(context)
    try:
        yield context
    finally:
        _current.reset(token)


def set_actor(actor: str) -> None:
    """Name who acts in the rest of the current request (set once its token is verified)."""
    _current.set(replace(current_context(), actor=actor))


def with_idempotency(claim: IdempotencyClaim) -> CausationContext:
    """The current context, claiming an Idempotency-Key for the next commit."""
    return replace(current_context(), idempotency=claim)
