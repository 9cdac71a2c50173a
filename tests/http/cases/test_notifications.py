"""Notifications over HTTP (issue 22 item 2): a payment on a creditor's case tells its organisation's users and nobody of
another organisation; the bell's unread count; marking read; the digest job emails each notification once, even when it
runs twice, and only inside working hours; 'never' keeps the item in the list and sends no email; the texts in the
reader's language (Spanish and English)."""
from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from agency.auth import CurrentUser
from agency.db import atomic, utcnow
from agency.roles import Role
from agency.settings import get_settings
from agency.tables import OutboxMessage
from cases import events
from cases.notifications import service
from cases.notifications.rules import WORKING_HOURS, WorkingHours
from cases.tables import Case, Notification, NotificationDigest
from tests.factories import api_token, by_hand, create_org, create_user, login, post_form
from tests.http.cases.test_money import _pay
from tests.http.cases.test_negotiation import _accepted_case


def _next_working_morning(hours: WorkingHours = WORKING_HOURS) -> datetime:
    """10:00 in Madrid on the next working day after today: everything made today came before that day began."""
    day = utcnow().astimezone(ZoneInfo(hours.timezone)).date()
    while True:
        day += timedelta(days=1)
        moment = datetime.combine(day, time(10, 0), tzinfo=ZoneInfo(hours.timezone))
        if hours.inside(moment):
            return moment


async def _two_organisations(make_client, language="es"):
    org, other = await create_org(), await create_org()
    creditor = await create_user("creditor", org, language=language)
    colleague = await create_user("creditor", org, language="en")
    stranger = await create_user("creditor", other)
    negotiator = await create_user("negotiator")
    c = await make_client()
    return {"c": c, "creditor": creditor, "colleague": colleague, "stranger": stranger, "ch": await api_token(c, creditor["email"]),
            "eh": await api_token(c, colleague["email"]), "sh": await api_token(c, stranger["email"]),
            "nh": await api_token(c, negotiator["email"]), "negotiator": negotiator}


async def _mails(email: str) -> list[dict]:
    return await OutboxMessage.select().where((OutboxMessage.to_address == email) & (OutboxMessage.kind == "notifications")).order_by(OutboxMessage.id)


async def test_a_payment_tells_the_case_s_organisation_and_not_another_and_marking_read_lowers_the_count(make_client):
    p = await _two_organisations(make_client)
    c, ch, sh = p["c"], p["ch"], p["sh"]
    case = await _accepted_case(c, ch, p["nh"])
    before = (await c.get("/api/v1/notifications", headers=ch)).json()
    assert (r := await _pay(c, case["id"], "200.00", p["nh"])).status_code == 201, r.text

    mine = (await c.get("/api/v1/notifications", headers=ch)).json()
    kinds = [n["kind"] for n in mine["items"]]
    assert kinds[0] == "payment_received" and "stage_changed" in kinds  # the newest first; the acceptance told them too
    payment = mine["items"][0]
    assert payment["case_id"] == case["id"] and payment["read"] is False and case["reference"] in payment["text"]
    assert payment["text"].startswith("Pago de 200,00") and set(payment) == {"id", "kind", "case_id", "text", "created_at", "read"}
    assert mine["unread"] == before["unread"] + 1 == len([n for n in mine["items"] if not n["read"]])
    # the other organisation's user: nothing about this case
    theirs = (await c.get("/api/v1/notifications", headers=sh)).json()
    assert theirs == {"items": [], "unread": 0}
    # the same notification, read by an English-speaking colleague: the same facts in English
    colleague = (await c.get("/api/v1/notifications", headers=p["eh"])).json()["items"][0]
    assert colleague["kind"] == "payment_received" and colleague["text"].startswith("Payment of") and "200.00" in colleague["text"]
    # the negotiator who booked it is not told of their own act
    assert "payment_received" not in [n["kind"] for n in (await c.get("/api/v1/notifications", headers=p["nh"])).json()["items"]]

    # marking read: only one's own ids change anything
    r = await c.post("/api/v1/notifications/read", json={"ids": [payment["id"]]}, headers=sh)
    assert r.status_code == 200 and r.json() == {"marked": 0, "unread": 0}
    r = await c.post("/api/v1/notifications/read", json={"ids": [payment["id"]]}, headers=ch)
    assert r.status_code == 200 and r.json() == {"marked": 1, "unread": mine["unread"] - 1}
    assert (await c.get("/api/v1/notifications", headers=ch)).json()["items"][0]["read"] is True
    assert (await c.post("/api/v1/notifications/read", json={"ids": [payment["id"]]}, headers=ch)).json()["marked"] == 0  # once
    for bad in ({}, {"ids": "1"}, {"ids": [True]}, {"ids": ["x"]}, {"ids": [10 ** 30]}, {"ids": list(range(1, 1002))}):
        r = await c.post("/api/v1/notifications/read", json=bad, headers=ch)
        assert r.status_code == 400 and "ids" in r.json()["detail"], (bad, r.text)


