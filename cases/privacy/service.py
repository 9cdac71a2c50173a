"""The debtor's data rights, answered by an admin from the debtor's page (GDPR arts. 15-17), and the retention job.

- ``debtor_record``: the debtor, their cases and the legal holds on their data (cases.privacy.rules.holds);
- ``export``: everything held about the person, as one JSON document (and ``export_docx``, the same as a readable
  Word file): their data, and per case the invoices, money, promises and plans, the timeline, the messages sent
  to them, their visits to their page, their complaints, the bank lines that named them, the files kept, and what
  legal holds (provided by legal at start: ``provide_section``);
- ``rectify``: their data corrected, the old and new values on every case's timeline;
- ``erase``: refused with the holds (``Held``) while any applies, else ``anonymise``: the person's name, identifiers,
  contact details and every free text about them blanked, their files deleted, their page's links revoked; the money,
  the dates and who did what stay, and an ``anonymised`` event says who erased it and when;
- ``retention_job``: the worker anonymises every debtor whose cases are all closed and whose holds have all ended,
  and drops access-log rows older than their retention (agency.access.purge)."""
from __future__ import annotations

import io
import json
import logging
from collections.abc import Awaitable, Callable
from datetime import date, datetime, timedelta
from typing import Any

from docx import Document as WordDocument
from litestar.exceptions import ClientException
from piccolo.query.functions.aggregate import Max

from agency import access, clock
from agency.accounts import FormErrors
from agency.auth import CurrentUser
from agency.db import atomic, utcnow
from agency.i18n import format_day
from agency.i18n import gettext as _
from agency.settings import Settings, get_settings
from agency.storage import StorageError, storage
from agency.tables import OutboxMessage
from agency.tenancy import get_visible
from cases import events
from cases.billing.balances import balances_of_many
from cases.claims.rules import ERASED_EVIDENCE as ERASED
from cases.claims.rules import DebtorInput, clean_debtor
from cases.money import from_cents, to_cents
from cases.privacy.rules import DEBTOR_FIELDS, FREE_TEXT_KINDS, CaseFacts, Hold, anonymous_name, holds, scrub
from cases.queries import search_key
from cases.tables import (
    Case,
    CaseEvent,
    Complaint,
    Debtor,
    DebtorLink,
    Evidence,
    Invoice,
    LedgerEntry,
    OnlinePayment,
    PaymentPlan,
    PortalAttempt,
    PortalSession,
    Promise,
    StatementLine,
)

log = logging.getLogger("agency.privacy")

# The debtor's money in the agency's books: what it received from them (and gave back). The fees and remittances are the
# creditor's account, kept as they are; they hold nothing of the debtor's beyond the case they belong to.
MONEY_KINDS = ("payment", "reversal")

# What other parts of the house hold about a debtor's cases (legal's actions, filings and documents), provided at start by
# the shell (agency.wiring): a name -> the reader of those cases' rows (each row with its "case"), and the reader of the
# stored files they keep. cases never imports legal; legal blanks its own texts on the "anonymised" event.
Section = Callable[[list[int]], Awaitable[list[dict]]]
Files = Callable[[list[int]], Awaitable[list[str]]]
_sections: dict[str, Section] = {}
_files: dict[str, Files] = {}


def provide_section(name: str, reader: Section, files: Files) -> None:
    _sections[name], _files[name] = reader, files


class Held(Exception):
    """Erasure refused: the holds that apply (409)."""

    def __init__(self, found: list[Hold]):
        super().__init__("; ".join(h.text() for h in found))
        self.holds = found


def hold_out(h: Hold) -> dict:
    return {"code": h.code, "case_id": h.case_id, "reference": h.reference, "until": h.until.isoformat() if h.until else None, "text": h.text()}


async def _debtor(user: CurrentUser, debtor_id: int) -> dict:
    return await get_visible(Debtor.select().where(Debtor.id == debtor_id), user, Debtor.organisation)


