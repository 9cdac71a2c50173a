from tests.factories import create_org, create_user, login


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
