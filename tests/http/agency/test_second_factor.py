"""The second factor (TOTP): set up and confirmed on the API and the account page, asked for at sign-in and for a
token, counted by the sign-in throttle, recovery codes once each, and an administrator's requirement for staff."""
import asyncio
import re
import secrets
import time
from contextlib import AsyncExitStack

import httpx
import pyotp
import pytest

from agency.security import token_hash
from agency.tables import LoginAttempt, RecoveryCode, User
from tests.factories import PASSWORD, api_token, create_org, create_user, login, post_form

EN = {"Accept-Language": "en"}


@pytest.fixture
async def make_client(app):
    """Clients from an address of this test's own: its wrong codes count against that address, not against the
    loopback address the rest of the suite signs in from (30 failures from one address lock it)."""
    address = f"10.{secrets.randbelow(256)}.{secrets.randbelow(256)}.{secrets.randbelow(254) + 1}"
    async with AsyncExitStack() as stack:

        async def make():
            transport = httpx.ASGITransport(app=app, client=(address, 123))
            return await stack.enter_async_context(
                httpx.AsyncClient(transport=transport, base_url="http://testserver.local", follow_redirects=False))

        yield make


@pytest.fixture
async def client(make_client):
    return await make_client()


async def signed_in_en(make_client, role: str, organisation: int | None = None):
    """Signed in with the password alone, as a user who reads English (what the API says is checked word for word)."""
    client = await make_client()
    user = await create_user(role, organisation, language="en")
    assert (await login(client, user["email"])).status_code == 303
    return client, user


async def code(secret: str, steps: int = 0) -> str:
    """The code of the 30-second step ``steps`` away from now; not in the last seconds of a step, so the server sees the
    step it was made for. A code works once: a test takes -1, then 0, then +1."""
    if 30 - time.time() % 30 < 3:
        await asyncio.sleep(3.2)
    return pyotp.TOTP(secret).at(time.time(), counter_offset=steps)


def wrong(secret: str) -> str:
    """Six digits that are none of the codes the server takes now (a step either side included)."""
    near = {pyotp.TOTP(secret).at(time.time(), counter_offset=k) for k in (-1, 0, 1, 2)}
    return next(c for c in ("000000", "111111", "222222", "333333", "444444") if c not in near)


async def turn_on(client, headers: dict | None = None) -> tuple[str, list[str]]:
    """Through the API: the secret and the recovery codes (the confirming code is the step before now's)."""
    r = await client.post("/api/v1/account/mfa", headers=headers)
    assert r.status_code == 200, r.text
    secret = r.json()["secret"]
    r = await client.post("/api/v1/account/mfa/confirm", json={"code": await code(secret, -1)}, headers=headers)
    assert r.status_code == 200, r.text
    return secret, r.json()["recovery_codes"]


@pytest.fixture
async def requirement_lifted():
    """A test that requires a second factor of staff lifts the requirement after itself: the rest of the suite (and the
    browser journeys, on the same database) sign staff in with a password alone."""
    yield
    from agency.tables import SecurityPolicy

    await SecurityPolicy.insert(SecurityPolicy(staff_mfa_required=False))


async def test_api_sets_up_and_confirms_the_second_factor(client):
    user = await create_user("creditor", await create_org(), language="en")
    headers = await api_token(client, user["email"])
    assert (await client.get("/api/v1/account/mfa", headers=headers)).json() == {
        "on": False, "on_since": None, "recovery_codes_left": 0, "required": False}
    r = await client.post("/api/v1/account/mfa", headers=headers)
    assert r.status_code == 200
    secret, url = r.json()["secret"], r.json()["otpauth_url"]
    assert url.startswith("otpauth://totp/") and f"secret={secret}" in url and "issuer=" in url
    row = await User.select(User.mfa_secret, User.mfa_pending_secret, User.mfa_on_since).where(User.id == user["id"]).first()
    assert row["mfa_on_since"] is None and row["mfa_secret"] == ""  # not on before a code confirms it
    assert row["mfa_pending_secret"] and secret not in row["mfa_pending_secret"]  # sealed, not in clear

    r = await client.post("/api/v1/account/mfa/confirm", json={"code": wrong(secret)}, headers=headers)
    assert r.status_code == 400 and "code" in r.json()["errors"]
    r = await client.post("/api/v1/account/mfa/confirm", json={"code": await code(secret)}, headers=headers)
    assert r.status_code == 200, r.text
    codes = r.json()["recovery_codes"]
    assert r.json()["on"] is True and len(codes) == 10 and len(set(codes)) == 10

    row = await User.select(User.mfa_secret, User.mfa_pending_secret).where(User.id == user["id"]).first()
    assert row["mfa_pending_secret"] == "" and row["mfa_secret"] and secret not in row["mfa_secret"]
    stored = {r["code_hash"] for r in await RecoveryCode.select(RecoveryCode.code_hash).where(RecoveryCode.user == user["id"])}
    assert stored == {token_hash(c.replace("-", "")) for c in codes}  # hashed, never in clear
    status = (await client.get("/api/v1/account/mfa", headers=headers)).json()
    assert status["on"] is True and status["on_since"] and status["recovery_codes_left"] == 10
    r = await client.post("/api/v1/account/mfa", headers={**headers, **EN})
    assert r.status_code == 409 and "turn it off first" in r.json()["detail"]


