"""The message bus: one small async handler per command, registered in an explicit dict."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Mapping
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from continuum.eventstore.uow import UnitOfWork

Handler = Callable[[Any, UnitOfWork], Awaitable[Any]]


class MessageBus:
    """Runs a command's handler in a fresh unit of work (or inside a consumer's transaction)."""

    def __init__(self, *, handlers: Mapping[type, Handler], unit_of_work: Callable[..., UnitOfWork]) -> None:
        self._handlers = dict(handlers)
        self._unit_of_work = unit_of_work

    async def handle(
        self, command: Any, *, expected_version: Collection[int] | int | None = None, connection: AsyncConnection | None = None
    ) -> Any:
        """Handle one command; `expected_version` (If-Match) guards the aggregate the handler loads first."""
        handler = self._handlers.get(type(command))
        if handler is None:
            raise LookupError(f"no handler for {type(command).__name__}")
        async with self._unit_of_work(connection) as uow:
            uow.expected_version = expected_version
            return await handler(command, uow)