async def _facts(debtor_ids: list[int], today: date) -> dict[int, list[CaseFacts]]:
    """Per debtor, what each of their cases says about holds."""
    cases = await Case.select(Case.id, Case.debtor, Case.reference, Case.closed_at, Case.limitation_date).where(Case.debtor.is_in(debtor_ids))
    ids = [c["id"] for c in cases]
    if not ids:
        return {d: [] for d in debtor_ids}
    owed = await balances_of_many([(i, today) for i in ids])
    money = {r["case"]: r["last"] for r in await LedgerEntry.select(LedgerEntry.case, Max(LedgerEntry.booked_on, alias="last")).where(
        LedgerEntry.case.is_in(ids) & LedgerEntry.kind.is_in(list(MONEY_KINDS))).group_by(LedgerEntry.case)}
    complaints = {r["case"] for r in await Complaint.select(Complaint.case).where(Complaint.case.is_in(ids) & (Complaint.status == "open"))}
    found: dict[int, list[CaseFacts]] = {d: [] for d in debtor_ids}
    for c in cases:
        balance = owed.get((c["id"], today))
        outstanding = to_cents(balance.outstanding) if balance is not None else 0
        last = money.get(c["id"])
        found[c["debtor"]].append(CaseFacts(c["id"], c["reference"], c["closed_at"] is None, outstanding, c["limitation_date"],
                                            date.fromisoformat(str(last)[:10]) if last else None, c["id"] in complaints,
                                            clock.day_of(c["closed_at"]) if c["closed_at"] is not None else None))
    return found


async def debtor_holds(debtor_id: int, today: date) -> list[Hold]:
    settings = get_settings()
    return holds((await _facts([debtor_id], today))[debtor_id], today, settings.retention_accounting_years,
                 settings.retention_after_close_years)


async def debtor_record(user: CurrentUser, debtor_id: int) -> dict:
    """The debtor as kept, their cases and the holds on their data (the debtor's page)."""
    debtor = await _debtor(user, debtor_id)
    cases = await Case.select(Case.id, Case.reference, Case.stage, Case.outcome, Case.created_at, Case.closed_at, Case.limitation_date,
                              Case.organisation.legal_name.as_alias("creditor")).where(Case.debtor == debtor_id).order_by(Case.id)
    for c in cases:
        access.note(user, f"debtor {debtor_id}: record", c["id"])
    today = clock.today()
    found = await debtor_holds(debtor_id, today)
    return {"debtor": debtor, "cases": cases, "holds": found}


