"""Bank statements: a file uploaded (Norma 43 or camt.053) is kept whole, every movement of it becomes a line, and
each credit naming a case (its reference, a direct-debit mandate, or the IBAN of a debtor whose plan has an instalment
of that amount due) is booked as a payment of that case, exactly once: the line's fingerprint is the payment's
idempotency key, so the same file again, or two people uploading it at once, books nothing more. What cannot be
matched waits for a person on the reconciliation page (DESIGN.md "Money that arrives by itself")."""
from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from litestar.exceptions import ClientException, HTTPException, NotFoundException

from agency import clock, i18n
from agency.auth import CurrentUser
from agency.db import atomic, bulk_insert, fetch_records, is_sqlite, is_unique_violation, utcnow
from agency.i18n import gettext as _
from agency.storage import storage
from cases.bank import debits
from cases.bank.camt053 import looks_like_xml, parse_statement
from cases.bank.norma43 import StatementError
from cases.bank.rules import references_in
from cases.billing.balances import balance_of
from cases.money import from_cents
from cases.payments.service import Incoming, book_payments, record_payment
from cases.tables import BankStatement, Case, DirectDebit, Instalment, LedgerEntry, PaymentPlan, Remittance, StatementLine

MAX_STATEMENT_BYTES = 20 * 1024 * 1024  # a year of a busy account's Norma 43 is a few MB


def account_of(account) -> str:
    """The account a statement is for: its IBAN, or a Norma 43 file's bank, branch and account number."""
    return (getattr(account, "iban", "") or f"{account.bank}{account.branch}{account.number}")[:34]


def concept_of(line) -> str:
    # (the bank's concept codes are not words: the text of the 23 records, or camt's remittance information, and references)
    parts = [*getattr(line, "concepts", ()), getattr(line, "reference1", ""), getattr(line, "reference2", "")]
    return " ".join(" ".join(p.split()) for p in parts if p and p.strip())[:2000]


# A statement's lines, written by the driver's bulk path (every column given; what each became is decided after).
LINE_COLUMNS = ["statement", "fingerprint", "position", "booked_on", "value_on", "amount_cents", "concept", "reference", "end_to_end_id",
                "mandate_id", "counterparty_name", "counterparty_iban", "return_reason", "status", "matched_by", "note", "case"]


@dataclass
class Imported:
    statements: list[int]
    format: str
    lines: int
    matched: int
    unmatched: int
    created: bool