async def test_the_digest_emails_each_notification_once_and_only_inside_working_hours(make_client):
    p = await _two_organisations(make_client)
    c, ch = p["c"], p["ch"]
    case = await _accepted_case(c, ch, p["nh"])
    await _pay(c, case["id"], "150.00", p["nh"])
    ids = {n["id"] for n in (await c.get("/api/v1/notifications", headers=ch)).json()["items"]}
    morning = _next_working_morning()
    settings = get_settings()

    # outside working hours (the evening before, a Sunday): nothing goes
    assert await service.digest_job(settings, now=morning.replace(hour=21)) == 0
    assert await _mails(p["creditor"]["email"]) == []

    await service.digest_job(settings, now=morning)
    mails = await _mails(p["creditor"]["email"])
    assert len(mails) == 1  # one email for the day: the payment (daily by default)
    body = mails[0]["body_text"]
    assert case["reference"] in body and "Pago de 150,00" in body and "/notifications/preferences" in body
    # the stage change was emailed by the move itself (cases.stages): in the list, not in the digest
    assert "ha pasado de" not in body
    assert await OutboxMessage.count().where((OutboxMessage.to_address == p["creditor"]["email"]) & (OutboxMessage.kind == "stage_changed")) == 1
    rows = {r["kind"]: r for r in await Notification.select().where(Notification.id.is_in(list(ids)))}
    assert set(rows) == {"payment_received", "stage_changed"}
    assert rows["payment_received"]["emailed_at"] is not None and rows["payment_received"]["email"] == mails[0]["id"]
    assert rows["stage_changed"]["emailed_at"] is not None and rows["stage_changed"]["email"] is None
    assert await NotificationDigest.count().where(NotificationDigest.email == mails[0]["id"]) == 1

    # the job again (a second worker, a restart): nothing is emailed twice, not even later that day
    await service.digest_job(settings, now=morning)
    await service.digest_job(settings, now=morning + timedelta(hours=3))
    assert len(await _mails(p["creditor"]["email"])) == 1
    # the in-app list still has them, unread
    assert all(not n["read"] for n in (await c.get("/api/v1/notifications", headers=ch)).json()["items"])


async def test_never_keeps_the_item_in_the_list_and_sends_no_email_and_immediately_goes_at_the_next_round(make_client):
    p = await _two_organisations(make_client, language="en")
    c, ch = p["c"], p["ch"]
    r = await c.post("/api/v1/notifications/preferences", json={"payment_received": "never", "document_available": "immediately"}, headers=ch)
    assert r.status_code == 200 and r.json()["payment_received"] == "never" and r.json()["document_available"] == "immediately"
    assert r.json()["decision_waiting"] == "immediately"  # a kind not named keeps its default
    for bad in ({"payment_received": "weekly"}, {"payment_received": ["daily"]}, {"gossip": "daily"}, {}):
        r = await c.post("/api/v1/notifications/preferences", json=bad, headers=ch)
        assert r.status_code == 400 and r.json()["errors"], (bad, r.text)
    assert (await c.get("/api/v1/notifications/preferences", headers=ch)).json()["payment_received"] == "never"  # nothing changed

    case = await _accepted_case(c, ch, p["nh"])
    await _pay(c, case["id"], "75.00", p["nh"])
    negotiator = CurrentUser(id=p["negotiator"]["id"], email=p["negotiator"]["email"], name="n", role=Role.negotiator, organisation_id=None,
                             language="es")
    async with atomic():  # a document generated for the creditor (as legal.documents records it)
        await events.record(case["id"], "document", negotiator, "doc", {"document": 1, "template": "payment_demand"}, visible_to_creditor=True)
    items = (await c.get("/api/v1/notifications", headers=ch)).json()["items"]
    assert [n["kind"] for n in items] == ["document_available", "payment_received", "stage_changed"]
    assert items[1]["text"].startswith("Payment of") and items[2]["text"] == f"Case {case['reference']} moved from Intake to Amicable."

    # a working day's morning: the document goes at once, the payment never
    morning = _next_working_morning()
    await service.digest_job(get_settings(), now=morning)
    mails = await _mails(p["creditor"]["email"])
    assert len(mails) == 1 and f"A new document is available on case {case['reference']}." in mails[0]["body_text"]
    assert "Payment" not in mails[0]["body_text"] and "moved from" not in mails[0]["body_text"]
    assert mails[0]["subject"] == "1 new notification"  # not the daily summary: what was asked for at once
    payment = await Notification.select().where(Notification.id == items[1]["id"]).first()
    assert payment["emailed_at"] is not None and payment["email"] is None  # set aside: never emailed, even if preferences change
    await c.post("/api/v1/notifications/preferences", json={"payment_received": "immediately"}, headers=ch)
    await service.digest_job(get_settings(), now=morning + timedelta(hours=1))
    assert len(await _mails(p["creditor"]["email"])) == 1
    # still in the list, unread
    assert (await c.get("/api/v1/notifications", headers=ch)).json()["items"][1]["read"] is False


