"""Bulk import use-cases: preview (stored file, every row error listed, nothing written to cases)
and commit (all or nothing, in one transaction, in batches). The file is a CSV or XLSX, or e-invoices (an XML file or a
ZIP of them, cases.imports.einvoice), each XML then kept as evidence of the claim it filled."""
from __future__ import annotations

import asyncio
import io
import json
import secrets
from dataclasses import dataclass
from datetime import date
from typing import BinaryIO

from litestar.exceptions import ClientException

from agency.auth import CurrentUser
from agency.db import atomic, bulk_insert, fetch_records, is_sqlite, utcnow
from agency.i18n import gettext as _
from agency.roles import Role
from agency.storage import storage
from agency.tenancy import get_visible
from cases import events
from cases.billing import service as billing
from cases.claims.filetypes import XML
from cases.claims.service import check_file, initial_limitation_date, next_references, notify_creditors, store_evidence
from cases.imports.einvoice import EInvoicePlan, EInvoiceRefused, SourceFile, is_einvoice_upload, plan_einvoices, read_upload
from cases.imports.rules import ImportPlan, ImportRefused, RowError, add_duplicate_errors, plan_import
from cases.money import to_cents
from cases.queries import search_key
from cases.reports import totals
from cases.tables import Case, CaseEvent, Debtor, Evidence, ImportJob, Invoice

BATCH = 500
MAX_STORED_ERRORS = 1000
IMPORT_MAX_BYTES = 60 * 1024 * 1024


@dataclass(frozen=True)
class CommitResult:
    case_count: int
    invoice_count: int
    references: list[str]


def _identity(d: dict) -> tuple:
    return tuple(d[f] for f in ("tax_id", "name", "kind", "address_line1", "postal_code", "city", "email", "phone", "country"))


# The creditor's open cases' invoices of these numbers, with their case and debtor (fixed SQL: Piccolo weighed each of a
# hundred thousand numbers, twice an import, for more time than the database took). The numbers go as one array on
# PostgreSQL: 5,000 placeholders a statement took twice the time to plan as to run.
OPEN_INVOICES_SQL = ('SELECT i.number, c.reference, d.tax_id, d.name, d.postal_code FROM invoices i JOIN collection_cases c ON c.id = i."case" '
                     "JOIN debtors d ON d.id = c.debtor WHERE c.organisation = {} AND c.closed_at IS NULL AND i.number ")
CHUNK = 5000  # values a statement (asyncpg takes at most 32,767 arguments, SQLite 32,766)


def _marks(values: list) -> str:
    return ", ".join(["{}"] * len(values))


async def _open_invoices(organisation_id: int, plan: ImportPlan) -> dict[tuple, str]:
    numbers = sorted({i.number for g in plan.groups for i in g.invoices})
    if not numbers:
        return {}
    if is_sqlite():  # (a json_each list is planned as a scan of the creditor's cases: SQLite has no idea of its size)
        rows = [r for start in range(0, len(numbers), CHUNK) for r in await fetch_records(
            OPEN_INVOICES_SQL + f"IN ({_marks(numbers[start:start + CHUNK])})", organisation_id, *numbers[start:start + CHUNK])]
    else:
        rows = await fetch_records(OPEN_INVOICES_SQL + "= ANY({})", organisation_id, numbers)
    found: dict[tuple, str] = {}
    for r in rows:
        key = ("tax", r["tax_id"]) if r["tax_id"] else ("name", r["name"].lower(), r["postal_code"])
        found[(key, r["number"].upper())] = r["reference"]
    return found


def plan_file(fileobj: BinaryIO, filename: str, today: date) -> ImportPlan:
    """A CSV or XLSX file's plan, or e-invoices' (``EInvoiceRefused`` when one cannot be read)."""
    fileobj.seek(0)
    head = fileobj.read(4096)
    fileobj.seek(0)
    if is_einvoice_upload(head, filename):
        return plan_einvoices(read_upload(fileobj.read(), filename), today)
    return plan_import(fileobj, filename, today)


async def plan_with_duplicates(organisation_id: int, fileobj: BinaryIO, filename: str, today: date) -> ImportPlan:
    plan = await asyncio.to_thread(plan_file, fileobj, filename, today)  # parsing is CPU work: off the loop
    add_duplicate_errors(plan, await _open_invoices(organisation_id, plan))
    return plan


def _errors_json(errors: list[RowError]) -> str:
    return json.dumps([{"row": e.row, "column": e.column, "message": e.message} for e in errors[:MAX_STORED_ERRORS]], ensure_ascii=False)


