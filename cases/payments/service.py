"""Payments of a case: recorded once per Idempotency-Key, with the success fee they earn and what they settle;
reversed whole, with their fee (a returned transfer, a chargeback). Every movement a ledger entry and an event."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from litestar.exceptions import ClientException, HTTPException

from agency import clock, i18n
from agency.auth import CurrentUser
from agency.db import as_date, atomic, bulk_insert, fetch_records, is_sqlite, is_unique_violation, utcnow
from agency.i18n import gettext as _
from agency.tenancy import scoped
from cases import events
from cases.billing import service as billing
from cases.billing.balances import balance_of, balances_of_many
from cases.billing.fees import Tariff, from_json
from cases.billing.service import book_once
from cases.money import from_cents, to_cents
from cases.negotiation.service import reopen_commitments, rescore, settle_commitments
from cases.payments.rules import PAYMENT_METHODS
from cases.queries import open_case
from cases.reports import totals
from cases.tables import Case, CaseEvent, Invoice, LedgerEntry

MAX_NAMED_INVOICES = 50  # (LedgerEntry.applies_to holds their ids)


async def named_invoice_ids(case_id: int, numbers: list[str] | None) -> str:
    """The invoices a payment is said to be for (Código Civil art. 1172), by number, as LedgerEntry.applies_to: each
    must be an undisputed invoice of this case, else a 400 naming it."""
    wanted = list(dict.fromkeys(n.strip() for n in numbers or () if n and n.strip()))
    if not wanted:
        return ""
    if len(wanted) > MAX_NAMED_INVOICES:
        raise ClientException(detail=_("Name at most %(n)s invoices; a payment for all of them names none.") % {"n": MAX_NAMED_INVOICES})
    rows = await Invoice.select(Invoice.id, Invoice.number, Invoice.disputed).where((Invoice.case == case_id) & Invoice.number.is_in(wanted))
    found = {r["number"]: r for r in rows}
    for number in wanted:
        if number not in found:
            raise ClientException(detail=_("This case has no invoice %(number)s: name only the invoices of this case the payment is for.")
                                  % {"number": number})
        if found[number]["disputed"]:
            raise ClientException(detail=_("Invoice %(number)s is disputed: it is not claimed while the dispute lasts. Record the payment "
                                           "without naming it, or resolve the dispute first.") % {"number": number})
    return ",".join(str(found[n]["id"]) for n in wanted)


async def record_payment(user: CurrentUser, case_id: int, amount: Decimal, received_on: date, method: str, reference: str,
                         idempotency_key: str | None, today: date, invoices: list[str] | None = None,
                         extra: dict | None = None) -> tuple[int, bool]:
    """Returns (ledger entry id, created). The same Idempotency-Key again returns the first entry. ``invoices``: the
    numbers of the invoices the debtor said the payment is for (Código Civil art. 1172); otherwise the law's order.
    ``extra``: more for the payment's event (an attachment's asset, legal.enforcement)."""
    case = await open_case(user, case_id)
    if amount <= 0:
        raise ClientException(detail=_("The amount must be greater than zero."))
    if received_on > today:
        raise ClientException(detail=_("A payment cannot be received in the future."))
    created = case["created_at"]
    opened = clock.day_of(created)
    if received_on < opened:
        raise ClientException(detail=_("A payment cannot be dated before the case was opened (%(day)s).") % {"day": opened.isoformat()})
    if method not in PAYMENT_METHODS:
        raise ClientException(detail=_("The method is one of: %(methods)s.") % {"methods": ", ".join(PAYMENT_METHODS)})
    # A client's key lives in its own namespace: it can never take the key of a fee or a reversal.
    key = f"pay:{idempotency_key.strip()[:90]}" if idempotency_key and idempotency_key.strip() else None
    cents = to_cents(amount)
    applies_to = await named_invoice_ids(case_id, invoices)

    async def replay() -> tuple[int, bool] | None:
        existing = await LedgerEntry.select(LedgerEntry.id, LedgerEntry.case, LedgerEntry.amount_cents, LedgerEntry.booked_on,
                                            LedgerEntry.applies_to).where(LedgerEntry.idempotency_key == key).first()
        if existing is None:
            return None
        if (existing["case"], existing["amount_cents"], existing["booked_on"], existing["applies_to"]) != (case_id, cents, received_on, applies_to):
            raise HTTPException(status_code=409, detail=_("This Idempotency-Key was already used for a different payment."))
        return existing["id"], False

    if key and (seen := await replay()):
        return seen

    async def check_owed() -> None:
        owed = to_cents((await balance_of(case_id, today)).outstanding)
        if cents > owed:
            raise ClientException(detail=too_much(owed, None, case["currency"]))
        if received_on < today:
            owed_then = to_cents((await balance_of(case_id, received_on)).outstanding)
            if cents > owed_then:
                raise ClientException(detail=too_much(owed_then, received_on, case["currency"]))

    try:
        async with atomic():
            # Checked again under the write lock (SQLite) or the case's row lock (PostgreSQL): two payments of the same
            # case at once (a statement, a card, a direct debit) cannot both take what is owed; the unique key decides
            # a replay (below).
            await lock_case(case_id)
            if key and (seen := await replay()):
                return seen
            await check_owed()
            entry_id = await book_payment(case, cents, received_on, method, reference, key, user, today, applies_to,
                                          [n.strip() for n in invoices or () if n and n.strip()] if applies_to else [], extra)
    except Exception as exc:  # a concurrent retry with the same key won the race: answer as a replay
        if key and is_unique_violation(exc) and (seen := await replay()):
            return seen
        raise
    return entry_id, True


def too_much(owed_cents: int, day: date | None, currency: str) -> str:
    """Why a payment larger than what is owed is refused: than what is owed now (``day`` None), or than what was owed on
    the day it was received (costs booked later are not owed by then, and an excess that day would sit apart as
    overpaid while those costs still showed as owed)."""
    if day is None:
        return _("The payment is larger than what is owed (%(owed)s). Record the part that is owed; "
                 "an excess is returned to the debtor outside the case.") % {"owed": i18n.format_cents(owed_cents, currency)}
    return _("The payment is larger than what was owed on %(day)s (%(owed)s). Record the part that was "
             "owed then; what came due later is paid by a payment of a later date.") % {
        "day": i18n.format_day(day), "owed": i18n.format_cents(owed_cents, currency)}


@dataclass(frozen=True)
class Incoming:
    """A payment to book among many (book_payments): a transfer read from a bank statement, say."""
    case_id: int
    cents: int
    received_on: date
    method: str
    reference: str
    key: str  # its idempotency key, whole (the caller's namespace: "pay:bank:<the line's fingerprint>")


LEDGER_COLUMNS = ["case", "kind", "amount_cents", "booked_on", "method", "reference", "idempotency_key", "applies_to", "created_by",
                  "created_at"]
EVENT_COLUMNS = ["case", "kind", "actor", "at", "summary", "payload", "visible_to_creditor"]


def _marks(values: list) -> str:
    return ", ".join(["{}"] * len(values))


async def book_payments(user: CurrentUser, incoming: list[Incoming], today: date) -> dict[str, int | str]:
    """Many payments of many cases, as record_payment books each (the same checks and refusals, the ledger entry, its
    event, its success fee, the commitments it settles, the case's score), read and written a thousand cases at a
    time: a bank statement's transfers. All or nothing, the cases locked. Returns, per key, the
    ledger entry booked (or booked before under that key, for the same payment), or why it was not booked. Payments
    of one case are booked one after the other, each checked against what the earlier ones left owed."""
    result: dict[str, int | str] = {}
    pending = list(incoming)
    async with atomic():  # (the caller's transaction, if there is one)
        while pending:  # a round: the first payment still pending of each case
            taken: dict[int, Incoming] = {}
            later = []
            for item in pending:
                if item.case_id in taken:
                    later.append(item)
                else:
                    taken[item.case_id] = item
            pending = later
            items = list(taken.values())
            for start in range(0, len(items), 1000):
                result.update(await _book_round(user, items[start:start + 1000], today))
    return result


async def _book_round(user: CurrentUser, items: list[Incoming], today: date) -> dict[str, int | str]:
    ids = [item.case_id for item in items]
    if not is_sqlite():  # (SQLite's writers queue already)
        await fetch_records(f"SELECT id FROM collection_cases WHERE id IN ({_marks(ids)}) ORDER BY id FOR UPDATE", *ids)
    cases = {r["id"]: r for r in await scoped(Case.select(Case.id, Case.stage, Case.closed_at, Case.created_at, Case.currency,
                                                          Case.tariff_snapshot).where(Case.id.is_in(ids)), user, Case.organisation)}
    keys = [item.key for item in items]
    seen = {r["idempotency_key"]: r for r in await fetch_records(
        f"SELECT id, \"case\", amount_cents, booked_on, applies_to, idempotency_key FROM ledger_entries WHERE idempotency_key IN ({_marks(keys)})",
        *keys)}
    out: dict[str, int | str] = {}
    fresh: list[Incoming] = []
    for item in items:
        case = cases.get(item.case_id)
        if (done := seen.get(item.key)) is not None:
            same = (done["case"], done["amount_cents"], as_date(done["booked_on"]), done["applies_to"]) == (item.case_id, item.cents, item.received_on, "")
            out[item.key] = done["id"] if same else str(_("This Idempotency-Key was already used for a different payment."))
        elif case is None:
            out[item.key] = str(_("Not found."))
        elif case["closed_at"] is not None:
            out[item.key] = str(_("This case is closed."))
        elif item.cents <= 0:
            out[item.key] = str(_("The amount must be greater than zero."))
        elif item.received_on > today:
            out[item.key] = str(_("A payment cannot be received in the future."))
        elif item.received_on < clock.day_of(case["created_at"]):
            out[item.key] = str(_("A payment cannot be dated before the case was opened (%(day)s).") % {
                "day": clock.day_of(case["created_at"]).isoformat()})
        elif item.method not in PAYMENT_METHODS:
            out[item.key] = str(_("The method is one of: %(methods)s.") % {"methods": ", ".join(PAYMENT_METHODS)})
        else:
            fresh.append(item)
    owed = await balances_of_many([(item.case_id, day) for item in fresh for day in {today, item.received_on}])
    booking = []
    for item in fresh:
        currency = cases[item.case_id]["currency"]
        for day in sorted({today, item.received_on}, reverse=True):  # (now first, as record_payment checks)
            cents = to_cents(owed[(item.case_id, day)].outstanding)
            if item.cents > cents:
                out[item.key] = str(too_much(cents, None if day == today else day, currency))
                break
        else:
            booking.append(item)
    if not booking:
        return out
    now = utcnow()
    actor = user.id if user and user.id else None
    await bulk_insert(LedgerEntry, LEDGER_COLUMNS, [(item.case_id, "payment", item.cents, item.received_on, item.method, item.reference.strip()[:100],
                                                     item.key, "", actor, now) for item in booking])
    await totals.ledger_added([(item.case_id, "payment", item.method, item.received_on, item.cents) for item in booking])
    keys = [item.key for item in booking]
    entry_of = {r["idempotency_key"]: r["id"] for r in await fetch_records(
        f"SELECT id, idempotency_key FROM ledger_entries WHERE idempotency_key IN ({_marks(keys)})", *keys)}
    tariffs: dict[str | None, Tariff] = {}
    references: dict = {}  # (each tariff and stage's fee is worded once)
    fees, timeline, published = [], [], []
    for item in booking:
        case, entry = cases[item.case_id], entry_of[item.key]
        out[item.key] = entry
        payload = {"entry_id": entry, "amount": str(from_cents(item.cents)), "received_on": item.received_on.isoformat(), "method": item.method}
        timeline.append((item.case_id, "payment", actor, now, "", json.dumps(payload, ensure_ascii=False), "payment" in events.CREDITOR_VISIBLE))
        published.append((item.case_id, payload))
        snapshot = case["tariff_snapshot"]
        if snapshot not in tariffs:
            tariffs[snapshot] = from_json(snapshot)
        fee, reference = billing.success_fee_entry(tariffs[snapshot], item.cents, case["stage"], references)
        if fee:
            fees.append((item.case_id, "fee", fee, item.received_on, "", reference, f"fee:success:{entry}", "", actor, now))
    await bulk_insert(CaseEvent, EVENT_COLUMNS, timeline)
    if fees:
        await bulk_insert(LedgerEntry, LEDGER_COLUMNS, fees)
        await totals.ledger_added([(f[0], "fee", "", f[3], f[2]) for f in fees])
    await events.publish_many("payment", published)  # (one case once a round: each its latest payment event)
    booked_cases = [item.case_id for item in booking]
    await settle_commitments(booked_cases, today, user)
    await rescore(booked_cases)
    return out


# Every payment, in fixed SQL (every column given, the defaults as the table's): the hot path of a mailing's payments.
PAYMENT_SQL = ('INSERT INTO ledger_entries ("case", kind, amount_cents, booked_on, invoice, method, reference, idempotency_key, reverses, '
               "remittance, applies_to, created_by, created_at) VALUES ({}, 'payment', {}, {}, NULL, {}, {}, {}, NULL, NULL, {}, {}, {}) "
               "RETURNING id")


async def lock_case(case_id: int) -> None:
    """Inside a transaction: the case's row locked until it ends (PostgreSQL; SQLite's writers queue already), so that
    what is owed, read next, is not taken by a payment of the same case at the same moment."""
    if not is_sqlite():
        await fetch_records("SELECT id FROM collection_cases WHERE id = {} FOR UPDATE", case_id)


async def book_payment(case: dict, cents: int, received_on: date, method: str, reference: str, key: str | None,
                       actor: CurrentUser | None, today: date, applies_to: str = "", named: list[str] | None = None,
                       extra: dict | None = None, fee_on_cents: int | None = None) -> int:
    """Book a payment of a case already in scope (``case``: id and stage, and its tariff_snapshot if read), inside the caller's transaction: the
    ledger entry, its event, the success fee, the promises and instalments it settles, the queue score. ``actor``
    None: the debtor paid online (cases.portal). ``fee_on_cents``: the part that earns the success fee (money paid
    beyond the debt is returned to the debtor, and earns none). Returns the entry's id."""
    case_id = case["id"]
    row = (await fetch_records(PAYMENT_SQL, case_id, cents, received_on, method, reference.strip()[:100], key, applies_to,
                               actor.id if actor else None, utcnow()))[0]
    await totals.ledger_added([(case_id, "payment", method, received_on, cents)])
    await events.record(case_id, "payment", actor, "", {"entry_id": row["id"], "amount": str(from_cents(cents)),
                                                        "received_on": received_on.isoformat(), "method": method,
                                                        **({"invoices": named} if named else {}), **(extra or {})})
    await billing.book_success_fee(case_id, row["id"], cents if fee_on_cents is None else fee_on_cents, case["stage"], received_on, actor,
                                   snapshot=case.get("tariff_snapshot"))
    await settle_commitments([case_id], today, actor)
    await rescore([case_id])
    return row["id"]


