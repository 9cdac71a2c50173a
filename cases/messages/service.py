"""Templates and messages to debtors: seeds, versions, the merge context of a case, sending one,
and the reminder flow the worker runs."""
from __future__ import annotations

import logging
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from urllib.parse import quote
from zoneinfo import ZoneInfo

from litestar.exceptions import ClientException, NotFoundException
from piccolo.query.functions.aggregate import Max

from agency import i18n
from agency.accounts import FormErrors
from agency.auth import CurrentUser
from agency.db import as_date, atomic, bulk_insert, fetch_records, is_sqlite, utcnow
from agency.i18n import gettext as _
from agency.identifiers import format_iban
from agency.mail import new_message_id, one_line
from agency.settings import get_settings
from agency.tables import OutboxMessage
from agency.tenancy import get_visible
from cases import events
from cases.billing.balances import balance_inputs, balances_from, published_rates, rates_version
from cases.complaints.service import contact_held
from cases.contacts.rules import cap_allows, cap_warning, counts_towards_cap, normalise_phone
from cases.contacts.service import week_counts
from cases.insolvency.service import insolvent_cases, insolvent_debtors, refuse_contact
from cases.messages.rules import (
    JURISDICTION_ZONES,
    NEED_LABELS,
    ContactWindow,
    Step,
    check_template,
    greeting,
    missing_facts,
    needs_of,
    next_step,
    render,
    uses_field,
    whatsapp_link,
)
from cases.messages.seeds import DEFAULT_STEPS, TEMPLATES, THIRD_PARTY_TEMPLATES
from cases.negotiation.rules import instalment_message, instalment_owed, waiting_on_promise
from cases.negotiation.service import check_may_negotiate, outstanding_by_case, payments_from
from cases.portal.rules import link_expires_on, new_token, token_hash
from cases.portal.service import portal_url
from cases.tables import (
    Case,
    DebtorLink,
    Instalment,
    Invoice,
    MessageTemplate,
    PaymentPlan,
    Promise,
    ReminderSent,
    ReminderStep,
)

LANGS = ("es", "en")
log = logging.getLogger("agency.reminders")


async def ensure_seeds() -> int:
    """Insert the starting templates and default reminder steps that are missing (idempotent)."""
    added = 0
    for key, (channel, name, texts) in TEMPLATES.items():
        for language, (subject, body) in texts.items():
            current = await MessageTemplate.select().where((MessageTemplate.key == key) & (MessageTemplate.language == language)).order_by(
                MessageTemplate.version, ascending=False).first()
            if current is None:
                await MessageTemplate.insert(MessageTemplate(key=key, language=language, channel=channel, name=name, subject=subject,
                                                             body=body, version=1, active=True))
                added += 1
            elif current["created_by"] is None and current["active"] and (
                    current["subject"], current["body"], current["name"]) != (subject, body, name):
                # A starting text (or its name) nobody edited, improved since: the new one as the next version (the old one kept).
                # An admin's own version is never touched.
                async with atomic():
                    await MessageTemplate.update({MessageTemplate.active: False}).where(MessageTemplate.id == current["id"])
                    await MessageTemplate.insert(MessageTemplate(key=key, language=language, channel=channel, name=name,
                                                                 subject=subject, body=body, version=current["version"] + 1, active=True))
                added += 1
    if not await ReminderStep.exists().where(ReminderStep.organisation.is_null()):
        for position, (anchor, offset, key) in enumerate(DEFAULT_STEPS, start=1):
            await ReminderStep.insert(ReminderStep(position=position, anchor=anchor, offset_days=offset, template_key=key))
            added += 1
    return added


async def active_template(key: str, language: str) -> dict:
    for lang in (language, "es"):
        row = await MessageTemplate.select().where(
            (MessageTemplate.key == key) & (MessageTemplate.language == lang) & (MessageTemplate.active == True)  # noqa: E712
        ).first()
        if row:
            return row
    raise NotFoundException(detail=_("There is no template %(key)s.") % {"key": key})


async def save_template(user: CurrentUser, key: str, language: str, subject: str, body: str) -> int | None:
    """A new version, active at once, after the check; the previous versions are kept. None when the
    text is the active version's (no version is made for nothing)."""
    current = await active_template(key, language)
    if current["language"] != language:
        raise NotFoundException(detail=_("There is no template %(key)s.") % {"key": key})
    check_template(subject, body, third_party=key in THIRD_PARTY_TEMPLATES)
    if (subject.strip(), body.replace("\r\n", "\n").strip()) == (current["subject"].strip(), current["body"].replace("\r\n", "\n").strip()):
        return None
    async with atomic():
        last = await MessageTemplate.select(Max(MessageTemplate.version, alias="v")).where(
            (MessageTemplate.key == key) & (MessageTemplate.language == language)).first()
        await MessageTemplate.update({MessageTemplate.active: False}).where(
            (MessageTemplate.key == key) & (MessageTemplate.language == language))
        row = (await MessageTemplate.insert(MessageTemplate(
            key=key, language=language, channel=current["channel"], name=current["name"], subject=subject, body=body,
            version=int(last["v"] or 0) + 1, active=True, created_by=user.id)).returning(MessageTemplate.id))[0]
    return row["id"]


