"""What legal holds about a debtor, for their data rights (cases.privacy): read for an export, blanked when the debtor is
anonymised. Handed to cases at start by the shell (agency.wiring): ``cases_data`` and ``stored_files`` as the "legal"
section of the export, ``on_case_event`` as the subscriber of the "anonymised" event (in its transaction)."""
from __future__ import annotations

from typing import Any

from legal.tables import ERASED_FILENAME, Bundle, DebtorAsset, Document, Filing, Hearing, LegalAction, Mediation, MediationSession


def _day(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


async def cases_data(case_ids: list[int]) -> list[dict]:
    """The cases' legal actions, filings, hearings, mediations and generated documents, a row each with its "case"."""
    rows: list[dict] = []
    for r in await LegalAction.select(LegalAction.case, LegalAction.status, LegalAction.procedure, LegalAction.note, LegalAction.answer_note,
                                      LegalAction.proposed_at).where(LegalAction.case.is_in(case_ids)).order_by(LegalAction.id):
        rows.append({"case": r["case"], "what": "legal_action", "on": _day(r["proposed_at"]), "status": r["status"], "procedure": r["procedure"],
                     "text": " / ".join(t for t in (r["note"], r["answer_note"]) if t)})
    for r in await Filing.select(Filing.case, Filing.procedure, Filing.court, Filing.status, Filing.filed_on, Filing.court_case_number,
                                 Filing.outcome).where(Filing.case.is_in(case_ids)).order_by(Filing.id):
        rows.append({"case": r["case"], "what": "filing", "on": _day(r["filed_on"]), "status": r["status"], "procedure": r["procedure"],
                     "text": " / ".join(t for t in (r["court"], r["court_case_number"], r["outcome"]) if t)})
    for r in await Hearing.select(Hearing.case, Hearing.at, Hearing.kind, Hearing.place, Hearing.notes).where(
            Hearing.case.is_in(case_ids)).order_by(Hearing.id):
        rows.append({"case": r["case"], "what": "hearing", "on": _day(r["at"]), "status": r["kind"], "procedure": "",
                     "text": " / ".join(t for t in (r["place"], r["notes"]) if t)})
    for r in await Mediation.select(Mediation.id, Mediation.case, Mediation.mediator, Mediation.requested_on, Mediation.status,
                                    Mediation.agreement).where(Mediation.case.is_in(case_ids)).order_by(Mediation.id):
        rows.append({"case": r["case"], "what": "mediation", "on": _day(r["requested_on"]), "status": r["status"], "procedure": r["mediator"],
                     "text": r["agreement"]})
    for r in await DebtorAsset.select(DebtorAsset.case, DebtorAsset.kind, DebtorAsset.description, DebtorAsset.identifier, DebtorAsset.found_on,
                                      DebtorAsset.note).where(DebtorAsset.case.is_in(case_ids)).order_by(DebtorAsset.id):
        rows.append({"case": r["case"], "what": "asset", "on": _day(r["found_on"]), "status": r["kind"], "procedure": r["identifier"],
                     "text": " / ".join(t for t in (r["description"], r["note"]) if t)})
    for r in await Document.select(Document.case, Document.template, Document.version, Document.filename, Document.sha256,
                                   Document.created_at).where(Document.case.is_in(case_ids)).order_by(Document.id):
        rows.append({"case": r["case"], "what": "document", "on": _day(r["created_at"]), "status": f"{r['template']} v{r['version']}",
                     "procedure": r["sha256"], "text": r["filename"]})
    return rows


async def stored_files(case_ids: list[int]) -> list[str]:
    """The storage keys of the cases' generated documents, their PDF copies and filing bundles (deleted with the debtor's
    data)."""
    keys: list[str] = []
    for r in await Document.select(Document.storage_key, Document.pdf_storage_key).where(
            Document.case.is_in(case_ids) & (Document.filename != ERASED_FILENAME)):
        keys += [k for k in (r["storage_key"], r["pdf_storage_key"]) if k]
    # the filing bundles made of them (the petition and the evidence, in one ZIP)
    keys += [r["storage_key"] for r in await Bundle.select(Bundle.storage_key).where(
        Bundle.case.is_in(case_ids) & (Bundle.filename != ERASED_FILENAME))]
    return keys


async def on_case_event(case_id: int, kind: str, payload: dict) -> None:
    """The debtor of the case was anonymised: blank what legal wrote about them; the documents' files go (their
    rows stay, with their SHA-256, as proof of what was generated)."""
    if kind != "anonymised":
        return
    await LegalAction.update({LegalAction.note: "", LegalAction.answer_note: ""}).where(LegalAction.case == case_id)
    await Hearing.update({Hearing.notes: ""}).where(Hearing.case == case_id)
    await DebtorAsset.update({DebtorAsset.description: "", DebtorAsset.identifier: "", DebtorAsset.note: ""}).where(DebtorAsset.case == case_id)
    mediations = [r["id"] for r in await Mediation.select(Mediation.id).where(Mediation.case == case_id)]
    if mediations:
        await Mediation.update({Mediation.agreement: ""}).where(Mediation.id.is_in(mediations))
        await MediationSession.update({MediationSession.notes: ""}).where(MediationSession.mediation.is_in(mediations))
    await Document.update({Document.filename: ERASED_FILENAME, Document.pdf_storage_key: None}).where(Document.case == case_id)
    await Bundle.update({Bundle.filename: ERASED_FILENAME}).where(Bundle.case == case_id)