async def preview_import(user: CurrentUser, organisation_id: int, fileobj: BinaryIO, filename: str, today: date) -> int:
    """Keep the file, check every row, and record the verdict. Returns the import's id."""
    return (await _preview(user, organisation_id, fileobj, filename, today))[0]


async def _preview(user: CurrentUser, organisation_id: int, fileobj: BinaryIO, filename: str, today: date) -> tuple[int, ImportPlan | None]:
    try:
        plan = await plan_with_duplicates(organisation_id, fileobj, filename, today)
        refusal = None
    except ImportRefused as exc:
        plan, refusal = None, str(exc.args[0])
    except EInvoiceRefused as exc:  # an e-invoice that cannot be read: a 400 saying what to fix, nothing kept
        raise ClientException(detail=str(exc.args[0])) from None
    key = f"imports/{organisation_id}/{utcnow():%Y/%m}/{secrets.token_hex(16)}"
    fileobj.seek(0)
    await storage().put_file(key, fileobj, "application/octet-stream")
    errors = plan.errors if plan else [RowError(1, "", refusal)]
    rows = await ImportJob.insert(
        ImportJob(
            organisation=organisation_id, uploaded_by=user.id or None, storage_key=key, filename=filename[:200],
            status="previewed" if plan and plan.ok else "refused", row_count=plan.row_count if plan else 0,
            case_count=len(plan.groups) if plan else 0, total_cents=to_cents(plan.total) if plan else 0,
            errors=_errors_json(errors) if errors else "[]",
        )
    ).returning(ImportJob.id)
    return rows[0]["id"], plan


async def get_import(user: CurrentUser, job_id: int) -> dict:
    row = await get_visible(ImportJob.select().where(ImportJob.id == job_id), user, ImportJob.organisation)
    row["errors"] = json.loads(row["errors"]) if isinstance(row["errors"], str) else row["errors"]
    return row


async def commit_import(user: CurrentUser, job_id: int, today: date) -> CommitResult:
    job = await get_import(user, job_id)
    await billing.require_contract(user, job["organisation"])
    if job["status"] == "committed":
        raise ClientException(detail=_("This file was already imported."))
    if job["status"] != "previewed":
        raise ClientException(detail=_("This file has errors: correct them and upload it again."))
    data = await storage().read(job["storage_key"])
    try:
        plan = await asyncio.to_thread(plan_file, io.BytesIO(data), job["filename"], today)
    except EInvoiceRefused as exc:
        raise ClientException(detail=str(exc.args[0])) from None
    return await _commit(user, job, plan, today)


async def _store_sources(organisation_id: int, plan: ImportPlan) -> list[tuple[SourceFile, tuple, str]]:
    """E-invoices' files, stored before the transaction that records them as evidence: (file, claim key, storage key)."""
    if not isinstance(plan, EInvoicePlan):
        return []
    stored = []
    try:
        for source, key in plan.sources:
            storage_key = f"evidence/{organisation_id}/{utcnow():%Y/%m}/{secrets.token_hex(16)}"
            await storage().put_file(storage_key, io.BytesIO(source.data), XML)
            stored.append((source, key, storage_key))
    except BaseException:
        await _delete_stored(stored)
        raise
    return stored


async def _delete_stored(stored: list[tuple[SourceFile, tuple, str]]) -> None:
    for _source, _key, storage_key in stored:
        await storage().delete(storage_key)


async def _commit(user: CurrentUser, job: dict, plan: ImportPlan, today: date) -> CommitResult:
    stored = await _store_sources(job["organisation"], plan) if plan.ok else []
    try:
        return await _commit_stored(user, job, plan, today, stored)
    except BaseException:
        await _delete_stored(stored)  # no orphan object when the import was not written
        raise


async def _commit_stored(user: CurrentUser, job: dict, plan: ImportPlan, today: date, stored: list) -> CommitResult:
    job_id, organisation_id = job["id"], job["organisation"]
    refused = False
    async with atomic():
        # Duplicates are checked again inside the transaction: another claim may have taken an invoice meanwhile.
        add_duplicate_errors(plan, await _open_invoices(organisation_id, plan))
        if plan.ok:
            claimed = await ImportJob.update({ImportJob.status: "committed", ImportJob.committed_at: utcnow()}).where(
                (ImportJob.id == job_id) & (ImportJob.status == "previewed")
            ).returning(ImportJob.id)
            if not claimed:
                raise ClientException(detail=_("This file was already imported."))
            result = await _write(user, organisation_id, plan, today, job["filename"], stored)
            await notify_creditors(organisation_id, "import_done", filename=job["filename"], cases=result.case_count,
                                   invoices=result.invoice_count, total=plan.total)
        else:
            refused = True
    if refused:  # recorded outside the transaction, which wrote nothing else, so the preview shows why
        await ImportJob.update({ImportJob.status: "refused", ImportJob.errors: _errors_json(plan.errors)}).where(ImportJob.id == job_id)
        raise ClientException(detail=_("The file no longer passes the checks: %(n)s rows have errors. See the preview.") % {"n": len(plan.errors)})
    return result


