"""The HTTP server's protocol, with bounds on a request's head (request line and headers).

uvicorn's httptools protocol buffers a request head without limit and waits for it without
end: endless headers would grow the server, and heads that never complete would hold its
connections. This protocol answers 431 (Request Header Fields Too Large) once a head passes
its size or field count, and 408 once a head has taken too long to arrive (a connection that
sent nothing is just closed) — all before authentication or any other part of the app runs.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import ClassVar

from uvicorn.config import Config
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.server import ServerState

PROBLEM_BASE = "urn:casetrail:problem:"
# After a refusal the server reads and drops what the client still sends, up to this much or
# this long, before closing: closing with unread data resets the connection (TCP RST), and
# the client would lose the answer before reading it.
LINGER_BYTES = 1024 * 1024
LINGER_SECONDS = 2.0


@dataclass(frozen=True)
class HeadLimits:
    """How large a request head may be, how many header fields it may carry, and how long
    it may take to arrive (counted from the connection, or from the request's first byte)."""

    max_bytes: int = 32 * 1024
    max_fields: int = 100
    timeout_seconds: float = 10.0


class HeadTooLarge(Exception):
    """Raised inside the parser's callbacks to stop parsing a head past its limits."""


class BoundedHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, refusing request heads beyond ``head_limits``."""

    head_limits: ClassVar[HeadLimits] = HeadLimits()

    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, object],
        _loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self._reading_head = True
        # Raw bytes received while a head is incomplete: bounds a single endless header,
        # which the parser keeps to itself until it ends.
        self._raw_head_bytes = 0
        # What the parser has handed over of the current head.
        self._parsed_head_bytes = 0
        self._head_fields = 0
        self._head_refused = False
        self._head_timer: asyncio.TimerHandle | None = None
        self._answered = False
        self._lingered_bytes = 0
        self._linger_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm_head_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_head_timer()
        if self._linger_timer is not None:
            self._linger_timer.cancel()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._answered:
            self._lingered_bytes += len(data)
            if self._lingered_bytes > LINGER_BYTES:
                self.transport.close()
            return
        if self._reading_head:
            self._raw_head_bytes += len(data)
        super().data_received(data)
        if (
            self._reading_head
            and self._raw_head_bytes > self.head_limits.max_bytes
            and not self._answered
            and not self.transport.is_closing()
        ):
            self._head_refused = True
            self._answer_and_close(431, "request-header-fields-too-large", self._too_large())

    # Parser callbacks
    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._reading_head = True
        self._parsed_head_bytes = 0
        self._head_fields = 0
        self._arm_head_timer()

    def on_url(self, url: bytes) -> None:
        self._count_head(len(url), fields=0)
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._count_head(len(name) + len(value) + 4, fields=1)
        super().on_header(name, value)

    def on_message_complete(self) -> None:
        super().on_message_complete()
        # Whatever follows on this connection is the next request's head.
        self._reading_head = True

    def on_headers_complete(self) -> None:
        self._reading_head = False
        self._raw_head_bytes = 0
        self._cancel_head_timer()
        super().on_headers_complete()

    def send_400_response(self, msg: str) -> None:
        # A limit raised inside a parser callback reaches uvicorn as a parser error.
        if self._head_refused:
            self._answer_and_close(431, "request-header-fields-too-large", self._too_large())
        else:
            super().send_400_response(msg)

    def _count_head(self, size: int, *, fields: int) -> None:
        self._parsed_head_bytes += size
        self._head_fields += fields
        limits = self.head_limits
        if self._parsed_head_bytes > limits.max_bytes or self._head_fields > limits.max_fields:
            self._head_refused = True
            raise HeadTooLarge

    def _too_large(self) -> str:
        limits = self.head_limits
        return (
            f"the request line and headers may take at most {limits.max_bytes} bytes"
            f" in at most {limits.max_fields} header fields"
        )

    def _arm_head_timer(self) -> None:
        if self._head_timer is None:
            self._head_timer = self.loop.call_later(
                self.head_limits.timeout_seconds, self._head_timed_out
            )

    def _cancel_head_timer(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_timed_out(self) -> None:
        self._head_timer = None
        if not self._reading_head or self._answered or self.transport.is_closing():
            return
        if self._raw_head_bytes == 0:
            self.transport.close()
            return
        self._answer_and_close(
            408,
            "request-timeout",
            f"the request line and headers did not arrive within"
            f" {self.head_limits.timeout_seconds:g} seconds",
        )

    def _answer_and_close(self, status: int, slug: str, detail: str) -> None:
        self._cancel_head_timer()
        titles = {408: "Request Timeout", 431: "Request Header Fields Too Large"}
        body = json.dumps(
            {
                "type": PROBLEM_BASE + slug,
                "title": titles[status],
                "status": status,
                "detail": detail,
            }
        ).encode()
        head = (
            f"HTTP/1.1 {status} {titles[status]}\r\n"
            "content-type: application/problem+json\r\n"
            f"content-length: {len(body)}\r\n"
            "connection: close\r\n\r\n"
        ).encode()
        self.transport.write(head + body)
        self._answered = True
        if self.transport.can_write_eof():
            self.transport.write_eof()
        self._linger_timer = self.loop.call_later(LINGER_SECONDS, self.transport.close)


def bounded_http_protocol(limits: HeadLimits) -> type[asyncio.Protocol]:
    """The protocol class to give uvicorn (``http=``), bound to these limits."""

    class Bounded(BoundedHttpToolsProtocol):
        head_limits = limits

    return Bounded
