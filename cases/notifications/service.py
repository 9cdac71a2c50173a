"""Notifications: written in the transaction of the case event they tell of (``on_case_event``, subscribed at start by
agency.wiring), listed and counted for their one reader, marked read; each user's email preferences per kind; and the
worker's digest job (``digest_job``): inside working hours, one email per user and period listing what they have not been
emailed yet, each notification marked with that email in the transaction that queues it, so none is ever emailed twice."""
from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from agency import i18n
from agency.accounts import FormErrors
from agency.auth import CurrentUser
from agency.db import atomic, fetch_records, utcnow
from agency.mail import queue_email
from agency.settings import Settings, get_settings
from agency.tables import User
from cases.notifications import rules
from cases.tables import Notification, NotificationDigest, NotificationPreference

log = logging.getLogger("agency.notifications")

LIST_LIMIT = 100  # the newest a page or the API shows
DIGEST_SCAN = 5000  # pending notifications the digest job reads in a round (the oldest first)
DIGEST_ITEMS = 50  # lines one email lists at most (the rest: "and n more", all of them marked)

# The case event the subscriber was called for (the latest of its kind on the case, in this transaction), with the case's
# people and every active user who might be told: the case's organisation's creditor users, its negotiator and lawyer, and
# the admins when the kind concerns them. One query per event (a bank statement publishes thousands in one transaction).
CANDIDATES_SQL = (
    'SELECT e.id AS event, e.actor, e.visible_to_creditor, e.summary, c.organisation, c.negotiator, c.lawyer, c.reference, c.currency, '
    "u.id AS user_id, u.role, u.organisation AS user_organisation "
    'FROM case_events e JOIN collection_cases c ON c.id = e."case" '
    "JOIN users u ON u.active = {} AND ((u.role = {} AND u.organisation = c.organisation) OR u.id = c.negotiator OR u.id = c.lawyer "
    "OR (u.role = {} AND {})) "
    'WHERE e.id = (SELECT id FROM case_events WHERE "case" = {} AND kind = {} ORDER BY id DESC LIMIT 1) ORDER BY u.id')
# The same for many cases' latest events of one kind (on_case_events): their rows by case, then user.
MANY_CANDIDATES_SQL = CANDIDATES_SQL.split("WHERE e.id = ")[0].replace("SELECT e.id AS event,", 'SELECT e."case" AS case_id, e.id AS event,') + (
    'WHERE e.id IN (SELECT MAX(id) FROM case_events WHERE "case" IN (CASES) AND kind = {} GROUP BY "case") ORDER BY e."case", u.id')
INSERT_SQL = 'INSERT INTO notifications ("user", kind, "case", event, params, created_at, emailed_at) VALUES '
INSERT_ROW = "({}, {}, {}, {}, {}, {}, {})"


async def on_case_event(case_id: int, kind: str, payload: dict[str, Any]) -> None:
    """A subscriber of the case events users are told of: one notification per user told, in the event's transaction (so an
    event undone tells nobody)."""
    notification_kind = rules.notification_kind(kind)
    if notification_kind is None:
        return
    rows = await fetch_records(CANDIDATES_SQL, True, rules.CREDITOR, rules.ADMIN, rules.ADMIN in rules.AUDIENCE[notification_kind], case_id, kind)
    values = _told(notification_kind, kind, case_id, payload, rows, utcnow(), await _chosen(notification_kind, kind, rows))
    if values:  # one INSERT of a few rows (one round trip: the driver's COPY asks for the table's types first), in the event's transaction
        await fetch_records(INSERT_SQL + ", ".join([INSERT_ROW] * len(values)), *[v for row in values for v in row])