async def _write(user: CurrentUser, organisation_id: int, plan: ImportPlan, today: date, filename: str,
                 stored: list[tuple[SourceFile, tuple, str]] | None = None) -> CommitResult:
    groups = plan.groups
    # Debtors: reuse this creditor's record of exactly the same debtor (as a claim does), create the others.
    tax_ids = sorted({g.debtor.tax_id for g in groups if g.debtor.tax_id})
    existing: dict[tuple, int] = {}
    for start in range(0, len(tax_ids), CHUNK):
        chunk = tax_ids[start:start + CHUNK]
        for r in await fetch_records(
            "SELECT id, tax_id, name, kind, address_line1, postal_code, city, email, phone, country FROM debtors "
            f"WHERE organisation = {{}} AND tax_id IN ({_marks(chunk)}) ORDER BY id", organisation_id, *chunk
        ):
            existing.setdefault(_identity(r), r["id"])
    debtor_ids: dict[tuple, int] = {
        g.key: existing[_identity(g.debtor.__dict__)] for g in groups if _identity(g.debtor.__dict__) in existing
    }
    new = [g for g in groups if g.key not in debtor_ids]
    now = utcnow()  # also marks the debtors this import creates, to read their ids back
    await bulk_insert(
        Debtor, ["organisation", "kind", "name", "search_name", "tax_id", "country", "address_line1", "city", "postal_code", "email",
                 "phone", "language", "classification", "created_at"],
        [(organisation_id, g.debtor.kind, g.debtor.name, search_key(g.debtor.name), g.debtor.tax_id, g.debtor.country,
          g.debtor.address_line1, g.debtor.city, g.debtor.postal_code, g.debtor.email, g.debtor.phone, g.debtor.language, "unknown", now) for g in new],
    )
    if new:
        for r in await Debtor.select(Debtor.id, Debtor.name, Debtor.tax_id, Debtor.postal_code).where(
            (Debtor.organisation == organisation_id) & (Debtor.created_at == now)
        ):
            key = ("tax", r["tax_id"]) if r["tax_id"] else ("name", r["name"].lower(), r["postal_code"])
            debtor_ids[key] = r["id"]
    references = await next_references(len(groups), today.year)
    by_reference = dict(zip(references, groups))
    snapshot = await billing.snapshot_for(organisation_id)
    await bulk_insert(
        Case, ["reference", "organisation", "debtor", "creditor_reference", "stage", "jurisdiction", "currency", "notes", "priority",
               "created_at", "updated_at", "tariff_snapshot", "limitation_date"],
        [(ref, organisation_id, debtor_ids[g.key], g.creditor_reference, "intake", g.debtor.country, g.invoices[0].currency, g.notes, 0,
          now, now, snapshot, initial_limitation_date([i.due_date for i in g.invoices], g.debtor.country, today, g.debtor.kind == "person"))
         for ref, g in by_reference.items()],
    )
    case_ids: dict[str, int] = {}
    for start in range(0, len(references), CHUNK):
        chunk = references[start:start + CHUNK]
        case_ids.update({r["reference"]: r["id"] for r in await fetch_records(
            f"SELECT id, reference FROM collection_cases WHERE reference IN ({_marks(chunk)})", *chunk)})
    invoices = [
        (case_ids[ref], i.number, i.issue_date, i.due_date, to_cents(i.amount), i.currency, False, now)
        for ref, g in by_reference.items() for i in g.invoices
    ]
    await bulk_insert(Invoice, ["case", "number", "issue_date", "due_date", "amount_cents", "currency", "disputed", "created_at"], invoices)
    await totals.cases_opened(organisation_id, [[(i.due_date, to_cents(i.amount)) for i in g.invoices] for g in groups])
    summary = _("Claim received by import (%(file)s).") % {"file": filename}
    actor = user.id if user and user.id else None
    opened = {ref: {"import": filename, "invoices": len(g.invoices), "total": str(g.total)} for ref, g in by_reference.items()}
    await bulk_insert(
        CaseEvent, ["case", "kind", "actor", "at", "summary", "payload", "visible_to_creditor"],
        [(case_ids[ref], "claim_opened", actor, now, summary, json.dumps(payload, ensure_ascii=False), True) for ref, payload in opened.items()],
    )
    if stored:
        await _write_evidence(user, organisation_id, {g.key: case_ids[ref] for ref, g in by_reference.items()}, stored, now)
    for ref, payload in opened.items():  # (the rows were written in bulk: their subscribers are told here, as events.record would)
        await events.publish(case_ids[ref], "claim_opened", payload)
    return CommitResult(len(groups), len(invoices), references)