async def merge_context(case_id: int, language: str, today: date, settlement_percent: int = 80) -> dict:
    """Every merge field for a case, formatted in the debtor's language (merge_contexts for one case)."""
    return (await merge_contexts({case_id: (language, today)}, settlement_percent))[case_id]


async def merge_contexts(wanted: dict[int, tuple[str, date]], settlement_percent: int = 80) -> dict[int, dict]:
    """Every merge field for many cases at once: case id -> (language, today) -> case id -> its fields, each in its
    own language. Read a thousand cases at a time, a few queries each, so the worker's reminders do not read a case
    at a time; a person's message takes this same path, so both get the very same texts."""
    contexts: dict[int, dict] = {}
    ids = sorted(wanted)
    for n in range(0, len(ids), 1000):
        facts = await _context_facts(ids[n:n + 1000])
        for case_id, fact in facts.items():
            language, today = wanted[case_id]
            contexts[case_id] = _context_in(language, fact, today, settlement_percent)
    return contexts


async def _context_facts(case_ids: list[int]) -> dict[int, dict]:
    """What a merge context is made of, for these cases (at most a thousand), in a few queries: the case and its
    debtor and creditor, its balance inputs (cases.billing.balances.balance_inputs), its open promise, its active
    plan and that plan's instalments."""
    cases = await Case.select(Case.id, Case.reference, Case.currency, Case.debtor.name.as_alias("debtor_name"),
                              Case.debtor.kind.as_alias("debtor_kind"), Case.organisation.legal_name.as_alias("creditor_name")).where(
        Case.id.is_in(case_ids))
    inputs = await balance_inputs(case_ids)
    promises: dict[int, dict] = {}
    for r in await Promise.select().where(Promise.case.is_in(case_ids) & (Promise.status == "open")).order_by(Promise.id):
        promises.setdefault(r["case"], r)
    plans: dict[int, dict] = {}
    for r in await PaymentPlan.select().where(PaymentPlan.case.is_in(case_ids) & (PaymentPlan.status == "active")).order_by(PaymentPlan.id):
        plans.setdefault(r["case"], r)
    instalments: dict[int, list] = {}
    if plans:
        for r in await Instalment.select().where(Instalment.plan.is_in([p["id"] for p in plans.values()])).order_by(Instalment.number):
            instalments.setdefault(r["plan"], []).append(r)
    facts = {}
    for case in cases:
        row, invoices, _entries, _terms = inputs[case["id"]]
        plan = plans.get(case["id"])
        facts[case["id"]] = {"case": case, "inputs": inputs[case["id"]], "rates": await published_rates(rates_version(row)),
                             "promise": promises.get(case["id"]), "plan": plan,
                             "instalments": instalments.get(plan["id"], []) if plan else [],
                             "invoices": sorted(invoices, key=lambda i: (as_date(i["due_date"]), i["id"]))}  # oldest due first
    return facts


def _context_in(language: str, fact: dict, today: date, settlement_percent: int) -> dict:
    """One case's merge fields from its facts (_context_facts), formatted in ``language``."""
    previous = i18n.get_language()
    i18n.set_language(language if language in i18n.DEBTOR_LANGUAGES else "es")  # (fr, pt: a debtor's languages)
    try:
        return _context_of(fact, today, settlement_percent)
    finally:
        i18n.set_language(previous)


def _context_of(fact: dict, today: date, settlement_percent: int) -> dict:
    case, promise, plan, invoices = fact["case"], fact["promise"], fact["plan"], fact["invoices"]
    row, owed_invoices, entries, terms = fact["inputs"]
    owed = balances_from(row["jurisdiction"], row["debtor_kind"], owed_invoices, entries, today, fact["rates"],
                         as_date(row["demanded_on"]), terms, as_date(row["judgment_on"]))
    outstanding, paid = int(owed.outstanding * 100), int(owed.paid * 100)
    cur = case["currency"]
    lines = [f"  {i['number']:<20} {i18n.format_day(as_date(i['due_date'])):>12} {i18n.format_cents(i['amount_cents'], cur):>16}"
             for i in invoices]
    nxt = None
    if plan:  # the instalment to ask for, less what was paid towards it already
        owed_now = instalment_owed([(r["number"], r["due_on"], r["amount_cents"]) for r in fact["instalments"]], payments_from(entries),
                                   plan["created_at"])
        if owed_now:
            nxt = {"number": owed_now[0], "due_on": owed_now[1], "amount_cents": owed_now[2]}
    last_payment = next((e for e in reversed(entries) if e["kind"] == "payment"), None)
    settings = get_settings()
    return {
        "greeting": greeting(case["debtor_kind"], case["debtor_name"], i18n.get_language()),
        "debtor_name": case["debtor_name"], "creditor_name": case["creditor_name"], "reference": case["reference"],
        "invoices_table": "\n".join(lines),
        "principal": i18n.format_cents(sum(i["amount_cents"] for i in invoices), cur), "paid": i18n.format_cents(paid, cur),
        "outstanding": i18n.format_cents(outstanding, cur),
        "interest": i18n.format_money(owed.all_interest, cur), "charges": i18n.format_money(owed.compensation + owed.costs, cur),
        "oldest_due_date": i18n.format_day(as_date(invoices[0]["due_date"])) if invoices else "",
        "agency_name": settings.agency_name, "agency_phone": settings.agency_identity.get("phone", ""),
        "payment_iban": format_iban(settings.agency_iban),
        "payment_concept": case["reference"],
        "promise_amount": i18n.format_cents(promise["amount_cents"], cur) if promise else "",
        "promise_date": i18n.format_day(promise["promised_on"]) if promise else "",
        "instalment_amount": i18n.format_cents(nxt["amount_cents"], cur) if nxt else "",
        "instalment_date": i18n.format_day(nxt["due_on"]) if nxt else "",
        "instalment_number": nxt["number"] if nxt else "", "instalment_count": plan["instalment_count"] if plan else "",
        "last_payment_amount": i18n.format_cents(last_payment["amount_cents"], cur) if last_payment else "",
        "settlement_amount": i18n.format_money((Decimal(outstanding) * settlement_percent / 10000).quantize(Decimal("0.01")), cur),
        "today": i18n.format_day(today),
        "portal_url": "",  # made only for a message that sends it (write_messages): each link is a new token
        # a direct debit's pre-notification: given by the direct-debit file that announces it (cases.bank.debits)
        "debit_amount": "", "debit_date": "", "mandate_reference": "", "creditor_identifier": settings.sepa_creditor_id,
    }


