"""What the debtor reads among a case's documents (cases.portal asks, through agency.wiring): the documents sent
to them (a document is the debtor's once its sending is recorded) and the acknowledgements they accepted on their
page. An acknowledgement accepted there becomes a document here, in the same transaction: the exact text the
debtor read, and the record of the acceptance that is its signature (time, address, browser, the text's SHA-256),
visible to the debtor, the creditor and the agency."""
from __future__ import annotations

import asyncio
import hashlib
import io
import json
import secrets
from datetime import date

from docx import Document as Docx
from litestar.exceptions import NotFoundException

from agency.db import as_date, fetch_records, utcnow
from agency.i18n import gettext as _
from agency.i18n import lazy_gettext as _l
from agency.storage import storage
from agency.tenancy import DebtorVisitor, debtor_case
from cases import events
from cases.tables import PaymentPlan
from legal.documents.service import DOCX, TEMPLATES, TemplateInfo, pdf_of, soffice
from legal.tables import Document

# Documents no template makes: what the debtor signed on their page (not generated, not uploadable by admins).
SIGNED = {t.key: t for t in (
    TemplateInfo("debtor_acknowledgement", _l("Debt acknowledgement accepted by the debtor on their page"), "any", True),
)}


def acknowledgement_docx(text: str, record: list[tuple[str, str]]) -> bytes:
    """The accepted text, line for line as the debtor read it, then the acceptance record (pure: the bytes)."""
    doc = Docx()
    lines = text.rstrip("\n").split("\n")
    doc.add_heading(lines[0], level=1)
    for line in lines[1:]:
        doc.add_paragraph(line)
    doc.add_heading(_("Acceptance"), level=2)
    table = doc.add_table(rows=0, cols=2)
    for label, value in record:
        cells = table.add_row().cells
        cells[0].text, cells[1].text = label, value
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


async def on_case_event(case_id: int, kind: str, payload: dict) -> None:
    """An acknowledgement accepted on the debtor's page (cases.portal publishes it): its document, stored and
    recorded in the transaction that recorded the plan (subscribed by agency.wiring)."""
    if kind != "acknowledgement" or not payload.get("portal") or not payload.get("plan"):
        return
    plan = await PaymentPlan.select(PaymentPlan.id, PaymentPlan.acknowledgement_text, PaymentPlan.acknowledgement_sha256,
                                    PaymentPlan.accepted_at, PaymentPlan.accepted_from, PaymentPlan.accepted_agent,
                                    PaymentPlan.acknowledgement_document, PaymentPlan.case.reference.as_alias("reference"),
                                    PaymentPlan.case.organisation.as_alias("organisation")).where(
        (PaymentPlan.id == payload["plan"]) & (PaymentPlan.case == case_id)).first()
    if plan is None or plan["acknowledgement_document"] is not None or not plan["acknowledgement_text"]:
        return  # (once per plan)
    text = plan["acknowledgement_text"]
    if hashlib.sha256(text.encode()).hexdigest() != plan["acknowledgement_sha256"]:
        raise RuntimeError(f"plan {plan['id']}: the acknowledgement's text does not match its SHA-256")
    accepted = plan["accepted_at"]
    record = [(_("Accepted on"), f"{accepted:%Y-%m-%d %H:%M:%S} UTC" if hasattr(accepted, "strftime") else str(accepted)),
              (_("From the address"), plan["accepted_from"]), (_("Browser"), plan["accepted_agent"]),
              (_("SHA-256 of the text accepted"), plan["acknowledgement_sha256"]), (_("Case"), plan["reference"])]
    data = await asyncio.to_thread(acknowledgement_docx, text, record)
    sha = hashlib.sha256(data).hexdigest()
    storage_key = f"documents/{plan['organisation']}/{case_id}/{secrets.token_hex(16)}.docx"
    await storage().put_bytes(storage_key, data, DOCX)
    today = date.fromisoformat(payload["on"]) if payload.get("on") else as_date(accepted)
    try:
        row = (await Document.raw(
            'INSERT INTO documents ("case", template, template_version, version, storage_key, filename, sha256, size, data_date, '
            "visible_to_creditor, created_by, created_at) SELECT {}, {}, 0, COALESCE(MAX(version), 0) + 1, {}, {} || "
            "(COALESCE(MAX(version), 0) + 1) || '.docx', {}, {}, {}, {}, NULL, {} FROM documents WHERE \"case\" = {} AND template = {} "
            "RETURNING id, version",
            case_id, "debtor_acknowledgement", storage_key, f"{plan['reference']}-reconocimiento-de-deuda-aceptado-v", sha, len(data),
            today, True, utcnow(), case_id, "debtor_acknowledgement"))[0]
        await PaymentPlan.update({PaymentPlan.acknowledgement_document: row["id"]}).where(PaymentPlan.id == plan["id"])
        await events.record(case_id, "document", None, _("Document generated: %(name)s (version %(version)s).") % {
            "name": str(SIGNED["debtor_acknowledgement"].name), "version": row["version"]},
            {"document": row["id"], "template": "debtor_acknowledgement", "template_version": 0, "version": row["version"], "sha256": sha,
             "data_date": today.isoformat(), "plan": plan["id"]}, visible_to_creditor=True)
    except BaseException:
        await storage().delete(storage_key)
        raise


