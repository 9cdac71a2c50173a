"""Email: every message is written to the outbox in the transaction that caused it; the worker
sends what is pending by SMTP when AGENCY_SMTP_URL is set (otherwise the outbox is where staff read it)."""
from __future__ import annotations

import asyncio
import logging
import smtplib
from datetime import timedelta
from email.message import EmailMessage
from email.utils import make_msgid
from urllib.parse import urlsplit

from agency import i18n
from agency.db import utcnow
from agency.settings import Settings
from agency.tables import OutboxMessage
from agency.templating import render_text

log = logging.getLogger("agency.mail")
MAX_ATTEMPTS = 5


async def queue_email(to: str, template: str, kind: str, language: str, **context) -> None:
    """Render ``templates/mail/<template>.txt`` in the recipient's language and put it in the outbox.

    The template's first line is ``Subject: ...``; the rest is the body."""
    previous = i18n.get_language()
    i18n.set_language(language)
    try:
        text = render_text(f"mail/{template}.txt", **context)
    finally:
        i18n.set_language(previous)
    first, _, body = text.partition("\n")
    if not first.startswith("Subject:"):
        raise ValueError(f"mail/{template}.txt must start with a 'Subject:' line")
    await OutboxMessage.insert(
        OutboxMessage(to_address=to, subject=first.removeprefix("Subject:").strip(), body_text=body.strip() + "\n", kind=kind)
    )


def _send_smtp(smtp_url: str, sender: str, rows: list[dict]) -> dict[int, str | None]:
    """Blocking: one SMTP connection for the batch. Returns id -> error (None when sent)."""
    parts = urlsplit(smtp_url)
    results: dict[int, str | None] = {}
    cls = smtplib.SMTP_SSL if parts.scheme == "smtps" else smtplib.SMTP
    with cls(parts.hostname or "127.0.0.1", parts.port or 25, timeout=30) as smtp:
        if parts.scheme == "smtp+starttls":
            smtp.starttls()
        if parts.username:
            smtp.login(parts.username, parts.password or "")
        for row in rows:
            msg = EmailMessage()
            msg["From"] = sender
            msg["To"] = row["to_address"]
            msg["Subject"] = row["subject"]
            msg["Message-ID"] = make_msgid(domain="agency.local")
            msg.set_content(row["body_text"])
            try:
                smtp.send_message(msg)
                results[row["id"]] = None
            except smtplib.SMTPException as exc:
                results[row["id"]] = f"{type(exc).__name__}: {exc}"
    return results


async def send_pending(settings: Settings, limit: int = 100) -> int:
    """Send what waits in the outbox; returns how many were sent. Safe to run again: a sent message
    has ``sent_at`` and is never picked twice by one worker."""
    if not settings.smtp_url:
        return 0
    rows = (
        await OutboxMessage.select()
        .where(OutboxMessage.sent_at.is_null() & (OutboxMessage.attempts < MAX_ATTEMPTS)
               & (OutboxMessage.next_attempt_at.is_null() | (OutboxMessage.next_attempt_at <= utcnow())))
        .order_by(OutboxMessage.id)
        .limit(limit)
    )
    if not rows:
        return 0
    try:
        results = await asyncio.to_thread(_send_smtp, settings.smtp_url, settings.mail_from, rows)
    except (OSError, smtplib.SMTPException) as exc:
        log.warning("smtp unavailable: %s", type(exc).__name__)
        results = {row["id"]: f"{type(exc).__name__}: {exc}" for row in rows}
    sent = 0
    for row in rows:
        error = results.get(row["id"], "not attempted")
        if error is None:
            sent += 1
            await OutboxMessage.update({OutboxMessage.sent_at: utcnow(), OutboxMessage.attempts: row["attempts"] + 1}).where(
                OutboxMessage.id == row["id"]
            )
        else:
            # Backoff: 2, 4, 8, 16 minutes before the next attempts.
            await OutboxMessage.update({
                OutboxMessage.last_error: error[:500], OutboxMessage.attempts: row["attempts"] + 1,
                OutboxMessage.next_attempt_at: utcnow() + timedelta(minutes=2 ** (row["attempts"] + 1)),
            }).where(OutboxMessage.id == row["id"])
    return sent
