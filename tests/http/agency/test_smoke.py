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