async def import_statement(user: CurrentUser, filename: str, data: bytes, today: date) -> Imported:
    """Keep the file, record its lines, book what names a case. A file refused (truncated, totals that do not add up,
    not euro...) is a 400 with the line and the reason, and nothing is kept."""
    if not data:
        raise ClientException(detail=_("The file is empty."))
    if len(data) > MAX_STATEMENT_BYTES:
        raise ClientException(detail=_("The file is larger than %(mb)s MB.") % {"mb": MAX_STATEMENT_BYTES // (1024 * 1024)})
    try:
        kind = "camt053" if looks_like_xml(data) else "n43"
        parsed = parse_statement(data)
    except StatementError as exc:
        where = _("line %(n)s: ") % {"n": exc.line} if exc.line else ""
        raise ClientException(detail=_("The statement was refused, nothing was booked: %(where)s%(reason)s") % {
            "where": where, "reason": str(exc.reason)}) from None
    sha = hashlib.sha256(data).hexdigest()
    seen = await BankStatement.select(BankStatement.id).where(BankStatement.file_sha256 == sha).order_by(BankStatement.id)
    if seen:  # the same file again: the same statements, nothing more booked
        ids = [r["id"] for r in seen]
        return Imported(ids, kind, *(await _counts(ids)), created=False)
    key = f"bank-statements/{utcnow():%Y/%m}/{secrets.token_hex(16)}.{'xml' if kind == 'camt053' else 'n43'}"
    await storage().put_bytes(key, data, "application/xml" if kind == "camt053" else "text/plain")
    ids: list[int] = []
    by_reference: dict[str, int] = {}  # the cases the credits name, read once for keeping the lines and for matching them
    looked_up: set[str] = set()
    lines: list[dict] = []
    try:
        # One transaction: the statements, every payment their credits book (with its fee, event, commitments and score)
        # and the lines, written once each in what it became (booked, waiting with why, a return). A line is never
        # written and then updated: nothing else can reach a line before the transaction ends, since none exists.
        async with atomic():
            for account in parsed.accounts:
                acct = account_of(account)
                row = (await BankStatement.insert(BankStatement(
                    format=kind, filename=filename[:200], file_sha256=sha, source=f"{sha}/{acct}", storage_key=key, account=acct,
                    starts_on=account.start, ends_on=account.end, opening_cents=account.opening_cents, closing_cents=account.closing_cents,
                    uploaded_by=user.id)).returning(BankStatement.id))[0]
                ids.append(row["id"])
                fingerprints = [line.fingerprint for line in account.lines]
                known = set()
                for start in range(0, len(fingerprints), 1000):  # (asyncpg takes at most 32,767 arguments a statement)
                    chunk = fingerprints[start:start + 1000]
                    known |= {r["fingerprint"] for r in await fetch_records(
                        f"SELECT fingerprint FROM statement_lines WHERE fingerprint IN ({', '.join(['{}'] * len(chunk))})", *chunk)}
                fresh = [line for line in account.lines if line.fingerprint not in known]  # (a line another file brought already)
                # each credit with the case its reference names, if exactly one (what matching books it to, or holds it for)
                concepts = [concept_of(line) for line in fresh]  # (each worked out once: twenty thousand lines)
                names = [references_in(f"{concept} {getattr(line, 'document', '')}") if line.amount_cents > 0 else []
                         for line, concept in zip(fresh, concepts)]
                named = {r for refs in names for r in refs}
                by_reference.update(await _cases_by_reference(named - looked_up))
                looked_up |= named
                lines += [_line_row(row["id"], line, concept, _named_case(refs, by_reference)) for line, concept, refs in zip(fresh, concepts, names)]
            await _match_lines(user, [line for line in lines if line["status"] == "waiting"], today, (by_reference, looked_up))
            await _returns(user, [line for line in lines if line["status"] == "debit"], today)
            await bulk_insert(StatementLine, STORED_COLUMNS, [tuple(line[c] for c in STORED_COLUMNS) for line in lines])
    except Exception as exc:
        await storage().delete(key)
        if is_unique_violation(exc):  # the same file uploaded at the same moment by someone else: theirs stands
            ids = [r["id"] for r in await BankStatement.select(BankStatement.id).where(BankStatement.file_sha256 == sha)]
            return Imported(ids, kind, *(await _counts(ids)), created=False)
        raise
    return Imported(ids, kind, len(lines), sum(line["status"] == "booked" for line in lines),
                    sum(line["status"] == "waiting" for line in lines), created=True)


# A statement's line as written: every column given, in what it became.
STORED_COLUMNS = [*LINE_COLUMNS, "ledger_entry", "decided_by", "decided_at"]


def _line_row(statement_id: int, line, concept: str, case_id: int | None) -> dict:
    """A movement of the file as the row it will be, before matching: a credit waiting, with the case its reference
    names (if exactly one: ``case_id``); a debit, money out. ``concept``: concept_of(line)."""
    credit = line.amount_cents > 0
    return {"statement": statement_id, "fingerprint": line.fingerprint, "position": line.number_in_file, "booked_on": line.operation_date,
            "value_on": line.value_date, "amount_cents": line.amount_cents, "concept": concept,
            "reference": " ".join(getattr(line, "document", "").split())[:140], "end_to_end_id": (getattr(line, "end_to_end_id", "") or "")[:35],
            "mandate_id": (getattr(line, "mandate_id", "") or "")[:35], "counterparty_name": (getattr(line, "counterparty_name", "") or "")[:140],
            "counterparty_iban": (getattr(line, "counterparty_iban", "") or "").replace(" ", "")[:34],
            "return_reason": (getattr(line, "return_reason", "") or "")[:4], "status": "waiting" if credit else "debit", "matched_by": "",
            "note": "", "case": case_id if credit else None, "ledger_entry": None, "decided_by": None, "decided_at": None}


_END_TO_END = re.compile(r"EXP-\d{4}-\d{6}-I\d+-A\d+", re.IGNORECASE)


async def _returns(user: CurrentUser, lines: list[dict], today: date) -> int:
    """The debits among these lines (not yet written) that are returns of the agency's direct debits (their end-to-end
    id on the line, camt's return reason, or as a Norma 43 bank writes it in the concept): each recorded as the debit's
    return, once, and the line says so."""
    done = 0
    for line in lines:
        named = [line["end_to_end_id"]] + _END_TO_END.findall(f"{line['concept']} {line['reference']}")
        debit = None
        for e2e in named:
            debit = await debits.debit_by_end_to_end(e2e.upper())
            if debit:
                break
        if debit is None or debit["status"] == "returned":
            continue
        try:
            # (a Norma 43 return names no reason: NARR, which stops collecting until a person looks)
            # (dated the day the bank took the money back, as the statement says)
            done_return = await debits.record_return(user, debit["id"], line["return_reason"] or "NARR", min(line["booked_on"], today))
        except HTTPException:  # (recorded meanwhile by someone else)
            continue
        line.update({"case": debit["case"], "matched_by": "return", "decided_by": user.id, "decided_at": utcnow(), "note": f"{done_return['reason']}"})
        done += 1
    return done


async def _counts(ids: list[int]) -> tuple[int, int, int]:
    rows = await StatementLine.select(StatementLine.status).where(StatementLine.statement.is_in(ids)) if ids else []
    return len(rows), sum(r["status"] == "booked" for r in rows), sum(r["status"] == "waiting" for r in rows)


# --- matching -------------------------------------------------------------------------------------------------

async def _cases_by_reference(references: set[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    wanted = sorted(references)
    for start in range(0, len(wanted), 5000):  # (fixed SQL: Piccolo weighs each of twenty thousand references otherwise)
        chunk = wanted[start:start + 5000]
        found.update({r["reference"]: r["id"] for r in await fetch_records(
            f"SELECT id, reference FROM collection_cases WHERE reference IN ({', '.join(['{}'] * len(chunk))})", *chunk)})
    return found


def _named_case(references: list[str], by_reference: dict[str, int]) -> int | None:
    """The one case a line's concept names by reference, if exactly one (what matching will book it to, or hold it for)."""
    cases = {by_reference[r] for r in references if r in by_reference}
    return cases.pop() if len(cases) == 1 else None


async def _plans_by_iban(ibans: set[str]) -> dict[str, list[tuple[int, set[int]]]]:
    """IBAN -> [(case, amounts of its instalments still due)] for the active plans paid from that account."""
    if not ibans:
        return {}
    plans = await PaymentPlan.select(PaymentPlan.id, PaymentPlan.case, PaymentPlan.debtor_iban).where(
        PaymentPlan.debtor_iban.is_in(sorted(ibans)) & (PaymentPlan.status == "active"))
    dues: dict[int, set[int]] = {}
    if plans:
        for r in await Instalment.select(Instalment.plan, Instalment.amount_cents).where(
                Instalment.plan.is_in([p["id"] for p in plans]) & (Instalment.status != "paid")):
            dues.setdefault(r["plan"], set()).add(r["amount_cents"])
    out: dict[str, list[tuple[int, set[int]]]] = {}
    for p in plans:
        out.setdefault(p["debtor_iban"], []).append((p["case"], dues.get(p["id"], set())))
    return out


def _match(line: dict, named: list[str], by_reference: dict[str, int], by_iban: dict) -> tuple[int | None, str, str]:
    """(case, how, why not): the one case a credit names, by its reference (one reference of one case) or its debtor's
    IBAN with the amount of an instalment due (a transfer from that account: a direct debit names its own end-to-end id
    or mandate, and is the direct debit's); None and why when it names none or several."""
    refs = {r for r in named if r in by_reference}  # (named: references_in(the line's concept and reference))
    cases = {by_reference[r] for r in refs}
    if len(cases) == 1:
        return cases.pop(), "reference", ""
    if len(cases) > 1:
        return None, "", _("It names several cases: %(refs)s.") % {"refs": ", ".join(sorted(refs))}
    plans = [case for case, dues in by_iban.get(line["counterparty_iban"], []) if line["amount_cents"] in dues]
    if len(set(plans)) == 1:
        return plans[0], "iban", ""
    return None, "", _("It names no case.")


def _hold(line: dict, why: str, case_id: int | None = None) -> None:
    """The line waits for a person, with why (and the case it seems to be for)."""
    line["note"] = str(why)[:300]
    if case_id is not None:
        line["case"] = case_id


async def _match_lines(user: CurrentUser, lines: list[dict], today: date, known: tuple[dict[str, int], set[str]]) -> int:
    """Book the waiting credits among these lines (not yet written) that name a case, and say in each line what it
    became; the others keep waiting, with why. A credit that is one of the agency's direct debits (its end-to-end id
    or mandate) or a whole file's is the direct debits' money, never a transfer as well; a credit for a case that
    already has a payment of that amount recorded by hand within five days waits for a person (it may be that same
    payment). Inside the import's transaction."""
    if not lines:
        return 0
    names = [references_in(f"{line['concept']} {line['reference']}") for line in lines]
    refs = {r for named in names for r in named}
    by_reference = known[0]
    if not refs <= known[1]:  # (the import read them already, when it made the lines, but for a reference cut short)
        by_reference = {**by_reference, **await _cases_by_reference(refs - known[1])}
    by_iban = await _plans_by_iban({line["counterparty_iban"] for line in lines if line["counterparty_iban"]})
    booked = 0
    matched: list[tuple[dict, int, str]] = []
    batches_taken: set[str] = set()  # (the direct-debit files and blocks a line of this import took already)
    for line, named in zip(lines, names):
        debit = await _direct_debit_credit(user, line, today)
        if debit is not None:  # the agency's own direct debit: booked by it, or held with why
            booked += debit
            continue
        case_id, how, why = _match(line, named, by_reference, by_iban)
        if case_id is None:
            if not named and await _whole_batch(user, line, today, batches_taken):
                booked += 1
            else:
                _hold(line, why)
            continue
        matched.append((line, case_id, how))
    by_hand = await _recorded_by_hand(matched)
    for n, (line, case_id, _how) in enumerate(matched):
        if (earlier := by_hand.get(n)) is not None:
            _hold(line, _("A payment of this amount was recorded by hand on %(day)s: book this line only if it is another one.")
                  % {"day": i18n.format_day(earlier)}, case_id)
    matched = [m for n, m in enumerate(matched) if n not in by_hand]
    for start in range(0, len(matched), 1000):
        booked += await book_lines(user, matched[start:start + 1000], today)
        if start == 0 and len(matched) > 1000 and not is_sqlite():
            # After a bulk load the planner must know the tables grew (PostgreSQL's advice: ANALYZE after loading), or
            # it reads a table of thousands of payments as the empty one its statistics remember, once per case. (Inside
            # the transaction: ANALYZE counts the rows it wrote itself.)
            await fetch_records("ANALYZE ledger_entries, case_events")
    return booked


async def _our_debit(line: dict) -> dict | None:
    """The agency's direct debit a line names: its end-to-end id (camt), as a bank writes it in the concept (Norma 43),
    or its mandate with the amount of a collection of it."""
    for e2e in [line["end_to_end_id"], *_END_TO_END.findall(f"{line['concept']} {line['reference']}")]:
        if e2e and (debit := await debits.debit_by_end_to_end(e2e.upper())):
            return debit
    if line["mandate_id"]:
        return await debits.debit_by_mandate(line["mandate_id"], abs(line["amount_cents"]))
    return None


async def _direct_debit_credit(user: CurrentUser, line: dict, today: date) -> int | None:
    """A credit that is one of the agency's direct debits: 1 when its payment is booked (by the direct debit, now at
    the latest) and the line says so; 0 when it is held (the debit was returned, or the line names a mandate with no
    collection of that amount); None when it is no direct debit of ours."""
    debit = await _our_debit(line)
    if debit is None:
        if line["mandate_id"] and await debits.mandate_known(line["mandate_id"]):
            _hold(line, _("It names mandate %(mandate)s, but no collection of this amount under it.") % {"mandate": line["mandate_id"]})
            return 0
        return None
    if debit["status"] == "returned":
        _hold(line, _("It is a direct debit already returned: look at it before booking anything."), debit["case"])
        return 0
    entry = await debits.collect_one(debit["id"], today)
    line.update({"status": "booked", "case": debit["case"], "ledger_entry": entry, "matched_by": "direct_debit", "decided_by": user.id,
                 "decided_at": utcnow(), "note": ""})
    return 1


def file_note(batch: int, part: str) -> str:
    """How a line booked as a direct-debit file's credit names it: "ADD-7", or "ADD-7/CORE/RCUR" for one block."""
    return f"ADD-{batch}/{part}" if part else f"ADD-{batch}"


_FILE_NOTE = re.compile(r"ADD-(\d+)(?:/([A-Z0-9]+)/([A-Z]+))?$")


async def _whole_batch(user: CurrentUser, line: dict, today: date, taken_here: set[str]) -> bool:
    """A credit naming no case that is a whole direct-debit file's total, or one of its blocks' (within five days of its
    collection day), and no other line took that file or block (an earlier statement's, or this import's: taken_here,
    the notes of its lines booked so): its payments are the direct debits'."""
    found = await debits.batch_paid_by(line["amount_cents"], line["value_on"] or line["booked_on"])
    if found is None:
        return False
    batch, part = found
    whole = file_note(batch, "")
    taken = (StatementLine.note == whole) | (StatementLine.note == file_note(batch, part)) if part else \
        (StatementLine.note == whole) | StatementLine.note.like(f"{whole}/%")
    if part:
        here = whole in taken_here or file_note(batch, part) in taken_here
    else:
        here = whole in taken_here or any(note.startswith(f"{whole}/") for note in taken_here)
    if here or await StatementLine.exists().where((StatementLine.matched_by == "dd_batch") & taken):
        return False
    await debits.collect_batch(batch, today, part)
    line.update({"status": "booked", "matched_by": "dd_batch", "decided_by": user.id, "decided_at": utcnow(), "note": file_note(batch, part)})
    taken_here.add(line["note"])
    return True


async def _recorded_by_hand(matched: list[tuple[dict, int, str]]) -> dict[int, date]:
    """Index in ``matched`` -> the day of a payment of its case of exactly its amount, within five days of the line,
    that no statement line, direct debit nor card brought (a person keyed it in from a receipt)."""
    found: dict[int, date] = {}
    for start in range(0, len(matched), 1000):
        chunk = matched[start:start + 1000]
        days = [line["value_on"] or line["booked_on"] for line, _c, _h in chunk]
        rows = [r for r in await LedgerEntry.select(LedgerEntry.id, LedgerEntry.case, LedgerEntry.amount_cents, LedgerEntry.booked_on,
                                                    LedgerEntry.idempotency_key).where(
            LedgerEntry.case.is_in(sorted({case_id for _l, case_id, _h in chunk})) & (LedgerEntry.kind == "payment")
            & (LedgerEntry.booked_on >= min(days) - timedelta(days=5)) & (LedgerEntry.booked_on <= max(days) + timedelta(days=5)))
            if not (r["idempotency_key"] or "").startswith(("pay:bank:", "dd:", "redsys:"))]
        if not rows:
            continue
        brought = {r["ledger_entry"] for r in await StatementLine.select(StatementLine.ledger_entry).where(
            StatementLine.ledger_entry.is_in([r["id"] for r in rows]))}
        for n, ((line, case_id, _how), day) in enumerate(zip(chunk, days), start=start):
            for r in rows:
                if (r["case"] == case_id and r["amount_cents"] == line["amount_cents"] and abs((r["booked_on"] - day).days) <= 5
                        and r["id"] not in brought):
                    found[n] = r["booked_on"]
                    break
    return found


async def book_lines(user: CurrentUser, matched: list[tuple[dict, int, str]], today: date) -> int:
    """Many credits not yet written, each with the case it names and how, booked as book_line books one (book_payments:
    the same payments, read and written together), in the import's transaction; each line says what it became: booked,
    with the payment's case and entry and how it was matched; or still waiting for a person, with why (a closed case,
    more than is owed) and the case it seems to be for. How many were booked."""
    outcome = await book_payments(user, [Incoming(case_id, line["amount_cents"], min(line["value_on"] or line["booked_on"], today), "transfer",
                                                  (line["concept"] or line["reference"])[:100], f"pay:bank:{line['fingerprint']}")
                                         for line, case_id, _how in matched], today)
    now = utcnow()
    booked = 0
    for line, case_id, how in matched:
        result = outcome[f"pay:bank:{line['fingerprint']}"]
        if isinstance(result, int):
            line.update({"status": "booked", "case": case_id, "ledger_entry": result, "matched_by": how, "note": "", "decided_by": user.id,
                         "decided_at": now})
            booked += 1
        else:
            line.update({"status": "waiting", "case": case_id, "ledger_entry": None, "matched_by": "", "note": str(result)[:300]})
    return booked


async def book_line(user: CurrentUser, line: dict, case_id: int, how: str, today: date) -> int:
    """The line's credit as a payment of the case (a transfer; the line's fingerprint its idempotency key), and the
    line marked with what it became. Returns the ledger entry."""
    received = line["value_on"] or line["booked_on"]
    async with atomic():  # the line taken and its payment booked together: a decision made meanwhile wins, whole
        claimed = await StatementLine.update({StatementLine.status: "booked", StatementLine.case: case_id, StatementLine.matched_by: how,
                                              StatementLine.decided_by: user.id, StatementLine.decided_at: utcnow(), StatementLine.note: ""}).where(
            (StatementLine.id == line["id"]) & (StatementLine.status == "waiting")).returning(StatementLine.id)
        if not claimed:
            raise HTTPException(status_code=409, detail=_("This line was decided meanwhile."))
        entry_id, _created = await record_payment(user, case_id, from_cents(line["amount_cents"]), min(received, today), "transfer",
                                                  (line["concept"] or line["reference"])[:100], f"bank:{line['fingerprint']}", today)
        await StatementLine.update({StatementLine.ledger_entry: entry_id}).where(StatementLine.id == line["id"])
    return entry_id


# --- a person's decisions ---------------------------------------------------------------------------------------

async def waiting_line(statement_id: int, line_id: int) -> dict:
    line = await StatementLine.select().where((StatementLine.id == line_id) & (StatementLine.statement == statement_id)).first()
    if line is None:
        raise NotFoundException(detail=_("Not found."))
    if line["status"] != "waiting":
        raise HTTPException(status_code=409, detail=_("This line is already decided: %(status)s.") % {"status": str(LINE_STATUS[line["status"]])})
    return line


async def match_by_hand(user: CurrentUser, statement_id: int, line_id: int, case_id: int, today: date) -> int:
    line = await waiting_line(statement_id, line_id)
    if not await Case.exists().where(Case.id == case_id):
        raise ClientException(detail=_("There is no case %(id)s.") % {"id": case_id})
    return await book_line(user, line, case_id, "hand", today)


async def case_by_reference(text: str) -> int | None:
    """The case a person typed the reference of (as the bank would mangle it: lower case, no dashes)."""
    refs = references_in(str(text or ""))
    return (await _cases_by_reference(set(refs[:1]))).get(refs[0]) if refs else None


async def not_ours(user: CurrentUser, statement_id: int, line_id: int) -> None:
    await waiting_line(statement_id, line_id)
    async with atomic():
        await StatementLine.update({StatementLine.status: "not_ours", StatementLine.decided_by: user.id, StatementLine.decided_at: utcnow()}).where(
            (StatementLine.id == line_id) & (StatementLine.status == "waiting"))


LINE_STATUS = {"booked": i18n.lazy_gettext("booked"), "waiting": i18n.lazy_gettext("waiting"),
               "not_ours": i18n.lazy_gettext("not ours"), "debit": i18n.lazy_gettext("money out")}


async def candidates(line: dict, today: date, limit: int = 5) -> list[dict]:
    """The cases a waiting credit may be for, best first, with why: the case it names but could not take, a debtor
    paying from that IBAN, an instalment or a balance of exactly that amount, a debtor of that name."""
    found: dict[int, list[str]] = {}

    def add(case_id: int, why: str) -> None:
        found.setdefault(case_id, [])
        if why not in found[case_id]:
            found[case_id].append(why)

    if line["case"]:
        add(line["case"], str(_("named in the concept")))
    if line["counterparty_iban"]:
        for r in await PaymentPlan.select(PaymentPlan.case).where(PaymentPlan.debtor_iban == line["counterparty_iban"]).limit(limit):
            add(r["case"], str(_("the debtor pays from this account")))
    for r in await Instalment.select(Instalment.plan.case.as_alias("case")).where(
            (Instalment.amount_cents == line["amount_cents"]) & (Instalment.status != "paid") & (Instalment.plan.status == "active")).limit(limit):
        add(r["case"], str(_("an instalment of this amount is due")))
    words = [w for w in "".join(ch if ch.isalnum() else " " for ch in line["counterparty_name"].upper()).split() if len(w) > 3][:3]
    if words:
        query = Case.select(Case.id).where(Case.closed_at.is_null())
        for word in words:
            query = query.where(Case.debtor.name.ilike(f"%{word}%"))
        for r in await query.limit(limit):
            add(r["id"], str(_("the debtor's name")))
    if not found:
        return []
    rows = await Case.select(Case.id, Case.reference, Case.debtor.name.as_alias("debtor"), Case.organisation.legal_name.as_alias("creditor"),
                             Case.closed_at).where(Case.id.is_in(list(found)))
    out = []
    for r in sorted(rows, key=lambda r: -len(found[r["id"]])):
        owed = (await balance_of(r["id"], today)).outstanding if r["closed_at"] is None else Decimal(0)
        out.append({"id": r["id"], "reference": r["reference"], "debtor": r["debtor"], "creditor": r["creditor"], "why": found[r["id"]],
                    "outstanding": str(owed)})
    return out[:limit]



# --- reading -----------------------------------------------------------------------------------------------------

async def statement_list(limit: int = 50) -> list[dict]:
    """The latest statements with how many of their lines were booked and how many wait."""
    rows = await BankStatement.select(BankStatement.id, BankStatement.format, BankStatement.filename, BankStatement.account,
                                      BankStatement.starts_on, BankStatement.ends_on, BankStatement.opening_cents, BankStatement.closing_cents,
                                      BankStatement.created_at, BankStatement.uploaded_by.name.as_alias("uploaded_by")).order_by(
        BankStatement.id, ascending=False).limit(limit)
    counts: dict[int, dict[str, int]] = {}
    if rows:
        for r in await StatementLine.select(StatementLine.statement, StatementLine.status).where(
                StatementLine.statement.is_in([r["id"] for r in rows])):
            c = counts.setdefault(r["statement"], {"lines": 0, "booked": 0, "waiting": 0})
            c["lines"] += 1
            c[r["status"]] = c.get(r["status"], 0) + 1
    return [{**r, **counts.get(r["id"], {"lines": 0, "booked": 0, "waiting": 0})} for r in rows]


async def statement_detail(statement_id: int) -> dict:
    statement = await BankStatement.select().where(BankStatement.id == statement_id).first()
    if statement is None:
        raise NotFoundException(detail=_("Not found."))
    lines = await StatementLine.select(*StatementLine.all_columns(), StatementLine.case.reference.as_alias("case_reference"),
                                       StatementLine.decided_by.name.as_alias("decided_by_name")).where(
        StatementLine.statement == statement_id).order_by(StatementLine.position)
    return {"statement": statement, "lines": lines}


def line_out(line: dict) -> dict:
    return {"id": line["id"], "position": line["position"], "booked_on": line["booked_on"].isoformat(),
            "value_on": line["value_on"].isoformat() if line["value_on"] else None, "amount": str(from_cents(line["amount_cents"])),
            "concept": line["concept"], "counterparty": line["counterparty_name"], "status": line["status"], "case_id": line["case"],
            "case_reference": line.get("case_reference"), "matched_by": line["matched_by"], "note": line["note"]}


# --- the agency's own money view ------------------------------------------------------------------------------------

SOURCES = ("card", "bizum", "transfer", "direct_debit")


async def money_view(statement_id: int) -> dict:
    """One account's statement against the ledger, day by day: money in by source (card, Bizum, transfer, direct debit,
    other), returns, remittances out; and the difference between what the bank's balance moved and what the ledger
    expects, with what explains it: the bank's lines that booked nothing (waiting, not ours, money out that is no
    return) and the ledger's money that no line of the statement brought (card payments the acquirer settles apart,
    a transfer booked by hand from another account...). Zero and nothing listed: the bank and the ledger agree."""
    detail = await statement_detail(statement_id)
    statement, lines = detail["statement"], detail["lines"]
    start, end = statement["starts_on"], statement["ends_on"]
    entries = await LedgerEntry.select(LedgerEntry.id, LedgerEntry.kind, LedgerEntry.method, LedgerEntry.amount_cents, LedgerEntry.booked_on,
                                       LedgerEntry.reverses, LedgerEntry.case.reference.as_alias("reference")).where(
        LedgerEntry.kind.is_in(["payment", "reversal"]) & (LedgerEntry.booked_on >= start) & (LedgerEntry.booked_on <= end))
    remittances = [r for r in await Remittance.select(Remittance.id, Remittance.amount_cents, Remittance.paid_at).where(
        Remittance.status == "paid") if r["paid_at"] is not None and start <= clock.day_of(r["paid_at"]) <= end]
    days: dict[date, dict] = {}

    def day(d: date) -> dict:
        return days.setdefault(d, {"day": d, "bank_in": 0, "bank_out": 0, **{s: 0 for s in SOURCES}, "other": 0, "returns": 0, "remitted": 0})

    for line in lines:
        day(line["booked_on"])["bank_in" if line["amount_cents"] > 0 else "bank_out"] += line["amount_cents"]
    for e in entries:
        row = day(e["booked_on"])
        if e["kind"] == "reversal":
            row["returns"] += e["amount_cents"]
        else:
            row[e["method"] if e["method"] in SOURCES else "other"] += e["amount_cents"]
    for r in remittances:
        day(clock.day_of(r["paid_at"]))["remitted"] -= r["amount_cents"]
    # what each side has that the other lacks: the bank's lines that booked nothing; the ledger's money no line brought
    brought = {line["ledger_entry"] for line in lines if line["ledger_entry"]}
    for line in lines:  # a file's credit (or a block's) brought its collections
        if line["matched_by"] == "dd_batch" and (named := _FILE_NOTE.match(line["note"])):
            query = DirectDebit.select(DirectDebit.ledger_entry).where(DirectDebit.batch == int(named.group(1)))
            if named.group(2):
                query = query.where((DirectDebit.instrument == named.group(2)) & (DirectDebit.sequence == named.group(3)))
            brought |= {d["ledger_entry"] for d in await query}
    returned_here = {line["case"] for line in lines if line["matched_by"] == "return"}  # (a return line: its reversal is the bank's)
    returned_payments = {d["ledger_entry"] for d in await DirectDebit.select(DirectDebit.ledger_entry).where(
        (DirectDebit.status == "returned") & DirectDebit.case.is_in(sorted(returned_here)))} if returned_here else set()
    bank_only = [line for line in lines if line["status"] in ("waiting", "not_ours") or (line["status"] == "debit" and line["matched_by"] != "return")]
    ledger_only = [{"what": "payment", "day": e["booked_on"], "reference": e["reference"], "method": e["method"], "amount_cents": e["amount_cents"]}
                   for e in entries if e["kind"] == "payment" and e["id"] not in brought]
    ledger_only += [{"what": "reversal", "day": e["booked_on"], "reference": e["reference"], "method": "", "amount_cents": e["amount_cents"]}
                    for e in entries if e["kind"] == "reversal" and e["reverses"] not in returned_payments]
    ledger_only += [{"what": "remittance", "day": clock.day_of(r["paid_at"]), "reference": f"REM-{r['id']}", "method": "",
                     "amount_cents": -r["amount_cents"]} for r in remittances]
    bank_net = statement["closing_cents"] - statement["opening_cents"]
    ledger_net = sum(e["amount_cents"] for e in entries) - sum(r["amount_cents"] for r in remittances)
    difference = bank_net - ledger_net
    explains = sum(line["amount_cents"] for line in bank_only) - sum(x["amount_cents"] for x in ledger_only)
    return {"statement": statement, "days": [days[d] for d in sorted(days)], "bank_net": bank_net, "ledger_net": ledger_net,
            "difference": difference, "bank_only": bank_only, "ledger_only": ledger_only, "explained": difference == explains}
