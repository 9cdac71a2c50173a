"""The outbox and SMTP delivery against a real SMTP server on loopback."""
import dataclasses
import secrets

from agency.mail import MAX_ATTEMPTS, queue_email, send_pending
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


async def test_worker_round_purges_stale_staged_uploads(database):
    import io
    from datetime import timedelta

    from agency.auth import CurrentUser
    from agency.db import utcnow
    from agency.roles import Role
    from agency.worker import run_round
    from cases.services import store_evidence
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
