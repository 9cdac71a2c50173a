"""Email: every message is written to the outbox in the transaction that caused it; the worker
sends what is pending by SMTP when AGENCY_SMTP_URL is set (otherwise the outbox is where staff read it)."""
from __future__ import annotations

import asyncio
import logging
import smtplib
from collections.abc import Callable
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import make_msgid
from urllib.parse import urlsplit

from piccolo.columns.combination import WhereRaw

from agency import i18n
from agency.db import utcnow
from agency.settings import Settings
from agency.tables import OutboxMessage
from agency.templating import render_text

log = logging.getLogger("agency.mail")


async def queue_email(to: str, template: str, kind: str, language: str, debtor_case: int | None = None, **context) -> int:
    """Render ``templates/mail/<template>.txt`` in the recipient's language and put it in the outbox.

    The template's first line is ``Subject: ...``; the rest is the body. ``debtor_case``: the case a message to a debtor is
    about (it goes with the debtor's data: their export, their erasure); messages to staff and creditors have none, even
    when their text names a case (``case_id`` is then the template's). Its outbox id."""
    previous = i18n.get_language()
    i18n.set_language(language)
    try:
        text = render_text(f"mail/{template}.txt", **context)
    finally:
        i18n.set_language(previous)
    first, _, body = text.partition("\n")
    if not first.startswith("Subject:"):
        raise ValueError(f"mail/{template}.txt must start with a 'Subject:' line")
    rows = await OutboxMessage.insert(
        OutboxMessage(to_address=to, subject=one_line(first.removeprefix("Subject:")), body_text=body.strip() + "\n", kind=kind,
                      message_id=new_message_id(), case_id=debtor_case)
    ).returning(OutboxMessage.id)
    return rows[0]["id"]


# Backoff after the n-th failure: 2, 4, 8 ... minutes, at most 4 hours; after MAX_ATTEMPTS (about 20
# hours of trying) the message is given up, shown so on the outbox page, where an admin can send it again.
MAX_ATTEMPTS = 12
LEASE = timedelta(minutes=10)  # how long a worker's claim on a message lasts (sending takes seconds)


def backoff(attempts: int) -> timedelta:
    return timedelta(minutes=min(2 ** attempts, 240))


