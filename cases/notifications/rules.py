"""Notifications (pure): which case events users are told of and who is told, the parameters a notification keeps (never a
sentence: its text is rendered in the reader's language when read), and when its email goes out (immediately, in the
daily digest, or never, per user and kind; only inside the agency's working hours). Plain Python: no tables, no I/O."""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from agency.i18n import format_money
from agency.i18n import gettext as _
from agency.i18n import lazy_gettext as _l
from cases.messages.rules import ContactWindow
from cases.stages.rules import STAGE_LABELS

# The kinds of notification, in the order the preferences page lists them, each with what it tells of.
KINDS = {
    "payment_received": _l("A payment is received"),
    "stage_changed": _l("A case changes stage"),
    "decision_waiting": _l("A decision of yours is waiting (legal action, reporting to a credit bureau)"),
    "decision_taken": _l("A creditor decided (legal action, reporting to a credit bureau)"),
    "document_available": _l("A document is available"),
    "agency_message": _l("A message from the agency"),
    "creditor_message": _l("A question from a creditor"),
    "complaint_answered": _l("A complaint is answered"),
}

# The case events (cases.events kinds) each notification comes from. ``conversation_agency`` and ``conversation_creditor``
# are the case conversation's (the agency's answer, a creditor's question).
EVENT_KINDS = {
    "payment": "payment_received",
    "stage_changed": "stage_changed",
    "legal_proposed": "decision_waiting",
    "bureau_notice": "decision_waiting",
    "legal_authorised": "decision_taken",
    "legal_declined": "decision_taken",
    "bureau_authorised": "decision_taken",
    "document": "document_available",
    "conversation_agency": "agency_message",
    "conversation_creditor": "creditor_message",
    "complaint_answered": "complaint_answered",
}

CREDITOR, NEGOTIATOR, LAWYER, ADMIN = "creditor", "negotiator", "lawyer", "admin"

# Who is told of each kind: the case's organisation's users (only of what their timeline shows), the case's negotiator and
# lawyer, the admins. A question from a creditor goes to the admins only when the case has no negotiator nor lawyer.
AUDIENCE = {
    "payment_received": {CREDITOR, NEGOTIATOR, LAWYER},
    "stage_changed": {CREDITOR, NEGOTIATOR, LAWYER},
    "decision_waiting": {CREDITOR},
    "decision_taken": {NEGOTIATOR, LAWYER, ADMIN},
    "document_available": {CREDITOR},
    "agency_message": {CREDITOR},
    "creditor_message": {NEGOTIATOR, LAWYER, ADMIN},
    "complaint_answered": {CREDITOR, NEGOTIATOR},
}
ADMINS_ONLY_WITHOUT_STAFF = {"creditor_message"}
# The events whose creditors are emailed by their own service already, at once (cases.claims.service.notify_creditors: a stage
# change from cases.stages, a legal action proposed from legal.handoff): their creditors' notifications are born emailed, so
# the digest does not tell them twice.
EMAILED_TO_CREDITORS = frozenset({"stage_changed", "legal_proposed"})


def emailed_already(event_kind: str, role: str, mode: str) -> bool:
    """Whether this reader was emailed of this event by the service that made it (then the digest leaves it out): a creditor,
    of a kind their own service emails, who wants it immediately (``mode``, see ``mode_of``). One who chose the daily summary
    finds it there; one who chose never, only in the list."""
    return role == CREDITOR and event_kind in EMAILED_TO_CREDITORS and mode == IMMEDIATELY


# The kinds whose parameters keep words someone wrote (an excerpt of the case conversation): blanked when the debtor is
# anonymised (cases.privacy).
FREE_TEXT_KINDS = frozenset({"agency_message", "creditor_message"})

IMMEDIATELY, DAILY, NEVER = "immediately", "daily", "never"
MODES = {IMMEDIATELY: _l("Immediately"), DAILY: _l("In a daily summary"), NEVER: _l("Never (only here)")}
# What a user gets until they choose: what waits for someone's answer at once, the rest in the day's summary.
DEFAULT_MODES = {kind: DAILY for kind in KINDS} | {"decision_waiting": IMMEDIATELY, "agency_message": IMMEDIATELY,
                                                   "creditor_message": IMMEDIATELY, "complaint_answered": IMMEDIATELY}
