"""Messages to debtors (pure): templates with merge fields, their checks, rendering, WhatsApp
links, and the contact window for automatic messages."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from urllib.parse import quote
from zoneinfo import ZoneInfo

from jinja2 import StrictUndefined, TemplateSyntaxError, meta, nodes
from jinja2.sandbox import SandboxedEnvironment

from agency.i18n import lazy_gettext as _l
from legal.rules.calendar import is_holiday

CHANNELS = ("email", "letter", "whatsapp", "sms", "script")
MERGE_FIELDS = {
    "greeting": _l("the greeting: a person by name (“Estimado/a Ana Pérez:”), a company as a company (“Estimados señores de Construcciones Turia S.L.:”)"),
    "debtor_name": _l("the debtor's name"),
    "creditor_name": _l("the creditor's legal name"),
    "reference": _l("the case reference (EXP-...)"),
    "invoices_table": _l("a table of the invoices owed: number, date due, amount"),
    "principal": _l("principal still owed"),
    "paid": _l("paid so far"),
    "outstanding": _l("what is owed now"),
    "interest": _l("late-payment interest to date"),
    "charges": _l("recovery costs and the compensation for them owed by the debtor"),
    "oldest_due_date": _l("the due date of the oldest invoice"),
    "agency_name": _l("the agency's name"),
    "agency_phone": _l("the agency's phone number"),
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
    "portal_url": _l("a link to the debtor's own page, to see the debt and pay online (a new one, valid 90 days, in each message)"),
    "debit_amount": _l("the amount of the direct debit announced"),
    "debit_date": _l("the day the direct debit is collected"),
    "mandate_reference": _l("the direct-debit mandate's reference"),
    "creditor_identifier": _l("the agency's SEPA creditor identifier"),
}

# What each field looks like when written out (text, as merge_context gives them): used to check a template.
SAMPLE = {name: "X" for name in MERGE_FIELDS} | {
    "invoices_table": "  F-1   01/02/2026   100,00 €\n  F-2   01/03/2026   50,00 €", "outstanding": "150,00 €", "instalment_number": 1,
    "instalment_count": 3, "portal_url": "https://agency.example/p/Xy3k"}

# What a message meant for a third party (a relative, an employer) may say: who calls and whom to ask to call back, never
# the debt (LEGAL.md: never reveal the debt to a third party): no amount, creditor, reference, invoice, payment or link to it.
THIRD_PARTY_FIELDS = frozenset({"debtor_name", "agency_name", "agency_phone", "today"})

# The greeting of a message in the debtor's language: a person is greeted by name; a company is not a person, so it is
# greeted as a company (in English and French with the neutral salutation of a letter to an organisation).
GREETINGS = {
    "es": ("Estimado/a {name}:", "Estimados señores de {name}:"),
    "en": ("Dear {name},", "Dear Sir or Madam,"),
    "fr": ("Bonjour {name},", "Madame, Monsieur,"),
    "pt": ("Exmo.(a) Sr.(a) {name},", "Exmos. Senhores,"),
}
# The first lines the seeded templates opened with before ``{{ greeting }}`` (installations loaded them once and keep them):
# read as the greeting, so a company stops being greeted as a person without anyone editing the templates.
SEEDED_GREETINGS = ("Estimado/a {{ debtor_name }}:", "Dear {{ debtor_name }},", "Bonjour {{ debtor_name }},", "Exmo.(a) Sr.(a) {{ debtor_name }},")


def greeting(debtor_kind: str, name: str, language: str) -> str:
    person, company = GREETINGS.get(language, GREETINGS["es"])
    return (company if debtor_kind == "company" else person).format(name=name)


def with_greeting(body: str) -> str:
    """A body that still opens with a seeded person's greeting opens with ``{{ greeting }}`` instead."""
    for old in SEEDED_GREETINGS:
        if body.startswith(old):
            return "{{ greeting }}" + body[len(old):]
    return body


_env = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False, trim_blocks=True, lstrip_blocks=True)


class TemplateProblem(ValueError):
    def __init__(self, field: str, message: object):
        super().__init__(str(message))
        self.field, self.message = field, message


