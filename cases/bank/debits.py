"""SEPA direct debits (DESIGN.md "Money that arrives by itself"): the instalments of plans under a mandate, collected in a
pain.008.001.02 file the agency sends its bank; each debtor told the amount and the day beforehand; booked as a payment
on the collection day; a return (R-transaction) reverses that payment and says what follows (cases.bank.rules)."""
from __future__ import annotations

import hashlib
import json
import os
import secrets
from collections import defaultdict
from datetime import date, timedelta
from functools import lru_cache

from litestar.exceptions import ClientException, HTTPException, NotFoundException
from lxml import etree
from schwifty import IBAN
from schwifty.exceptions import SchwiftyException
from stdnum.eu import at_02

from agency import clock, i18n
from agency.auth import CurrentUser
from agency.db import atomic, bulk_insert, is_unique_violation, utcnow
from agency.i18n import gettext as _
from agency.settings import get_settings
from agency.storage import storage
from cases import events
from cases.bank.rules import (
    MAX_ATTEMPTS,
    NOTICE_DAYS,
    RETURN_REASONS,
    after_return,
    end_to_end_id,
    file_part_paid,
    instrument_for,
    left_of_instalments,
    sequence_type,
)
from cases.billing.balances import balance_of
from cases.insolvency.service import insolvent_cases
from cases.messages.service import send_message
from cases.money import from_cents, to_cents
from cases.negotiation.rules import Payment, towards
from cases.payments.service import book_payment, lock_case, reverse
from cases.queries import open_case
from cases.tables import Case, CaseEvent, DirectDebit, DirectDebitBatch, Instalment, LedgerEntry, PaymentPlan, StatementLine

PAIN_008 = "pain.008.001.02"


class NothingToCollect(HTTPException):
    status_code = 422


def creditor_identifier() -> str:
    """The agency's SEPA creditor identifier, checked (python-stdnum's AT-02 rule), or a 422 saying how to set it."""
    value = get_settings().sepa_creditor_id
    if not value or not at_02.is_valid(value):
        raise HTTPException(status_code=422, detail=_("Set the agency's SEPA creditor identifier (AGENCY_SEPA_CREDITOR_ID, as ES12ZZZB12345678) "
                                                      "before writing a direct-debit file."))
    return at_02.compact(value)