async def _debtor(case_id: int) -> dict:
    return await Case.select(Case.debtor.email.as_alias("email"), Case.debtor.phone.as_alias("phone"),
                             Case.debtor.language.as_alias("language"), Case.jurisdiction).where(Case.id == case_id).first()


async def phone_scripts(case_id: int, today: date) -> list[dict]:
    """The phone scripts written out for this case, in the debtor's language, to read from during a
    call (a script about a promise or plan the case does not have is left out)."""
    debtor = await _debtor(case_id)
    keys = sorted({r["key"] for r in await MessageTemplate.select(MessageTemplate.key).where(
        (MessageTemplate.channel == "script") & (MessageTemplate.active == True))})  # noqa: E712
    contexts: dict[str, dict] = {}
    scripts = []
    for key in keys:
        template = await active_template(key, debtor["language"])
        language = template["language"]
        if language not in contexts:
            contexts[language] = await merge_context(case_id, language, today)
        if not missing_facts(template["subject"], template["body"], contexts[language]):
            scripts.append({"key": key, "name": template["name"], "language": language, "text": render("", template["body"], contexts[language])[1]})
    return scripts


async def send_message(user: CurrentUser | None, case_id: int, key: str, today: date, reminder_step: int | None = None,
                       automatic: bool = False, extra: dict | None = None) -> dict:
    """Render a template for the case's debtor and send it: email through the outbox; WhatsApp as a
    click-to-chat link; a letter or script as text. Each is a case event with the full text (proof
    of what the debtor was told). Call inside a transaction when part of a larger change."""
    if user is not None:
        visible = await get_visible(Case.select(Case.id, Case.jurisdiction).where(Case.id == case_id), user, Case.organisation)
        check_may_negotiate(user, visible["jurisdiction"])  # Portugal: a lawyer writes to the debtor (Lei 49/2004)
        await refuse_contact(case_id)  # the debtor is in concurso: 409 naming it
    [message] = await prepare_messages([Message(case_id, key, today, reminder_step, automatic, extra)], {})
    if isinstance(message, Exception):
        raise message
    async with atomic():
        await write_messages(user, [message])
    result = message.result
    if user is not None:  # sent by hand over the week's cap: sent, and the answer says so (automatic ones wait instead)
        result["warnings"] = []
        if counts_towards_cap("message", message.payload):
            debtor_id = (await Case.select(Case.debtor).where(Case.id == case_id).first())["debtor"]
            warning = cap_warning((await week_counts([debtor_id])).get(debtor_id, 0), get_settings().contact_cap_week)
            if warning:
                result["warnings"].append(str(warning))
    return result


@dataclass(frozen=True)
class Message:
    """A message to send to a case's debtor: the template's key, the day it is written on (the debtor's), the reminder
    step it is, whether it is automatic, and what the caller announces beside the case's own merge fields."""
    case_id: int
    key: str
    today: date
    reminder_step: int | None = None
    automatic: bool = False
    extra: dict | None = None


@dataclass
class Rendered:
    """A message written out and not yet stored: what send_message answers, the event's payload (the portal link
    hidden), the outbox row's address and subject, the link's token hash, and whether it counts as a contact."""
    message: Message
    result: dict
    payload: dict
    summary: str
    to_address: str | None = None
    subject: str = ""
    link_hash: str | None = None
    contact: bool = False