def _day(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _money(cents: int | None) -> str:
    return str(from_cents(cents or 0))


async def export(user: CurrentUser, debtor_id: int) -> dict:
    """Everything held about the debtor (GDPR art. 15), as plain JSON values. The export is on the access log of each case."""
    debtor = await _debtor(user, debtor_id)
    cases = await Case.select(Case.id, Case.reference, Case.creditor_reference, Case.stage, Case.outcome, Case.jurisdiction, Case.created_at,
                              Case.closed_at, Case.limitation_date, Case.notes, Case.organisation.legal_name.as_alias("creditor"),
                              Case.organisation.tax_id.as_alias("creditor_tax_id")).where(Case.debtor == debtor_id).order_by(Case.id)
    ids = [c["id"] for c in cases]
    by_case: dict[int, dict[str, list]] = {i: {} for i in ids}

    def put(name: str, rows: list[dict]) -> None:
        for i in ids:
            by_case[i].setdefault(name, [])
        for r in rows:
            by_case[r.pop("case")][name].append(r)

    if ids:
        put("invoices", [{"case": r["case"], "number": r["number"], "issue_date": _day(r["issue_date"]), "due_date": _day(r["due_date"]),
                          "amount": _money(r["amount_cents"]), "disputed": r["disputed"]}
                         for r in await Invoice.select(Invoice.case, Invoice.number, Invoice.issue_date, Invoice.due_date, Invoice.amount_cents,
                                                       Invoice.disputed).where(Invoice.case.is_in(ids)).order_by(Invoice.id)])
        put("money", [{"case": r["case"], "kind": r["kind"], "amount": _money(r["amount_cents"]), "booked_on": _day(r["booked_on"]),
                       "method": r["method"], "reference": r["reference"]}
                      for r in await LedgerEntry.select(LedgerEntry.case, LedgerEntry.kind, LedgerEntry.amount_cents, LedgerEntry.booked_on,
                                                        LedgerEntry.method, LedgerEntry.reference).where(
                          LedgerEntry.case.is_in(ids) & LedgerEntry.kind.is_in(["payment", "reversal", "principal", "interest", "compensation", "cost"])
                      ).order_by(LedgerEntry.id)])
        put("promises", [{"case": r["case"], "promised_on": _day(r["promised_on"]), "amount": _money(r["amount_cents"]), "status": r["status"]}
                         for r in await Promise.select(Promise.case, Promise.promised_on, Promise.amount_cents, Promise.status).where(
                             Promise.case.is_in(ids)).order_by(Promise.id)])
        put("plans", [{"case": r["case"], "status": r["status"], "method": r["method"], "mandate_reference": r["mandate_reference"],
                       "iban": r["debtor_iban"], "account_holder": r["account_holder"], "accepted_from": r["accepted_from"],
                       "accepted_agent": r["accepted_agent"], "acknowledgement": r["acknowledgement_text"], "created_at": _day(r["created_at"])}
                      for r in await PaymentPlan.select(PaymentPlan.case, PaymentPlan.status, PaymentPlan.method, PaymentPlan.mandate_reference,
                                                        PaymentPlan.debtor_iban, PaymentPlan.account_holder, PaymentPlan.accepted_from,
                                                        PaymentPlan.accepted_agent, PaymentPlan.acknowledgement_text, PaymentPlan.created_at).where(
                          PaymentPlan.case.is_in(ids)).order_by(PaymentPlan.id)])
        put("timeline", [{"case": r["case"], "at": _day(r["at"]), "kind": r["kind"], "by": r["by"] or "", "summary": r["summary"],
                          "details": json.loads(r["payload"] or "{}")}
                         for r in await CaseEvent.select(CaseEvent.case, CaseEvent.at, CaseEvent.kind, CaseEvent.actor.name.as_alias("by"),
                                                         CaseEvent.summary, CaseEvent.payload).where(CaseEvent.case.is_in(ids)).order_by(CaseEvent.id)])
        put("messages", [{"case": r["case_id"], "to": r["to_address"], "subject": r["subject"], "body": r["body_text"], "kind": r["kind"],
                          "sent_at": _day(r["sent_at"]), "created_at": _day(r["created_at"])}
                         for r in await OutboxMessage.select(OutboxMessage.case_id, OutboxMessage.to_address, OutboxMessage.subject,
                                                             OutboxMessage.body_text, OutboxMessage.kind, OutboxMessage.sent_at,
                                                             OutboxMessage.created_at).where(OutboxMessage.case_id.is_in(ids)).order_by(OutboxMessage.id)])
        put("page_visits", [{"case": r["case"], "at": _day(r["at"]), "succeeded": r["succeeded"], "address": r["address"], "browser": r["user_agent"]}
                            for r in await PortalAttempt.select(PortalAttempt.link.case.as_alias("case"), PortalAttempt.at, PortalAttempt.succeeded,
                                                                PortalAttempt.address, PortalAttempt.user_agent).where(
                                PortalAttempt.link.case.is_in(ids)).order_by(PortalAttempt.id)])
        put("online_payments", [{"case": r["case"], "amount": _money(r["amount_cents"]), "method": r["method"], "status": r["status"],
                                 "created_at": _day(r["created_at"])}
                                for r in await OnlinePayment.select(OnlinePayment.case, OnlinePayment.amount_cents, OnlinePayment.method,
                                                                    OnlinePayment.status, OnlinePayment.created_at).where(
                                    OnlinePayment.case.is_in(ids)).order_by(OnlinePayment.id)])
        put("bank_lines", [{"case": r["case"], "booked_on": _day(r["booked_on"]), "amount": _money(r["amount_cents"]), "concept": r["concept"],
                            "payer": r["counterparty_name"], "payer_iban": r["counterparty_iban"]}
                           for r in await StatementLine.select(StatementLine.case, StatementLine.booked_on, StatementLine.amount_cents,
                                                               StatementLine.concept, StatementLine.counterparty_name, StatementLine.counterparty_iban).where(
                               StatementLine.case.is_in(ids)).order_by(StatementLine.id)])
        put("complaints", [{"case": r["case"], "received_on": _day(r["received_on"]), "from": r["source"], "cause": r["cause"], "body": r["body"],
                            "status": r["status"], "answer": r["answer"], "outcome": r["outcome"]}
                           for r in await Complaint.select(Complaint.case, Complaint.received_on, Complaint.source, Complaint.cause, Complaint.body,
                                                           Complaint.status, Complaint.answer, Complaint.outcome).where(
                               Complaint.case.is_in(ids)).order_by(Complaint.id)])
        put("files", [{"case": r["case"], "name": r["original_name"], "kind": r["kind"], "sha256": r["sha256"], "added": _day(r["created_at"])}
                      for r in await Evidence.select(Evidence.case, Evidence.original_name, Evidence.kind, Evidence.sha256, Evidence.created_at).where(
                          Evidence.case.is_in(ids)).order_by(Evidence.id)])
        for name, reader in sorted(_sections.items()):
            put(name, await reader(ids))
    for c in cases:
        access.note(user, f"debtor {debtor_id}: data exported", c["id"])
    today = clock.today()
    found = await debtor_holds(debtor_id, today)
    return {
        "exported_at": utcnow().isoformat(timespec="seconds"), "exported_by": user.name,
        "debtor": {"id": debtor["id"], "kind": debtor["kind"], "name": debtor["name"], "tax_id": debtor["tax_id"], "address_line1": debtor["address_line1"],
                   "city": debtor["city"], "postal_code": debtor["postal_code"], "country": debtor["country"], "email": debtor["email"],
                   "phone": debtor["phone"], "language": debtor["language"], "classification": debtor["classification"],
                   "vulnerable": debtor["vulnerable"],
                   "created_at": _day(debtor["created_at"]), "anonymised_at": _day(debtor["anonymised_at"])},
        "cases": [{"reference": c["reference"], "creditor": c["creditor"], "creditor_tax_id": c["creditor_tax_id"],
                   "creditor_reference": c["creditor_reference"], "stage": c["stage"], "outcome": c["outcome"], "jurisdiction": c["jurisdiction"],
                   "opened": _day(c["created_at"]), "closed": _day(c["closed_at"]), "limitation_date": _day(c["limitation_date"]), "notes": c["notes"],
                   **by_case[c["id"]]} for c in cases],
        "holds": [hold_out(h) for h in found],
    }


SECTION_TITLES = {
    "invoices": "Invoices", "money": "Money", "promises": "Promises to pay", "plans": "Instalment plans", "timeline": "Timeline",
    "messages": "Messages sent", "page_visits": "Visits to the debtor's page", "online_payments": "Online payments",
    "bank_lines": "Bank statement lines", "complaints": "Complaints", "files": "Files kept", "legal": "Legal action",
}


def _cell(value: Any) -> str:
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False) if value else ""
    return "" if value is None else str(value)


