"""Bearer tokens: issued hashed, usable without CSRF, revocable; cookies need CSRF on the API too."""
from agency.security import token_hash
from agency.tables import ApiToken
from tests.factories import api_token, create_org, create_user, signed_in


async def test_token_login_and_listing(client):
    org = await create_org()
    user = await create_user("creditor", org)
    headers = await api_token(client, user["email"])
    token = headers["Authorization"].split()[1]
    assert await ApiToken.exists().where(ApiToken.token_hash == token_hash(token))
    assert not await ApiToken.exists().where(ApiToken.token_hash == token)  # never stored in clear
    r = await client.get("/api/v1/cases", headers=headers)
    assert r.status_code == 200
    assert r.json()["items"] == [] and r.json()["total"] == 0


async def test_wrong_credentials_give_401_json(client):
    user = await create_user("admin")
    r = await client.post("/api/v1/auth/token", json={"email": user["email"], "password": "nope-nope-nope"})
    assert r.status_code == 401 and r.json()["detail"]


async def test_malformed_body_is_400_with_detail(client):
    r = await client.post("/api/v1/auth/token", json={"email": "x@y.z"})
    assert r.status_code == 400
    assert "password" in r.json()["detail"]


async def test_revoked_token_is_refused(client):
    user = await create_user("negotiator")
    headers = await api_token(client, user["email"])
    assert (await client.get("/api/v1/auth/me", headers=headers)).status_code == 200
    assert (await client.delete("/api/v1/auth/token", headers=headers)).status_code == 204
    r = await client.get("/api/v1/auth/me", headers=headers)
    assert r.status_code == 401 and ("revoked" in r.json()["detail"] or "revocado" in r.json()["detail"])  # translated now


async def test_invalid_bearer_never_falls_back_to_the_cookie(make_client):
    client, _ = await signed_in(make_client, "admin")
    r = await client.get("/api/v1/auth/me", headers={"Authorization": "Bearer agy_forged"})
    assert r.status_code == 401


async def test_cookie_authenticated_unsafe_api_call_needs_csrf(make_client):
    client, _ = await signed_in(make_client, "negotiator")
    r = await client.delete("/api/v1/auth/token")
    assert r.status_code == 403
    r = await client.delete("/api/v1/auth/token", headers={"x-csrftoken": client.cookies.get("agency_csrf")})
    assert r.status_code == 400  # past CSRF: there is no bearer token to revoke


async def test_tokens_page_creates_and_revokes(make_client):
    from tests.factories import post_form

    client, user = await signed_in(make_client, "creditor", await create_org())
    r = await post_form(client, "/account/tokens", {"name": "ERP"})
    assert r.status_code == 201 or r.status_code == 200
    token = r.text.split('id="new-token">')[1].split("<")[0]
    assert (await client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})).status_code == 200
    row = await ApiToken.select(ApiToken.id).where(ApiToken.token_hash == token_hash(token)).first()
    await post_form(client, f"/account/tokens/{row['id']}/revoke")
    anon = await make_client()
    assert (await anon.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})).status_code == 401


async def test_openapi_schema_is_served(client):
    r = await client.get("/schema/openapi.json")
    assert r.status_code == 200
    assert "/api/v1/cases" in r.json()["paths"]