async def prepare_messages(messages: list[Message], templates: dict) -> list[Rendered | Exception]:
    """Each message (one a case) rendered for its case's debtor, in the order given, its cases read together (merge_contexts);
    for a message that cannot be written (no such template, a fact the template speaks of that the case lacks, no
    address), the exception saying why, so the others still go. ``templates``: the active templates by (key, language)
    read so far, kept by the caller for the run."""
    if not messages:
        return []
    debtors = {r["id"]: r for r in await Case.select(
        Case.id, Case.debtor.email.as_alias("email"), Case.debtor.phone.as_alias("phone"), Case.debtor.language.as_alias("language"),
        Case.jurisdiction).where(Case.id.is_in(sorted({m.case_id for m in messages})))}
    chosen: list[dict | Exception] = []
    for m in messages:
        try:
            if (m.key, debtors[m.case_id]["language"]) not in templates:
                templates[(m.key, debtors[m.case_id]["language"])] = await active_template(m.key, debtors[m.case_id]["language"])
            chosen.append(templates[(m.key, debtors[m.case_id]["language"])])
        except Exception as exc:  # noqa: BLE001 - said to the caller for this message alone
            chosen.append(exc)
    contexts = await merge_contexts({m.case_id: (t["language"], m.today) for m, t in zip(messages, chosen) if isinstance(t, dict)})
    out: list[Rendered | Exception] = []
    for m, template in zip(messages, chosen):
        try:
            if isinstance(template, Exception):
                raise template
            out.append(_render_message(m, template, debtors[m.case_id], {**contexts[m.case_id], **(m.extra or {})}))
        except Exception as exc:  # noqa: BLE001 - as above
            out.append(exc)
    return out


def _render_message(m: Message, template: dict, debtor: dict, context: dict) -> Rendered:
    """One message written out (prepare_messages); ``context``: the case's merge fields and what the caller announces.
    A template that sends the debtor's portal link gets a new link of its own (each message its own token)."""
    link = token = ""
    if uses_field("portal_url", template["subject"], template["body"]):
        token = new_token()
        link = context["portal_url"] = portal_url(token)
    missing = missing_facts(template["subject"], template["body"], context)
    if missing:
        raise ClientException(detail=_("This message speaks of %(what)s, which this case does not have: record it first, or choose another message.")
                              % {"what": ", ".join(str(NEED_LABELS[f]) for f in missing)})
    subject, body = render(template["subject"], template["body"], context)
    result = {"channel": template["channel"], "subject": subject, "body": body, "template": m.key, "version": template["version"]}
    to_address = None
    if template["channel"] == "email":
        if not debtor["email"]:
            raise ClientException(detail=_("The debtor has no email address."))
        subject = one_line(subject)
        to_address = result["to"] = debtor["email"]
    elif template["channel"] == "whatsapp":
        try:
            phone = normalise_phone(debtor["phone"], debtor["jurisdiction"])
        except ValueError:
            raise ClientException(detail=_("The debtor has no valid phone number for WhatsApp.")) from None
        result["link"] = whatsapp_link(phone, body)
        result["to"] = phone
    payload = {**result, "reminder_step": m.reminder_step, "automatic": m.automatic or m.reminder_step is not None}
    if link:  # the timeline (the creditor reads it) keeps the text without the debtor's key: only the debtor holds it
        hidden = link.rsplit("/", 1)[0] + "/…"
        payload = {k: v.replace(link, hidden).replace(quote(link), quote(hidden)) if isinstance(v, str) else v
                   for k, v in payload.items()}
    return Rendered(m, result, payload, subject or m.key, to_address, subject, token_hash(token) if token else None,
                    template["channel"] in ("email", "letter"))


async def write_messages(user: CurrentUser | None, rendered: list[Rendered]) -> None:
    """Store messages rendered by prepare_messages, inside the caller's atomic(): their portal links, their outbox
    rows (email), their case events and the cases' last contact, each kind by one statement whatever their number
    (the worker's reminders write hundreds at once)."""
    if not rendered:
        return
    now = utcnow()
    links = [(r.message.case_id, r.link_hash, link_expires_on(r.message.today), None, now) for r in rendered if r.link_hash]
    if links:
        await bulk_insert(DebtorLink, ["case", "token_hash", "expires_on", "created_by", "created_at"], links)
    mails = [(r.to_address, r.subject, r.result["body"], _outbox_kind(r.message), now, 0, "", r.message.case_id, new_message_id(), "")
             for r in rendered if r.to_address is not None]
    if mails:
        await bulk_insert(OutboxMessage, ["to_address", "subject", "body_text", "kind", "created_at", "attempts", "last_error", "case_id",
                                          "message_id", "given_up_reason"], mails)
    rows = [events.event_row(r.message.case_id, "message", user, r.summary, r.payload) for r in rendered]
    await bulk_insert(events.CaseEvent, ["case", "kind", "actor", "at", "summary", "payload", "visible_to_creditor"],
                      [(e.case, e.kind, e.actor, e.at, e.summary, e.payload, e.visible_to_creditor) for e in rows])
    touched = sorted({r.message.case_id for r in rendered if r.contact})
    for n in range(0, len(touched), 1000):
        chunk = touched[n:n + 1000]
        await fetch_records(f"UPDATE collection_cases SET last_contact_at = {{}} WHERE id IN ({_marks(chunk)})", now, *chunk)


def _outbox_kind(m: Message) -> str:
    """The outbox row's kind: a reminder (withdrawn should its case leave amicable collection first) or a person's message."""
    return f"{'reminder' if m.automatic or m.reminder_step else 'debtor'}:{m.key}"


def _marks(values: list) -> str:
    """The placeholders of an IN list."""
    return ", ".join(["{}"] * len(values))