async def test_the_page_the_bell_and_the_preferences_page_in_the_browser(make_client):
    org = await create_org()
    creditor = await create_user("creditor", org, language="es")
    negotiator = await create_user("negotiator")
    c = await make_client()
    ch, nh = await api_token(c, creditor["email"]), await api_token(c, negotiator["email"])
    case = await _accepted_case(c, ch, nh)
    await _pay(c, case["id"], "20.00", nh)
    browser = await make_client()
    assert (await login(browser, creditor["email"])).status_code == 303

    home = await browser.get("/cases")
    assert 'hx-get="/notifications/bell"' in home.text  # the top bar loads the bell with htmx
    bell = await browser.get("/notifications/bell", headers={"HX-Request": "true"})
    assert bell.status_code == 200 and 'class="badge bell-count"' in bell.text and ">2<" in bell.text

    listing = await browser.get("/notifications")
    assert listing.status_code == 200 and "Pago de 20,00" in listing.text and "Marcar todas como leídas" in listing.text
    assert f'href="/cases/{case["id"]}"' in listing.text
    r = await post_form(browser, "/notifications/read", {"all": "1"})
    assert r.status_code == 303 and r.headers["location"] == "/notifications"
    assert (await c.get("/api/v1/notifications", headers=ch)).json()["unread"] == 0
    assert "bell-count" not in (await browser.get("/notifications/bell", headers={"HX-Request": "true"})).text

    # a reader who never reads: the bell stops counting at 99+
    await Notification.insert(*[Notification(user=creditor["id"], kind="payment_received", case=case["id"],
                                             params='{"reference": "X", "amount": "1"}') for _ in range(120)])
    assert ">99+<" in (await browser.get("/notifications/bell", headers={"HX-Request": "true"})).text
    assert (await c.get("/api/v1/notifications", headers=ch)).json()["unread"] == 120  # the API's count is exact

    assert 'href="/notifications/preferences"' in (await browser.get("/account")).text  # reachable from one's account
    prefs = await browser.get("/notifications/preferences")
    assert prefs.status_code == 200 and 'name="payment_received" value="daily" checked' in prefs.text
    assert "el resumen no los repite" in prefs.text
    r = await post_form(browser, "/notifications/preferences", {"payment_received": "never"})
    assert r.status_code == 303
    assert 'name="payment_received" value="never" checked' in (await browser.get("/notifications/preferences")).text
    r = await post_form(browser, "/notifications/preferences", {"payment_received": "weekly"})
    assert r.status_code == 400 and "Elija al momento, a diario o nunca." in r.text