async def test_a_token_needs_the_code_once_the_second_factor_is_on(client):
    user = await create_user("negotiator", language="en")
    secret, _ = await turn_on(client, await api_token(client, user["email"]))
    r = await client.post("/api/v1/auth/token", json={"email": user["email"], "password": PASSWORD}, headers=EN)
    assert r.status_code == 401 and "second factor" in r.json()["detail"] and "otp" in r.json()["detail"]
    r = await client.post("/api/v1/auth/token", json={"email": user["email"], "password": PASSWORD},
                          headers={"Accept-Language": "es"})
    assert r.status_code == 401 and "segundo factor" in r.json()["detail"]  # in the reader's language
    right = await code(secret)
    r = await client.post("/api/v1/auth/token", json={"email": user["email"], "password": "wrong-password!", "otp": right},
                          headers=EN)
    assert r.status_code == 401 and "password" in r.json()["detail"]  # a right code does not stand for the password
    r = await client.post("/api/v1/auth/token", json={"email": user["email"], "password": PASSWORD, "otp": right})
    assert r.status_code == 200, r.text
    assert (await client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {r.json()['token']}"})).status_code == 200
    r = await client.post("/api/v1/auth/token", json={"email": user["email"], "password": PASSWORD, "otp": right}, headers=EN)
    assert r.status_code == 401 and "not right" in r.json()["detail"]  # a code works once
    r = await client.post("/api/v1/auth/token", json={"email": user["email"], "password": PASSWORD, "otp": await code(secret, 1)})
    assert r.status_code == 200


async def test_sign_in_asks_for_the_code_before_any_session(make_client):
    client = await make_client()
    user = await create_user("lawyer", language="en")
    secret, _ = await turn_on(client, await api_token(client, user["email"]))
    r = await login(client, user["email"])
    assert r.status_code == 303 and r.headers["location"] == "/login/code"
    r = await client.get("/legal")
    assert r.status_code == 303 and r.headers["location"].startswith("/login")  # the password alone opened nothing
    page = await client.get("/login/code")
    assert page.status_code == 200 and 'name="code"' in page.text and 'autocomplete="one-time-code"' in page.text

    r = await post_form(client, "/login/code", {"code": ""})
    assert r.status_code == 400 and 'id="e-code"' in r.text
    r = await post_form(client, "/login/code", {"code": "12345"})
    assert r.status_code == 401 and 'id="e-code"' in r.text
    assert await LoginAttempt.count().where((LoginAttempt.email == user["email"]) & (LoginAttempt.succeeded == False)) == 1  # noqa: E712
    r = await post_form(client, "/login/code", {"code": await code(secret)})
    assert r.status_code == 303 and r.headers["location"] == "/legal"
    assert (await client.get("/legal")).status_code == 200

    anon = await make_client()  # the second step alone, without a password: nothing to complete
    r = await post_form(anon, "/login/code", {"code": await code(secret, 1)})
    assert r.status_code == 303 and r.headers["location"] == "/login"


async def test_wrong_codes_are_throttled_with_wrong_passwords(make_client):
    client = await make_client()
    user = await create_user("negotiator", language="en")
    secret, _ = await turn_on(client, await api_token(client, user["email"]))
    assert (await login(client, user["email"])).headers["location"] == "/login/code"
    for _ in range(3):
        assert (await post_form(client, "/login/code", {"code": wrong(secret)})).status_code == 401
    # A right password in between clears nothing: it waits for its code, so codes cannot be guessed between passwords.
    assert (await login(client, user["email"])).headers["location"] == "/login/code"
    assert (await login(client, user["email"], "a-wrong-password")).status_code == 401
    assert (await post_form(client, "/login/code", {"code": wrong(secret)})).status_code == 401  # the fifth failure
    r = await post_form(client, "/login/code", {"code": await code(secret)})  # even the right code waits now
    assert r.status_code == 429 and int(r.headers["retry-after"]) > 0
    r = await client.post("/api/v1/auth/token", json={"email": user["email"], "password": PASSWORD, "otp": await code(secret)})
    assert r.status_code == 429 and r.json()["detail"]


async def test_a_recovery_code_signs_in_once(make_client):
    client = await make_client()
    user = await create_user("admin", language="en")
    _, codes = await turn_on(client, await api_token(client, user["email"]))
    await login(client, user["email"])
    r = await post_form(client, "/login/code", {"code": f"  {codes[3].upper()} "})  # as typed from paper
    assert r.status_code == 303 and r.headers["location"] == "/admin"
    assert re.search(r'flash-info">[^<]*\b9\b', (await client.get("/admin")).text)  # "9 left" is told
    again = await make_client()
    await login(again, user["email"])
    r = await post_form(again, "/login/code", {"code": codes[3]})
    assert r.status_code == 401
    r = await again.post("/api/v1/auth/token", json={"email": user["email"], "password": PASSWORD, "otp": codes[3]})
    assert r.status_code == 401
    r = await again.post("/api/v1/auth/token", json={"email": user["email"], "password": PASSWORD, "otp": codes[4]})
    assert r.status_code == 200
    assert await RecoveryCode.count().where((RecoveryCode.user == user["id"]) & RecoveryCode.used_at.is_null()) == 8


async def test_account_page_turns_it_on_and_off_and_ends_other_sessions(make_client):
    client, user = await signed_in_en(make_client, "creditor", await create_org())
    elsewhere = await make_client()
    await login(elsewhere, user["email"])
    assert (await elsewhere.get("/account")).status_code == 200

    r = await post_form(client, "/account/mfa")
    assert r.status_code == 200 and "<svg" in r.text
    secret = re.search(r'id="mfa-secret">([A-Z2-7 ]+)<', r.text).group(1).replace(" ", "")
    r = await post_form(client, "/account/mfa/confirm", {"code": "abc"})
    assert r.status_code == 400 and 'id="e-code"' in r.text and 'id="mfa-secret"' in r.text  # the same secret again
    r = await post_form(client, "/account/mfa/confirm", {"code": await code(secret, -1)})
    assert r.status_code == 200
    assert len(re.findall(r"<li><code>[a-z2-9]{5}-[a-z2-9]{5}</code></li>", r.text)) == 10
    assert (await client.get("/account")).status_code == 200  # this session goes on
    assert (await elsewhere.get("/account")).status_code == 303  # the other one ended

    r = await post_form(client, "/account/mfa/off", {"code": wrong(secret)})
    assert r.status_code == 400 and 'id="e-code"' in r.text
    assert await LoginAttempt.count().where((LoginAttempt.email == user["email"]) & (LoginAttempt.succeeded == False)) == 1  # noqa: E712
    r = await post_form(client, "/account/mfa/off", {"code": await code(secret)})
    assert r.status_code == 303
    assert (await User.select(User.mfa_on_since).where(User.id == user["id"]).first())["mfa_on_since"] is None
    assert not await RecoveryCode.exists().where(RecoveryCode.user == user["id"])
    assert (await client.get("/account")).status_code == 200
    assert (await login(elsewhere, user["email"])).headers["location"] == "/home"  # the password alone again


async def test_api_turns_it_off_with_a_current_code(client):
    user = await create_user("creditor", await create_org(), language="en")
    headers = await api_token(client, user["email"])
    r = await client.request("DELETE", "/api/v1/account/mfa", json={"code": "123456"}, headers=headers)
    assert r.status_code == 409 and "not on" in r.json()["detail"]
    _, codes = await turn_on(client, headers)
    r = await client.request("DELETE", "/api/v1/account/mfa", headers=headers)
    assert r.status_code == 400 and "no JSON body" in r.json()["detail"]
    r = await client.request("DELETE", "/api/v1/account/mfa", json={}, headers=headers)
    assert r.status_code == 400 and "code" in r.json()["detail"]
    r = await client.request("DELETE", "/api/v1/account/mfa", json={"code": "123"}, headers=headers)
    assert r.status_code == 400 and "not right" in r.json()["detail"]
    r = await client.request("DELETE", "/api/v1/account/mfa", json={"code": codes[0]}, headers=headers)
    assert r.status_code == 204
    assert (await client.get("/api/v1/account/mfa", headers=headers)).json()["on"] is False
    assert (await client.post("/api/v1/auth/token", json={"email": user["email"], "password": PASSWORD})).status_code == 200


async def test_bad_input_is_refused_with_what_to_fix(make_client):
    client = await make_client()
    user = await create_user("negotiator", language="en")
    headers = await api_token(client, user["email"])
    r = await client.post("/api/v1/account/mfa/confirm", json={}, headers=headers)
    assert r.status_code == 400 and "code" in r.json()["detail"]
    r = await client.post("/api/v1/account/mfa/confirm", json={"code": 123456}, headers=headers)
    assert r.status_code == 400 and "code" in r.json()["detail"]
    r = await client.post("/api/v1/account/mfa/confirm", json={"code": "12ab56"}, headers=headers)
    assert r.status_code == 400 and "6-digit" in r.json()["detail"]
    r = await client.post("/api/v1/account/mfa/confirm", json={"code": "123456"}, headers=headers)
    assert r.status_code == 409 and "start again" in r.json()["detail"]  # nothing being set up
    r = await client.post("/api/v1/auth/token", json={"email": user["email"], "password": PASSWORD, "otp": 123456}, headers=EN)
    assert r.status_code == 400 and "otp" in r.json()["detail"]
    admin, _ = await signed_in_en(make_client, "admin")
    r = await post_form(admin, "/admin/users/second-factor", {"required": "maybe"})
    assert r.status_code == 400 and "required=1" in r.text


async def test_an_administrator_requires_it_of_staff(make_client, requirement_lifted):
    admin, admin_user = await signed_in_en(make_client, "admin")
    r = await post_form(admin, "/admin/users/second-factor", {"required": "1"})
    assert r.status_code == 400 and "own second factor first" in r.text  # not before the admin has one
    admin_secret, _ = await turn_on(admin, await api_token(admin, admin_user["email"]))
    assert (await admin.get("/admin/users")).status_code == 303  # turning it on ended the admin's sessions too
    assert (await login(admin, admin_user["email"])).headers["location"] == "/login/code"
    assert (await post_form(admin, "/login/code", {"code": await code(admin_secret)})).status_code == 303

    negotiator, staff = await signed_in_en(make_client, "negotiator")
    staff_token = await api_token(negotiator, staff["email"])
    creditor = await create_user("creditor", await create_org(), language="en")
    r = await post_form(admin, "/admin/users/second-factor", {"required": "1"})
    assert r.status_code == 303
    page = await admin.get("/admin/users")
    assert "Stop requiring it" in page.text

    assert (await negotiator.get("/queue")).status_code == 303  # signed out
    assert (await negotiator.get("/api/v1/auth/me", headers=staff_token)).status_code == 401  # its token revoked
    r = await negotiator.post("/api/v1/auth/token", json={"email": staff["email"], "password": PASSWORD}, headers=EN)
    assert r.status_code == 403 and "set it up" in r.json()["detail"]
    r = await login(negotiator, staff["email"])
    assert r.status_code == 303 and r.headers["location"] == "/login/setup"
    assert (await negotiator.get("/queue")).status_code == 303  # nothing before the setup
    page = await negotiator.get("/login/setup")
    assert page.status_code == 200 and "<svg" in page.text
    secret = re.search(r'id="mfa-secret">([A-Z2-7 ]+)<', page.text).group(1).replace(" ", "")
    assert re.search(r'id="mfa-secret">([A-Z2-7 ]+)<', (await negotiator.get("/login/setup")).text).group(1).replace(" ", "") == secret
    r = await post_form(negotiator, "/login/setup", {"code": "1"})
    assert r.status_code == 400 and 'id="e-code"' in r.text
    r = await post_form(negotiator, "/login/setup", {"code": await code(secret)})
    assert r.status_code == 200 and len(re.findall(r"<li><code>", r.text)) == 10 and 'href="/queue"' in r.text
    assert (await negotiator.get("/queue")).status_code == 200
    r = await negotiator.request("DELETE", "/api/v1/account/mfa", json={"code": await code(secret, 1)},
                                 headers={"x-csrftoken": negotiator.cookies.get("agency_csrf")})
    assert r.status_code == 409 and "cannot be turned off" in r.json()["detail"]

    creditor_client = await make_client()  # creditors are not staff: not required of them
    assert (await login(creditor_client, creditor["email"])).headers["location"] == "/home"

    r = await post_form(admin, f"/admin/users/{staff['id']}/second-factor/off")  # a lost phone
    assert r.status_code == 303
    assert (await negotiator.get("/queue")).status_code == 303
    assert (await login(negotiator, staff["email"])).headers["location"] == "/login/setup"  # set up again

    r = await post_form(admin, "/admin/users/second-factor", {"required": "0"})
    assert r.status_code == 303
    assert (await login(negotiator, staff["email"])).headers["location"] == "/queue"

