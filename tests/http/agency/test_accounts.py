"""Sign-in, sessions, CSRF, role guards, password links, tokens: through the real routes."""
import re
import secrets

from agency.tables import ApiToken, LoginAttempt, Organisation, OutboxMessage, PasswordToken, User
from tests.factories import PASSWORD, api_token, create_org, create_user, csrf_token, login, post_form, signed_in


async def test_wrong_password_is_401_with_a_message_and_counted(client):
    user = await create_user("negotiator")
    r = await login(client, user["email"], "not-the-password")
    assert r.status_code == 401
    assert "Wrong email or password" in r.text or "incorrectos" in r.text
    assert await LoginAttempt.count().where((LoginAttempt.email == user["email"]) & (LoginAttempt.succeeded == False))  # noqa: E712


async def test_login_is_throttled_after_repeated_failures(client):
    user = await create_user("negotiator")
    for _ in range(5):
        assert (await login(client, user["email"], "wrong-password-x")).status_code == 401
    r = await login(client, user["email"], PASSWORD)  # even the right password waits
    assert r.status_code == 429
    assert int(r.headers["retry-after"]) > 0
    r = await client.post("/api/v1/auth/token", json={"email": user["email"], "password": PASSWORD})
    assert r.status_code == 429
    assert "detail" in r.json()


async def test_form_without_csrf_token_is_403(client):
    user = await create_user("admin")
    await client.get("/login")
    r = await client.post("/login", data={"email": user["email"], "password": PASSWORD})
    assert r.status_code == 403