def check_template(subject: str, body: str, third_party: bool = False) -> None:
    """Refuse a template that would not render: bad syntax, or a merge field that does not exist; and one meant for a third
    party (``third_party``) that would tell them of the debt (a field outside THIRD_PARTY_FIELDS)."""
    for field, text in (("subject", subject), ("body", body)):
        try:
            parsed = _env.parse(text)
        except TemplateSyntaxError as exc:
            raise TemplateProblem(field, _l("Line %(line)s: %(error)s", line=exc.lineno, error=exc.message)) from None
        unknown = sorted(meta.find_undeclared_variables(parsed) - set(MERGE_FIELDS))
        if unknown:
            raise TemplateProblem(field, _l("Unknown merge field: %(names)s. Use only the fields listed.", names=", ".join(unknown)))
        revealing = sorted(meta.find_undeclared_variables(parsed) - THIRD_PARTY_FIELDS) if third_party else []
        if revealing:
            raise TemplateProblem(field, _l("This message is for a third party, who must never learn of the debt: remove %(names)s "
                                            "(only the debtor's name, the agency's name and phone and today's date may be used).",
                                            names=", ".join(revealing)))
    if not body.strip():
        raise TemplateProblem("body", _l("The message is empty."))
    # Written out once with sample values, as the worker will with a case's: an expression that parses
    # but cannot be computed ({{ outstanding + 1 }}: the fields are text) is refused now, not at 3 a.m.
    for field, text in (("subject", subject), ("body", body)):
        try:
            written = _env.from_string(text).render(**SAMPLE)
        except Exception as exc:  # noqa: BLE001 - whatever the expression raises, the admin is told
            raise TemplateProblem(field, _l("This cannot be written out: %(error)s", error=f"{type(exc).__name__}: {exc}")) from None
        if field == "subject" and "\n" in written.strip():
            raise TemplateProblem(field, _l("The subject must fit on one line: leave the invoices' table for the message."))


# Fields that exist only once the case has a commitment or a payment: a message that speaks of one
# the case does not have would go out with blanks ("we confirm your promise to pay  on .").
NEEDS = {"promise_amount": "promise", "promise_date": "promise", "instalment_amount": "plan", "instalment_date": "plan",
         "instalment_number": "plan", "instalment_count": "plan", "last_payment_amount": "payment", "debit_amount": "debit",
         "debit_date": "debit", "mandate_reference": "debit"}
NEED_LABELS = {"promise": _l("an open promise to pay"), "plan": _l("an instalment plan with an instalment owed"),
               "payment": _l("a payment received"), "debit": _l("a direct debit to announce (sent when a direct-debit file is written)")}


def _fields_outside_ifs(node) -> set[str]:
    """The fields a template writes out unconditionally: one inside {% if promise_amount %} is guarded."""
    if isinstance(node, nodes.If):
        return set()
    found = {node.name} if isinstance(node, nodes.Name) and node.ctx == "load" else set()
    for child in node.iter_child_nodes():
        found |= _fields_outside_ifs(child)
    return found


@lru_cache(maxsize=512)
def _fields(text: str) -> frozenset[str]:
    """Every merge field a template's text uses (parsed once per text: a day's reminders write the same few templates)."""
    return frozenset(meta.find_undeclared_variables(_env.parse(text)))


@lru_cache(maxsize=512)
def _unguarded(text: str) -> frozenset[str]:
    return frozenset(_fields_outside_ifs(_env.parse(text)))


@lru_cache(maxsize=512)
def _compiled(text: str):
    """A template's text compiled once (a compiled template renders any number of times, with any context)."""
    return _env.from_string(text)


def uses_field(name: str, subject: str, body: str) -> bool:
    """Whether a template writes out this merge field anywhere."""
    return name in _fields(subject) | _fields(body)


def needs_of(subject: str, body: str) -> set[str]:
    """The facts (promise, plan, payment) a template cannot be written without."""
    used = _unguarded(subject) | _unguarded(body)
    return {NEEDS[f] for f in used if f in NEEDS}


def missing_facts(subject: str, body: str, context: dict) -> list[str]:
    """What the case lacks for this message (promise, plan, payment), from the fields it writes out unguarded that are empty."""
    used = _unguarded(subject) | _unguarded(body)
    return sorted({NEEDS[f] for f in used if f in NEEDS and context.get(f) in ("", None)})


