"""uvicorn's HTTP protocol (httptools), with each response's head and body sent as one write.

uvicorn writes the status line and headers as soon as the application starts its response, and the
body in a second write: two sends, two packets, and the client woken twice for every small answer.
Writes made in one turn of the event loop are joined here and sent together at the end of it. Under
16 connections on two cores this took the queue API's p99 from about 60 ms to about 25 ms
(tests/bench/test_queue_speed.py). A large body is not held: past HOLD_BYTES it goes out at once."""
from __future__ import annotations

import asyncio

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

HOLD_BYTES = 64 * 1024


class _JoinedWrites:
    """A transport whose writes wait for the end of the loop's turn (or HOLD_BYTES) and go out as one."""

    __slots__ = ("_transport", "_loop", "_held", "_size")

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self._transport = transport
        self._loop = loop
        self._held: list[bytes] = []
        self._size = 0

    def write(self, data: bytes) -> None:
        if not data:
            return
        if not self._held:
            self._loop.call_soon(self.flush)
        self._held.append(data)
        self._size += len(data)
        if self._size >= HOLD_BYTES:
            self.flush()

    def flush(self) -> None:
        if not self._held:
            return
        data = self._held[0] if len(self._held) == 1 else b"".join(self._held)
        self._held.clear()
        self._size = 0
        if not self._transport.is_closing():
            self._transport.write(data)

    def get_write_buffer_size(self) -> int:
        return self._transport.get_write_buffer_size() + self._size

    def close(self) -> None:
        self.flush()  # a response to a Connection: close request is written before the socket closes
        self._transport.close()

    def __getattr__(self, name: str):
        return getattr(self._transport, name)


class JoinedWritesProtocol(HttpToolsProtocol):
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(_JoinedWrites(transport, self.loop))  # type: ignore[arg-type]