async def test_anonymous_page_redirects_to_login_and_api_is_401(client):
    r = await client.get("/admin/users", follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == "/login?next=/admin/users"
    assert r.content == b"" and r.headers["content-type"].startswith("text/html")  # (it was a JSON null)
    r = await client.get("/api/v1/cases")
    assert r.status_code == 401
    assert r.json()["detail"]


async def test_creditor_on_admin_page_is_403(make_client):
    org = await create_org()
    client, _ = await signed_in(make_client, "creditor", org)
    r = await client.get("/admin/users")
    assert r.status_code == 403
    r = await client.get("/api/v1/auth/me")
    assert r.json()["role"] == "creditor"


async def test_each_role_lands_on_its_page(make_client):
    org = await create_org()
    for role, landing in [("admin", "/admin"), ("negotiator", "/queue"), ("lawyer", "/legal"), ("creditor", "/home")]:
        client, user = await signed_in(make_client, role, org if role == "creditor" else None)
        r = await client.get("/", follow_redirects=False)
        assert r.headers["location"] == landing
        r = await client.get(landing)
        assert r.status_code == 200, (role, r.text[:500])


async def test_admin_creates_org_with_invalid_ids_nothing_saved(make_client):
    client, _ = await signed_in(make_client, "admin")
    before = await Organisation.count()
    r = await post_form(client, "/admin/organisations/new", {
        "legal_name": "Mala S.L.", "country": "ES", "tax_id": "B46123452", "address_line1": "C/ Uno 1",
        "city": "Madrid", "postal_code": "28001", "iban": "ES9121000418450200051333",
    })
    assert r.status_code == 400
    assert 'id="e-tax_id"' in r.text and 'id="e-iban"' in r.text
    assert await Organisation.count() == before


async def test_admin_creates_user_who_sets_password_by_link(make_client):
    admin, _ = await signed_in(make_client, "admin")
    org = await create_org()
    r = await post_form(admin, "/admin/users/new", {
        "name": "Nueva Acreedora", "email": "Nueva@Example.test", "role": "creditor", "organisation_id": str(org), "language": "es",
    })
    assert r.status_code == 303, r.text
    message = await OutboxMessage.select().where(OutboxMessage.to_address == "nueva@example.test").first()
    assert message and message["kind"] == "password_link"
    link = re.search(r"http://testserver\.local(/set-password/\S+)", message["body_text"]).group(1)

    newcomer = await make_client()
    assert (await newcomer.get(link)).status_code == 200
    r = await post_form(newcomer, link, {"password": "short", "confirm": "short"})
    assert r.status_code == 400
    r = await post_form(newcomer, link, {"password": "a-good-long-password", "confirm": "a-good-long-password"})
    assert r.status_code == 303 and r.headers["location"] == "/home"
    # the link is used up
    assert (await newcomer.get(link)).status_code == 410
    other = await make_client()
    assert (await login(other, "nueva@example.test", "a-good-long-password")).status_code == 303


async def test_admin_user_form_refuses_creditor_without_organisation(make_client):
    admin, _ = await signed_in(make_client, "admin")
    before = await User.count()
    r = await post_form(admin, "/admin/users/new", {"name": "X", "email": "x-no-org@example.test", "role": "creditor"})
    assert r.status_code == 400 and 'id="e-organisation_id"' in r.text
    assert await User.count() == before


async def test_changing_password_ends_other_sessions(make_client):
    user = await create_user("negotiator")
    first, second = await make_client(), await make_client()
    await login(first, user["email"])
    await login(second, user["email"])
    for _ in range(2):  # the second browser's cookie read, and kept opened (agency.sessions)
        assert (await second.get("/account")).status_code == 200
    r = await post_form(first, "/account/password", {"current": PASSWORD, "password": "another-long-pass", "confirm": "another-long-pass"})
    assert r.status_code == 303
    assert (await first.get("/account")).status_code == 200
    assert (await second.get("/account", follow_redirects=False)).status_code == 303


async def test_signing_out_ends_the_session_on_the_server_a_copied_cookie_is_worth_nothing(make_client):
    client, user = await signed_in(make_client, "negotiator")
    assert (await client.get("/queue")).status_code == 200
    copied = await make_client()  # a copy of the session cookie (and the CSRF cookie), taken before signing out
    for name, value in client.cookies.items():
        copied.cookies.set(name, value)
    assert (await copied.get("/queue")).status_code == 200
    assert (await post_form(client, "/logout")).status_code == 303
    assert (await copied.get("/queue", follow_redirects=False)).status_code == 303  # to the sign-in page
    r = await post_form(copied, "/account/tokens", {"name": "robada"}, follow_redirects=False)
    assert r.status_code == 303 and not await ApiToken.exists().where(ApiToken.user == user["id"])  # nor can it mint a token
    assert (await login(client, user["email"])).status_code == 303  # signing in again works


async def test_a_new_password_ends_every_session_and_api_token_and_spends_older_links(make_client):
    admin, _ = await signed_in(make_client, "admin")
    user = await create_user("negotiator")
    headers = await api_token(await make_client(), user["email"])
    assert (await (await make_client()).get("/api/v1/auth/me", headers=headers)).status_code == 200
    for _n in range(2):  # two reset links: the first is superseded by the second
        assert (await post_form(admin, f"/admin/users/{user['id']}/password-link")).status_code == 303
    bodies = [m["body_text"] for m in await OutboxMessage.select(OutboxMessage.body_text).where(
        OutboxMessage.to_address == user["email"]).order_by(OutboxMessage.id)]
    older, newer = [re.search(r"http://testserver\.local(/set-password/\S+)", b).group(1) for b in bodies[-2:]]
    person = await make_client()
    assert (await person.get(older)).status_code == 410
    assert (await person.get(newer)).status_code == 200
    # the password changed on the account page: the token is revoked, the link is spent
    me = await make_client()
    await login(me, user["email"])
    r = await post_form(me, "/account/password", {"current": PASSWORD, "password": "another-long-pass", "confirm": "another-long-pass"})
    assert r.status_code == 303
    assert (await (await make_client()).get("/api/v1/auth/me", headers=headers)).status_code == 401
    assert (await person.get(newer)).status_code == 410
    assert (await me.get("/account")).status_code == 200  # (the session that changed it goes on)


async def test_a_user_added_with_a_password_from_the_shell_has_no_link_in_the_outbox():
    from agency.users_cli import add_user  # (the command's own use-case)

    email = f"shell-{secrets.token_hex(4)}@example.test"
    await add_user(email, "Desde la consola", "negotiator", None, "es", "a-good-long-password")
    assert not await OutboxMessage.exists().where(OutboxMessage.to_address == email)
    assert not await PasswordToken.exists().where(PasswordToken.user.email == email)


async def test_deactivated_user_loses_session_and_tokens(make_client):
    admin, _ = await signed_in(make_client, "admin")
    user_client, user = await signed_in(make_client, "negotiator")
    headers = await api_token(await make_client(), user["email"])
    for _ in range(2):  # the cookie read, and kept opened (agency.sessions); the token remembered (agency.auth)
        assert (await user_client.get("/queue")).status_code == 200
        assert (await (await make_client()).get("/api/v1/auth/me", headers=headers)).status_code == 200
    r = await post_form(admin, f"/admin/users/{user['id']}/active", {"active": "0"})
    assert r.status_code == 303
    assert (await user_client.get("/queue", follow_redirects=False)).status_code == 303
    anon = await make_client()
    assert (await anon.get("/api/v1/auth/me", headers=headers)).status_code == 401
    assert (await login(anon, user["email"])).status_code == 401


async def test_language_is_remembered_per_user(make_client):
    client, user = await signed_in(make_client, "negotiator")
    r = await client.get("/queue")
    assert "Cola de trabajo" in r.text or "Mi cola" in r.text
    await post_form(client, "/language", {"language": "en", "next": "/queue"})
    r = await client.get("/queue")
    assert "My queue" in r.text and 'lang="en"' in r.text
    assert (await User.select(User.language).where(User.id == user["id"]).first())["language"] == "en"


async def test_open_redirect_is_refused(client):
    user = await create_user("lawyer")
    await client.get("/login")
    r = await client.post("/login", data={"email": user["email"], "password": PASSWORD, "next": "//evil.example/x",
                                          "_csrf_token": csrf_token(client)})
    assert r.headers["location"] == "/legal"


async def test_parallel_guesses_are_throttled_too(make_client):
    import asyncio

    user = await create_user("negotiator")
    client = await make_client()

    async def guess(n):
        return await client.post("/api/v1/auth/token", json={"email": user["email"], "password": f"wrong-{n}-password"})

    results = await asyncio.gather(*[guess(n) for n in range(12)])
    codes = sorted(r.status_code for r in results)
    assert codes.count(401) == 5 and codes.count(429) == 7


def _session_cookie_sent(response) -> bool:
    return any(h.startswith("agency_session=") for h in response.headers.get_list("set-cookie"))


async def test_session_cookie_is_sent_again_only_when_it_changes_or_ages(make_client, monkeypatch):
    client, user = await signed_in(make_client, "negotiator")
    await client.get("/queue")
    quiet = await client.get("/queue")
    assert quiet.status_code == 200 and not _session_cookie_sent(quiet)  # the browser already holds this session
    r = await post_form(client, "/account/password", {"current": PASSWORD, "password": "another-long-pass", "confirm": "another-long-pass"})
    assert r.status_code == 303 and _session_cookie_sent(r)  # a message for the next page: the session changed
    shown = await client.get("/queue")
    assert 'class="flash' in shown.text and _session_cookie_sent(shown)  # the message was shown, and taken out of the session
    assert not _session_cookie_sent(await client.get("/queue"))
    import agency.sessions

    # sent longer ago than this: renewed, so the expiry keeps sliding (-1: the expiry is rounded to the second)
    monkeypatch.setattr(agency.sessions, "REFRESH_SECONDS", -1)
    renewed = await client.get("/queue")
    assert renewed.status_code == 200 and _session_cookie_sent(renewed)


async def test_top_bar_is_each_readers_own(make_client):
    """The top bar is kept rendered per reader, language and page: nobody sees another's."""
    first, one = await signed_in(make_client, "negotiator")
    second, other = await signed_in(make_client, "negotiator")
    names = {u["id"]: (await User.select(User.name).where(User.id == u["id"]).first())["name"] for u in (one, other)}
    page_one, page_two = (await first.get("/queue")).text, (await second.get("/queue")).text
    assert names[one["id"]] in page_one and names[other["id"]] not in page_one
    assert names[other["id"]] in page_two and names[one["id"]] not in page_two
    assert csrf_token(first) in page_one and csrf_token(second) not in page_one
    assert "Cerrar sesión" in page_one
    await post_form(first, "/language", {"language": "en", "next": "/queue"})
    page_one = (await first.get("/queue")).text
    assert "Sign out" in page_one and "Cerrar sesión" not in page_one
    assert "Cerrar sesión" in (await second.get("/queue")).text
    cases_page = (await first.get("/cases")).text
    assert re.search(r'href="/cases"\s+aria-current="page"', cases_page) and not re.search(r'href="/queue"\s+aria-current="page"', cases_page)


async def test_session_cookie_tampered_with_or_expired_signs_nobody_in(make_client, monkeypatch):
    """Cookies already opened are kept decrypted (agency.sessions): never one that did not decrypt, and
    never past its expiry."""
    import time

    client, _ = await signed_in(make_client, "negotiator")
    await client.get("/queue")
    assert (await client.get("/queue")).status_code == 200  # opened, and kept
    value = client.cookies.get("agency_session")
    for at in (len(value) // 2, len(value) - 6):  # the encrypted session; the expiry it is bound to
        forged = await make_client()
        forged.cookies.set("agency_session", value[:at] + ("A" if value[at] != "A" else "B") + value[at + 1:])
        assert (await forged.get("/queue", follow_redirects=False)).status_code == 303
    now = time.time()
    monkeypatch.setattr(time, "time", lambda: now + 13 * 3600)
    assert (await client.get("/queue", follow_redirects=False)).status_code == 303


async def test_the_outbox_shows_a_message_given_up_and_an_admin_sends_it_again(make_client):
    from agency.db import utcnow
    from agency.tables import OutboxMessage

    admin, _ = await signed_in(make_client, "admin")
    row = (await OutboxMessage.insert(OutboxMessage(to_address="lost@example.test", subject="Perdido", body_text="x\n", kind="debtor:reminder",
                                                    attempts=12, last_error="ConnectionRefusedError: [Errno 111]", given_up_at=utcnow(),
                                                    given_up_reason="attempts")).returning(OutboxMessage.id))[0]["id"]
    page = (await admin.get("/admin/outbox")).text
    assert "12 intentos" in page and f'/admin/outbox/{row}/retry' in page
    assert "Correos no enviados" in (await admin.get("/admin")).text
    r = await post_form(admin, f"/admin/outbox/{row}/retry")
    assert r.status_code == 303
    again = await OutboxMessage.select().where(OutboxMessage.id == row).first()
    assert again["given_up_at"] is None and again["attempts"] == 0 and again["last_error"]
    summary = (await admin.get("/admin/outbox")).text.split("lost@example.test", 1)[1].split("</summary>", 1)[0]
    assert "próximo intento" not in summary and "En espera" in summary, "sent again at the next round, no attempt time to show"
    await post_form(admin, f"/admin/outbox/{row}/retry")
    assert "nada que hacer" in (await admin.get("/admin/outbox")).text
    creditor, _ = await signed_in(make_client, "creditor", await create_org())
    assert (await post_form(creditor, f"/admin/outbox/{row}/retry")).status_code == 403
