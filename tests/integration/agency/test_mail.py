"""The outbox and SMTP delivery against a real SMTP server on loopback."""
import asyncio
import dataclasses
import secrets
from datetime import timedelta

from agency.db import utcnow
from agency.mail import MAX_ATTEMPTS, queue_email, retry, send_pending
from agency.settings import get_settings
from agency.tables import OutboxMessage


async def _queue(to: str, language: str = "es") -> None:
    await queue_email(to, "welcome", kind="password_link", language=language, name="Ana", link="http://x/set-password/abc",
                      invited_by=None, days=7)


async def test_queued_email_is_rendered_in_the_recipients_language(database):
    to = f"es-{secrets.token_hex(3)}@example.test"
    await _queue(to, "es")
    await _queue(to.replace("es-", "en-"), "en")
    es = await OutboxMessage.select().where(OutboxMessage.to_address == to).first()
    en = await OutboxMessage.select().where(OutboxMessage.to_address == to.replace("es-", "en-")).first()
    assert "Hola, Ana" in es["body_text"] and "contraseña" in es["body_text"]
    assert "Hello Ana" in en["body_text"] and en["subject"].startswith("Your access")


async def test_worker_sends_pending_mail_once(database, smtp_server):
    await OutboxMessage.update({OutboxMessage.sent_at: OutboxMessage.created_at}, force=True)  # only ours pending
    to = f"smtp-{secrets.token_hex(3)}@example.test"
    await _queue(to)
    settings = dataclasses.replace(get_settings(), smtp_url=smtp_server["url"])
    assert await send_pending(settings) == 1
    assert await send_pending(settings) == 0  # a second round sends nothing again
    assert len(smtp_server["received"]) == 1
    message = smtp_server["received"][0]
    assert message["To"] == to and "set-password" in message.get_payload(decode=True).decode()
    row = await OutboxMessage.select().where(OutboxMessage.to_address == to).first()
    assert row["sent_at"] is not None and row["attempts"] == 1


async def test_unreachable_smtp_keeps_the_message_and_records_the_error(database):
    await OutboxMessage.update({OutboxMessage.sent_at: OutboxMessage.created_at}, force=True)
    to = f"down-{secrets.token_hex(3)}@example.test"
    await _queue(to)
    settings = dataclasses.replace(get_settings(), smtp_url="smtp://127.0.0.1:1")
    assert await send_pending(settings) == 0
    row = await OutboxMessage.select().where(OutboxMessage.to_address == to).first()
    assert row["sent_at"] is None and row["attempts"] == 1 and row["last_error"]
    assert row["attempts"] < MAX_ATTEMPTS


async def test_the_outbox_page_says_when_mail_is_not_going_out_and_why(database, smtp_server, make_client):
    from agency import i18n
    from agency.mail import delivery_status
    from tests.factories import signed_in

    await OutboxMessage.update({OutboxMessage.sent_at: OutboxMessage.created_at}, force=True)
    to = f"status-{secrets.token_hex(3)}@example.test"
    await _queue(to)
    down = dataclasses.replace(get_settings(), smtp_url="smtp://127.0.0.1:1")
    assert await send_pending(down) == 0
    i18n.set_language("en")
    status = await delivery_status(down)
    assert status["failing"] and status["waiting"] == 1 and "refused the connection" in status["error"]
    admin, _ = await signed_in(make_client, "admin")
    page = (await admin.get("/admin/outbox")).text  # the test server has no SMTP configured: said so
    assert "No hay ningún servidor de correo configurado" in page
    up = dataclasses.replace(get_settings(), smtp_url=smtp_server["url"])
    await OutboxMessage.update({OutboxMessage.next_attempt_at: None}).where(OutboxMessage.to_address == to)
    assert await send_pending(up) == 1
    assert not (await delivery_status(up))["failing"], "sent since: the failure is old news"
    # a message given up on, or sent again by an admin, does not stand for mail being down
    from agency.mail import retry

    await _queue(to)
    assert await send_pending(down) == 0
    assert (await delivery_status(down))["failing"]
    await OutboxMessage.update({OutboxMessage.given_up_at: utcnow(), OutboxMessage.given_up_reason: "attempts"}).where(
        (OutboxMessage.to_address == to) & OutboxMessage.sent_at.is_null())
    assert not (await delivery_status(down))["failing"]
    row = await OutboxMessage.select(OutboxMessage.id).where((OutboxMessage.to_address == to) & OutboxMessage.sent_at.is_null()).first()
    assert await retry(row["id"]) and not (await delivery_status(down))["failing"]


async def test_two_workers_send_each_message_once_with_the_id_it_was_queued_with(database, smtp_server):
    await OutboxMessage.update({OutboxMessage.sent_at: OutboxMessage.created_at}, force=True)
    addresses = [f"pair-{n}-{secrets.token_hex(3)}@example.test" for n in range(6)]
    for to in addresses:
        await _queue(to)
    settings = dataclasses.replace(get_settings(), smtp_url=smtp_server["url"])
    sent = await asyncio.gather(send_pending(settings, limit=4), send_pending(settings, limit=4), send_pending(settings, limit=4))
    sent = sum(sent) + await send_pending(settings)
    assert sent == 6
    assert sorted(m["To"] for m in smtp_server["received"]) == sorted(addresses), "each once, none twice"
    rows = {r["to_address"]: r for r in await OutboxMessage.select().where(OutboxMessage.to_address.is_in(addresses))}
    for m in smtp_server["received"]:
        assert m["Message-ID"] == rows[m["To"]]["message_id"] != ""  # the same on every attempt: a repeat is recognisable
        assert rows[m["To"]]["claimed_until"] is None


