"""Each lawyer's (and admin's) personal iCal feed: their open deadlines as all-day events and their hearings as timed
events in Madrid time, for the calendar app they already use. Calendar apps cannot log in, so the secret URL is the
credential: its token is an HMAC of a random nonce under the server's secret, stored only as its SHA-256 (the page
shows the URL again from the nonce; renewing changes the nonce, so the old URL answers 404)."""
from __future__ import annotations

import base64
import hmac
import secrets
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event

from agency import i18n
from agency.auth import CurrentUser
from agency.db import as_date, atomic, utcnow
from agency.roles import Role
from agency.security import derive_key, token_hash
from agency.settings import get_settings
from legal.rules.deadlines import DEADLINE_RULES, NEXT_STEPS
from legal.tables import CalendarFeed, Deadline, Hearing

COURT_TZ = ZoneInfo("Europe/Madrid")
FEED_ROLES = (Role.lawyer, Role.admin)
HEARING_LENGTH = timedelta(hours=1)


def feed_token(nonce: str) -> str:
    key = derive_key(get_settings().secret_key, "calendar-feed")
    return base64.urlsafe_b64encode(hmac.new(key, nonce.encode(), "sha256").digest()).decode().rstrip("=")


async def current_feed(user: CurrentUser) -> dict | None:
    """{token, created_at} of the caller's feed, or None when they have none."""
    row = await CalendarFeed.select(CalendarFeed.nonce, CalendarFeed.created_at).where(CalendarFeed.user == user.id).first()
    return {"token": feed_token(row["nonce"]), "created_at": row["created_at"]} if row else None


async def renew_feed(user: CurrentUser) -> str:
    """A new secret URL for the caller (the previous one, if any, stops working); its token."""
    nonce = secrets.token_urlsafe(32)
    token = feed_token(nonce)
    async with atomic():
        await CalendarFeed.delete().where(CalendarFeed.user == user.id)
        await CalendarFeed.insert(CalendarFeed(user=user.id, nonce=nonce, token_hash=token_hash(token), created_at=utcnow()))
    return token


async def revoke_feed(user: CurrentUser) -> None:
    await CalendarFeed.delete().where(CalendarFeed.user == user.id)


async def feed_ics(token: str, today: date, base_url: str = "") -> bytes | None:
    """The feed for ``token``, or None when no active lawyer or admin holds it."""
    if not token or len(token) > 100:
        return None
    row = await CalendarFeed.select(CalendarFeed.user, CalendarFeed.user.role.as_alias("role"), CalendarFeed.user.active.as_alias("active"),
                                    CalendarFeed.user.language.as_alias("language")).where(
        CalendarFeed.token_hash == token_hash(token)).first()
    if row is None or not row["active"] or row["role"] not in {r.value for r in FEED_ROLES}:
        return None
    user_id, lawyer = row["user"], row["role"] == Role.lawyer.value
    deadlines = await Deadline.select(Deadline.id, Deadline.case, Deadline.rule, Deadline.due_on, Deadline.case.reference.as_alias("reference"),
                                      Deadline.case.debtor.name.as_alias("debtor_name")).where(
        ((Deadline.case.lawyer == user_id) if lawyer else Deadline.case.lawyer.is_not_null()) & (Deadline.status == "open")).order_by(
        Deadline.due_on).limit(2000)
    since = datetime.combine(today - timedelta(days=30), datetime.min.time(), tzinfo=timezone.utc)
    hearings = await Hearing.select(Hearing.id, Hearing.case, Hearing.at, Hearing.kind, Hearing.place, Hearing.case.reference.as_alias("reference"),
                                    Hearing.case.debtor.name.as_alias("debtor_name")).where(
        ((Hearing.case.lawyer == user_id) if lawyer else Hearing.case.lawyer.is_not_null()) & (Hearing.at >= since)).order_by(
        Hearing.at).limit(2000)
    previous = i18n.set_language(row["language"] or "es")
    try:
        return _calendar(deadlines, hearings, base_url)
    finally:
        i18n.set_language(previous)


def _calendar(deadlines: list[dict], hearings: list[dict], base_url: str) -> bytes:
    cal = Calendar()
    cal.add("prodid", "-//agency//court deadlines//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", i18n.gettext("Court deadlines and hearings"))
    stamp = utcnow()
    for d in deadlines:
        due = as_date(d["due_on"])
        rule = DEADLINE_RULES.get(d["rule"])
        event = Event()
        event.add("uid", f"deadline-{d['id']}@agency")
        event.add("dtstamp", stamp)
        event.add("dtstart", due)
        event.add("dtend", due + timedelta(days=1))
        event.add("summary", f"{d['reference']} · {rule.label if rule else d['rule']}")
        event.add("description", "\n".join(x for x in (d["debtor_name"], str(NEXT_STEPS.get(d["rule"], "")), rule.source if rule else "",
                                                        f"{base_url}/cases/{d['case']}#deadlines") if x))
        cal.add_component(event)
    for h in hearings:
        at = h["at"] if isinstance(h["at"], datetime) else datetime.fromisoformat(str(h["at"]))
        at = (at if at.tzinfo else at.replace(tzinfo=timezone.utc)).astimezone(COURT_TZ)
        event = Event()
        event.add("uid", f"hearing-{h['id']}@agency")
        event.add("dtstamp", stamp)
        event.add("dtstart", at)
        event.add("dtend", at + HEARING_LENGTH)
        event.add("summary", f"{h['reference']} · {i18n.gettext('Hearing')}{' · ' + h['kind'] if h['kind'] else ''}")
        if h["place"]:
            event.add("location", h["place"])
        event.add("description", f"{h['debtor_name']}\n{base_url}/cases/{h['case']}")
        cal.add_component(event)
    cal.add_missing_timezones()
    return cal.to_ical()