CREDITOR_DEFAULT_MODES = {"stage_changed": IMMEDIATELY}


@dataclass(frozen=True)
class Person:
    id: int
    role: str
    organisation: int | None


@dataclass(frozen=True)
class CaseFacts:
    organisation: int
    negotiator: int | None
    lawyer: int | None


def notification_kind(event_kind: str) -> str | None:
    return EVENT_KINDS.get(event_kind)


def recipients(kind: str, case: CaseFacts, people: Iterable[Person], visible_to_creditor: bool, actor: int | None) -> list[int]:
    """The users told of a notification of this kind about this case, by id, each once, never the one who did it. Creditors:
    only their own organisation's users, and only of what their timeline shows (``visible_to_creditor``)."""
    audience = AUDIENCE.get(kind, set())
    told: list[int] = []
    people = list(people)
    for p in people:
        if p.id == actor or p.id in told:
            continue
        if p.role == CREDITOR:
            if CREDITOR in audience and visible_to_creditor and p.organisation is not None and p.organisation == case.organisation:
                told.append(p.id)
        elif (NEGOTIATOR in audience and p.id == case.negotiator) or (LAWYER in audience and p.id == case.lawyer):
            told.append(p.id)
    if ADMIN in audience and not (kind in ADMINS_ONLY_WITHOUT_STAFF and (case.negotiator or case.lawyer)):
        told += [p.id for p in people if p.role == ADMIN and p.id != actor and p.id not in told]
    return told


def params(kind: str, event_kind: str, payload: Mapping[str, Any], reference: str, currency: str) -> dict[str, Any]:
    """What a notification keeps to be told again in any language: the case's reference and the event's facts."""
    out: dict[str, Any] = {"reference": reference, "event": event_kind}
    if kind == "payment_received":
        out |= {"amount": str(payload.get("amount", "")), "currency": currency or "EUR"}
    elif kind == "stage_changed":
        out |= {"from": str(payload.get("from", "") or ""), "to": str(payload.get("to", "") or "")}
    elif kind in ("agency_message", "creditor_message"):
        out |= {"excerpt": " ".join(str(payload.get("body", "") or "").split())[:140]}
    elif kind == "complaint_answered":
        out |= {"outcome": str(payload.get("outcome", "") or "")}
    return out


def _amount(value: Any, currency: str) -> str:
    try:
        return format_money(Decimal(str(value)), currency or "EUR")
    except (InvalidOperation, ValueError):
        return str(value)


def _stage(key: str) -> str:
    return str(STAGE_LABELS.get(key, key))


def text(kind: str, p: Mapping[str, Any]) -> str:
    """The notification's sentence, in the current language (agency.i18n), from its kind and parameters."""
    ref = p.get("reference", "")
    event = p.get("event", "")
    if kind == "payment_received":
        return _("Payment of %(amount)s received on case %(reference)s.") % {"amount": _amount(p.get("amount"), p.get("currency", "EUR")), "reference": ref}
    if kind == "stage_changed":
        return _("Case %(reference)s moved from %(from)s to %(to)s.") % {"reference": ref, "from": _stage(p.get("from", "")), "to": _stage(p.get("to", ""))}
    if kind == "decision_waiting":
        if event == "bureau_notice":
            return _("Case %(reference)s: the debtor was given notice; you may authorise reporting to a credit bureau.") % {"reference": ref}
        return _("Case %(reference)s: legal action is proposed and waits for your decision.") % {"reference": ref}
    if kind == "decision_taken":
        if event == "bureau_authorised":
            return _("Case %(reference)s: the creditor authorised reporting to a credit bureau.") % {"reference": ref}
        if event == "legal_declined":
            return _("Case %(reference)s: the creditor declined legal action.") % {"reference": ref}
        return _("Case %(reference)s: the creditor authorised legal action.") % {"reference": ref}
    if kind == "document_available":
        return _("A new document is available on case %(reference)s.") % {"reference": ref}
    excerpt = p.get("excerpt", "")
    if kind == "agency_message":
        if not excerpt:
            return _("The agency answered on case %(reference)s.") % {"reference": ref}
        return _("The agency answered on case %(reference)s: %(excerpt)s") % {"reference": ref, "excerpt": excerpt}
    if kind == "creditor_message":
        if not excerpt:
            return _("The creditor asked a question on case %(reference)s.") % {"reference": ref}
        return _("The creditor asked on case %(reference)s: %(excerpt)s") % {"reference": ref, "excerpt": excerpt}
    if kind == "complaint_answered":
        return _("A complaint about case %(reference)s was answered.") % {"reference": ref}
    return _("Something happened on case %(reference)s.") % {"reference": ref}