async def on_case_events(kind: str, items: list[tuple[int, dict[str, Any]]]) -> None:
    """on_case_event for many events of one kind, each the latest of its case (events.publish_many): the same notifications,
    in the same order, read and written a thousand events at a time instead of a round trip or two per event."""
    notification_kind = rules.notification_kind(kind)
    if notification_kind is None:
        return
    admins = rules.ADMIN in rules.AUDIENCE[notification_kind]
    now = utcnow()
    for start in range(0, len(items), 1000):
        chunk = items[start:start + 1000]
        by_case: dict[int, list] = {}
        for r in await fetch_records(MANY_CANDIDATES_SQL.replace("CASES", ", ".join(["{}"] * len(chunk))), True, rules.CREDITOR, rules.ADMIN, admins,
                                     *[case_id for case_id, _p in chunk], kind):
            by_case.setdefault(r["case_id"], []).append(r)
        chosen = await _chosen(notification_kind, kind, [r for rows in by_case.values() for r in rows])
        values = [row for case_id, payload in chunk for row in _told(notification_kind, kind, case_id, payload, by_case.get(case_id, []), now, chosen)]
        for at in range(0, len(values), 4000):  # (7 arguments a row: asyncpg takes at most 32,767 a statement)
            part = values[at:at + 4000]
            await fetch_records(INSERT_SQL + ", ".join([INSERT_ROW] * len(part)), *[v for row in part for v in row])


def _told(notification_kind: str, kind: str, case_id: int, payload: dict[str, Any], rows: list, now,
          chosen: Mapping[int, Mapping[str, str]]) -> list[tuple]:
    """The notification rows of one event (its candidates' rows, as CANDIDATES_SQL reads them): one per user told;
    ``chosen``: the creditors' choices for a kind their service emails (``_chosen``)."""
    if not rows:
        return []
    first = rows[0]
    case = rules.CaseFacts(first["organisation"], first["negotiator"], first["lawyer"])
    people = [rules.Person(r["user_id"], r["role"], r["user_organisation"]) for r in rows]
    told = rules.recipients(notification_kind, case, people, bool(first["visible_to_creditor"]), first["actor"])
    if not told:
        return []
    # what was written (a conversation's message) is the event's summary where the payload does not carry it
    params = json.dumps(rules.params(notification_kind, kind, {"body": first["summary"], **payload}, first["reference"], first["currency"] or "EUR"),
                        ensure_ascii=False, default=str)
    roles = {p.id: p.role for p in people}
    return [(user_id, notification_kind, case_id, first["event"], params, now,
             now if rules.emailed_already(kind, roles[user_id], rules.mode_of(notification_kind, chosen.get(user_id, {}), roles[user_id])) else None)
            for user_id in told]


async def _chosen(notification_kind: str, kind: str, rows: list) -> dict[int, dict[str, str]]:
    """The choices of the creditors among the candidates for a kind their own service emails at once (cases.claims'
    notify_creditors asks the same): whether the move emailed them decides whether the notification is born emailed."""
    if kind not in rules.EMAILED_TO_CREDITORS:
        return {}
    creditors = sorted({r["user_id"] for r in rows if r["role"] == rules.CREDITOR})
    if not creditors:
        return {}
    return {p["user"]: {notification_kind: p["mode"]} for p in await NotificationPreference.select(
        NotificationPreference.user, NotificationPreference.mode).where(
        NotificationPreference.user.is_in(creditors) & (NotificationPreference.kind == notification_kind))}


async def on_anonymised(case_id: int, kind: str, payload: dict[str, Any]) -> None:
    """The case's debtor was anonymised (cases.privacy): the excerpts of the case conversation the notifications kept go too
    (the kind, the case and when stay)."""
    if kind != "anonymised":
        return
    for r in await Notification.select(Notification.id, Notification.params).where(
            (Notification.case == case_id) & Notification.kind.is_in(sorted(rules.FREE_TEXT_KINDS))):
        kept = _params(r["params"])
        if kept.get("excerpt"):
            await Notification.update({Notification.params: json.dumps({**kept, "excerpt": ""}, ensure_ascii=False)}).where(Notification.id == r["id"])


# --- reading -----------------------------------------------------------------------------------------------------

