"""agency.serving: a response's head and body leave in one write, and nothing is lost or held too long.
The rule on a recording transport; then uvicorn with the protocol on a real socket."""
import asyncio

import uvicorn

from agency.serving import HOLD_BYTES, JoinedWritesProtocol, _JoinedWrites
from tests.netutil import free_port


class RecordingTransport:
    def __init__(self) -> None:
        self.writes: list[bytes] = []
        self.closed = False

    def write(self, data: bytes) -> None:
        self.writes.append(data)

    def is_closing(self) -> bool:
        return self.closed

    def close(self) -> None:
        self.closed = True

    def get_write_buffer_size(self) -> int:
        return 0


async def test_writes_in_one_turn_leave_together():
    sent = RecordingTransport()
    joined = _JoinedWrites(sent, asyncio.get_running_loop())
    joined.write(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n")
    joined.write(b"ok")
    assert sent.writes == [] and joined.get_write_buffer_size() == 40
    await asyncio.sleep(0)
    assert sent.writes == [b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok"]
    joined.write(b"next")
    await asyncio.sleep(0)
    assert sent.writes[-1] == b"next"


async def test_a_large_body_is_not_held_and_close_sends_what_is_waiting():
    sent = RecordingTransport()
    joined = _JoinedWrites(sent, asyncio.get_running_loop())
    joined.write(b"head")
    joined.write(b"x" * HOLD_BYTES)
    assert sent.writes == [b"head" + b"x" * HOLD_BYTES]  # at once, not at the end of the turn
    joined.write(b"last")
    joined.close()
    assert sent.writes[-1] == b"last" and sent.closed
    await asyncio.sleep(0)  # the flush scheduled for the turn finds nothing left
    assert len(sent.writes) == 2


async def _app(scope, receive, send):
    if scope["type"] != "http":
        return
    body = b"y" * 1_000_000 if scope["path"] == "/big" else b"hello"
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


async def _read_response(reader: asyncio.StreamReader) -> tuple[bytes, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    length = int(next(line.split(b":")[1] for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")))
    return head, (await reader.readexactly(length) if length and not head.startswith(b"HEAD") else b"")


async def test_uvicorn_with_the_protocol_keeps_alive_streams_and_closes():
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(_app, port=port, http=JoinedWritesProtocol, lifespan="off", log_config=None, access_log=False))
    task = asyncio.create_task(server.serve())
    try:
        while not server.started:
            await asyncio.sleep(0.01)
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        for path, size in (("/", 5), ("/big", 1_000_000), ("/", 5)):  # one connection, one after the other
            writer.write(f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
            head, body = await asyncio.wait_for(_read_response(reader), 10)
            assert head.startswith(b"HTTP/1.1 200") and len(body) == size
        writer.write(b"HEAD / HTTP/1.1\r\nHost: x\r\n\r\n")
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
        assert head.startswith(b"HTTP/1.1 200")
        writer.write(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        rest = await asyncio.wait_for(reader.read(), 10)  # everything, then the server closes
        assert rest.startswith(b"HTTP/1.1 200") and rest.endswith(b"hello")
        writer.close()
    finally:
        server.should_exit = True
        await task
