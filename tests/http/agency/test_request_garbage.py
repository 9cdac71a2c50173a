"""A request leaves no reference cycles behind: everything it made is freed when it ends, not by the
collector, whose passes stall every request in flight (the queue's p99, tests/bench/test_queue_speed.py).
Litestar's HTMX plugin made one per request (HTMXRequest <-> HTMXDetails) before it was dropped."""
import gc

from tests.factories import api_token, create_user, login


async def _garbage_per_request(app, path: str, header: tuple[bytes, bytes]) -> int:
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http", "path": path,
             "raw_path": path.encode(), "query_string": b"", "root_path": "", "headers": [(b"host", b"testserver.local"), header],
             "client": ("127.0.0.1", 5000), "server": ("testserver.local", 80)}
    statuses = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        if message["type"] == "http.response.start":
            statuses.append(message["status"])

    for _ in range(5):  # caches filled, connections open
        await app(dict(scope, state={}), receive, send)
    gc.collect()
    gc.disable()
    try:
        for _ in range(20):
            await app(dict(scope, state={}), receive, send)
        found = gc.collect()
    finally:
        gc.enable()
    assert set(statuses) == {200}, statuses
    return found


async def test_queue_page_and_api_leave_no_cycles(app, client):
    user = await create_user("negotiator")
    headers = await api_token(client, user["email"])
    await login(client, user["email"])
    await client.get("/queue")  # the welcome message read: the session as the browser now holds it
    cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
    api = await _garbage_per_request(app, "/api/v1/queue/", (b"authorization", headers["Authorization"].encode()))
    page = await _garbage_per_request(app, "/queue", (b"cookie", cookie.encode()))
    assert (api, page) == (0, 0)  # with the HTMX plugin back: 500 and 740 objects left to the collector