async def _write_evidence(user: CurrentUser, organisation_id: int, case_of: dict[tuple, int],
                          stored: list[tuple[SourceFile, tuple, str]], now) -> None:
    """Each e-invoice's XML, already stored, recorded as the invoice evidence of the case its invoices opened."""
    actor = user.id if user and user.id else None
    await bulk_insert(
        Evidence, ["organisation", "case", "storage_key", "original_name", "content_type", "kind", "size", "sha256", "uploaded_by",
                   "created_at"],
        [(organisation_id, case_of[key], storage_key, source.filename[:200] or "factura.xml", XML, "invoice", len(source.data),
          source.sha256, actor, now) for source, key, storage_key in stored],
    )
    ids = {r["storage_key"]: r["id"] for r in await Evidence.select(Evidence.id, Evidence.storage_key).where(
        Evidence.storage_key.is_in([storage_key for _s, _k, storage_key in stored]))}
    await bulk_insert(
        CaseEvent, ["case", "kind", "actor", "at", "summary", "payload", "visible_to_creditor"],
        [(case_of[key], "evidence_added", actor, now, _("Document added: %(name)s") % {"name": source.filename},
          json.dumps({"evidence_id": ids[storage_key], "sha256": source.sha256, "kind": "invoice", "import": True}), True)
         for source, key, storage_key in stored],
    )


async def einvoice_claims(user: CurrentUser, organisation_id: int, fileobj: BinaryIO, filename: str, today: date) -> dict:
    """``POST /api/v1/einvoices``: the claims an upload of e-invoices makes, ready to review and send to ``POST /api/v1/claims``
    (one per debtor, in that route's shape), and what cannot be claimed. Each XML is kept as staged evidence (kind
    'invoice') whose id the claim names in ``evidence_ids``: attached when it is filed, removed after a day otherwise.
    An e-invoice that cannot be read is a 400 naming the file and why, and nothing is kept."""
    try:
        plan = await asyncio.to_thread(lambda: plan_einvoices(read_upload(fileobj.read(), filename), today))
    except EInvoiceRefused as exc:
        raise ClientException(detail=str(exc.args[0])) from None
    add_duplicate_errors(plan, await _open_invoices(organisation_id, plan))
    for source, _key in plan.sources:  # every file checked as evidence before any is kept: all or none
        check_file(io.BytesIO(source.data), source.filename or "factura.xml", len(source.data))
    evidence: dict[tuple, list[int]] = {}
    for source, key in plan.sources:
        stored = await store_evidence(user, organisation_id, io.BytesIO(source.data), source.filename or "factura.xml", len(source.data),
                                      source.sha256, "invoice")
        evidence.setdefault(key, []).append(stored["id"])
    items = [{
        "debtor": {"kind": g.debtor.kind, "name": g.debtor.name, "tax_id": g.debtor.tax_id,
                   "address": {"line1": g.debtor.address_line1, "city": g.debtor.city, "postal_code": g.debtor.postal_code,
                               "country": g.debtor.country}},
        "invoices": [{"number": i.number, "issue_date": i.issue_date.isoformat(), "due_date": i.due_date.isoformat(),
                      "amount": str(i.amount), "currency": i.currency} for i in g.invoices],
        "evidence_ids": evidence.get(g.key, []),
    } for g in plan.groups]
    return {"items": items, "errors": [{"row": e.row, "column": e.column, "message": e.message} for e in plan.errors]}


SYSTEM = CurrentUser(id=0, email="", name="agency import", role=Role.admin, organisation_id=None, language="es")


async def import_for_cli(organisation_id: int, path: str, today: date) -> tuple[dict, CommitResult | None]:
    """``agency import FILE --creditor ORG``: the same checks, record and commit as the pages, as the
    system, reading the file once."""
    with open(path, "rb") as fh:
        try:
            job_id, plan = await _preview(SYSTEM, organisation_id, fh, path.rsplit("/", 1)[-1], today)
        except ClientException as exc:  # an e-invoice that cannot be read: nothing recorded, the reason printed
            return {"errors": [{"row": 1, "column": "", "message": str(exc.detail)}]}, None
    job = await get_import(SYSTEM, job_id)
    if plan is None or job["status"] != "previewed":
        return job, None
    return job, await _commit(SYSTEM, job, plan, today)
