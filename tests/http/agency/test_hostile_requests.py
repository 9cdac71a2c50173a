"""What an outside security test threw at the server: oversized bodies, deep JSON, NUL characters, bad tokens.
Each answer is a 4xx that says what to fix, sent without reading more than the limit, never a 500."""
import base64
import io
import json
from datetime import datetime

from litestar import Request
from piccolo.querystring import QueryString

from agency import clock, logs
from agency.db import engine, migrations, shipped_migrations
from agency.errors import internal_error_handler
from agency.tables import LoginAttempt
from cases.tables import Case
from tests.factories import api_token, create_org, create_user, csrf_token, login, signed_in
from tests.http.cases.test_claims import PDF, claim_body

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


DEEP = "[" * 1000 + "]" * 1000


async def test_json_nested_a_thousand_deep_is_a_400(app, client):
    user = await create_user("creditor", await create_org())
    headers = await api_token(client, user["email"])
    for path, body, extra in (("/api/v1/quote", '{"amounts": ' + DEEP + "}", {}), ("/api/v1/quote", DEEP, {}),
                              ("/api/v1/portal/session", '{"token": "t", "verifier": ' + DEEP + "}", {}),
                              ("/api/v1/claims", '{"debtor": ' + DEEP + "}", headers)):
        r = await client.post(path, content=body, headers={"content-type": "application/json", **extra})
        assert r.status_code == 400, (path, r.text)
        assert "32" in r.json()["detail"], r.text  # says how deep a body may go
    r = await client.put("/api/v1/plan-rules", content='{"brackets": ' + "[" * 40 + "]" * 40 + "}",
                         headers={"content-type": "application/json", **headers})
    assert r.status_code == 400 and "32" in r.json()["detail"], r.text


async def test_redsys_parameters_nested_a_thousand_deep_are_a_400(client):
    params = base64.b64encode(("[" * 5000).encode()).decode()
    r = await client.post("/payments/redsys/notification",
                          data={"Ds_SignatureVersion": "HMAC_SHA256_V1", "Ds_MerchantParameters": params, "Ds_Signature": "x"})
    assert r.status_code == 400, r.text


async def test_a_nul_character_in_a_search_or_a_name_is_a_400_and_writes_nothing(client, make_client):
    org = await create_org()
    user = await create_user("creditor", org)
    headers = await api_token(client, user["email"])
    for path in ("/api/v1/cases?q=a%00b", "/api/v1/cases?stage=intake&q=%00"):
        r = await client.get(path, headers=headers)
        assert r.status_code == 400 and "NUL" in r.json()["detail"], (path, r.text)
    page_client, _ = await signed_in(make_client, "negotiator")
    r = await page_client.get("/cases?q=a%00b")
    assert r.status_code == 400 and "NUL" in r.text
    cases_before = await Case.count()
    body = claim_body()
    body["debtor"]["name"] = "Talleres\u0000 Norte"
    r = await client.post("/api/v1/claims", json=body, headers=headers)
    assert r.status_code == 400 and "NUL" in r.json()["detail"], r.text
    # A form, urlencoded or multipart (which Litestar parses itself for the sign-in and CSRF check).
    anonymous = await make_client()
    r = await login(anonymous, "nobody\u0000@example.test")
    assert r.status_code == 400, r.text
    await anonymous.get("/login")
    r = await anonymous.post("/login", files={"email": (None, "x\u0000@example.test"), "password": (None, "p"),
                                              "_csrf_token": (None, csrf_token(anonymous))})
    assert r.status_code == 400, r.text
    # The streamed multipart forms (claims with files) check their text fields too.
    case_id = (await client.post("/api/v1/claims", json=claim_body(), headers=headers)).json()["id"]
    cases_before += 1
    r = await client.post(f"/api/v1/cases/{case_id}/evidence", headers=headers,
                          files={"kind": (None, "invoice\u0000"), "file": ("a.pdf", io.BytesIO(PDF), "application/pdf")})
    assert r.status_code == 400 and "NUL" in r.json()["detail"], r.text
    assert await Case.count() == cases_before
    assert not await LoginAttempt.exists().where(LoginAttempt.email.like("%example.test") & LoginAttempt.email.like("x%"))