async def reverse_payment(user: CurrentUser, case_id: int, payment_id: int, reason: str, today: date) -> int:
    """A bounced or mistaken payment undone by new entries (the payment and its success fee stay on
    record); the debt is owed again as it was. Returns the reversal's entry id."""

    await open_case(user, case_id)
    reason = reason.strip()
    if not reason:
        raise ClientException(detail=_("Say why the payment is reversed (for example: the transfer bounced)."))
    payment = await LedgerEntry.select(LedgerEntry.id, LedgerEntry.amount_cents).where(
        (LedgerEntry.id == payment_id) & (LedgerEntry.case == case_id) & (LedgerEntry.kind == "payment")).first()
    if payment is None:
        raise HTTPException(status_code=404, detail=_("This case has no payment %(id)s.") % {"id": payment_id})
    try:
        return await reverse(user, case_id, payment, reason, today)
    except Exception as exc:  # two reversals at once: the unique key lets one through; the other is told so

        if is_unique_violation(exc):
            raise HTTPException(status_code=409, detail=_("This payment was already reversed.")) from None
        raise


async def reverse(user: CurrentUser, case_id: int, payment: dict, reason: str, today: date) -> int:
    payment_id = payment["id"]
    async with atomic():
        if await LedgerEntry.exists().where(LedgerEntry.idempotency_key == f"reversal:{payment_id}"):
            raise HTTPException(status_code=409, detail=_("This payment was already reversed."))
        row = (await LedgerEntry.insert(LedgerEntry(
            case=case_id, kind="reversal", amount_cents=-payment["amount_cents"], booked_on=today, reference=reason[:100],
            idempotency_key=f"reversal:{payment_id}", reverses=payment_id, created_by=user.id)).returning(LedgerEntry.id))[0]
        await totals.ledger_added([(case_id, "reversal", "", today, -payment["amount_cents"])])
        fee = await LedgerEntry.select(LedgerEntry.amount_cents).where(LedgerEntry.idempotency_key == f"fee:success:{payment_id}").first()
        if fee:
            await book_once(case_id, f"fee:reversal:{payment_id}", -fee["amount_cents"], today, user, reference=_("Success fee reversed"),
                             reverses=payment_id)
        await events.record(case_id, "payment_reversed", user, reason[:500],
                            {"entry_id": row["id"], "payment_id": payment_id, "amount": str(from_cents(payment["amount_cents"])),
                             "reason": reason})
        await reopen_commitments(case_id, payment_id, today, user)
        await rescore([case_id])
    return row["id"]