def export_docx(data: dict) -> bytes:
    """The export as a Word document a person can read: the debtor's data, then each case with a table per section."""
    doc = WordDocument()
    doc.add_heading(_("Personal data held about %(name)s") % {"name": data["debtor"]["name"]}, level=0)
    doc.add_paragraph(_("Exported on %(at)s by %(who)s.") % {"at": data["exported_at"], "who": data["exported_by"]})
    table = doc.add_table(rows=0, cols=2)
    table.style = "Table Grid"
    for key, value in data["debtor"].items():
        row = table.add_row().cells
        row[0].text, row[1].text = key, _cell(value)
    if data["holds"]:
        doc.add_heading(_("Why some data must still be kept"), level=1)
        for h in data["holds"]:
            doc.add_paragraph(h["text"], style="List Bullet")
    for case in data["cases"]:
        doc.add_heading(_("Case %(reference)s (%(creditor)s)") % {"reference": case["reference"], "creditor": case["creditor"]}, level=1)
        for key in ("creditor_tax_id", "creditor_reference", "stage", "outcome", "opened", "closed", "limitation_date", "notes"):
            if case.get(key):
                doc.add_paragraph(f"{key}: {_cell(case[key])}")
        for name, rows in case.items():
            if not isinstance(rows, list) or not rows:
                continue
            doc.add_heading(SECTION_TITLES.get(name, name), level=2)
            columns = list(rows[0].keys())
            grid = doc.add_table(rows=1, cols=len(columns))
            grid.style = "Table Grid"
            for cell, column in zip(grid.rows[0].cells, columns):
                cell.text = column
            for r in rows:
                for cell, column in zip(grid.add_row().cells, columns):
                    cell.text = _cell(r.get(column))[:2000]
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