def one_line(text: str, limit: int = 300) -> str:
    """A subject as an email header carries it: one line (whatever a merge field held), at most ``limit`` long."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def new_message_id() -> str:
    return make_msgid(domain="agency.local")


def _build(sender: str, row: dict) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = row["to_address"]
    msg["Subject"] = one_line(row["subject"])
    msg["Message-ID"] = row["message_id"] or new_message_id()
    msg.set_content(row["body_text"])
    return msg


def _connect(smtp_url: str) -> smtplib.SMTP:
    parts = urlsplit(smtp_url)
    cls = smtplib.SMTP_SSL if parts.scheme == "smtps" else smtplib.SMTP
    smtp = cls(parts.hostname or "127.0.0.1", parts.port or 25, timeout=30)
    try:
        if parts.scheme == "smtp+starttls":
            smtp.starttls()
        if parts.username:
            smtp.login(parts.username, parts.password or "")
    except BaseException:
        smtp.close()
        raise
    return smtp


def _quit(smtp: smtplib.SMTP) -> None:
    try:
        smtp.quit()
    except (OSError, smtplib.SMTPException):  # what was sent is sent: a server that answers QUIT badly changes nothing
        smtp.close()


async def _claim(limit: int, now, automatic_for: bool | frozenset[str]) -> list[dict]:
    """Take up to ``limit`` messages due for sending, so that no other worker takes them meanwhile: a
    conditional update, which PostgreSQL re-checks on each row a concurrent claim locked first (it
    finds the claim and skips the row), and SQLite runs one writer at a time. Automatic reminders are
    taken for cases in the ``automatic_for`` jurisdictions only (True: all, False: none)."""
    due = (OutboxMessage.sent_at.is_null() & OutboxMessage.given_up_at.is_null()
           & (OutboxMessage.next_attempt_at.is_null() | (OutboxMessage.next_attempt_at <= now))
           & (OutboxMessage.claimed_until.is_null() | (OutboxMessage.claimed_until < now)))
    # automatic reminders go out inside the contact window of the debtor's country only, retries included
    if not automatic_for:
        due &= OutboxMessage.kind.not_like("reminder:%")
    elif automatic_for is not True:
        # EXISTS, not IN (SELECT ...): beside the OR, PostgreSQL cannot make the IN a join and re-read a
        # million cases for every waiting message (3.9 s at 500 messages; EXISTS: 2 ms). A reminder
        # queued before messages named their case goes by the default window (Madrid).
        places = ", ".join("{}" for _ in automatic_for)
        due &= WhereRaw(
            "(outbox_messages.kind NOT LIKE 'reminder:%' OR EXISTS (SELECT 1 FROM collection_cases c WHERE c.id = outbox_messages.case_id"
            f" AND c.jurisdiction IN ({places})){' OR outbox_messages.case_id IS NULL' if 'ES' in automatic_for else ''})",
            *sorted(automatic_for))
    ids = [r["id"] for r in await OutboxMessage.select(OutboxMessage.id).where(due).order_by(OutboxMessage.id).limit(limit)]
    if not ids:
        return []
    rows = await OutboxMessage.update({OutboxMessage.claimed_until: now + LEASE}).where(OutboxMessage.id.is_in(ids) & due).returning(
        *OutboxMessage.all_columns())
    return sorted(rows, key=lambda r: r["id"])


async def _failed(row: dict, error: str, now) -> None:
    attempts = row["attempts"] + 1
    values = {OutboxMessage.last_error: error[:500], OutboxMessage.attempts: attempts, OutboxMessage.claimed_until: None,
              OutboxMessage.next_attempt_at: now + backoff(attempts)}
    if attempts >= MAX_ATTEMPTS:
        values |= {OutboxMessage.given_up_at: now, OutboxMessage.given_up_reason: "attempts"}
    await OutboxMessage.update(values).where(OutboxMessage.id == row["id"])


def explain_error(error: str) -> str:
    """What a failed attempt's error (as _failed stores it: "Type: detail") means, for the outbox page."""
    kind = error.split(":", 1)[0]
    if kind in ("ConnectionRefusedError", "SMTPConnectError"):
        return i18n.gettext("The mail server refused the connection: is it running, and is AGENCY_SMTP_URL's host and port right?")
    if kind in ("TimeoutError", "socket.timeout", "gaierror", "OSError", "SMTPServerDisconnected"):
        return i18n.gettext("The mail server could not be reached or closed the connection: check the network and AGENCY_SMTP_URL.")
    if kind == "SMTPAuthenticationError":
        return i18n.gettext("The mail server refused the user or password in AGENCY_SMTP_URL.")
    if kind in ("SMTPRecipientsRefused", "SMTPSenderRefused"):
        return i18n.gettext("The mail server refused an address (the recipient's, or the sender in AGENCY_MAIL_FROM).")
    return i18n.gettext("The mail server answered with an error.")


