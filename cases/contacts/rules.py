"""The contact log (pure): what a logged contact must be. Every call, email, message or letter is
kept as proof; certified channels (burofax) are marked, since a certified demand interrupts the
limitation period (Código Civil art. 1973, see LEGAL.md)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import phonenumbers

from agency.i18n import lazy_gettext as _l

CHANNELS = ("call", "email", "whatsapp", "sms", "letter", "burofax", "visit", "note")
CERTIFIED = frozenset({"burofax"})
PHONE_CHANNELS = frozenset({"call", "whatsapp", "sms"})
NEXT_ACTION_HORIZON_DAYS = 731  # a case left further off than two years drops out of the queue: a typo, most likely
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")  # as intake checks a debtor's address
DIRECTIONS = ("outbound", "inbound")
OUTCOMES = ("reached", "no_answer", "wrong_number", "promise_to_pay", "dispute", "refusal", "asks_for_plan", "sent")
MAX_BODY = 10_000


def promise_fields_problem(outcome: str, promised_on: str, amount: str, required: bool) -> tuple[str, object] | None:
    """Whether a contact's promise fields fit its outcome: (field, reason) when not. A promise goes with the
    outcome "promise to pay", with both its date and its amount or neither; ``required`` (the case page)
    asks for them with that outcome, while the API may record the promise on its own (/promises).
    Worked examples: ("reached", "2026-12-15", "100") -> the outcome is wrong; ("promise_to_pay", "", "100")
    -> the date is missing; ("promise_to_pay", "", "") -> fine through the API, refused on the page."""
    is_promise = outcome.strip().lower() == "promise_to_pay"
    promised_on, amount = promised_on.strip(), amount.strip()
    if (promised_on or amount) and not is_promise:
        return "outcome", _l("A promised date and amount go with the outcome 'Promise to pay'.")
    if is_promise and bool(promised_on) != bool(amount):
        return ("promised_on" if not promised_on else "promise_amount"), _l("Give both the date and the amount promised.")
    if is_promise and required and not promised_on:
        return "promised_on", _l("Give the date and the amount promised: they are recorded with the contact.")
    return None


@dataclass(frozen=True)
class ActivityInput:
    kind: str
    direction: str = "outbound"
    outcome: str = ""
    body: str = ""
    contact: str = ""  # the phone, email or address used
    next_action_on: object = ""


@dataclass(frozen=True)
class Activity:
    kind: str
    direction: str
    outcome: str | None
    body: str
    contact: str
    next_action_on: date | None
    certified: bool


class ActivityErrors(ValueError):
    def __init__(self, errors: dict[str, object]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def normalise_phone(raw: str, country: str = "ES") -> str:
    """E.164 (+34600000000), or ValueError when it is not a possible number."""
    try:
        number = phonenumbers.parse(raw, country)
    except phonenumbers.NumberParseException:
        raise ValueError(raw) from None
    if not phonenumbers.is_valid_number(number):
        raise ValueError(raw)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def validate_activity(a: ActivityInput, today: date, country: str = "ES") -> Activity:
    errors: dict[str, object] = {}
    kind = a.kind.strip().lower()
    if kind not in CHANNELS:
        errors["kind"] = _l("Choose the channel: call, email, WhatsApp, SMS, letter, burofax, visit or note.")
    direction = a.direction.strip().lower() or "outbound"
    if direction not in DIRECTIONS:
        errors["direction"] = _l("The direction is outbound or inbound.")
    outcome = a.outcome.strip().lower() or None
    if outcome is not None and outcome not in OUTCOMES:
        errors["outcome"] = _l("Unknown outcome.")
    body = a.body.strip()
    if kind != "note" and not body and outcome is None:
        errors["body"] = _l("Write what was said, or choose an outcome.")
    if kind == "note" and not body:
        errors["body"] = _l("Write the note.")
    if len(body) > MAX_BODY:
        errors["body"] = _l("The text is too long (10,000 characters at most).")
    contact = a.contact.strip()
    if contact and kind in PHONE_CHANNELS:
        try:
            contact = normalise_phone(contact, country)
        except ValueError:
            errors["contact"] = _l("This phone number is not valid: write it with its prefix, e.g. +34 600 000 000.")
    elif contact and kind == "email" and not _EMAIL.match(contact):
        errors["contact"] = _l("This email address is not valid: it looks like name@example.com.")
    next_on = None
    if isinstance(a.next_action_on, datetime):
        next_on = a.next_action_on.date()
    elif isinstance(a.next_action_on, date):
        next_on = a.next_action_on
    elif str(a.next_action_on or "").strip():
        try:
            next_on = date.fromisoformat(str(a.next_action_on).strip())
        except ValueError:
            errors["next_action_on"] = _l("Enter the next action date as YYYY-MM-DD.")
    if next_on is not None and next_on < today:
        errors["next_action_on"] = _l("The next action cannot be in the past.")
    elif next_on is not None and next_on > today + timedelta(days=NEXT_ACTION_HORIZON_DAYS):
        errors["next_action_on"] = _l("The next action is more than two years away: check the date.")
    if errors:
        raise ActivityErrors(errors)
    return Activity(kind, direction, outcome, body, contact, next_on, kind in CERTIFIED)