async def rectify(user: CurrentUser, debtor_id: int, changes: dict[str, Any], reason: str) -> dict:
    """Correct the debtor's data (GDPR art. 16): the fields given, checked as intake checks them; what changed, from
    what to what, and why, on the timeline of each of their cases, in the same transaction."""
    debtor = await _debtor(user, debtor_id)
    if debtor["anonymised_at"] is not None:
        raise ClientException(status_code=409, detail=_("This debtor's data has been erased: there is nothing left to correct."))
    unknown = sorted(set(changes) - set(DEBTOR_FIELDS))
    errors: dict[str, object] = {k: _("This field cannot be corrected here.") for k in unknown}
    reason = " ".join(str(reason or "").split())
    if not reason:
        errors["reason"] = _("Say why the data is corrected (the debtor's request, a returned letter...).")
    elif len(reason) > 500:
        errors["reason"] = _("The reason is too long (500 characters at most).")
    merged = {f: str(changes[f]) if f in changes and changes[f] is not None else debtor[f] for f in DEBTOR_FIELDS}
    intake: dict[str, object] = {}
    clean = clean_debtor(DebtorInput(kind=debtor["kind"], country=debtor["country"], **merged), intake)
    errors.update({k.removeprefix("debtor."): str(v) for k, v in intake.items() if k.removeprefix("debtor.") in changes})
    if errors:
        raise FormErrors(errors)
    after = {f: getattr(clean, f) for f in DEBTOR_FIELDS}
    changed = {f: (debtor[f], after[f]) for f in DEBTOR_FIELDS if after[f] != debtor[f]}
    if not changed:
        raise FormErrors({"name": _("Nothing to correct: the values given are those already kept.")})
    async with atomic():
        values = {getattr(Debtor, f): after[f] for f in changed}
        if "name" in changed:
            values[Debtor.search_name] = search_key(after["name"])
        await Debtor.update(values).where(Debtor.id == debtor_id)
        for c in await Case.select(Case.id).where(Case.debtor == debtor_id):
            await events.record(c["id"], "debtor_rectified", user, reason[:300],
                                {"fields": sorted(changed), "before": {f: v[0] for f, v in changed.items()},
                                 "after": {f: v[1] for f, v in changed.items()}, "reason": reason})
            await Case.update({Case.updated_at: utcnow()}).where(Case.id == c["id"])
    return await _debtor(user, debtor_id)


async def erase(user: CurrentUser | None, debtor_id: int, today: date) -> dict:
    """Erase the debtor's data (GDPR art. 17) or, while a legal hold applies, refuse naming it (``Held``)."""
    debtor = await _debtor(user, debtor_id) if user is not None else await Debtor.select().where(Debtor.id == debtor_id).first()
    if debtor["anonymised_at"] is not None:
        return {"id": debtor_id, "anonymised_at": debtor["anonymised_at"].isoformat(), "already": True}
    found = await debtor_holds(debtor_id, today)
    if found:
        raise Held(found)
    return await anonymise(user, debtor_id)


async def anonymise(user: CurrentUser | None, debtor_id: int) -> dict:
    """Blank the person in every row that names them, in one transaction; then delete their files. The money, the dates
    and the audit trail stay. ``user`` None: the retention job."""
    files: list[str] = []
    now = utcnow()
    async with atomic():
        claimed = await Debtor.update({
            Debtor.name: anonymous_name(debtor_id), Debtor.search_name: anonymous_name(debtor_id).lower(), Debtor.tax_id: "",
            Debtor.address_line1: "", Debtor.city: "", Debtor.postal_code: "", Debtor.email: "", Debtor.phone: "", Debtor.anonymised_at: now,
            Debtor.vulnerable: False,
        }).where((Debtor.id == debtor_id) & Debtor.anonymised_at.is_null()).returning(Debtor.id)
        if not claimed:  # another admin or the job did it meanwhile
            row = await Debtor.select(Debtor.anonymised_at).where(Debtor.id == debtor_id).first()
            return {"id": debtor_id, "anonymised_at": row["anonymised_at"].isoformat(), "already": True}
        ids = [c["id"] for c in await Case.select(Case.id).where(Case.debtor == debtor_id)]
        if ids:
            await Case.update({Case.notes: "", Case.updated_at: now}).where(Case.id.is_in(ids))
            for r in await CaseEvent.select(CaseEvent.id, CaseEvent.kind, CaseEvent.summary, CaseEvent.payload).where(CaseEvent.case.is_in(ids)):
                payload = json.loads(r["payload"] or "{}")
                clean = json.dumps(scrub(payload), ensure_ascii=False)
                summary = "" if r["kind"] in FREE_TEXT_KINDS else r["summary"]
                if clean != r["payload"] or summary != r["summary"]:
                    await CaseEvent.update({CaseEvent.payload: clean, CaseEvent.summary: summary}).where(CaseEvent.id == r["id"])
            await PaymentPlan.update({PaymentPlan.debtor_iban: "", PaymentPlan.account_holder: "", PaymentPlan.accepted_from: "",
                                      PaymentPlan.accepted_agent: "", PaymentPlan.acknowledgement_text: ""}).where(PaymentPlan.case.is_in(ids))
            await OutboxMessage.update({OutboxMessage.to_address: "", OutboxMessage.body_text: "", OutboxMessage.subject: ""}).where(
                OutboxMessage.case_id.is_in(ids))
            links = [r["id"] for r in await DebtorLink.select(DebtorLink.id).where(DebtorLink.case.is_in(ids))]
            if links:
                await PortalAttempt.update({PortalAttempt.address: "", PortalAttempt.user_agent: ""}).where(PortalAttempt.link.is_in(links))
                await DebtorLink.update({DebtorLink.revoked_at: now}).where(DebtorLink.id.is_in(links) & DebtorLink.revoked_at.is_null())
                await PortalSession.update({PortalSession.ended_at: now}).where(PortalSession.case.is_in(ids) & PortalSession.ended_at.is_null())
            await StatementLine.update({StatementLine.counterparty_name: "", StatementLine.counterparty_iban: "", StatementLine.concept: "",
                                        StatementLine.note: ""}).where(StatementLine.case.is_in(ids))
            await Complaint.update({Complaint.body: "", Complaint.answer: ""}).where(Complaint.case.is_in(ids))
            files += [r["storage_key"] for r in await Evidence.select(Evidence.storage_key).where(
                Evidence.case.is_in(ids) & (Evidence.kind != ERASED))]
            await Evidence.update({Evidence.original_name: "", Evidence.kind: ERASED}).where(Evidence.case.is_in(ids))
            for reader in _files.values():  # (legal's generated documents)
                files += await reader(ids)
            for case_id in ids:
                await events.record(case_id, "anonymised", user, "", {"debtor_id": debtor_id, "by": "retention" if user is None else "request"})
    gone = 0
    for key in files:
        try:
            await storage().delete(key)
            gone += 1
        except StorageError:  # the rows already say the file is erased; a file left behind is logged to be removed by hand
            log.exception("erased file not deleted", extra={"route": key})
    return {"id": debtor_id, "anonymised_at": now.isoformat(), "already": False, "cases": len(ids), "files_deleted": gone}


