"""The debtor's door (pure): links and sessions, proof of identity, what a debtor may pay online.

A link is a random token (256 bits) of which only the SHA-256 is stored: it carries no personal data and cannot be
guessed or read back from the database. Opening it shows nothing personal until the debtor proves who they are with
the tax id on file, or, for a person without one, the postal code of the address on file; five wrong answers for a
case (through any of its links) or thirty from one address within 15 minutes lock it until fewer remain in the last
15 minutes, and fifteen in a day until fewer remain in the last day (every try is kept). A proven visit opens a session of 30 minutes scoped to that one case."""
from __future__ import annotations

import hashlib
import hmac
import io
import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation

import segno

from agency.i18n import format_day, format_money
from agency.i18n import gettext as _
from cases.negotiation.rules import due_dates
from legal.rules.calendar import is_holiday
from legal.rules.limitation import ACKNOWLEDGEMENT_ARTICLES

LINK_DAYS = 90  # a link is valid this long (DESIGN.md)
SESSION_MINUTES = 30
WINDOW = timedelta(minutes=15)
MAX_WRONG_PER_CASE = 5  # wrong answers through any of a case's links (every message makes a new one)
MAX_WRONG_PER_ADDRESS = 30  # from one address, whatever the link (a guard against trying many links)
DAY = timedelta(days=1)
MAX_WRONG_PER_CASE_A_DAY = 15  # and no more than this in a day: a postal code cannot be worked through
MIN_ONLINE_PAYMENT = Decimal("1.00")
LANGUAGES = ("es", "en", "fr", "pt")  # the languages everything a debtor reads is written in


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def link_expires_on(today: date, days: int = LINK_DAYS) -> date:
    return today + timedelta(days=days)


def _normalise(value: str) -> str:
    """A tax id or postal code as typed: letters upper-cased, spaces, dots, dashes and a country prefix ignored."""
    compact = re.sub(r"[\s.\-/]", "", value or "").upper()
    return compact[2:] if len(compact) > 9 and compact[:2] in {"ES", "FR", "PT"} and compact[2:3].isalnum() else compact


def verifier_on_file(tax_id: str | None, postal_code: str | None) -> tuple[str, str]:
    """What the debtor must type ("tax_id" or "postal_code") and its normalised value; ("", "") when the case has
    neither (the link cannot be opened: staff must complete the debtor's data)."""
    if _normalise(tax_id or ""):
        return "tax_id", _normalise(tax_id or "")
    if _normalise(postal_code or ""):
        return "postal_code", _normalise(postal_code or "")
    return "", ""


def verifier_matches(typed: str, on_file: str) -> bool:
    """Constant-time comparison of what was typed with what is on file (both normalised)."""
    return bool(on_file) and hmac.compare_digest(_normalise(typed).encode(), on_file.encode())


def locked_for(wrong_at: list[datetime], now: datetime, limit: int = MAX_WRONG_PER_CASE, window: timedelta = WINDOW) -> timedelta | None:
    """How long the tries stay locked after wrong answers: while ``limit`` of them fall within the last ``window``,
    until the oldest of those leaves it; None when not locked."""
    recent = sorted((at for at in wrong_at if now - at < window), reverse=True)
    if len(recent) < limit:
        return None
    remaining = recent[limit - 1] + window - now
    return remaining if remaining > timedelta(0) else None


class AmountError(ValueError):
    pass


def online_amount(raw: object, outstanding: Decimal) -> Decimal:
    """An amount a debtor asks to pay online: a decimal of at most two places, from 1.00 up to what is outstanding.
    AmountError (with the reason) otherwise."""
    text = str(raw if raw is not None else "").strip().replace(",", ".")
    if not re.fullmatch(r"\d{1,9}(\.\d{1,2})?", text):
        raise AmountError("format")
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise AmountError("format") from None
    if amount < MIN_ONLINE_PAYMENT:
        raise AmountError("minimum")
    if amount > outstanding:
        raise AmountError("maximum")
    return amount


CALLBACK_SLOTS = {"morning": time(10, 0), "afternoon": time(16, 0)}  # when a call-back falls due (Madrid time)
CALLBACK_DAYS = 30  # how far ahead a debtor may ask to be called
MAX_REASON = 1000


class RequestError(ValueError):
    """What a debtor asked is not possible; ``field`` names what to fix."""

    def __init__(self, field: str, reason: str, **values: str):
        super().__init__(reason)
        self.field, self.values = field, values


