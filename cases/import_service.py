"""Bulk import use-cases: preview (stored file, every row error listed, nothing written to cases)
and commit (all or nothing, in one transaction, in batches)."""
from __future__ import annotations

import asyncio
import io
import json
import secrets
from dataclasses import dataclass
from datetime import date
from typing import BinaryIO

from litestar.exceptions import ClientException, NotFoundException

from agency.auth import CurrentUser
from agency.db import atomic, utcnow
from agency.i18n import gettext as _
from agency.roles import Role
from agency.storage import storage
from agency.tenancy import get_visible
from cases import events
from cases.importing import ImportPlan, ImportRefused, RowError, add_duplicate_errors, plan_import
from cases.money import to_cents
from cases.services import next_references, notify_creditors
from cases.tables import Case, CaseEvent, Debtor, ImportJob, Invoice

BATCH = 500
MAX_STORED_ERRORS = 1000
IMPORT_MAX_BYTES = 60 * 1024 * 1024


@dataclass(frozen=True)
class CommitResult:
    case_count: int
    invoice_count: int
    references: list[str]


async def _open_invoices(organisation_id: int, plan: ImportPlan) -> dict[tuple, str]:
    numbers = sorted({i.number for g in plan.groups for i in g.invoices})
    found: dict[tuple, str] = {}
    for start in range(0, len(numbers), 1000):
        rows = await Invoice.select(
            Invoice.number, Invoice.case.reference.as_alias("reference"), Invoice.case.debtor.tax_id.as_alias("tax_id"),
            Invoice.case.debtor.name.as_alias("name"), Invoice.case.debtor.postal_code.as_alias("postal_code"),
        ).where(
            (Invoice.case.organisation == organisation_id) & Invoice.case.closed_at.is_null()
            & Invoice.number.is_in(numbers[start:start + 1000])
        )
        for r in rows:
            key = ("tax", r["tax_id"]) if r["tax_id"] else ("name", r["name"].lower(), r["postal_code"])
            found[(key, r["number"].upper())] = r["reference"]
    return found


async def plan_with_duplicates(organisation_id: int, fileobj: BinaryIO, filename: str, today: date) -> ImportPlan:
    plan = await asyncio.to_thread(plan_import, fileobj, filename, today)  # parsing is CPU work: off the loop
    add_duplicate_errors(plan, await _open_invoices(organisation_id, plan))
    return plan


def _errors_json(errors: list[RowError]) -> str:
    return json.dumps([{"row": e.row, "column": e.column, "message": e.message} for e in errors[:MAX_STORED_ERRORS]], ensure_ascii=False)


async def preview_import(user: CurrentUser, organisation_id: int, fileobj: BinaryIO, filename: str, today: date) -> int:
    """Keep the file, check every row, and record the verdict. Returns the import's id."""
    try:
        plan = await plan_with_duplicates(organisation_id, fileobj, filename, today)
        refusal = None
    except ImportRefused as exc:
        plan, refusal = None, str(exc.args[0])
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
    return rows[0]["id"]


async def get_import(user: CurrentUser, job_id: int) -> dict:
    row = await get_visible(ImportJob.select().where(ImportJob.id == job_id), user, ImportJob.organisation)
    row["errors"] = json.loads(row["errors"]) if isinstance(row["errors"], str) else row["errors"]
    return row


async def commit_import(user: CurrentUser, job_id: int, today: date) -> CommitResult:
    job = await get_import(user, job_id)
    if job["status"] == "committed":
        raise ClientException(detail=_("This file was already imported."))
    if job["status"] != "previewed":
        raise ClientException(detail=_("This file has errors: correct them and upload it again."))
    data = await storage().read(job["storage_key"])
    organisation_id = job["organisation"]
    async with atomic():
        # Checked again inside the transaction: another claim may have taken an invoice meanwhile.
        plan = await plan_with_duplicates(organisation_id, io.BytesIO(data), job["filename"], today)
        if not plan.ok:
            await ImportJob.update({ImportJob.status: "refused", ImportJob.errors: _errors_json(plan.errors)}).where(ImportJob.id == job_id)
            raise ClientException(detail=_("The file no longer passes the checks: %(n)s rows have errors. See the preview.") % {"n": len(plan.errors)})
        claimed = await ImportJob.update({ImportJob.status: "committed", ImportJob.committed_at: utcnow()}).where(
            (ImportJob.id == job_id) & (ImportJob.status == "previewed")
        ).returning(ImportJob.id)
        if not claimed:
            raise ClientException(detail=_("This file was already imported."))
        result = await _write(user, organisation_id, plan, today, job["filename"])
        await notify_creditors(organisation_id, "import_done", filename=job["filename"], cases=result.case_count,
                               invoices=result.invoice_count, total=plan.total)
    return result