# The retention job runs in every round of the worker but works once a day per process: a pass over the closed debtors.
_last_retention: dict[str, datetime] = {}
RETENTION_EVERY = timedelta(hours=12)
RETENTION_BATCH = 500


def reset_retention_clock() -> None:
    """Let the next round run the retention pass at once (tests; a restarted worker starts so anyway)."""
    _last_retention.clear()


async def retention_job(settings: Settings) -> int:
    """Anonymise every debtor whose cases are all closed and whose holds have all ended; drop access-log rows past
    their retention. Idempotent; returns how many debtors it anonymised and logs what it did."""
    now = utcnow()
    if "at" in _last_retention and now - _last_retention["at"] < RETENTION_EVERY:
        return 0
    _last_retention["at"] = now
    today = clock.today()
    done = 0
    last_id = 0
    while True:
        batch = [r["id"] for r in await Debtor.raw(
            "SELECT d.id FROM debtors d WHERE d.anonymised_at IS NULL AND d.id > {} AND EXISTS (SELECT 1 FROM collection_cases c "
            "WHERE c.debtor = d.id) AND NOT EXISTS (SELECT 1 FROM collection_cases c WHERE c.debtor = d.id AND c.closed_at IS NULL) "
            "ORDER BY d.id LIMIT {}", last_id, RETENTION_BATCH)]
        if not batch:
            break
        last_id = batch[-1]
        facts = await _facts(batch, today)
        for debtor_id in batch:
            if holds(facts[debtor_id], today, settings.retention_accounting_years, settings.retention_after_close_years):
                continue
            try:
                result = await anonymise(None, debtor_id)
            except Exception:  # noqa: BLE001 - one debtor's failure must not hold back the others
                log.exception("retention: debtor not anonymised", extra={"route": f"debtor {debtor_id}"})
                continue
            done += 0 if result.get("already") else 1
    purged = await access.purge(now - timedelta(days=settings.access_log_days))
    if done or purged:
        log.info("retention: %d debtors anonymised, %d access-log rows older than %d days dropped", done, purged, settings.access_log_days)
    return done


def holds_summary(found: list[Hold]) -> str:
    """The holds in one sentence, for the 409's detail."""
    return _("The debtor's data cannot be erased yet: %(holds)s") % {"holds": " ".join(h.text() for h in found)}


def released_text(found: list[Hold]) -> str:
    days = [h.until for h in found if h.until is not None]
    if any(h.until is None for h in found) or not days:
        return ""
    return _("Without new holds, the data can be erased from %(day)s.") % {"day": format_day(max(days) + timedelta(days=1))}