def callback_day(raw: str, today: date, country: str = "ES") -> date:
    """The day a debtor asks to be called: from today to 30 days ahead, not a Sunday nor a national holiday of the
    agency's country (nobody is at the phones)."""
    try:
        day = date.fromisoformat(str(raw)[:10])
    except ValueError:
        raise RequestError("on", "format") from None
    if not today <= day <= today + timedelta(days=CALLBACK_DAYS):
        raise RequestError("on", "range")
    if day.weekday() == 6 or is_holiday(day, country):
        raise RequestError("on", "closed")
    return day


def dispute_reason(raw: str) -> str:
    reason = " ".join(str(raw or "").split())
    if len(reason) < 5:
        raise RequestError("reason", "short")
    return reason[:MAX_REASON]


# --- plans a debtor may choose (the creditor's rules, with the agency's default) ------------------------------------

@dataclass(frozen=True)
class Bracket:
    """Debts up to ``up_to_cents`` (inclusive; None: any larger one) may be paid in up to ``max_instalments``, the
    first at least ``min_first_percent`` of the debt."""
    up_to_cents: int | None
    max_instalments: int
    min_first_percent: int = 0


# Axactor Spain's published brackets (LEGAL.md "What the anchors teach"): under 200 EUR in one payment; 200-1,000
# EUR up to 4 instalments; over 1,000 EUR at least 10 % first and up to 12.
DEFAULT_BRACKETS = (Bracket(199_99, 1), Bracket(1000_00, 4), Bracket(None, 12, 10))
FIRST_DUE_DAYS = 30  # the first instalment at most this many days from the day the debtor chooses the plan


def bracket_for(outstanding_cents: int, brackets: tuple[Bracket, ...] = DEFAULT_BRACKETS) -> Bracket:
    for bracket in sorted(brackets, key=lambda b: float("inf") if b.up_to_cents is None else b.up_to_cents):
        if bracket.up_to_cents is None or outstanding_cents <= bracket.up_to_cents:
            return bracket
    return Bracket(None, 1)  # rules without an open top: above them, one payment


MAX_PLAN_INSTALMENTS = 60


def check_brackets(raw: object, first_due_days: object) -> tuple[tuple[Bracket, ...], int]:
    """A creditor's plan rules as sent (a list of {up_to, max_instalments, min_first_percent}, amounts in euros, the last
    ``up_to`` null for "any larger debt"; the days to the first payment): the brackets, or RequestError naming what to
    fix ("brackets", "first_due_days")."""
    if not isinstance(raw, list) or not 1 <= len(raw) <= 10:
        raise RequestError("brackets", "list")
    brackets, last = [], -1
    for n, item in enumerate(raw):
        if not isinstance(item, dict):
            raise RequestError("brackets", "list")
        up_to, count, percent = item.get("up_to"), item.get("max_instalments"), item.get("min_first_percent", 0)
        try:
            cents = None if up_to in (None, "") else int(Decimal(str(up_to)) * 100)
        except (InvalidOperation, ValueError):
            raise RequestError("brackets", "amount", n=str(n + 1)) from None
        if cents is not None and (cents <= last or cents > 10**12) or cents is None and n != len(raw) - 1:
            raise RequestError("brackets", "order", n=str(n + 1))
        if not isinstance(count, int) or isinstance(count, bool) or not 1 <= count <= MAX_PLAN_INSTALMENTS:
            raise RequestError("brackets", "instalments", n=str(n + 1), max=str(MAX_PLAN_INSTALMENTS))
        if not isinstance(percent, int) or isinstance(percent, bool) or not 0 <= percent <= 100:
            raise RequestError("brackets", "percent", n=str(n + 1))
        brackets.append(Bracket(cents, count, percent))
        last = cents if cents is not None else last
    if not isinstance(first_due_days, int) or isinstance(first_due_days, bool) or not 1 <= first_due_days <= 90:
        raise RequestError("first_due_days", "range")
    return tuple(brackets), first_due_days


