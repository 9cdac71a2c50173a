"""Structured logs: one JSON object a line, with the request id of the request being served.

Log lines carry methods, paths, statuses, ids and timings; never query strings, bodies or
anything else that could hold a debtor's data."""
from __future__ import annotations

import contextvars
import io
import itertools
import json
import logging
import os
import re
import secrets
import sys
import time
from collections.abc import Callable

import msgspec
from litestar.types import ASGIApp, Message, Receive, Scope, Send

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
_VALID_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
_SECRET_SEGMENT = re.compile(r"/[A-Za-z0-9_-]{24,}")  # tokens in links (set-password, debtor pages)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        data = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": request_id.get(),
        }
        for key in ("method", "path", "status", "duration_ms", "user_id", "route"):
            if hasattr(record, key):
                data[key] = getattr(record, key)
        if record.exc_info:
            data["exception"] = self.formatException(record.exc_info)
        return json.dumps(data, ensure_ascii=False)


def configure(level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("uvicorn.access", "aiosqlite", "botocore", "urllib3", "asyncio", "httpx", "httpcore"):  # (httpx: a line per webhook, its address in full)
        logging.getLogger(noisy).setLevel(logging.WARNING)


access_log = logging.getLogger("agency.access")
_encode = msgspec.json.Encoder().encode
_second: list = [0, ""]


def writes_at_once(stream) -> bool:
    """Whether a line written to ``stream`` is in its file when write returns, so that a flush has nothing to do: a
    line-buffered text stream, or one writing through to the raw file (sys.stderr, since Python 3.9)."""
    return bool(getattr(stream, "line_buffering", False)
                or (getattr(stream, "write_through", False) and isinstance(getattr(stream, "buffer", None), io.RawIOBase)))


def write_access(method: str, path: str, status: int, duration_ms: float, user_id: int | None, rid: str) -> None:
    """The access line, in the same JSON shape and on the same stream as every other line, written
    straight to the root handler's stream: a LogRecord through the logging machinery cost about 50 µs
    per request, an eighth of a queue API call (tests/bench/test_queue_speed.py). Honours the
    "agency.access" logger's level, and goes through logging whenever its handlers are not ours."""
    if not access_log.isEnabledFor(logging.INFO):
        return
    fields = {"method": method, "path": path, "status": status, "duration_ms": duration_ms, "user_id": user_id}
    handlers = logging.getLogger().handlers
    if len(handlers) != 1 or type(handlers[0].formatter) is not JsonFormatter or access_log.handlers:
        access_log.info("request", extra=fields)
        return
    now = int(time.time())
    if _second[0] != now:
        _second[:] = [now, time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(now))]
    handler = handlers[0]
    line = _encode({"time": _second[1], "level": "INFO", "logger": "agency.access", "message": "request", "request_id": rid, **fields})
    stream = handler.stream
    try:
        with handler.lock:
            stream.write(line.decode() + "\n")
            if not writes_at_once(stream):
                handler.flush()
    except (OSError, ValueError):  # a closed or broken stream: logging's own handling reports it
        access_log.info("request", extra=fields)


_ids = [secrets.token_hex(4), itertools.count(1)]  # this process's random prefix, and a counter after it


def _new_prefix() -> None:
    _ids[:] = [secrets.token_hex(4), itertools.count(1)]


os.register_at_fork(after_in_child=_new_prefix)  # (a worker forked after import gets a prefix of its own)


def new_request_id() -> str:
    """A request's id: unique among this deployment's processes (a random prefix per process, then a counter), made
    without reading the system's randomness on every request (a system call, 1-2 % of a queue API call)."""
    return f"{_ids[0]}{next(_ids[1]):08x}"


class RequestLogMiddleware:
    """Outermost: gives each request an id (kept from X-Request-ID when sane), echoes it in the
    response with the headers ``add_headers(path, headers)`` adds (agency.headers: the security headers), and writes
    one access line when the response has been sent. One wrapper for both: each layer around every request costs.

    A HEAD request is answered as the GET it asks about (the routes declare GET; Litestar would answer 405): the
    application sees a GET, and the server (uvicorn, which keeps the request's own method) sends the head without the body.
    Monitors and link checkers ask HEAD."""

    def __init__(self, app: ASGIApp, add_headers: Callable[[str, list], None] | None = None):
        self.app = app
        self.add_headers = add_headers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope.get("headers", ())).get(b"x-request-id", b"").decode("latin-1")
        rid = incoming if _VALID_ID.match(incoming) else new_request_id()
        token = request_id.set(rid)
        started = time.perf_counter()
        status = 500

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [*(message.get("headers") or ()), (b"x-request-id", rid.encode())]
                if self.add_headers is not None:
                    self.add_headers(scope["path"], headers)
                message["headers"] = headers
            await send(message)

        inner = scope if scope["method"] != "HEAD" else {**scope, "method": "GET"}
        try:
            await self.app(inner, receive, send_wrapper)
        finally:
            if not inner["path"].startswith("/static/"):
                write_access(scope["method"], _SECRET_SEGMENT.sub("/…", inner["path"]), status,
                             round((time.perf_counter() - started) * 1000, 1), getattr(inner.get("user"), "id", None), rid)
            request_id.reset(token)