async def _write(user: CurrentUser, organisation_id: int, plan: ImportPlan, today: date, filename: str) -> CommitResult:
    groups = plan.groups
    # Debtors: reuse this creditor's debtor with the same tax id, create the others.
    tax_ids = sorted({g.debtor.tax_id for g in groups if g.debtor.tax_id})
    existing: dict[str, int] = {}
    for start in range(0, len(tax_ids), 1000):
        for r in await Debtor.select(Debtor.id, Debtor.tax_id).where(
            (Debtor.organisation == organisation_id) & Debtor.tax_id.is_in(tax_ids[start:start + 1000])
        ):
            existing.setdefault(r["tax_id"], r["id"])
    debtor_ids: dict[tuple, int] = {g.key: existing[g.debtor.tax_id] for g in groups if g.debtor.tax_id in existing}
    new = [g for g in groups if g.key not in debtor_ids]
    for start in range(0, len(new), BATCH):
        batch = new[start:start + BATCH]
        rows = await Debtor.insert(
            *[Debtor(organisation=organisation_id, kind=g.debtor.kind, name=g.debtor.name, tax_id=g.debtor.tax_id, country=g.debtor.country,
                     address_line1=g.debtor.address_line1, city=g.debtor.city, postal_code=g.debtor.postal_code, email=g.debtor.email,
                     phone=g.debtor.phone, language=g.debtor.language) for g in batch]
        ).returning(Debtor.id, Debtor.name, Debtor.tax_id, Debtor.postal_code)
        # Matched by the group key, not by position: RETURNING promises no order.
        for r in rows:
            key = ("tax", r["tax_id"]) if r["tax_id"] else ("name", r["name"].lower(), r["postal_code"])
            debtor_ids[key] = r["id"]
    references = await next_references(len(groups), today.year)
    by_reference = dict(zip(references, groups))
    now = utcnow()
    case_ids: dict[str, int] = {}
    for start in range(0, len(references), BATCH):
        refs = references[start:start + BATCH]
        rows = await Case.insert(
            *[Case(reference=ref, organisation=organisation_id, debtor=debtor_ids[by_reference[ref].key],
                   creditor_reference=by_reference[ref].creditor_reference, stage="intake", jurisdiction=by_reference[ref].debtor.country,
                   currency=by_reference[ref].invoices[0].currency, notes=by_reference[ref].notes, created_at=now, updated_at=now)
              for ref in refs]
        ).returning(Case.id, Case.reference)
        case_ids.update({r["reference"]: r["id"] for r in rows})
    invoices = [
        Invoice(case=case_ids[ref], number=i.number, issue_date=i.issue_date, due_date=i.due_date, amount_cents=to_cents(i.amount),
                currency=i.currency, created_at=now)
        for ref, g in by_reference.items() for i in g.invoices
    ]
    for start in range(0, len(invoices), BATCH * 2):
        await Invoice.insert(*invoices[start:start + BATCH * 2])
    summary = _("Claim received by import (%(file)s).") % {"file": filename}
    event_rows = [
        events.event_row(case_ids[ref], "claim_opened", user, summary, {"import": filename, "invoices": len(g.invoices), "total": str(g.total)})
        for ref, g in by_reference.items()
    ]
    for start in range(0, len(event_rows), BATCH):
        await CaseEvent.insert(*event_rows[start:start + BATCH])
    return CommitResult(len(groups), len(invoices), references)


SYSTEM = CurrentUser(id=0, email="", name="agency import", role=Role.admin, organisation_id=None, language="es")


async def import_for_cli(organisation_id: int, path: str, today: date) -> tuple[dict, CommitResult | None]:
    """``agency import FILE --creditor ORG``: the same preview and commit as the pages, as the system."""
    with open(path, "rb") as fh:
        job_id = await preview_import(SYSTEM, organisation_id, fh, path.rsplit("/", 1)[-1], today)
    job = await get_import(SYSTEM, job_id)
    if job["status"] != "previewed":
        return job, None
    return job, await commit_import(SYSTEM, job_id, today)