async def due_collections(collect_on: date) -> list[dict]:
    """What a file for ``collect_on`` collects: per active plan under a mandate that nothing stopped, its first
    instalment still owed (less what was paid towards it) due by then, unless it is already in a batch (or returned
    twice); one per mandate per file."""
    plans = await PaymentPlan.select(
        PaymentPlan.id, PaymentPlan.case, PaymentPlan.created_at, PaymentPlan.mandate_reference, PaymentPlan.debtor_iban,
        PaymentPlan.account_holder, PaymentPlan.mandate_signed_on, PaymentPlan.accepted_at, PaymentPlan.case.reference.as_alias("reference"),
        PaymentPlan.case.debtor.kind.as_alias("debtor_kind"), PaymentPlan.case.closed_at.as_alias("closed_at")).where(
        (PaymentPlan.status == "active") & PaymentPlan.mandate_reference.is_not_null() & (PaymentPlan.mandate_stopped == "")
        & (PaymentPlan.debtor_iban != ""))
    plans = [p for p in plans if p["closed_at"] is None]
    insolvent = await insolvent_cases([p["case"] for p in plans])  # a debtor in concurso is not debited (cases.insolvency)
    plans = [p for p in plans if p["case"] not in insolvent]
    if not plans:
        return []
    instalments: dict[int, list[dict]] = defaultdict(list)
    debits: dict[int, list[dict]] = defaultdict(list)  # instalment -> its direct debits
    collected_mandates: set[str] = set()
    plan_ids = [p["id"] for p in plans]
    for start in range(0, len(plan_ids), 1000):  # (asyncpg takes at most 32,767 arguments a statement)
        chunk = plan_ids[start:start + 1000]
        for r in await Instalment.select(Instalment.id, Instalment.plan, Instalment.number, Instalment.due_on, Instalment.amount_cents).where(
                Instalment.plan.is_in(chunk)).order_by(Instalment.number):
            instalments[r["plan"]].append(r)
        for r in await DirectDebit.select(DirectDebit.instalment, DirectDebit.status, DirectDebit.mandate_reference).where(
                DirectDebit.plan.is_in(chunk)):
            debits[r["instalment"]].append(r)
            if r["status"] == "collected":
                collected_mandates.add(r["mandate_reference"])
    payments = await payments_by_case(sorted({p["case"] for p in plans}))
    out = []
    for plan in plans:
        rows = instalments[plan["id"]]
        since = clock.day_of(plan["created_at"])
        paid = sum(p.cents for p in payments.get(plan["case"], ()) if towards(p, plan["created_at"]))
        by_number = {r["number"]: r for r in rows}
        for number, due_on, cents in left_of_instalments([(r["number"], r["due_on"], r["amount_cents"]) for r in rows], paid):
            if due_on > collect_on:
                break
            row = by_number[number]
            earlier = debits[row["id"]]
            if any(d["status"] in ("sent", "collected") for d in earlier):
                continue  # in a batch already (its payment, once collected, settles it)
            attempt = len(earlier) + 1  # (its slot: a cancelled file's collection counts here, not against the tries)
            if sum(d["status"] == "returned" for d in earlier) >= MAX_ATTEMPTS:
                continue
            signed = plan["mandate_signed_on"] or (clock.day_of(plan["accepted_at"]) if plan["accepted_at"] else since)
            out.append({"plan": plan["id"], "case": plan["case"], "reference": plan["reference"], "instalment": row["id"],
                        "number": number, "attempt": attempt, "amount_cents": cents, "mandate": plan["mandate_reference"],
                        "mandate_signed_on": signed, "iban": plan["debtor_iban"], "holder": plan["account_holder"] or plan["reference"],
                        "sequence": sequence_type(plan["mandate_reference"] in collected_mandates),
                        "instrument": instrument_for(plan["debtor_kind"]),
                        "end_to_end_id": end_to_end_id(plan["reference"], row["id"], attempt)})
            break  # one collection per mandate in a file
    return out


async def payments_by_case(case_ids: list[int]) -> dict[int, list[Payment]]:
    """Each case's payments that were not reversed, in one query per thousand cases."""
    out: dict[int, list[Payment]] = defaultdict(list)
    for start in range(0, len(case_ids), 1000):
        ids = case_ids[start:start + 1000]
        rows = await LedgerEntry.select(LedgerEntry.id, LedgerEntry.case, LedgerEntry.kind, LedgerEntry.booked_on, LedgerEntry.amount_cents,
                                        LedgerEntry.reverses, LedgerEntry.created_at).where(LedgerEntry.case.is_in(ids) & LedgerEntry.kind.is_in(["payment", "reversal"]))
        undone = {r["reverses"] for r in rows if r["kind"] == "reversal"}
        for r in rows:
            if r["kind"] == "payment" and r["id"] not in undone:
                out[r["case"]].append(Payment(r["booked_on"], r["amount_cents"], r["created_at"]))
    return out


@lru_cache(maxsize=1)
def _schema() -> etree.XMLSchema:
    """pain.008.001.02's XSD (as sepaxml ships it), read once by libxml2: fast enough for 50,000 collections."""
    import sepaxml  # lazy: sepaxml only when a direct-debit file is written

    return etree.XMLSchema(etree.parse(os.path.join(os.path.dirname(sepaxml.__file__), "schemas", f"{PAIN_008}.xsd")))