# --- preferences and the digest's schedule ---------------------------------------------------------------------

def mode_of(kind: str, chosen: Mapping[str, str], role: str | None = None) -> str:
    """How this user wants this kind emailed: their choice, else the kind's default for their role (a creditor is told of a
    stage change at once until they choose otherwise: their own service emails it as it happens)."""
    mode = chosen.get(kind)
    if mode in MODES:
        return mode
    return (CREDITOR_DEFAULT_MODES if role == CREDITOR else {}).get(kind) or DEFAULT_MODES.get(kind, DAILY)


def preference_problems(raw: Mapping[str, Any]) -> dict[str, str]:
    """What is wrong with a set of choices (kind -> mode), per kind; empty when all are known kinds and modes."""
    problems = {}
    for kind, mode in raw.items():
        if kind not in KINDS:
            problems[str(kind)] = _("Unknown kind of notification: the kinds are %(kinds)s.") % {"kinds": ", ".join(KINDS)}
        elif not isinstance(mode, str) or mode not in MODES:
            problems[kind] = _("Choose immediately, daily or never.")
    return problems


@dataclass(frozen=True)
class WorkingHours(ContactWindow):
    """When the agency's emails to its users go out: 9:00-19:00, Monday to Friday, Madrid time, not on national holidays
    (the debtors' contact window with the office's hours: cases.messages.rules.ContactWindow)."""

    end: time = time(19, 0)
    weekdays: frozenset[int] = frozenset(range(5))  # Monday=0 .. Friday=4

    def local(self, now: datetime) -> datetime:
        return now.astimezone(ZoneInfo(self.timezone))

    def inside(self, now: datetime) -> bool:
        return self.allows(now)

    def day_start(self, now: datetime) -> datetime:
        """Midnight of the local day, as an aware time (the daily summary tells of what came before it)."""
        local = self.local(now)
        return datetime.combine(local.date(), time(0), tzinfo=ZoneInfo(self.timezone))


WORKING_HOURS = WorkingHours()


@dataclass(frozen=True)
class Pending:
    """A notification not yet emailed nor set aside."""

    id: int
    kind: str
    created_at: datetime
    read: bool


@dataclass(frozen=True)
class Digest:
    """What to do with one user's pending notifications now: email ``send`` as one message for ``period``; set ``settle``
    aside without a mail (the user chose never, or read it first); the rest waits."""

    send: tuple[int, ...]
    settle: tuple[int, ...]
    period: str


def digest(pending: Iterable[Pending], chosen: Mapping[str, str], last_daily: date | None, now: datetime,
           hours: WorkingHours = WORKING_HOURS, role: str | None = None) -> Digest:
    """One user's digest at ``now``. Nothing outside working hours. Inside: what they want immediately goes out; the daily
    summary goes out once a local day (``last_daily``: the local day of the last one), telling of what came before that
    day began; what they read already or want never is set aside."""
    if not hours.inside(now):
        return Digest((), (), "")
    today = hours.local(now).date()
    daily_due = last_daily is None or last_daily < today
    midnight = hours.day_start(now)
    send: list[int] = []
    settle: list[int] = []
    daily = False
    for n in sorted(pending, key=lambda n: n.id):
        mode = mode_of(n.kind, chosen, role)
        if mode == NEVER or n.read:
            settle.append(n.id)
        elif mode == IMMEDIATELY:
            send.append(n.id)
        elif daily_due and n.created_at < midnight:
            send.append(n.id)
            daily = True
    period = "" if not send else (f"daily:{today.isoformat()}" if daily else f"now:{send[0]}")
    return Digest(tuple(send), tuple(settle), period)


def daily_day(period: str) -> date | None:
    """The local day of a daily summary's period (``daily:2026-12-07``), else None."""
    if not period.startswith("daily:"):
        return None
    try:
        return date.fromisoformat(period.removeprefix("daily:"))
    except ValueError:
        return None