async def send_due_reminders(settings=None, now: datetime | None = None, window: ContactWindow | None = None,
                             jurisdictions: Collection[str] | None = None, case_ids: list[int] | None = None) -> int:
    """Worker job: the next step of the reminder flow for each case that has one due (cases.messages.rules.next_step),
    inside the contact window of the case's jurisdiction (its days counted in that country's time;
    ``window``, when given, stands for every case's). A chunk's steps are claimed, and their messages written, together in
    one transaction that holds their cases (_write_steps): two workers, or a restart halfway, never send a step twice, nor
    two steps at once.
    A case that cannot be written to (a template that fails on its data) is logged and passed over:
    the others still get theirs. ``jurisdictions``: only the cases of these; ``case_ids``: only these cases."""
    clock_given = now is not None
    now = now or utcnow()

    def window_of(jurisdiction: str) -> ContactWindow:
        return window or ContactWindow.of(jurisdiction)

    def open_now() -> list[str]:
        return [j for j in JURISDICTION_ZONES if (jurisdictions is None or j in jurisdictions) and window_of(j).allows(now if clock_given else utcnow())]

    if not open_now():
        return 0
    steps_rows = await ReminderStep.select().where(ReminderStep.active == True).order_by(ReminderStep.position)  # noqa: E712
    defaults = [Step(r["id"], r["anchor"], r["offset_days"], r["template_key"]) for r in steps_rows if r["organisation"] is None]
    by_org: dict[int, list[Step]] = {}
    for r in steps_rows:
        if r["organisation"] is not None:
            by_org.setdefault(r["organisation"], []).append(Step(r["id"], r["anchor"], r["offset_days"], r["template_key"]))
    cap = get_settings().contact_cap_week
    templates: dict = {}  # the active templates by (key, language), read once a run

    sent = 0
    last_id, pending, position = 0, sorted(case_ids) if case_ids is not None else None, 0
    while True:
        open_here = open_now()
        if not open_here:
            return sent  # a long round stops where the windows close
        if pending is not None:  # the cases asked for, five hundred at a time
            chunk = pending[position:position + 500]
            position += 500
            if not chunk:
                return sent
            scope = Case.id.is_in(chunk)
        else:
            scope = Case.id > last_id
        cases = await Case.select(Case.id, Case.organisation, Case.accepted_at, Case.jurisdiction, Case.debtor.email.as_alias("email"),
                                  Case.debtor.as_alias("debtor_id"), Case.debtor.vulnerable.as_alias("vulnerable")).where(
            (Case.stage == "amicable") & scope & Case.accepted_at.is_not_null() & Case.held_at.is_null()  # on hold: no automatic contact
            & Case.jurisdiction.is_in(open_here)).order_by(Case.id).limit(500)
        if not cases:
            if pending is not None:
                continue
            return sent
        last_id = cases[-1]["id"]
        ids = [c["id"] for c in cases]
        oldest: dict[int, date] = {}
        for r in await Invoice.select(Invoice.case, Invoice.due_date).where(Invoice.case.is_in(ids) & (Invoice.disputed == False)):  # noqa: E712
            if r["case"] not in oldest or r["due_date"] < oldest[r["case"]]:
                oldest[r["case"]] = r["due_date"]
        done = await _steps_sent(ids)
        owed = await outstanding_by_case(ids)
        planned = {r["case"] for r in await PaymentPlan.select(PaymentPlan.case).where(PaymentPlan.case.is_in(ids) & (PaymentPlan.status == "active"))}
        promised = {r["case"]: r["promised_on"] for r in await Promise.select(Promise.case, Promise.promised_on).where(
            Promise.case.is_in(ids) & (Promise.status == "open"))}
        held = await contact_held(ids)
        insolvent = await insolvent_debtors([c["debtor_id"] for c in cases])  # in concurso: the claim goes to the administrator
        contacted = await week_counts([c["debtor_id"] for c in cases], now if clock_given else None)  # this week's, per debtor
        instalments = await _instalments_owed(sorted(planned))
        due: list[DueStep | DueInstalment] = []

        async def decide(c) -> int:
            """Whether the case has a message due now (its flow's next step, or the one about the instalment it owes): if
            so it is added to ``due``, to be written with the others of its chunk (_send_due). Counts as a contact (0 or 1)."""
            zone = ZoneInfo(window_of(c["jurisdiction"]).timezone)
            today = now.astimezone(zone).date()
            if not c["email"] or c["id"] not in oldest or owed.get(c["id"], 0) <= 0:
                return 0  # nobody to write to, or nothing undisputed owed: disputed invoices are never chased
            if c["id"] in held or c["vulnerable"] or c["debtor_id"] in insolvent:
                return 0  # a complaint about contact is open, the debtor is vulnerable or in concurso: no automatic message
            if not cap_allows(contacted.get(c["debtor_id"], 0), cap):
                return 0  # contacted as often as the week allows (AGENCY_CONTACT_CAP_WEEK): it waits for a later round
            if c["id"] in planned:  # a debtor on a plan is told about the instalment they owe, not chased by the flow
                owed_now = instalments.get(c["id"])
                kind = instalment_message(owed_now[1:] if owed_now else None, today)
                if kind is None:
                    return 0
                due.append(DueInstalment(c["id"], owed_now[0], kind, today))
                return 1
            if c["id"] in promised and waiting_on_promise(promised[c["id"]], today):
                return 0  # the debtor promised to pay: no reminders until the promise's date (and grace) have passed
            steps = by_org.get(c["organisation"], defaults)
            accepted_on = c["accepted_at"].astimezone(zone).date()  # the day where the debtor is, as `today` is
            step = next_step(steps, _days(done.get(c["id"], {}), zone), oldest[c["id"]], accepted_on, today)
            if step is None:
                return 0
            due.append(DueStep(c["id"], step, tuple(steps), zone, oldest[c["id"]], accepted_on, today))
            return 1  # (counted as sent: should it not go after all, the debtor's next case waits for a later round)

        for c in cases:  # in order: a message to one of a debtor's cases counts towards the week's cap before the next
            went = await decide(c)
            contacted[c["debtor_id"]] = contacted.get(c["debtor_id"], 0) + went
        sent += sum([await _send_due(due[n:n + DUE_BATCH], now, templates) for n in range(0, len(due), DUE_BATCH)])