def pain008(collections: list[dict], collect_on: date, creditor_id: str) -> bytes:
    """The pain.008.001.02 file: one payment information block per scheme (CORE, B2B) and sequence, checked against the
    schema (sepaxml writes each scheme's document; the blocks are joined into one message and the whole validated)."""
    from sepaxml import SepaDD  # lazy: sepaxml only when a direct-debit file is written

    settings = get_settings()
    bic = IBAN(settings.agency_iban, allow_invalid=True).bic  # (pain.008.001.02 names the agency's bank: schwifty's registry)
    if bic is None:
        raise HTTPException(status_code=422, detail=_("The bank of the agency's account (AGENCY_PAYMENT_IBAN) is not in the BIC registry: "
                                                      "direct-debit files need it."))
    documents = []
    for instrument in ("CORE", "B2B"):
        mine = [c for c in collections if c["instrument"] == instrument]
        if not mine:
            continue
        dd = SepaDD({"name": settings.agency_name[:70], "IBAN": settings.agency_iban, "BIC": str(bic), "batch": True, "creditor_id": creditor_id,
                     "currency": "EUR", "instrument": instrument}, schema=PAIN_008, clean=True)
        for c in mine:
            dd.add_payment({"name": c["holder"][:70], "IBAN": c["iban"], "amount": int(c["amount_cents"]), "type": c["sequence"],
                            "collection_date": collect_on, "mandate_id": c["mandate"], "mandate_date": c["mandate_signed_on"],
                            "description": f"{c['reference']} {c['number']}"[:140], "endtoend_id": c["end_to_end_id"]})
        documents.append(etree.fromstring(dd.export(validate=False)))
    root = documents[0]
    ns = {"p": root.nsmap[None]}
    initiation = root.find("p:CstmrDrctDbtInitn", ns)
    for other in documents[1:]:
        for block in other.findall("p:CstmrDrctDbtInitn/p:PmtInf", ns):
            initiation.append(block)
    header = initiation.find("p:GrpHdr", ns)
    header.find("p:NbOfTxs", ns).text = str(len(collections))
    header.find("p:CtrlSum", ns).text = str(from_cents(sum(c["amount_cents"] for c in collections)))
    data = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    schema = _schema()
    if not schema.validate(etree.fromstring(data)):
        raise ClientException(detail=_("The direct-debit file did not pass the SEPA schema: %(error)s") % {"error": str(schema.error_log.last_error)[:200]})
    return data


async def write_batch(user: CurrentUser, collect_on: date, today: date) -> dict:
    """A direct-debit file for ``collect_on``: what is due by then under a mandate, each instalment in one batch only
    (two admins at once: one file takes them, the other is told), each debtor told the amount and the day."""
    creditor_id = creditor_identifier()
    if collect_on < today + timedelta(days=NOTICE_DAYS):
        raise ClientException(detail=_("Collect at least %(days)s days from today: each debtor is told the amount and the day before it.")
                              % {"days": NOTICE_DAYS})
    if collect_on > today + timedelta(days=90):
        raise ClientException(detail=_("Collect within 90 days from today."))
    collections = await due_collections(collect_on)
    if not collections:
        raise NothingToCollect(detail=_("Nothing to collect by %(day)s: no instalment under a mandate is due and not yet in a file.")
                               % {"day": i18n.format_day(collect_on)})
    data = pain008(collections, collect_on, creditor_id)
    sha = hashlib.sha256(data).hexdigest()
    key = f"direct-debits/{collect_on:%Y/%m}/{secrets.token_hex(16)}.xml"
    await storage().put_bytes(key, data, "application/xml")
    total = sum(c["amount_cents"] for c in collections)
    try:
        async with atomic():
            batch = (await DirectDebitBatch.insert(DirectDebitBatch(collect_on=collect_on, count=len(collections), total_cents=total, sha256=sha,
                                                                    storage_key=key, created_by=user.id)).returning(DirectDebitBatch.id))[0]["id"]
            # the collections and their timeline rows in bulk (COPY on PostgreSQL): a file may hold 50,000
            await bulk_insert(DirectDebit, ["batch", "case", "plan", "instalment", "slot", "attempt", "end_to_end_id", "mandate_reference",
                                            "sequence", "instrument", "amount_cents", "status", "ledger_entry", "return_reason", "returned_at",
                                            "notified_at"],
                              [(batch, c["case"], c["plan"], c["instalment"], f"{c['instalment']}:{c['attempt']}", c["attempt"], c["end_to_end_id"],
                                c["mandate"], c["sequence"], c["instrument"], c["amount_cents"], "sent", None, "", None, None) for c in collections])
            now = utcnow()
            await bulk_insert(CaseEvent, ["case", "kind", "actor", "at", "summary", "payload", "visible_to_creditor"],
                              [(c["case"], "direct_debit", user.id, now, "", json.dumps({
                                  "batch": batch, "amount": str(from_cents(c["amount_cents"])), "collect_on": collect_on.isoformat(),
                                  "instalment": c["number"], "attempt": c["attempt"], "mandate": c["mandate"], "sequence": c["sequence"]}),
                                True) for c in collections])
    except Exception as exc:
        await storage().delete(key)
        if is_unique_violation(exc):
            raise HTTPException(status_code=409, detail=_("Another direct-debit file took these instalments just now: look at the "
                                                          "batches, and write a new one only for what is left.")) from None
        raise
    return {"id": batch, "count": len(collections), "total": str(from_cents(total)), "sha256": sha,
            "download_url": f"/api/v1/direct-debits/batches/{batch}/file"}


