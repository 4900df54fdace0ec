"""The services' HTTP/1.1 protocol for uvicorn: httptools with limits on the request head.

Neither uvicorn nor httptools bounds the request line and headers (`h11_max_incomplete_event_size` is h11's
alone), and httptools grows a long header value by concatenation: a 32 MB `Authorization` header was read for
5 s before authentication could refuse it. Served with `uvicorn --http continuum.http.server:LimitedHttpToolsProtocol`,
a request is refused with a 431 problem as soon as its head passes HTTP__MAX_HEADER_BYTES or HTTP__MAX_HEADERS.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from continuum.config import HttpSettings, http_settings_from_environment
from continuum.http.middleware import header_limit_problem

DRAIN_S = 2.0  # after a 431 the rest of the head is read and dropped this long, so the client gets the answer


@cache
def _limits() -> HttpSettings:
    return http_settings_from_environment()  # once per process, at its first connection


class LimitedHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, refusing a request head over the limits while it is still arriving."""

    def __init__(self, *args: Any, limits: HttpSettings | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limits = limits or _limits()
        self.max_head_bytes = limits.max_header_bytes
        self.max_headers = limits.max_headers
        self._in_head = True  # the next bytes belong to a request line or header fields
        self._head_bytes = 0
        self._header_count = 0
        self._refused = False

    def data_received(self, data: bytes) -> None:
        """Count the bytes of the request head as they arrive and answer 431 as soon as it is over the limit."""
        if self._refused:
            return  # drained: the 431 is on its way and the connection closes shortly
        if self._in_head:
            self._head_bytes += len(data)
        super().data_received(data)
        if self._in_head and self._head_bytes > self.max_head_bytes and not self.transport.is_closing():
            self._refuse()

    def on_message_begin(self) -> None:
        """A new request: its head is counted from zero."""
        super().on_message_begin()
        self._in_head, self._head_bytes, self._header_count = True, 0, 0

    def on_header(self, name: bytes, value: bytes) -> None:
        """Keep a header only while the count is within the limit (the rest would be refused with 431)."""
        self._header_count += 1
        if self._header_count <= self.max_headers:
            super().on_header(name, value)

    def on_headers_complete(self) -> None:
        """Hand the request to the application, or to the 431 answer when its head broke a limit."""
        self._in_head = False
        size = len(self.url) + sum(len(name) + len(value) + 4 for name, value in self.headers)
        if self._header_count <= self.max_headers and size <= self.max_head_bytes:
            return super().on_headers_complete()
        app, self.app = self.app, self._answer_431  # uvicorn starts the request's task with `self.app`
        try:
            super().on_headers_complete()
        finally:
            self.app = app

    def on_message_complete(self) -> None:
        """The request is read: a pipelined or keep-alive request may start a new head."""
        super().on_message_complete()
        self._in_head, self._head_bytes = True, 0  # pipelined or keep-alive: a new head may follow

    async def _answer_431(self, scope, receive, send) -> None:
        status, headers, body = header_limit_problem(max_bytes=self.max_head_bytes, max_headers=self.max_headers)
        await send({"type": "http.response.start", "status": status, "headers": [*headers, (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": body})

    def _refuse(self) -> None:
        """Answer 431 mid-head without parsing further; read and drop what still comes, then close."""
        self._refused = True
        status, headers, body = header_limit_problem(max_bytes=self.max_head_bytes, max_headers=self.max_headers)
        lines = [b"HTTP/1.1 431 Request Header Fields Too Large"]
        lines += [name + b": " + value for name, value in [*self.server_state.default_headers, *headers]]
        self.transport.write(b"\r\n".join([*lines, b"connection: close", b"", body]))
        if self.transport.can_write_eof():
            self.transport.write_eof()
        self.loop.call_later(DRAIN_S, self.transport.close)
        self.logger.warning("request refused with 431: its head passed %d bytes", self.max_head_bytes)