async def delivery_status(settings: Settings) -> dict:
    """For the outbox page: whether mail can go out at all, and the last failure if it came after the last success."""
    waiting = await OutboxMessage.count().where(OutboxMessage.sent_at.is_null() & OutboxMessage.given_up_at.is_null())
    last_sent = await OutboxMessage.select(OutboxMessage.sent_at).where(OutboxMessage.sent_at.is_not_null()).order_by(
        OutboxMessage.sent_at, ascending=False).first()
    # The latest failure among messages still being tried (a given-up one is counted on the dashboard, and a
    # retried one has no next attempt): when it failed is its next attempt less the backoff it was given.
    tried = await OutboxMessage.select(OutboxMessage.last_error, OutboxMessage.next_attempt_at, OutboxMessage.attempts).where(
        OutboxMessage.sent_at.is_null() & OutboxMessage.given_up_at.is_null() & (OutboxMessage.last_error != "")
        & OutboxMessage.next_attempt_at.is_not_null()).order_by(OutboxMessage.id, ascending=False).limit(200)
    failed = max(tried, key=lambda r: r["next_attempt_at"] - backoff(r["attempts"]), default=None)
    failed_at = failed["next_attempt_at"] - backoff(failed["attempts"]) if failed else None
    failing = failed_at is not None and (last_sent is None or failed_at > last_sent["sent_at"])
    return {"configured": bool(settings.smtp_url), "waiting": waiting, "failing": failing,
            "error": explain_error(failed["last_error"]) if failing else "", "raw_error": failed["last_error"] if failing else ""}


async def send_pending(settings: Settings, limit: int = 100, now=None, automatic_allowed: bool | None = None,
                       window: Callable[[datetime], frozenset[str]] | None = None) -> int:
    """Send what waits in the outbox; returns how many were sent. Each message is claimed first (two
    workers never send the same one), marked sent the moment the server accepts it, and keeps one
    Message-ID on every attempt (should a worker die between the two, the repeat is recognisable).
    Automatic reminders wait for the contact window of the debtor's country: ``window(now)`` names the
    jurisdictions whose window is open (the shell passes cases.messages.rules.open_jurisdictions; without it
    automatic reminders wait); ``automatic_allowed`` overrides it (True: send them all now, False: none)."""
    if not settings.smtp_url:
        return 0
    now = now or utcnow()
    automatic_for: bool | frozenset[str]
    if automatic_allowed is None:
        automatic_for = window(now) if window else False
    else:
        automatic_for = automatic_allowed
    rows = await _claim(limit, now, automatic_for)
    if not rows:
        return 0
    try:
        smtp = await asyncio.to_thread(_connect, settings.smtp_url)
    except (OSError, smtplib.SMTPException) as exc:
        log.warning("smtp unavailable: %s", type(exc).__name__)
        for row in rows:
            await _failed(row, f"{type(exc).__name__}: {exc}", now)
        return 0
    sent = 0
    try:
        for n, row in enumerate(rows):
            try:
                msg = _build(settings.mail_from, row)
                await asyncio.to_thread(smtp.send_message, msg)
            except (smtplib.SMTPServerDisconnected, OSError) as exc:
                # The connection is gone: this one failed, the rest are released untouched for the next round.
                await _failed(row, f"{type(exc).__name__}: {exc}", now)
                await OutboxMessage.update({OutboxMessage.claimed_until: None}).where(
                    OutboxMessage.id.is_in([r["id"] for r in rows[n + 1:]] or [0]))
                break
            except (smtplib.SMTPException, ValueError) as exc:  # refused by the server, or a message that cannot be written
                await _failed(row, f"{type(exc).__name__}: {exc}", now)
                continue
            sent += 1
            await OutboxMessage.update({OutboxMessage.sent_at: utcnow(), OutboxMessage.attempts: row["attempts"] + 1,
                                        OutboxMessage.message_id: msg["Message-ID"], OutboxMessage.claimed_until: None}).where(
                OutboxMessage.id == row["id"])
    finally:
        await asyncio.to_thread(_quit, smtp)
    return sent


async def retry(message_id: int) -> bool:
    """An admin sends a message given up on again: tried afresh at the next round (its last error kept)."""
    rows = await OutboxMessage.update({OutboxMessage.given_up_at: None, OutboxMessage.given_up_reason: "", OutboxMessage.attempts: 0,
                                       OutboxMessage.next_attempt_at: None}).where(
        (OutboxMessage.id == message_id) & OutboxMessage.sent_at.is_null() & OutboxMessage.given_up_at.is_not_null()).returning(OutboxMessage.id)
    return bool(rows)