async def send_notices(today: date) -> int:
    """Each direct debit's pre-notification, once (the worker, every round, for the debits still to collect): the
    amount, the day, the mandate and the creditor identifier, in the debtor's language, through the outbox (which
    sends it inside the debtor's contact window). No email on file: the negotiator is told to tell them another way."""
    due = await DirectDebit.select(DirectDebit.id, DirectDebit.case, DirectDebit.amount_cents, DirectDebit.mandate_reference,
                                   DirectDebit.batch.collect_on.as_alias("collect_on")).where(
        DirectDebit.notified_at.is_null() & (DirectDebit.status == "sent") & (DirectDebit.batch.collect_on >= today)).limit(500)
    done = 0
    for d in due:
        async with atomic():
            won = await DirectDebit.update({DirectDebit.notified_at: utcnow()}).where(
                (DirectDebit.id == d["id"]) & DirectDebit.notified_at.is_null()).returning(DirectDebit.id)
            if not won:
                continue
            try:
                await send_message(None, d["case"], "direct_debit_notice", today, automatic=True, extra={
                    "debit_amount": i18n.format_cents(d["amount_cents"], "EUR"), "debit_date": i18n.format_day(d["collect_on"]),
                    "mandate_reference": d["mandate_reference"]})
            except ClientException as exc:  # no email on file
                await events.record(d["case"], "direct_debit_notice_missing", None, str(exc.detail)[:300],
                                    {"collect_on": d["collect_on"].isoformat()})
                await Case.update({Case.next_action_at: utcnow()}).where(Case.id == d["case"])
            done += 1
    return done


async def send_notices_job(settings) -> int:
    return await send_notices(clock.today())


DEBIT_COLUMNS = (DirectDebit.id, DirectDebit.case, DirectDebit.plan, DirectDebit.amount_cents, DirectDebit.end_to_end_id, DirectDebit.status,
                 DirectDebit.ledger_entry, DirectDebit.batch.collect_on.as_alias("collect_on"))


async def collect_due(today: date) -> int:
    """Book, as payments, the direct debits whose collection day has come (the worker, daily; idempotent: each once,
    under its end-to-end id)."""
    due = await DirectDebit.select(*DEBIT_COLUMNS).where((DirectDebit.status == "sent") & (DirectDebit.batch.collect_on <= today))
    return sum([await _collect(d, today) is not None for d in due])


async def collect_one(debit_id: int, today: date) -> int | None:
    """One direct debit booked now (the bank says it arrived) or already: its payment's ledger entry."""
    d = await DirectDebit.select(*DEBIT_COLUMNS).where(DirectDebit.id == debit_id).first()
    if d is None or d["status"] == "returned":
        return None
    return d["ledger_entry"] if d["status"] == "collected" else await _collect(d, today)