async def test_the_case_conversation_and_the_creditor_s_decisions_reach_the_right_people(make_client):
    """The case conversation's events (written by its own capability: here through cases.events, as it records them) and a
    creditor's authorisation: a question goes to the case's negotiator, the answer to the creditor's users, a decision taken
    to the case's staff and the admins; never to the one who wrote it."""
    p = await _two_organisations(make_client)
    c, ch = p["c"], p["ch"]
    case = await _accepted_case(c, ch, p["nh"])
    await Case.update({Case.negotiator: p["negotiator"]["id"]}).where(Case.id == case["id"])
    await by_hand()  # (set up by hand: the report totals follow)
    admin = await create_user("admin")
    ah = await api_token(c, admin["email"])
    creditor = CurrentUser(id=p["creditor"]["id"], email=p["creditor"]["email"], name="c", role=Role.creditor, organisation_id=None, language="es")
    negotiator = CurrentUser(id=p["negotiator"]["id"], email=p["negotiator"]["email"], name="n", role=Role.negotiator, organisation_id=None,
                             language="es")
    async with atomic():
        await events.record(case["id"], "conversation_creditor", creditor, "q", {"body": "¿Cuándo   pagará?"}, visible_to_creditor=True)
    async with atomic():
        await events.record(case["id"], "conversation_agency", negotiator, "a", {"body": "Ha prometido pagar el lunes."}, visible_to_creditor=True)
    async with atomic():
        await events.record(case["id"], "bureau_authorised", creditor, "", {}, visible_to_creditor=True)

    async def kinds(headers) -> list[str]:
        return [n["kind"] for n in (await c.get("/api/v1/notifications", headers=headers)).json()["items"]]

    told = (await c.get("/api/v1/notifications", headers=p["nh"])).json()["items"]
    assert [n["kind"] for n in told] == ["decision_taken", "creditor_message"]
    assert told[1]["text"] == f"El acreedor pregunta en el expediente {case['reference']}: ¿Cuándo pagará?"
    assert told[0]["text"] == f"Expediente {case['reference']}: el acreedor ha autorizado la comunicación a un fichero de solvencia."
    assert (await kinds(ch))[:1] == ["agency_message"] and "creditor_message" not in await kinds(ch)  # not told of their own question
    assert (await kinds(p["eh"]))[:1] == ["agency_message"]  # a colleague in the same organisation hears the answer too
    assert await kinds(ah) == ["decision_taken"]  # the admins: the decision; the question went to the case's negotiator
    assert await kinds(p["sh"]) == []

    # the debtor anonymised (cases.privacy): the conversation's words go from the notifications, the rest stays
    await service.on_anonymised(case["id"], "anonymised", {})
    told = (await c.get("/api/v1/notifications", headers=p["nh"])).json()["items"]
    assert told[1]["kind"] == "creditor_message" and told[1]["text"] == f"El acreedor ha hecho una pregunta en el expediente {case['reference']}."
    assert "lunes" not in str((await c.get("/api/v1/notifications", headers=ch)).json())


async def test_a_creditor_s_choice_for_stage_changes_and_decisions_holds_for_the_emails_the_moves_send(make_client):
    """The stage change and the legal proposal are emailed by the move itself: only to the creditors who want them at once
    (the default for both); one who chose the daily summary finds them there, one who chose never only in the list."""
    p = await _two_organisations(make_client)
    c, ch, eh = p["c"], p["ch"], p["eh"]
    assert (await c.get("/api/v1/notifications/preferences", headers=ch)).json()["stage_changed"] == "immediately"
    assert (await c.post("/api/v1/notifications/preferences", json={"stage_changed": "never"}, headers=ch)).status_code == 200
    assert (await c.post("/api/v1/notifications/preferences", json={"stage_changed": "daily"}, headers=eh)).status_code == 200

    case = await _accepted_case(c, ch, p["nh"])  # intake -> amicable: a stage change

    async def moved(email: str) -> int:
        return await OutboxMessage.count().where((OutboxMessage.to_address == email) & (OutboxMessage.kind == "stage_changed"))

    assert await moved(p["creditor"]["email"]) == 0 and await moved(p["colleague"]["email"]) == 0
    for who in ("ch", "eh"):  # both still see it in their list
        assert "stage_changed" in [n["kind"] for n in (await c.get("/api/v1/notifications", headers=p[who])).json()["items"]]
    await service.digest_job(get_settings(), now=_next_working_morning())
    assert await _mails(p["creditor"]["email"]) == []  # never: no summary either
    [summary] = await _mails(p["colleague"]["email"])  # daily: in the summary, in English
    assert case["reference"] in summary["body_text"] and "amicable" in summary["body_text"].lower()
    rows = await Notification.select(Notification.user, Notification.emailed_at, Notification.email).where(
        (Notification.case == case["id"]) & (Notification.kind == "stage_changed"))
    assert len(rows) == 2 and all(r["emailed_at"] is not None for r in rows)
    assert {r["user"]: r["email"] for r in rows}[p["colleague"]["id"]] == summary["id"]