# How many cases' messages one transaction writes (each a few arguments a statement: far under asyncpg's 32,767).
DUE_BATCH = 500


@dataclass(frozen=True)
class DueStep:
    """A flow step found due for a case when its chunk was read, with what next_step was given, to ask again once
    the case is held (another worker may have sent it meanwhile)."""
    case_id: int
    step: Step
    steps: tuple[Step, ...]
    zone: ZoneInfo
    oldest: date
    accepted_on: date
    today: date
    what = "reminder"

    def still_due(self, sent: dict[int, dict[int, datetime]]) -> bool:
        days = _days(sent.get(self.case_id, {}), self.zone)
        return next_step(list(self.steps), days, self.oldest, self.accepted_on, self.today) == self.step

    def message(self) -> Message:
        return Message(self.case_id, self.step.template_key, self.today, reminder_step=self.step.id)

    @property
    def claim(self) -> tuple:
        return ("step", self.case_id, self.step.id)


@dataclass(frozen=True)
class DueInstalment:
    """The message about the instalment a debtor on a plan owes now (cases.negotiation.rules.instalment_message):
    announced before it falls due, reported when missed, each once per instalment (its claim is unique)."""
    case_id: int
    instalment_id: int
    kind: str  # due | missed
    today: date
    what = "instalment message"

    def still_due(self, sent: dict) -> bool:
        return True  # (the claim, unique per instalment and kind, is what keeps it to once)

    def message(self) -> Message:
        return Message(self.case_id, "instalment_due" if self.kind == "due" else "instalment_missed", self.today, automatic=True)

    @property
    def claim(self) -> tuple:
        return ("instalment", self.instalment_id, self.kind)


async def _send_due(due: list[DueStep | DueInstalment], now: datetime, templates: dict) -> int:
    """The messages found due, written together in one transaction (_write_due); how many went out. Should that
    transaction fail, each case is tried again alone, so one case never holds back the others."""
    if not due:
        return 0
    try:
        return await _write_due(due, now, templates)
    except Exception:  # noqa: BLE001 - one case's failure must not hold back the others' messages
        if len(due) == 1:
            log.exception(f"{due[0].what} not sent", extra={"route": f"case {due[0].case_id} {due[0].claim}"})
            return 0
        log.warning("messages written one by one", exc_info=True, extra={"route": f"cases {due[0].case_id}-{due[-1].case_id}"})
        return sum([await _send_due([d], now, templates) for d in due])


async def _write_due(due: list[DueStep | DueInstalment], now: datetime, templates: dict) -> int:
    """In one transaction that holds the cases: those still in amicable collection, not on hold, whose step is still
    the one due (what another worker sent meanwhile read again) are rendered; a case whose template fails on its data
    is logged and left out (tried again next time: nothing of it is written); the others' messages are claimed (unique
    per case and step, or per instalment and kind, so two workers or a restart never send one twice) and only the
    claimed written."""
    async with atomic():
        free = await _hold_for_reminders([d.case_id for d in due])
        fresh = await _steps_sent([d.case_id for d in due if isinstance(d, DueStep)])
        due = [d for d in due if d.case_id in free and d.still_due(fresh)]
        ready = []
        for d, r in zip(due, await prepare_messages([d.message() for d in due], templates)):
            if isinstance(r, Exception):
                log.error(f"{d.what} not sent", exc_info=r, extra={"route": f"case {d.case_id} {d.claim}"})
            else:
                ready.append((d, r))
        claimed = await _claim([d.claim for d, _r in ready], now)
        await write_messages(None, [r for d, r in ready if d.claim in claimed])
    return len(claimed)


# The rows that say a message went out, unique per what they name: one INSERT claims many, and says which it claimed.
CLAIM_SQL = {"step": ("reminders_sent", ("case", "step")), "instalment": ("instalment_reminders", ("instalment", "kind"))}