async def collect_batch(batch_id: int, today: date, part: str = "") -> int:
    """Book the collections of a file the bank credited whole, or of one of its blocks ("CORE/FRST")."""
    query = DirectDebit.select(*DEBIT_COLUMNS).where((DirectDebit.batch == batch_id) & (DirectDebit.status == "sent"))
    if part:
        instrument, sequence = part.split("/")
        query = query.where((DirectDebit.instrument == instrument) & (DirectDebit.sequence == sequence))
    due = await query
    return sum([await _collect(d, today) is not None for d in due])


async def _collect(d: dict, today: date) -> int | None:
    """Book a sent direct debit as a payment of its case, on its collection day (not after today). Money beyond what the
    case owes then (a transfer arrived meanwhile) is booked whole and earns no fee, as an online payment's."""
    async with atomic():
        won = await DirectDebit.update({DirectDebit.status: "collected"}).where(
            (DirectDebit.id == d["id"]) & (DirectDebit.status == "sent")).returning(DirectDebit.id)
        if not won:
            return None
        await lock_case(d["case"])
        case = await Case.select(Case.id, Case.stage, Case.closed_at).where(Case.id == d["case"]).first()
        plan = await PaymentPlan.select(PaymentPlan.status).where(PaymentPlan.id == d["plan"]).first()
        if case["closed_at"] is not None or plan["status"] != "active":  # the case closed or the plan ended since the file
            await DirectDebit.update({DirectDebit.status: "cancelled"}).where(DirectDebit.id == d["id"])
            await events.record(d["case"], "direct_debit_cancelled", None, "", {"direct_debit": d["id"], "amount": str(from_cents(d["amount_cents"]))})
            return None
        owed = to_cents((await balance_of(case["id"], today)).outstanding)
        entry = await book_payment(case, d["amount_cents"], min(d["collect_on"], today), "direct_debit", d["end_to_end_id"],
                                   f"dd:{d['end_to_end_id']}", None, today, extra={"direct_debit": d["id"]},
                                   fee_on_cents=min(d["amount_cents"], max(owed, 0)))
        await DirectDebit.update({DirectDebit.ledger_entry: entry}).where(DirectDebit.id == d["id"])
    return entry


async def batch_paid_by(amount_cents: int, day: date) -> tuple[int, str] | None:
    """The direct-debit file, or the block of one (its scheme and sequence, "CORE/FRST"; "" for the whole file), that a
    credit of this amount pays whole, within five days of its collection day (rules.file_part_paid)."""
    batches = await DirectDebitBatch.select(DirectDebitBatch.id, DirectDebitBatch.total_cents).where(
        (DirectDebitBatch.collect_on >= day - timedelta(days=5)) & (DirectDebitBatch.collect_on <= day + timedelta(days=5)))
    if not batches:
        return None
    blocks: dict[tuple[int, str], int] = {}
    for d in await DirectDebit.select(DirectDebit.batch, DirectDebit.instrument, DirectDebit.sequence, DirectDebit.amount_cents).where(
            DirectDebit.batch.is_in([b["id"] for b in batches])):
        key = (d["batch"], f"{d['instrument']}/{d['sequence']}")
        blocks[key] = blocks.get(key, 0) + d["amount_cents"]
    return file_part_paid(amount_cents, [(b["id"], "", b["total_cents"]) for b in batches] + [(b, part, t) for (b, part), t in blocks.items()])


async def collect_due_job(settings) -> int:
    return await collect_due(clock.today())