def _params(raw: Any) -> dict:
    if isinstance(raw, dict):
        return raw
    try:
        value = json.loads(raw or "{}")
    except (TypeError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def _as_datetime(value: Any) -> datetime:
    return datetime.fromisoformat(value) if isinstance(value, str) else value


def item(row: Mapping[str, Any]) -> dict:
    """A notification as its reader sees it: the text in the current language."""
    return {"id": row["id"], "kind": row["kind"], "case_id": row["case"], "text": rules.text(row["kind"], _params(row["params"])),
            "created_at": _as_datetime(row["created_at"]), "read": row["read_at"] is not None}


async def notifications(user: CurrentUser, limit: int = LIST_LIMIT, unread_only: bool = False) -> list[dict]:
    """The caller's own notifications, newest first (only ever their own: the rows name their reader)."""
    query = Notification.select(Notification.id, Notification.kind, Notification.case, Notification.params, Notification.created_at,
                                Notification.read_at).where(Notification.user == user.id)
    if unread_only:
        query = query.where(Notification.read_at.is_null())
    return [item(r) for r in await query.order_by(Notification.id, ascending=False).limit(limit)]


UNREAD_SQL = 'SELECT COUNT(*) AS n FROM notifications WHERE "user" = {} AND read_at IS NULL'
UNREAD_CAPPED_SQL = 'SELECT COUNT(*) AS n FROM (SELECT 1 FROM notifications WHERE "user" = {} AND read_at IS NULL LIMIT {}) AS unread'
BELL_CAP = 100  # the bell counts this far at most ("99+"): a reader who never reads costs every page no more


async def unread_count(user: CurrentUser, cap: int | None = None) -> int:
    """How many of the caller's notifications are unread: one indexed count (notifications_unread), stopping at ``cap``."""
    if not user.id:
        return 0
    rows = await (fetch_records(UNREAD_SQL, user.id) if cap is None else fetch_records(UNREAD_CAPPED_SQL, user.id, cap))
    return int(rows[0]["n"] or 0)


MAX_IDS = 1000  # ids one request marks read at most


def parse_ids(raw: Any) -> list[int] | None:
    """The ids of a request to mark read: a list of at most MAX_IDS whole positive numbers (None: not one)."""
    if not isinstance(raw, list) or len(raw) > MAX_IDS or not all(
            isinstance(x, int) and not isinstance(x, bool) and 0 < x < 2 ** 63 for x in raw):
        return None
    return sorted(set(raw))


async def mark_read(user: CurrentUser, ids: list[int] | None) -> int:
    """Mark the caller's notifications read (``ids``; None: all of them); how many changed. Another user's ids change nothing."""
    where = (Notification.user == user.id) & Notification.read_at.is_null()
    if ids is not None:
        if not ids:
            return 0
        where &= Notification.id.is_in(ids)
    async with atomic():
        changed = await Notification.update({Notification.read_at: utcnow()}).where(where).returning(Notification.id)
    return len(changed)


# --- preferences -------------------------------------------------------------------------------------------------

async def preferences(user: CurrentUser) -> dict[str, str]:
    """The caller's mode per kind (their choice, else the default), in the order of rules.KINDS."""
    chosen = {r["kind"]: r["mode"] for r in await NotificationPreference.select(NotificationPreference.kind, NotificationPreference.mode).where(
        NotificationPreference.user == user.id)}
    return {kind: rules.mode_of(kind, chosen, user.role) for kind in rules.KINDS}


async def set_preferences(user: CurrentUser, raw: Any) -> dict[str, str]:
    """Save the caller's choices (kind -> immediately | daily | never; kinds not named stay as they are). Refused with what to
    fix per kind, nothing written."""
    if not isinstance(raw, dict) or not raw:
        raise FormErrors({"preferences": i18n.gettext("Name a kind of notification and how to be emailed of it: immediately, daily or never.")})
    problems = rules.preference_problems(raw)
    if problems:
        raise FormErrors(problems)
    async with atomic():
        await NotificationPreference.delete().where((NotificationPreference.user == user.id) & NotificationPreference.kind.is_in(list(raw)))
        await NotificationPreference.insert(*[NotificationPreference(user=user.id, kind=kind, mode=mode) for kind, mode in raw.items()])
    return await preferences(user)


# --- the digest --------------------------------------------------------------------------------------------------

class Taken(Exception):
    """Another worker emailed this period or these notifications meanwhile: undo this attempt."""


DIGEST_SQL = ('INSERT INTO notification_digests ("user", period, email, items, created_at) VALUES ({}, {}, NULL, {}, {}) '
              'ON CONFLICT ("user", period) DO NOTHING RETURNING id')


async def _send_one(user: dict, ids: tuple[int, ...], period: str, now: datetime, base_url: str) -> int:
    """One user's email: the notifications claimed (only those still unemailed), the period taken (once), the mail queued
    and both marked with it, all in one transaction; 0 when another worker was first."""
    try:
        async with atomic():
            claimed = await Notification.update({Notification.emailed_at: now}).where(
                Notification.id.is_in(list(ids)) & Notification.emailed_at.is_null()).returning(
                Notification.id, Notification.kind, Notification.case, Notification.params, Notification.created_at, Notification.read_at)
            if not claimed:
                raise Taken
            digest = await fetch_records(DIGEST_SQL, user["id"], period, len(claimed), now)
            if not digest:
                raise Taken
            previous = i18n.get_language()
            i18n.set_language(user["language"])
            try:
                lines = [{"text": item(r)["text"], "url": f"{base_url}/cases/{r['case']}" if r["case"] else ""}
                         for r in sorted(claimed, key=lambda r: r["id"])]
            finally:
                i18n.set_language(previous)
            email = await queue_email(user["email"], "notifications_digest", kind="notifications", language=user["language"], name=user["name"],
                                      items=lines[:DIGEST_ITEMS], more=max(0, len(lines) - DIGEST_ITEMS), daily=period.startswith("daily:"),
                                      base_url=base_url)
            await Notification.update({Notification.email: email}).where(Notification.id.is_in([r["id"] for r in claimed]))
            await NotificationDigest.update({NotificationDigest.email: email}).where(NotificationDigest.id == digest[0]["id"])
    except Taken:
        return 0
    return 1


async def digest_job(settings: Settings | None = None, now: datetime | None = None, hours: rules.WorkingHours = rules.WORKING_HOURS) -> int:
    """The worker's job: inside working hours, each user's notifications that are due go out in one email (immediately: at
    the next round; daily: once a day, of what came before the day began); what they chose never for, or read first, is set
    aside without one. Idempotent: running it twice, or in two workers, emails nothing twice. How many emails were queued."""
    now = now or utcnow()
    if not hours.inside(now):
        return 0
    base_url = (settings or get_settings()).base_url
    sent, after = 0, 0
    while True:  # every pending row each round, a chunk at a time (daily ones waiting must not hold back the immediate)
        rows = await Notification.select(Notification.id, Notification.user, Notification.kind, Notification.created_at,
                                         Notification.read_at).where(Notification.emailed_at.is_null() & (Notification.id > after)).order_by(
            Notification.id).limit(DIGEST_SCAN)
        if not rows:
            break
        sent += await _digest_chunk(rows, now, hours, base_url)
        if len(rows) < DIGEST_SCAN:
            break
        after = rows[-1]["id"]
    if sent:
        log.info("notification emails queued: %s", sent)
    return sent


async def _digest_chunk(rows: list[dict], now: datetime, hours: rules.WorkingHours, base_url: str) -> int:
    """One chunk of pending notifications: each of their users' digests. (A user whose rows run into the next chunk is sent
    those separately: immediate ones at once, daily ones in the next day's summary.)"""
    by_user: dict[int, list[rules.Pending]] = {}
    for r in rows:
        by_user.setdefault(r["user"], []).append(rules.Pending(r["id"], r["kind"], _as_datetime(r["created_at"]), r["read_at"] is not None))
    users = {u["id"]: u for u in await User.select(User.id, User.email, User.name, User.language, User.active, User.role).where(User.id.is_in(list(by_user)))}
    chosen: dict[int, dict[str, str]] = {}
    for p in await NotificationPreference.select(NotificationPreference.user, NotificationPreference.kind, NotificationPreference.mode).where(
            NotificationPreference.user.is_in(list(by_user))):
        chosen.setdefault(p["user"], {})[p["kind"]] = p["mode"]
    today = f"daily:{hours.local(now).date().isoformat()}"
    had_daily = {d["user"] for d in await NotificationDigest.select(NotificationDigest.user).where(
        NotificationDigest.user.is_in(list(by_user)) & (NotificationDigest.period == today))}
    sent = 0
    for user_id, pending in by_user.items():
        user = users.get(user_id)
        if user is None or not user["active"]:  # a user who left is emailed nothing; the rows stay readable
            settle = tuple(n.id for n in pending)
            plan = rules.Digest((), settle, "")
        else:
            plan = rules.digest(pending, chosen.get(user_id, {}), rules.daily_day(today) if user_id in had_daily else None, now, hours,
                                user["role"])
        if plan.settle:
            await Notification.update({Notification.emailed_at: now}).where(Notification.id.is_in(list(plan.settle)) & Notification.emailed_at.is_null())
        if plan.send:
            sent += await _send_one(user, plan.send, plan.period, now, base_url)
    return sent