def render(subject: str, body: str, context: dict) -> tuple[str, str]:
    if "greeting" in context:
        body = with_greeting(body)
    return _compiled(subject).render(**context).strip(), _compiled(body).render(**context).strip() + "\n"


def whatsapp_link(phone_e164: str, text: str) -> str:
    digits = "".join(ch for ch in phone_e164 if ch.isdigit())
    return f"https://wa.me/{digits}?text={quote(text)}"


@dataclass(frozen=True)
class ContactWindow:
    """When automatic messages may go out: by default 9:00-20:00, Monday to Saturday, Madrid time,
    not on national holidays (the ANGECO code: no contact at unreasonable hours). A debtor is reached
    in their own country's time and holidays: ContactWindow.of(jurisdiction)."""

    start: time = time(9, 0)
    end: time = time(20, 0)
    weekdays: frozenset[int] = frozenset(range(6))  # Monday=0 .. Saturday=5
    timezone: str = "Europe/Madrid"
    country: str = "ES"

    def allows(self, now: datetime) -> bool:
        local = now.astimezone(ZoneInfo(self.timezone))
        return (local.weekday() in self.weekdays and self.start <= local.time() < self.end
                and not is_holiday(local.date(), self.country))

    @classmethod
    def of(cls, jurisdiction: str) -> "ContactWindow":
        """The window for a case's jurisdiction: 9:00 in Lisbon is 10:00 in Madrid, and 14 July is a
        holiday in France only. Mainland time: the Canaries (an hour behind Madrid) and the Azores are
        not told apart. An unknown jurisdiction gets the default (Madrid)."""
        j = (jurisdiction or "").upper()
        return cls(timezone=JURISDICTION_ZONES[j], country=j) if j in JURISDICTION_ZONES else cls()


JURISDICTION_ZONES = {"ES": "Europe/Madrid", "PT": "Europe/Lisbon", "FR": "Europe/Paris"}


def open_jurisdictions(now: datetime) -> frozenset[str]:
    """The jurisdictions whose debtors may be sent automatic messages at this moment."""
    return frozenset(j for j in JURISDICTION_ZONES if ContactWindow.of(j).allows(now))


@dataclass(frozen=True)
class Step:
    id: int
    anchor: str  # due | accepted
    offset_days: int
    template_key: str


def step_date(step: Step, oldest_due: date | None, accepted_on: date | None) -> date | None:
    """The day a step falls due: its anchor (the oldest invoice's due date, or acceptance) plus its offset."""
    anchor = oldest_due if step.anchor == "due" else accepted_on
    return None if anchor is None else anchor + timedelta(days=step.offset_days)


def step_due(step: Step, oldest_due: date | None, accepted_on: date | None, today: date) -> bool:
    on = step_date(step, oldest_due, accepted_on)
    return on is not None and on <= today


def next_step(steps: list[Step], sent: dict[int, date], oldest_due: date | None, accepted_on: date | None, today: date) -> Step | None:
    """The one step of the flow to send a case today, or None. ``sent`` is step id -> the day it went out.

    Steps go out in the order they fall due, one at a time, and never closer together than the flow
    spaces them: the next waits, after the last message, as many days as lie between the two steps'
    own dates (at least one). So a case whose steps all fell due while the worker was stopped, or that
    reached the agency long after its invoices' due dates, gets its first contact, then the reminder a
    week later, then the final notice, as the flow was written, not three messages within a minute
    (which would be harassment, and the last would say "we have not heard from you" on the first day).
    A step the flow has moved past (it falls before one already sent) is not sent late."""
    dated = [(on, position, s) for position, s in enumerate(steps) if (on := step_date(s, oldest_due, accepted_on)) is not None]
    sent_dates = [on for on, _, s in dated if s.id in sent]
    last_step_on = max(sent_dates, default=None)
    waiting = sorted((on, position, s) for on, position, s in dated
                     if s.id not in sent and on <= today and (last_step_on is None or on >= last_step_on))
    if not waiting:
        return None
    on, _, step = waiting[0]
    last_sent_on = max(sent.values(), default=None)
    if last_sent_on is not None:
        gap = max(1, (on - last_step_on).days) if last_step_on is not None else 1
        if today < last_sent_on + timedelta(days=gap):
            return None
    return step