async def record_return(user: CurrentUser, debit_id: int, reason: str, today: date, returned_on: date | None = None) -> dict:
    """A direct debit returned (R-transaction, with its ISO reason code): its payment reversed with its fee, and what
    follows: presented once more (AM04, MS03) or no more under that mandate, the negotiator told (the rest).
    ``returned_on``: the day the bank took the money back, as its notice says (a person recording it later), not
    after today nor before the collection day; the reversal is booked on it."""
    code = str(reason or "").strip().upper()
    if len(code) != 4 or not code.isalnum():
        raise ClientException(detail=_("The reason is an ISO return code of 4 characters: %(codes)s.") % {"codes": ", ".join(RETURN_REASONS)})
    d = await DirectDebit.select().where(DirectDebit.id == debit_id).first()
    if d is None:
        raise NotFoundException(detail=_("Not found."))
    if d["status"] == "returned":
        raise HTTPException(status_code=409, detail=_("This direct debit's return is already recorded."))
    then = after_return(code, d["attempt"])
    if returned_on is not None:
        batch = await DirectDebitBatch.select(DirectDebitBatch.collect_on).where(DirectDebitBatch.id == d["batch"]).first()
        collected = min(batch["collect_on"], today)  # (the day its payment is booked on)
        if not collected <= returned_on <= today:
            raise ClientException(detail=_("The day of the return is between the collection day (%(day)s) and today.") % {
                "day": i18n.format_day(collected)})
        today = returned_on
    async with atomic():
        # (the payment as the update leaves it: a collection booked a moment ago is reversed too)
        won = await DirectDebit.update({DirectDebit.status: "returned", DirectDebit.return_reason: code, DirectDebit.returned_at: utcnow()}).where(
            (DirectDebit.id == debit_id) & (DirectDebit.status != "returned")).returning(DirectDebit.ledger_entry)
        if not won:
            raise HTTPException(status_code=409, detail=_("This direct debit's return is already recorded."))
        label = RETURN_REASONS.get(code, (None, code))[1]
        if won[0]["ledger_entry"] and not await LedgerEntry.exists().where(LedgerEntry.idempotency_key == f"reversal:{won[0]['ledger_entry']}"):
            payment = await LedgerEntry.select(LedgerEntry.id, LedgerEntry.amount_cents).where(LedgerEntry.id == won[0]["ledger_entry"]).first()
            await reverse(user, d["case"], payment, _("Direct debit returned: %(code)s (%(label)s)") % {"code": code, "label": label}, today)
        if then == "stop":
            await PaymentPlan.update({PaymentPlan.mandate_stopped: code}).where(PaymentPlan.id == d["plan"])
            await Case.update({Case.next_action_at: utcnow()}).where(Case.id == d["case"])  # the negotiator's queue: now
        await events.record(d["case"], "direct_debit_returned", user, "", {
            "direct_debit": debit_id, "code": code, "amount": str(from_cents(d["amount_cents"])), "then": then}, visible_to_creditor=True)
    return {"id": debit_id, "status": "returned", "reason": code, "then": then}


async def cancel_batch(user: CurrentUser, batch_id: int) -> dict:
    """A file the bank refused whole (or that was never sent): its collections are cancelled, each case's timeline says
    so, and their instalments go into the next file. Once one of them is booked the file went through: a 409, and each
    debtor's return is recorded instead."""
    if not await DirectDebitBatch.exists().where(DirectDebitBatch.id == batch_id):
        raise NotFoundException(detail=_("Not found."))
    async with atomic():
        if await DirectDebit.exists().where((DirectDebit.batch == batch_id) & DirectDebit.status.is_in(["collected", "returned"])):
            raise HTTPException(status_code=409, detail=_("This file's collections are booked already: record each return instead."))
        cancelled = await DirectDebit.update({DirectDebit.status: "cancelled"}).where(
            (DirectDebit.batch == batch_id) & (DirectDebit.status == "sent")).returning(DirectDebit.case, DirectDebit.amount_cents)
        for d in cancelled:
            await events.record(d["case"], "direct_debit_cancelled", user, "", {"batch": batch_id, "amount": str(from_cents(d["amount_cents"]))})
    return {"id": batch_id, "cancelled": len(cancelled)}


async def batch_list(limit: int = 30) -> list[dict]:
    return await DirectDebitBatch.select(*DirectDebitBatch.all_columns(), DirectDebitBatch.created_by.name.as_alias("author")).order_by(
        DirectDebitBatch.id, ascending=False).limit(limit)


async def batch_detail(batch_id: int) -> dict:
    batch = await DirectDebitBatch.select().where(DirectDebitBatch.id == batch_id).first()
    if batch is None:
        raise NotFoundException(detail=_("Not found."))
    debits = await DirectDebit.select(*DirectDebit.all_columns(), DirectDebit.case.reference.as_alias("reference"),
                                      DirectDebit.instalment.number.as_alias("number")).where(DirectDebit.batch == batch_id).order_by(DirectDebit.id)
    return {"batch": batch, "debits": debits}