def min_first_cents(outstanding_cents: int, bracket: Bracket) -> int:
    return -(-outstanding_cents * bracket.min_first_percent // 100)  # rounded up: at least the percentage


def plan_options(outstanding_cents: int, today: date, brackets: tuple[Bracket, ...] = DEFAULT_BRACKETS,
                 first_due_days: int = FIRST_DUE_DAYS) -> list[dict]:
    """DESIGN.md's ``plan_options``: what the debtor may choose for what they owe today."""
    if outstanding_cents <= 0:
        return []
    bracket = bracket_for(outstanding_cents, brackets)
    return [{"instalments": bracket.max_instalments, "max_first_due_on": today + timedelta(days=first_due_days),
             "min_first_cents": min_first_cents(outstanding_cents, bracket)}]


def debtor_plan(outstanding_cents: int, count: int, first_due_on: date, today: date, brackets: tuple[Bracket, ...] = DEFAULT_BRACKETS,
                first_due_days: int = FIRST_DUE_DAYS) -> list[tuple[int, date, int]]:
    """The instalments (number, due date, cents) of the plan a debtor chose, monthly from ``first_due_on``: the first
    at least the bracket's minimum, the rest equal, the cents left on the last, adding up to the debt. RequestError
    naming the rule broken ("instalments", "first_due_on")."""
    bracket = bracket_for(outstanding_cents, brackets)
    if not 1 <= count <= bracket.max_instalments:
        raise RequestError("instalments", "bracket", max=str(bracket.max_instalments))
    if not today <= first_due_on <= today + timedelta(days=first_due_days):
        raise RequestError("first_due_on", "range", last=(today + timedelta(days=first_due_days)).isoformat())
    if count == 1:
        return [(1, first_due_on, outstanding_cents)]
    first = max(min_first_cents(outstanding_cents, bracket), outstanding_cents // count)
    rest = outstanding_cents - first
    base = rest // (count - 1)
    amounts = [first] + [base] * (count - 2) + [rest - base * (count - 2)]
    return [(n + 1, d, a) for n, (d, a) in enumerate(zip(due_dates(first_due_on, count, "monthly"), amounts))]


def acknowledgement_text(*, debtor: str, consumer: bool, creditor: str, creditor_tax_id: str, agency: str, reference: str,
                         invoices: list[str], outstanding: Decimal, instalments: list[tuple[int, date, int]], method: str, day: date,
                         currency: str = "EUR", jurisdiction: str = "ES") -> str:
    """What the debtor reads and accepts on their page, in their language (LEGAL.md "Debt acknowledgement"): who
    acknowledges owing what to whom, for which invoices, the plan, what happens to interest (the plan fixes the
    amount), that it interrupts limitation, and, for a consumer, that no right is waived. Its SHA-256 is kept with
    the acceptance: the text is the signature's object."""
    lines = [
        _("Acknowledgement of debt and payment plan (reference %(reference)s)") % {"reference": reference},
        _("I, %(debtor)s, acknowledge that on %(day)s I owe %(creditor)s (tax id %(tax_id)s) %(amount)s for the invoices %(invoices)s, "
          "collected on its behalf by %(agency)s.") % {
            "debtor": debtor, "day": format_day(day), "creditor": creditor, "tax_id": creditor_tax_id, "amount": format_money(outstanding, currency),
            "invoices": ", ".join(invoices), "agency": agency},
        _("I will pay it in %(n)s monthly instalments:") % {"n": len(instalments)},
        *["  " + _("%(n)s. %(day)s: %(amount)s") % {"n": n, "day": format_day(due), "amount": format_money(Decimal(cents) / 100, currency)}
          for n, due, cents in instalments],
        {"transfer": _("By bank transfer quoting the reference %(reference)s."),
         "card": _("By card, with the payment link sent for each instalment."),
         "sepa_direct_debit": _("By SEPA direct debit from the account I give below, under the mandate I sign with this acceptance.")}[method]
        % {"reference": reference},
        _("While I pay each instalment on time no more interest accrues; from the first instalment I miss, interest runs again on what "
          "is left and the creditor may claim all of it. Paying every instalment settles the debt."),
        _("This acknowledgement interrupts the limitation period of the creditor's claim (%(article)s).") % {
            "article": ACKNOWLEDGEMENT_ARTICLES.get(jurisdiction, ACKNOWLEDGEMENT_ARTICLES["ES"])},
    ]
    if consumer:
        lines.append(_("This acknowledgement does not waive any right the law gives me as a consumer."))
    return "\n".join(lines) + "\n"


def qr_svg(url: str) -> str:
    """The link as a QR code (an inline SVG) a debtor can scan from a letter or a screen."""
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="svg", scale=4, xmldecl=False, svgclass="qr", title="QR")
    return buffer.getvalue().decode()


def qr_png(url: str) -> bytes:
    """The link as a QR code in PNG, for letters and generated documents (docxtpl inserts it as an image)."""
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="png", scale=8, border=2)
    return buffer.getvalue()


def order_number(payment_id: int, salt: str) -> str:
    """Redsys's Ds_Merchant_Order for an online payment: 12 characters, the first four digits (Redsys's rule),
    unique per payment: the payment's id, zero-padded to 8 digits, and four characters of a per-installation salt, so
    that two installations sharing a test terminal almost never reuse an order (1 in 65,536)."""
    return f"{payment_id:08d}"[-8:] + salt[:4].upper()
