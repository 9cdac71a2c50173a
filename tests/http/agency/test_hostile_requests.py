"""What an outside security test threw at the server: oversized bodies, deep JSON, NUL characters, bad tokens.
Each answer is a 4xx that says what to fix, sent without reading more than the limit, never a 500."""
import json

from tests.factories import api_token, create_user

CHUNK = 16 * 1024
ANONYMOUS_MAX_BYTES = 64 * 1024  # agency.app's limits, as the finding asked for them
REQUEST_MAX_BYTES = 1024 * 1024


async def call(app, method: str, path: str, headers: list[tuple[bytes, bytes]], body_chunks, query: bytes = b""):
    """The app called as a server calls it, the body handed over chunk by chunk: returns the status, the headers,
    the body of the answer and how many bytes of the request the app read."""
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method, "scheme": "http", "path": path,
             "raw_path": path.encode(), "query_string": query, "root_path": "", "client": ("127.0.0.1", 5000),
             "server": ("testserver.local", 80), "headers": [(b"host", b"testserver.local"), *headers], "state": {}}
    chunks = iter(body_chunks)
    read = 0
    pending = next(chunks, None)
    answer: dict = {"body": b""}

    async def receive():
        nonlocal read, pending
        if pending is None:
            return {"type": "http.request", "body": b"", "more_body": False}
        chunk, pending = pending, next(chunks, None)
        read += len(chunk)
        return {"type": "http.request", "body": chunk, "more_body": pending is not None}

    async def send(message):
        if message["type"] == "http.response.start":
            answer["status"] = message["status"]
            answer["headers"] = {k.decode().lower(): v.decode() for k, v in message.get("headers", [])}
        elif message["type"] == "http.response.body":
            answer["body"] += message.get("body", b"")

    await app(scope, receive, send)
    return answer["status"], answer["headers"], answer["body"], read


def flood(total: int):
    sent = 0
    while sent < total:
        yield b"x" * CHUNK
        sent += CHUNK


async def test_an_anonymous_body_over_the_limit_is_refused_before_it_is_read(app):
    # No Content-Length (chunked): the app stops reading once past the limit.
    status, _, body, read = await call(app, "POST", "/api/v1/quote", [(b"content-type", b"application/json")], flood(4 * 1024 * 1024))
    assert status == 413, body
    assert read <= ANONYMOUS_MAX_BYTES + CHUNK
    assert "64 KB" in json.loads(body)["detail"]
    # A declared Content-Length over the limit: nothing read at all.
    status, _, body, read = await call(app, "POST", "/api/v1/quote", [(b"content-type", b"application/json"),
                                                                      (b"content-length", str(110 * 1024 * 1024).encode())],
                                       flood(110 * 1024 * 1024))
    assert (status, read) == (413, 0), body
    # The sign-in form and the debtor's door alike.
    for path, kind in (("/login", b"application/x-www-form-urlencoded"), ("/api/v1/portal/session", b"application/json"),
                       ("/payments/redsys/notification", b"application/x-www-form-urlencoded")):
        status, _, body, read = await call(app, "POST", path, [(b"content-type", kind)], flood(1024 * 1024))
        assert status == 413 and read <= ANONYMOUS_MAX_BYTES + CHUNK, (path, status, read)


async def test_a_signed_in_json_body_over_a_megabyte_is_refused(app, client):
    user = await create_user("creditor")
    headers = await api_token(client, user["email"])
    status, _, body, read = await call(app, "POST", "/api/v1/claims", [(b"content-type", b"application/json"),
                                                                      (b"authorization", headers["Authorization"].encode())],
                                       flood(8 * 1024 * 1024))
    assert status == 413 and read <= REQUEST_MAX_BYTES + CHUNK, (status, read)
    assert "1 MB" in json.loads(body)["detail"]


def test_every_route_open_without_an_account_reads_little(app):
    """A route without a guard takes 64 KB at most, unless it is an upload that names its own limit (and streams)."""
    uploads = {"/portal/dispute", "/api/v1/portal/disputes/{dispute_id:int}/files"}
    for route in app.routes:
        for handler in getattr(route, "route_handlers", ()):
            if not handler.resolve_guards() and route.path not in uploads:
                assert handler.resolve_request_max_body_size() == ANONYMOUS_MAX_BYTES, route.path
            else:
                assert handler.resolve_request_max_body_size() >= ANONYMOUS_MAX_BYTES, route.path