async def _claim(claims: list[tuple], now: datetime) -> set[tuple]:
    """Claim these (("step", case, step) or ("instalment", instalment, kind)), each kind in one statement; the ones
    claimed here (not by another worker before)."""
    claimed = set()
    for what, (table, columns) in CLAIM_SQL.items():
        mine = [c for c in claims if c[0] == what]
        if mine:
            names = ", ".join(f'"{c}"' for c in columns)
            rows = await fetch_records(f"INSERT INTO {table} ({names}, sent_at) VALUES " + ", ".join(["({}, {}, {})"] * len(mine))
                                       + f" ON CONFLICT DO NOTHING RETURNING {names}", *[v for _w, a, b in mine for v in (a, b, now)])
            claimed |= {(what, r[columns[0]], r[columns[1]]) for r in rows}
    return claimed


# What the worker's reminder job has done in this process: per jurisdiction, the local day whose pass over every case in
# amicable collection it finished; and the moment of its last round (a restarted worker makes the day's passes again:
# each step is claimed once, so nothing goes out twice).
_passes: dict[str, date] = {}
_last_round: dict[str, datetime] = {}
# How far before the last round's start a round looks for changed cases: an event is stamped when written and seen when its
# transaction commits, a moment later.
CHANGED_MARGIN = timedelta(minutes=2)


async def reminders_job(settings=None, window: ContactWindow | None = None) -> int:
    """The worker's reminder job. The flow's steps fall due by the day, so every case in amicable collection is looked at
    once a day in each jurisdiction, in its first round inside the contact window there (send_due_reminders); in every
    other round only the cases with something new on their timeline since the last one (accepted, a hold lifted, a promise
    broken, a payment...: every change of a case is an event), so a round does not read a million cases to find none due.
    A case passed over for the week's contact cap waits for the next day's look."""
    now = utcnow()
    since = _last_round.get("at")
    sent = 0
    days = {j: now.astimezone(ZoneInfo(JURISDICTION_ZONES[j])).date() for j in JURISDICTION_ZONES
            if (window or ContactWindow.of(j)).allows(now)}
    due = [j for j, day in days.items() if _passes.get(j) != day]
    if due:
        sent += await send_due_reminders(settings, window=window, jurisdictions=due)
        after = utcnow()
        for j in due:
            if (window or ContactWindow.of(j)).allows(after):  # the window stayed open to the end: every case was looked at
                _passes[j] = days[j]
    if since is not None and days:
        changed = [r["case"] for r in await fetch_records('SELECT DISTINCT "case" FROM case_events WHERE at >= {}', since - CHANGED_MARGIN)]
        if changed:
            sent += await send_due_reminders(settings, window=window, jurisdictions=list(days), case_ids=changed)
    _last_round["at"] = now
    return sent


async def _instalments_owed(case_ids: list[int]) -> dict[int, tuple[int, int, date, int]]:
    """The instalment each of these cases' active plan asks for now (cases.negotiation.rules.instalment_owed, less what
    was paid towards it), as (instalment id, number, due date, cents), read together: a case whose plan is paid has none."""
    if not case_ids:
        return {}
    plans = {}
    for r in await PaymentPlan.select(PaymentPlan.id, PaymentPlan.case, PaymentPlan.created_at).where(
            PaymentPlan.case.is_in(case_ids) & (PaymentPlan.status == "active")).order_by(PaymentPlan.id):
        plans.setdefault(r["case"], r)
    if not plans:
        return {}
    rows: dict[int, list] = {}
    for r in await Instalment.select(Instalment.id, Instalment.plan, Instalment.number, Instalment.due_on, Instalment.amount_cents).where(
            Instalment.plan.is_in([p["id"] for p in plans.values()])).order_by(Instalment.number):
        rows.setdefault(r["plan"], []).append(r)
    ledger: dict[int, list] = {}
    for r in await fetch_records('SELECT id, "case", kind, booked_on, amount_cents, reverses, created_at FROM ledger_entries '
                                 f"WHERE \"case\" IN ({_marks(list(plans))}) AND kind IN ('payment', 'reversal')", *plans):
        ledger.setdefault(r["case"], []).append(r)
    owed = {}
    for case_id, plan in plans.items():
        mine = rows.get(plan["id"], [])
        now_owed = instalment_owed([(r["number"], r["due_on"], r["amount_cents"]) for r in mine], payments_from(ledger.get(case_id, [])),
                                   plan["created_at"])
        if now_owed:
            owed[case_id] = (next(r["id"] for r in mine if r["number"] == now_owed[0]), *now_owed)
    return owed


async def _steps_sent(case_ids: list[int]) -> dict[int, dict[int, datetime]]:
    """case -> {step: when it went out}."""
    done: dict[int, dict[int, datetime]] = {}
    if not case_ids:
        return done
    for r in await ReminderSent.select(ReminderSent.case, ReminderSent.step, ReminderSent.sent_at).where(ReminderSent.case.is_in(case_ids)):
        done.setdefault(r["case"], {})[r["step"]] = r["sent_at"]
    return done


def _days(sent: dict[int, datetime], zone: ZoneInfo) -> dict[int, date]:
    """step -> the day it went out, where the debtor is."""
    return {step: at.astimezone(zone).date() for step, at in sent.items()}


