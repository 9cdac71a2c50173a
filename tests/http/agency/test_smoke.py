from agency import logs
from tests.factories import api_token, create_org, create_user, login


async def test_health(client):
    r = await client.get("/health")
    assert r.status_code == 200
    assert r.json() == {"status": "ok"}


async def test_the_icon_is_served_where_browsers_look_for_it(client):
    r = await client.get("/favicon.ico")
    assert r.status_code == 301 and r.headers["location"] == "/static/favicon.svg"
    icon = await client.get("/static/favicon.svg")
    assert icon.status_code == 200 and icon.headers["content-type"].startswith("image/svg+xml")
    assert '<link rel="icon" href="/static/favicon.svg"' in (await client.get("/login")).text


async def test_login_page_and_landing(client):
    r = await client.get("/login")
    assert r.status_code == 200
    org = await create_org()
    user = await create_user("creditor", org)
    r = await login(client, user["email"])
    assert r.status_code == 303
    assert r.headers["location"] == "/home"  # a creditor lands on their home (cases.home)
    r = await client.get("/home")
    assert r.status_code == 200, r.text


async def test_an_address_no_route_has_answers_in_the_readers_language(client):
    """A 404 before any route's middleware ran (no such address) reads the language cookie and Accept-Language as every
    other page does (it was always in Spanish)."""
    english = await client.get("/no-such-page", headers={"accept-language": "en-GB,en;q=0.9", "accept": "text/html"})
    assert english.status_code == 404 and "Page not found" in english.text and "Página no encontrada" not in english.text
    client.cookies.set("lang", "en")
    assert "Page not found" in (await client.get("/cases/not-a-number", headers={"accept": "text/html"})).text
    client.cookies.delete("lang")
    spanish = await client.get("/no-such-page", headers={"accept-language": "es-ES", "accept": "text/html"})
    assert spanish.status_code == 404 and "Página no encontrada" in spanish.text


async def test_the_language_chosen_on_the_sign_in_page_is_kept_once_signed_in(client):
    """An outside tester chose English on the sign-in page and landed on a Spanish home (the account's language won)."""
    from agency.tables import User
    from tests.factories import post_form

    user = await create_user("negotiator")
    assert (await User.select(User.language).where(User.id == user["id"]).first())["language"] == "es"
    r = await post_form(client, "/language", {"language": "en", "next": "/login"})
    assert r.status_code in (302, 303) and "Sign in" in (await client.get("/login")).text
    assert (await login(client, user["email"])).status_code == 303
    assert '<html lang="en">' in (await client.get("/queue")).text
    assert (await User.select(User.language).where(User.id == user["id"]).first())["language"] == "en"


async def test_head_is_answered_as_the_get_it_asks_about(client, monkeypatch):
    """Monitors and link checkers ask HEAD (it was a 405 on every page): the head of the GET, on the access line as HEAD
    and by whom; a route with no GET still refuses it. (The server, uvicorn, leaves the body out.)"""
    logged = []
    monkeypatch.setattr(logs, "write_access", lambda method, path, status, ms, user_id, rid: logged.append((method, path, status, user_id)))
    for path in ("/login", "/health", "/static/app.css"):
        r = await client.head(path)
        assert r.status_code == 200, path
    assert r.headers["content-type"].startswith("text/css")
    assert ("HEAD", "/login", 200, None) in logged
    user = await create_user("negotiator")
    h = await api_token(client, user["email"])
    assert (await client.head("/api/v1/queue/", headers=h)).status_code == 200
    assert ("HEAD", "/api/v1/queue", 200, user["id"]) in logged
    assert (await client.head("/api/v1/queue/")).status_code == 401  # still signed in or not
    assert (await client.head("/api/v1/auth/token")).status_code == 405  # POST only