async def debit_by_end_to_end(text: str) -> dict | None:
    """The direct debit a returned line of a bank statement names (its end-to-end id in the line, as the bank wrote it)."""
    if not text:
        return None
    return await DirectDebit.select(DirectDebit.id, DirectDebit.status, DirectDebit.case).where(
        DirectDebit.end_to_end_id == text.strip()[:35]).first()


async def record_mandate(user: CurrentUser, case_id: int, iban: str, holder: str, signed_on: date, today: date) -> dict:
    """A SEPA mandate the debtor signed on paper, recorded by staff on the case's active plan: the plan is paid by direct
    debit from then on (a new mandate reference; the earlier one, if any, stays on the timeline)."""
    await open_case(user, case_id)  # (visible to the caller, and open)
    plan = await PaymentPlan.select(PaymentPlan.id, PaymentPlan.mandate_reference, PaymentPlan.debtor_iban, PaymentPlan.created_at).where(
        (PaymentPlan.case == case_id) & (PaymentPlan.status == "active")).first()
    if plan is None:
        raise HTTPException(status_code=409, detail=_("Agree an instalment plan first: a mandate pays a plan's instalments."))
    try:
        account = IBAN(str(iban or ""))
    except SchwiftyException:
        raise ClientException(detail=_("The IBAN does not check: type it as it is on the signed form.")) from None
    if not account.in_sepa_zone:
        raise ClientException(detail=_("A SEPA direct debit is drawn on an account in the SEPA area."))
    name = " ".join(str(holder or "").split())[:140]
    if not name:
        raise ClientException(detail=_("Write the account holder's name, as on the signed form."))
    if signed_on > today:
        raise ClientException(detail=_("The mandate cannot be signed in the future."))
    if signed_on < today - timedelta(days=36 * 30):  # a mandate unused for 36 months lapses (SEPA rulebook)
        raise ClientException(detail=_("A mandate signed more than 36 months ago and never used has lapsed: have a new one signed."))
    reference = (await Case.select(Case.reference).where(Case.id == case_id).first())["reference"]
    mandate = f"{reference}-M{plan['id']}-{secrets.token_hex(2).upper()}"[:35]
    async with atomic():
        await PaymentPlan.update({PaymentPlan.method: "sepa_direct_debit", PaymentPlan.mandate_reference: mandate,
                                  PaymentPlan.debtor_iban: account.compact, PaymentPlan.account_holder: name,
                                  PaymentPlan.mandate_signed_on: signed_on, PaymentPlan.mandate_stopped: ""}).where(PaymentPlan.id == plan["id"])
        await events.record(case_id, "mandate", user, "", {"plan": plan["id"], "mandate": mandate, "signed_on": signed_on.isoformat(),
                                                          "iban_last4": account.compact[-4:], "replaces": plan["mandate_reference"]},
                            visible_to_creditor=True)
    return {"mandate_reference": mandate, "plan": plan["id"], "signed_on": signed_on.isoformat()}


async def debit_by_mandate(mandate: str, amount_cents: int) -> dict | None:
    """The collection of this amount under this mandate that a credit can be (sent or collected, and no line brought
    it yet: the oldest first)."""
    rows = await DirectDebit.select(DirectDebit.id, DirectDebit.status, DirectDebit.case, DirectDebit.ledger_entry).where(
        (DirectDebit.mandate_reference == mandate.strip()[:35]) & (DirectDebit.amount_cents == amount_cents)
        & DirectDebit.status.is_in(["sent", "collected"])).order_by(DirectDebit.id)
    for r in rows:
        if r["ledger_entry"] is None or not await StatementLine.exists().where(StatementLine.ledger_entry == r["ledger_entry"]):
            return r
    return None


async def mandate_known(mandate: str) -> bool:
    return await PaymentPlan.exists().where(PaymentPlan.mandate_reference == mandate.strip()[:35])