async def test_a_nul_character_in_a_header_is_a_400(app, client):
    """Servers mostly refuse these themselves; whatever lets one through (an Idempotency-Key is stored) gets a 400."""
    user = await create_user("creditor", await create_org())
    headers = await api_token(client, user["email"])
    r = await client.post("/api/v1/claims", json=claim_body(), headers=headers)
    case_id = r.json()["id"]
    body = json.dumps({"amount": "10.00", "received_on": clock.today().isoformat(), "reference": "r"}).encode()

    async def pay(key: bytes):
        return await call(app, "POST", f"/api/v1/cases/{case_id}/direct-payments",
                          [(b"content-type", b"application/json"), (b"authorization", headers["Authorization"].encode()),
                           (b"idempotency-key", key)], [body])

    status, _, answer, _ = await pay(b"key\x00one")
    assert status == 400 and "NUL" in json.loads(answer)["detail"], answer
    status, _, answer, _ = await pay(b"key-one")
    assert status == 201, answer


async def test_postgresql_refusing_a_nul_is_a_400_whatever_route_let_it_through(app, backend):
    """The last line: text with a NUL that reached PostgreSQL anyway (SQLSTATE 22021) is the client's to fix."""
    if backend == "postgres":
        try:
            await LoginAttempt.insert(LoginAttempt(email="a\x00b", ip="127.0.0.1"))
        except Exception as exc:  # noqa: BLE001 - the driver's own error is what the handler must recognise
            refused = exc
        else:
            raise AssertionError("PostgreSQL stored a NUL character")
    else:  # SQLite stores it: the error as asyncpg raises it
        refused = type("CharacterNotInRepertoireError", (Exception,), {"sqlstate": "22021"})()
    scope = {"type": "http", "method": "POST", "path": "/api/v1/claims", "raw_path": b"/api/v1/claims", "query_string": b"",
             "headers": [], "app": app, "litestar_app": app, "state": {}, "root_path": "", "scheme": "http",
             "server": ("testserver.local", 80)}
    response = internal_error_handler(Request(scope), refused)
    assert response.status_code == 400 and "NUL" in response.content["detail"]


async def test_a_wrong_bearer_token_on_a_page_is_one_401_not_a_loop_of_redirects(client, monkeypatch):
    logged = []
    monkeypatch.setattr(logs, "write_access", lambda method, path, status, *rest: logged.append((path, status)))
    bogus = {"Authorization": "Bearer not-a-token", "Accept": "text/html"}
    for path in ("/queue", "/login", "/login?next=/login%3Fnext%3D/queue", "/cases/1"):
        r = await client.get(path, headers=bogus)
        assert r.status_code == 401 and "location" not in r.headers, (path, r.status_code, r.headers)
        assert r.headers["www-authenticate"] == "Bearer" and "<html" in r.text and "token" in r.text
    assert [status for _, status in logged] == [401] * 4, logged
    r = await client.get("/api/v1/cases", headers={"Authorization": "Bearer not-a-token"})
    assert r.status_code == 401 and "token" in r.json()["detail"]
    # Without any token, a page still sends the person to sign in, and the sign-in page answers itself.
    r = await client.get("/queue")
    assert r.status_code == 303 and r.headers["location"] == "/login?next=/queue"
    assert (await client.get("/login")).status_code == 200


async def test_health_is_503_until_every_shipped_migration_has_run(client):
    migrations.current = False  # what an earlier call in this process found
    assert (await client.get("/health")).json() == {"status": "ok"}
    newest = await engine().run_querystring(QueryString("SELECT id, app_name, name FROM migration ORDER BY name DESC LIMIT 1"))
    await engine().run_ddl(f"DELETE FROM migration WHERE id = {newest[0]['id']}")
    try:
        assert (await client.get("/health")).json() == {"status": "ok"}  # the positive answer is kept per process
        migrations.current = False
        r = await client.get("/health")
        assert r.status_code == 503 and newest[0]["name"] in r.json()["problems"]["migrations"], r.text
        assert "agency migrate" in r.json()["detail"]
    finally:
        await engine().run_querystring(QueryString("INSERT INTO migration (name, app_name, ran_on) VALUES ({}, {}, {})",
                                                   newest[0]["name"], newest[0]["app_name"], datetime(2026, 1, 1)))
    # A database never migrated: no migration table at all.
    await engine().run_ddl("ALTER TABLE migration RENAME TO migration_hidden")
    try:
        r = await client.get("/health")
        assert r.status_code == 503 and r.json()["problems"]["migrations"].startswith(str(len(shipped_migrations()))), r.text
    finally:
        await engine().run_ddl("ALTER TABLE migration_hidden RENAME TO migration")
    assert (await client.get("/health")).status_code == 200