async def test_a_message_that_cannot_be_written_fails_alone_and_sends_nothing_twice(database, smtp_server):
    await OutboxMessage.update({OutboxMessage.sent_at: OutboxMessage.created_at}, force=True)
    good = f"good-{secrets.token_hex(3)}@example.test"
    await _queue(good)
    await OutboxMessage.insert(OutboxMessage(to_address="bad@example.test\nBcc: x@example.test", subject="Hola", body_text="x\n",
                                             kind="debtor:reminder"))
    await OutboxMessage.insert(OutboxMessage(to_address=good, subject="Línea uno\nBcc: x@example.test", body_text="y\n", kind="debtor:reminder"))
    settings = dataclasses.replace(get_settings(), smtp_url=smtp_server["url"])
    for minutes in (0, 5, 30):
        await send_pending(settings, now=utcnow() + timedelta(minutes=minutes))
    assert [m["To"] for m in smtp_server["received"]] == [good, good], "the good ones once each, whatever the bad one did"
    from email.header import decode_header, make_header

    assert str(make_header(decode_header(smtp_server["received"][1]["Subject"]))) == "Línea uno Bcc: x@example.test", "a subject is one line: no header slips in"
    assert "Bcc" not in smtp_server["received"][1].keys()
    bad = await OutboxMessage.select().where(OutboxMessage.to_address.like("bad@%")).first()
    assert bad["sent_at"] is None and bad["attempts"] >= 1 and "ValueError" in bad["last_error"]


async def test_after_about_a_day_of_failures_a_message_is_given_up_shown_and_can_be_sent_again(database, smtp_server):
    await OutboxMessage.update({OutboxMessage.sent_at: OutboxMessage.created_at}, force=True)
    to = f"later-{secrets.token_hex(3)}@example.test"
    await _queue(to)
    down = dataclasses.replace(get_settings(), smtp_url="smtp://127.0.0.1:1")
    at = utcnow()
    for _ in range(MAX_ATTEMPTS + 3):
        await send_pending(down, now=at)
        row = await OutboxMessage.select().where(OutboxMessage.to_address == to).first()
        if row["next_attempt_at"]:
            at = max(at, row["next_attempt_at"]) + timedelta(seconds=1)
    assert row["attempts"] == MAX_ATTEMPTS and row["given_up_at"] is not None and row["given_up_reason"] == "attempts"
    assert at - utcnow() > timedelta(hours=18), "tried for most of a day, not half an hour"
    up = dataclasses.replace(get_settings(), smtp_url=smtp_server["url"])
    assert await send_pending(up, now=at + timedelta(days=1)) == 0, "given up: no longer tried by itself"
    assert await retry(row["id"]) and not await retry(row["id"])
    assert await send_pending(up) == 1 and [m["To"] for m in smtp_server["received"]] == [to]


async def test_automatic_reminders_wait_for_the_contact_window_and_other_mail_does_not(database, smtp_server):
    await OutboxMessage.update({OutboxMessage.sent_at: OutboxMessage.created_at}, force=True)
    await OutboxMessage.insert(OutboxMessage(to_address="auto@example.test", subject="Recordatorio", body_text="x\n", kind="reminder:reminder"))
    await OutboxMessage.insert(OutboxMessage(to_address="hand@example.test", subject="Resumen", body_text="y\n", kind="debtor:debt_summary"))
    settings = dataclasses.replace(get_settings(), smtp_url=smtp_server["url"])
    assert await send_pending(settings, automatic_allowed=False) == 1
    assert [m["To"] for m in smtp_server["received"]] == ["hand@example.test"]
    assert await send_pending(settings, automatic_allowed=True) == 1
    assert [m["To"] for m in smtp_server["received"]] == ["hand@example.test", "auto@example.test"]


async def test_worker_round_purges_stale_staged_uploads(database):
    import io
    from datetime import timedelta

    from agency.auth import CurrentUser
    from agency.db import utcnow
    from agency.roles import Role
    from agency.worker import run_round
    from cases.claims.service import store_evidence
    from cases.tables import Evidence
    from tests.factories import create_org, create_user

    org = await create_org()
    u = await create_user("creditor", org)
    user = CurrentUser(id=u["id"], email=u["email"], name="c", role=Role.creditor, organisation_id=org, language="es")
    old = await store_evidence(user, org, io.BytesIO(b"%PDF-1.4 old"), "old.pdf", 12, "x" * 64, "invoice")
    fresh = await store_evidence(user, org, io.BytesIO(b"%PDF-1.4 new"), "new.pdf", 12, "y" * 64, "invoice")
    await Evidence.update({Evidence.created_at: utcnow() - timedelta(hours=25)}).where(Evidence.id == old["id"])
    await run_round(get_settings())
    assert not await Evidence.exists().where(Evidence.id == old["id"])
    assert await Evidence.exists().where(Evidence.id == fresh["id"])


def test_the_creditor_is_told_a_case_is_back_in_amicable_recovery_not_that_the_claim_was_accepted():
    from agency import i18n
    from agency.templating import render_text

    i18n.set_language("es")
    common = {"name": "Ana", "reference": "EXP-2026-000004", "debtor": "Peris S.L.", "outcome": None, "reason": "", "case_id": 4,
              "base_url": "http://x"}
    accepted = render_text("mail/stage_changed.txt", stage="amicable", from_stage="intake", **common)
    back = render_text("mail/stage_changed.txt", stage="amicable", from_stage="mediation", **common)
    assert "Hemos aceptado su reclamación" in accepted
    assert "vuelve al recobro amistoso" in back and "aceptado" not in back