async def _hold_for_reminders(case_ids: list[int]) -> set[int]:
    """Inside the sending transaction: lock the cases, in id order so two workers never wait on each other
    (PostgreSQL; SQLite's IMMEDIATE transaction holds the whole database already), and say which are still in
    amicable collection, and not on hold."""
    ids = sorted(set(case_ids))
    free: set[int] = set()
    for n in range(0, len(ids), 1000):
        chunk = ids[n:n + 1000]
        sql = f"SELECT id, stage, held_at FROM collection_cases WHERE id IN ({_marks(chunk)}) ORDER BY id"
        rows = await fetch_records(sql if is_sqlite() else sql + " FOR UPDATE", *chunk)
        free |= {r["id"] for r in rows if r["stage"] == "amicable" and r["held_at"] is None}
    return free


async def withdraw_stale_reminders(settings=None) -> int:
    """Worker job, before the outbox's: an automatic reminder still waiting to go out (the window was
    closed, the mail server down) for a case that has since left amicable collection, been put on hold or owes nothing
    is not sent. Its case event says it was withdrawn, beside the one with its text."""
    waiting = await OutboxMessage.select(OutboxMessage.id, OutboxMessage.case_id, OutboxMessage.subject).where(
        OutboxMessage.sent_at.is_null() & OutboxMessage.given_up_at.is_null() & OutboxMessage.kind.like("reminder:%")
        & OutboxMessage.case_id.is_not_null())
    if not waiting:
        return 0
    ids = sorted({w["case_id"] for w in waiting})
    cases = {r["id"]: r for r in await Case.select(Case.id, Case.stage, Case.held_at).where(Case.id.is_in(ids))}
    stages = {i: r["stage"] for i, r in cases.items()}
    owed = await outstanding_by_case(ids)
    insolvent = await insolvent_cases(ids)
    withdrawn = 0
    leaving = []
    for w in waiting:
        reason = ("left_amicable" if stages.get(w["case_id"]) != "amicable" else "held" if cases[w["case_id"]]["held_at"] is not None
                  else "insolvency" if w["case_id"] in insolvent else "nothing_owed" if owed.get(w["case_id"], 0) <= 0 else None)
        if reason is not None:
            leaving.append((w, reason))
    for start in range(0, len(leaving), 200):  # two hundred in a transaction (each a commit of its own: a second per hundred on SQLite)
        chunk = leaving[start:start + 200]
        async with atomic():
            now = utcnow()
            for reason in sorted({reason for _w, reason in chunk}):
                ids = [w["id"] for w, why in chunk if why == reason]
                done = {r["id"] for r in await OutboxMessage.update({OutboxMessage.given_up_at: now, OutboxMessage.given_up_reason: reason}).where(
                    OutboxMessage.id.is_in(ids) & OutboxMessage.sent_at.is_null() & OutboxMessage.given_up_at.is_null()
                    & (OutboxMessage.claimed_until.is_null() | (OutboxMessage.claimed_until < now))).returning(OutboxMessage.id)}
                for w, why in chunk:
                    if why == reason and w["id"] in done:
                        withdrawn += 1
                        await events.record(w["case_id"], "message_withdrawn", None, w["subject"], {"outbox": w["id"], "reason": reason})
    return withdrawn


async def add_step(organisation_id: int | None, anchor: str, offset_days: str, template_key: str) -> int:
    """A step of a creditor's own reminder flow (or of the agency default, without organisation)."""

    errors = {}
    if anchor not in ("due", "accepted"):
        errors["anchor"] = _("Count the days from the due date or from acceptance.")
    if not (str(offset_days).isascii() and str(offset_days).isdigit()) or not 0 <= int(offset_days) <= 365:
        errors["offset_days"] = _("Between 0 and 365 days.")
    texts = await MessageTemplate.select(MessageTemplate.subject, MessageTemplate.body).where(
        (MessageTemplate.key == template_key) & (MessageTemplate.channel == "email") & (MessageTemplate.active == True))  # noqa: E712
    if not texts:
        errors["template_key"] = _("Choose an email template.")
    elif any(needs_of(t["subject"], t["body"]) for t in texts):
        # a step goes to every case in the flow; this message would be refused for those without the promise or plan
        errors["template_key"] = _("This message is about a promise, plan or payment: a flow step goes to every case, so choose one every case can be sent.")
    same_flow = ReminderStep.organisation.is_null() if organisation_id is None else ReminderStep.organisation == organisation_id
    if not errors and await ReminderStep.exists().where(same_flow & (ReminderStep.active == True) & (ReminderStep.anchor == anchor)  # noqa: E712
                                                        & (ReminderStep.offset_days == int(offset_days)) & (ReminderStep.template_key == template_key)):
        errors["offset_days"] = _("This flow already has that step: the debtor would get the same message twice.")
    if errors:
        raise FormErrors(errors)
    last = await ReminderStep.select(Max(ReminderStep.position, alias="p")).where(
        ReminderStep.organisation.is_null() if organisation_id is None else ReminderStep.organisation == organisation_id).first()
    row = (await ReminderStep.insert(ReminderStep(organisation=organisation_id, position=int(last["p"] or 0) + 1, anchor=anchor,
                                                  offset_days=int(offset_days), template_key=template_key)).returning(ReminderStep.id))[0]
    return row["id"]