def _names() -> dict[str, TemplateInfo]:
    return {**TEMPLATES, **SIGNED}


# The debtor's page reads this on every load (cases.portal.service.portal_case, and its benchmark): fixed SQL, and the
# sendings only when the case has a document that is not one the debtor signed.
DEBTOR_DOCUMENTS_SQL = ('SELECT id, template, filename, data_date, storage_key, pdf_storage_key FROM documents WHERE "case" = {} '
                        "ORDER BY id DESC")
DOCUMENTS_SENT_SQL = "SELECT payload FROM case_events WHERE \"case\" = {} AND kind = 'document_sent'"


async def _debtors(visitor: DebtorVisitor) -> list[dict]:
    """The documents of the visitor's case that are theirs, newest first: those whose sending is recorded, and what
    they signed (agency.tenancy.debtor_case: the visitor's one case)."""
    case_id = debtor_case(visitor)
    docs = await fetch_records(DEBTOR_DOCUMENTS_SQL, case_id)
    if not docs:
        return []
    sent: set = set()
    if any(d["template"] not in SIGNED for d in docs):
        for r in await fetch_records(DOCUMENTS_SENT_SQL, case_id):
            payload = json.loads(r["payload"]) if isinstance(r["payload"], str) else (r["payload"] or {})
            sent.add(payload.get("document"))
    return [dict(d) for d in docs if d["template"] in SIGNED or d["id"] in sent]


async def debtor_documents(visitor: DebtorVisitor) -> list[dict]:
    """[{id, title, filename, on}]: the visitor's documents, newest first, titled in the current language."""
    names = _names()
    return [{"id": r["id"], "title": str(names[r["template"]].name) if r["template"] in names else r["template"],
             "filename": r["filename"], "on": as_date(r["data_date"])} for r in await _debtors(visitor)]


async def debtor_document(visitor: DebtorVisitor, document_id: int) -> dict:
    """One of the visitor's documents as a file to hand them, {storage_key, filename, media_type}: its PDF copy
    (a phone opens a PDF), or the Word file where LibreOffice is not installed. 404 for another case's document,
    one not sent to them, or none."""
    row = next((d for d in await _debtors(visitor) if d["id"] == document_id), None)
    if row is None:
        raise NotFoundException(detail=_("Not found."))
    if soffice() is None:
        return {"storage_key": row["storage_key"], "filename": row["filename"], "media_type": DOCX}
    return {"storage_key": await pdf_of(row), "filename": row["filename"].removesuffix(".docx") + ".pdf", "media_type": "application/pdf"}

