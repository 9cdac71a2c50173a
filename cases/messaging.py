"""Messages to debtors (pure): templates with merge fields, their checks, rendering, WhatsApp
links, and the contact window for automatic messages."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from urllib.parse import quote
from zoneinfo import ZoneInfo

from jinja2 import StrictUndefined, TemplateSyntaxError, meta
from jinja2.sandbox import SandboxedEnvironment

from agency.i18n import lazy_gettext as _l
from legal.calendar import is_holiday

CHANNELS = ("email", "letter", "whatsapp", "sms", "script")
MERGE_FIELDS = {
    "debtor_name": _l("the debtor's name"),
    "creditor_name": _l("the creditor's legal name"),
    "reference": _l("the case reference (EXP-...)"),
    "invoices_table": _l("a table of the invoices owed: number, date due, amount"),
    "principal": _l("principal still owed"),
    "paid": _l("paid so far"),
    "outstanding": _l("what is owed now"),
    "oldest_due_date": _l("the due date of the oldest invoice"),
    "agency_name": _l("the agency's name"),
    "payment_iban": _l("the agency's IBAN for payments"),
    "payment_concept": _l("what to write as the transfer's concept"),
    "promise_amount": _l("the promised amount"),
    "promise_date": _l("the promised date"),
    "instalment_amount": _l("the next instalment's amount"),
    "instalment_date": _l("the next instalment's date"),
    "instalment_number": _l("the next instalment's number"),
    "instalment_count": _l("how many instalments the plan has"),
    "last_payment_amount": _l("the last payment received"),
    "settlement_amount": _l("the amount offered to settle"),
    "today": _l("today's date"),
}

_env = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False, trim_blocks=True, lstrip_blocks=True)


class TemplateProblem(ValueError):
    def __init__(self, field: str, message: object):
        super().__init__(str(message))
        self.field, self.message = field, message


def check_template(subject: str, body: str) -> None:
    """Refuse a template that would not render: bad syntax, or a merge field that does not exist."""
    for field, text in (("subject", subject), ("body", body)):
        try:
            parsed = _env.parse(text)
        except TemplateSyntaxError as exc:
            raise TemplateProblem(field, _l("Line %(line)s: %(error)s", line=exc.lineno, error=exc.message)) from None
        unknown = sorted(meta.find_undeclared_variables(parsed) - set(MERGE_FIELDS))
        if unknown:
            raise TemplateProblem(field, _l("Unknown merge field: %(names)s. Use only the fields listed.", names=", ".join(unknown)))
    if not body.strip():
        raise TemplateProblem("body", _l("The message is empty."))


def render(subject: str, body: str, context: dict) -> tuple[str, str]:
    return _env.from_string(subject).render(**context).strip(), _env.from_string(body).render(**context).strip() + "\n"


def whatsapp_link(phone_e164: str, text: str) -> str:
    digits = "".join(ch for ch in phone_e164 if ch.isdigit())
    return f"https://wa.me/{digits}?text={quote(text)}"


@dataclass(frozen=True)
class ContactWindow:
    """When automatic messages may go out: by default 9:00-20:00, Monday to Saturday, Madrid time,
    not on national holidays (the ANGECO code: no contact at unreasonable hours)."""

    start: time = time(9, 0)
    end: time = time(20, 0)
    weekdays: frozenset[int] = frozenset(range(6))  # Monday=0 .. Saturday=5
    timezone: str = "Europe/Madrid"
    country: str = "ES"

    def allows(self, now: datetime) -> bool:
        local = now.astimezone(ZoneInfo(self.timezone))
        return (local.weekday() in self.weekdays and self.start <= local.time() < self.end
                and not is_holiday(local.date(), self.country))


@dataclass(frozen=True)
class Step:
    id: int
    anchor: str  # due | accepted
    offset_days: int
    template_key: str


def step_due(step: Step, oldest_due: date | None, accepted_on: date | None, today: date) -> bool:
    anchor = oldest_due if step.anchor == "due" else accepted_on
    return anchor is not None and (today - anchor).days >= step.offset_days
