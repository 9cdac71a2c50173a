"""Case use-cases: open a claim, store evidence. Each loads, asks the rules, and writes its rows
and the case event in ONE transaction."""
from __future__ import annotations

import logging
import secrets
from datetime import date, timedelta
from typing import BinaryIO

from litestar.exceptions import ClientException, HTTPException, NotFoundException

from agency.auth import CurrentUser
from agency.db import atomic, is_sqlite, utcnow
from agency.i18n import gettext as _
from agency.mail import queue_email
from agency.roles import Role
from agency.settings import get_settings
from agency.storage import storage
from agency.tables import Organisation, User
from agency.tenancy import get_visible
from agency.uploads import TooLarge
from cases import events
from cases.billing import service as billing
from cases.claims.filetypes import sniff
from cases.claims.rules import ERASED_EVIDENCE, ClaimInput, DebtorInput, ValidClaim, clean_debtor, validate_claim
from cases.money import to_cents
from cases.notifications import rules as notification_rules
from cases.queries import search_key
from cases.reports import totals
from cases.tables import Case, CaseSequence, Debtor, Evidence, Invoice, NotificationPreference
from legal.rules.limitation import limitation

log = logging.getLogger("agency.cases")
EVIDENCE_KINDS = ("invoice", "contract", "delivery_note", "correspondence", "acknowledgement", "other")


# --- references ----------------------------------------------------------------------------------

async def next_references(count: int, year: int) -> list[str]:
    """``count`` new references for ``year``. Call inside the writing transaction: the row update
    serialises concurrent claims (row lock on PostgreSQL, the IMMEDIATE lock on SQLite)."""
    await CaseSequence.insert(CaseSequence(year=year, last=0)).on_conflict(action="DO NOTHING")
    rows = await CaseSequence.update({CaseSequence.last: CaseSequence.last + count}).where(CaseSequence.year == year).returning(
        CaseSequence.last
    )
    last = rows[0]["last"]
    return [f"EXP-{year}-{n:06d}" for n in range(last - count + 1, last + 1)]


# --- claims --------------------------------------------------------------------------------------

async def open_invoice_numbers(organisation_id: int, debtor: DebtorInput, numbers: list[str]) -> dict[str, str]:
    """Invoice number -> reference, for invoices of the same creditor and debtor in open cases.

    Read by keys only, whatever the debtor's history: the claim's numbers wherever they are (the index on (number,
    case) alone), then those cases with their debtors by primary key; which of them are this creditor's open cases of
    this debtor is sorted out here. With the creditor and the debtor in the SQL, PostgreSQL started from them on
    statistics that had not caught up, and read every earlier case of the creditor on each claim (a debtor with 1,100
    cases: 162 ms a claim, queued behind each other). The work is the invoices with these numbers."""
    numbers = sorted({n.strip() for n in numbers if n.strip()})
    if not numbers:
        return {}
    named = await Invoice.select(Invoice.number, Invoice.case).where(Invoice.number.is_in(numbers))
    if not named:
        return {}
    cases: dict[int, dict] = {}
    ids = sorted({r["case"] for r in named})
    for start in range(0, len(ids), 1000):
        for row in await Case.select(Case.id, Case.reference, Case.organisation, Case.closed_at, Case.debtor.tax_id.as_alias("tax_id"),
                                     Case.debtor.name.as_alias("name")).where(Case.id.is_in(ids[start:start + 1000])):
            cases[row["id"]] = row
    same_debtor = (lambda c: c["tax_id"] == debtor.tax_id) if debtor.tax_id else (lambda c: c["name"] == debtor.name)
    return {r["number"]: c["reference"] for r in named
            if (c := cases.get(r["case"])) and c["organisation"] == organisation_id and c["closed_at"] is None and same_debtor(c)}


async def validate(organisation_id: int, claim: ClaimInput, today: date) -> ValidClaim:
    """The rules plus the duplicate check against open cases (raises ClaimErrors)."""

    scratch: dict = {}
    debtor = clean_debtor(claim.debtor, scratch)
    known = {} if scratch else await open_invoice_numbers(organisation_id, debtor, [i.number for i in claim.invoices])
    return validate_claim(claim, today, known)


async def _debtor_id(organisation_id: int, d: DebtorInput) -> int:
    """The creditor's debtor record when this claim names exactly the same debtor; a new one otherwise.
    An existing record is never rewritten by a later claim: each case keeps the debtor it was filed against."""
    row = await Debtor.select(Debtor.id).where(
        (Debtor.organisation == organisation_id) & (Debtor.tax_id == d.tax_id) & (Debtor.name == d.name) & (Debtor.kind == d.kind)
        & (Debtor.address_line1 == d.address_line1) & (Debtor.postal_code == d.postal_code) & (Debtor.city == d.city)
        & (Debtor.email == d.email) & (Debtor.phone == d.phone) & (Debtor.country == d.country)
    ).first()
    if row:
        return row["id"]
    rows = await Debtor.insert(
        Debtor(organisation=organisation_id, kind=d.kind, name=d.name, search_name=search_key(d.name), tax_id=d.tax_id,
               country=d.country, address_line1=d.address_line1, city=d.city, postal_code=d.postal_code, email=d.email, phone=d.phone,
               language=d.language)
    ).returning(Debtor.id)
    return rows[0]["id"]


def claim_organisation(user: CurrentUser, requested: int | None) -> int:
    """Creditors claim for their own organisation; admins name one."""
    if user.role == Role.creditor:
        if user.organisation_id is None:
            raise ClientException(detail=_("Your account is not linked to a creditor organisation."))
        return user.organisation_id
    if user.role == Role.admin and requested:
        if not 0 < requested < 2**31:
            raise ClientException(detail=_("That organisation does not exist."))
        return requested
    raise ClientException(detail=_("Choose the creditor organisation the claim is for."))


def initial_limitation_date(due_dates: list[date], country: str, today: date, consumer: bool = False) -> date:
    """A new case's limitation date: from the oldest due date, nothing interrupting it yet (the
    legal side recomputes it as demands, acknowledgements, mediations and filings come)."""

    return limitation(min(due_dates), country, [], [], today, consumer).date


async def open_claim(user: CurrentUser, organisation_id: int, claim: ClaimInput, evidence_ids: list[int], today: date) -> int:
    """A new case in stage ``intake``: debtor, case, invoices, the evidence already uploaded, an
    event and a confirmation email, all or nothing. Returns the case id."""
    if not await Organisation.exists().where(Organisation.id == organisation_id):
        raise ClientException(detail=_("That organisation does not exist."))
    await billing.require_contract(user, organisation_id)
    async with atomic():
        valid = await validate(organisation_id, claim, today)
        debtor_id = await _debtor_id(organisation_id, valid.debtor)
        reference = (await next_references(1, today.year))[0]
        now = utcnow()
        snapshot = await billing.snapshot_for(organisation_id)
        case_id = (
            await Case.insert(
                Case(reference=reference, organisation=organisation_id, debtor=debtor_id, creditor_reference=valid.creditor_reference,
                     stage="intake", jurisdiction=valid.debtor.country, currency=valid.invoices[0].currency, notes=valid.notes,
                     created_at=now, updated_at=now, tariff_snapshot=snapshot,
                     limitation_date=initial_limitation_date([i.due_date for i in valid.invoices], valid.debtor.country, today,
                                                              valid.debtor.kind == "person"))
            ).returning(Case.id)
        )[0]["id"]
        await Invoice.insert(
            *[Invoice(case=case_id, number=i.number, issue_date=i.issue_date, due_date=i.due_date, amount_cents=to_cents(i.amount),
                      currency=i.currency) for i in valid.invoices]
        )
        await totals.cases_opened(organisation_id, [[(i.due_date, to_cents(i.amount)) for i in valid.invoices]])
        attached = 0
        if evidence_ids:
            attached = len(
                await Evidence.update({Evidence.case: case_id}).where(
                    Evidence.id.is_in(evidence_ids) & (Evidence.organisation == organisation_id) & Evidence.case.is_null()
                ).returning(Evidence.id)
            )
        await events.record(
            case_id, "claim_opened", user, _("Claim received: %(n)s invoices, %(total)s EUR.") % {"n": len(valid.invoices), "total": valid.total},
            {"invoices": [i.number for i in valid.invoices], "total": str(valid.total), "evidence": attached},
        )
        await notify_creditors(organisation_id, "claim_received", reference=reference, debtor=valid.debtor.name,
                               total=valid.total, invoices=len(valid.invoices), case_id=case_id)
    return case_id


async def notify_creditors(organisation_id: int, template: str, notification: str | None = None, **context) -> None:
    """An email to each active creditor user of the organisation, in their language (through the outbox). With a kind of
    ``notification``, only to those who want that kind emailed at once (their preferences, cases.notifications): the others
    find it in their daily summary or only in their list."""
    users = await User.select(User.id, User.email, User.name, User.language).where(
        (User.organisation == organisation_id) & (User.active == True) & (User.role == Role.creditor.value)  # noqa: E712
    )
    if notification is not None and users:
        chosen = {p["user"]: {notification: p["mode"]} for p in await NotificationPreference.select(
            NotificationPreference.user, NotificationPreference.mode).where(
            NotificationPreference.user.is_in([u["id"] for u in users]) & (NotificationPreference.kind == notification))}
        users = [u for u in users if notification_rules.mode_of(notification, chosen.get(u["id"], {}), Role.creditor.value)
                 == notification_rules.IMMEDIATELY]
    for u in users:
        await queue_email(u["email"], template, kind=template, language=u["language"], name=u["name"],
                          base_url=get_settings().base_url, **context)


# --- evidence ------------------------------------------------------------------------------------

def check_file(fileobj: BinaryIO, filename: str, size: int):
    """The file's verdict (its real type, sniffed from its content), or a 400/413 that names the file."""
    max_bytes = get_settings().max_upload_bytes
    if size == 0:
        raise ClientException(detail=_("%(name)s: the file is empty.") % {"name": filename})
    if size > max_bytes:
        raise TooLarge(detail=_("%(name)s is larger than %(mb)s MB.") % {"name": filename, "mb": max_bytes // (1024 * 1024)})
    verdict = sniff(fileobj, filename)
    if not verdict.ok:
        raise ClientException(detail=f"{filename}: {verdict.reason}")
    return verdict


async def store_evidence(user: CurrentUser | None, organisation_id: int, fileobj: BinaryIO, filename: str, size: int, sha256: str,
                         kind: str, case_id: int | None = None, note: dict | None = None) -> dict:
    """Check the file (size, real type), store it under a key of our own, record it. With a case,
    the case's timeline says so (``note``: more of what the event records); without, it waits for the claim that
    will take it. No user: the debtor, from their page (cases.portal)."""
    verdict = check_file(fileobj, filename, size)
    kind = kind if kind in EVIDENCE_KINDS else "other"

    async def same_file() -> dict | None:  # the same file again (a retried upload, a second click): the one the case has
        same = await Evidence.select(Evidence.id, Evidence.original_name, Evidence.content_type, Evidence.kind).where(
            (Evidence.case == case_id) & (Evidence.sha256 == sha256)).first()
        return same and {"id": same["id"], "filename": same["original_name"], "content_type": same["content_type"], "size": size,
                         "sha256": sha256, "kind": same["kind"], "already_attached": True}

    if case_id is not None and (same := await same_file()):
        return same
    key = f"evidence/{organisation_id}/{utcnow():%Y/%m}/{secrets.token_hex(16)}"
    await storage().put_file(key, fileobj, verdict.content_type)
    same = None
    try:
        async with atomic():
            if case_id is not None:  # looked for again under the case's lock: two identical uploads at once keep one
                if not is_sqlite():
                    await Case.raw("SELECT id FROM collection_cases WHERE id = {} FOR UPDATE", case_id)
                same = await same_file()
            if same is None:
                row = (
                    await Evidence.insert(
                        Evidence(organisation=organisation_id, case=case_id, storage_key=key, original_name=filename,
                                 content_type=verdict.content_type, kind=kind, size=size, sha256=sha256,
                                 uploaded_by=user.id if user else None)
                    ).returning(Evidence.id)
                )[0]
                if case_id is not None:
                    await events.record(case_id, "evidence_added", user, _("Document added: %(name)s") % {"name": filename},
                                        {"evidence_id": row["id"], "sha256": sha256, "kind": kind, **(note or {})})
    except BaseException:
        await storage().delete(key)  # no orphan object when the record could not be written
        raise
    if same is not None:
        await storage().delete(key)
        return same
    return {"id": row["id"], "filename": filename, "content_type": verdict.content_type, "size": size, "sha256": sha256, "kind": kind,
            "already_attached": False}


async def case_for_evidence(user: CurrentUser, case_id: int) -> dict:
    """The open case a user may add evidence to (404 for another organisation's case)."""

    row = await get_visible(Case.select(Case.id, Case.organisation, Case.closed_at).where(Case.id == case_id), user, Case.organisation)
    if row["closed_at"] is not None:
        raise ClientException(detail=_("This case is closed: documents can no longer be added."))
    return row


async def visible_evidence(user: CurrentUser, evidence_id: int) -> dict:
    row = await get_visible(Evidence.select().where(Evidence.id == evidence_id), user, Evidence.organisation)
    if row["case"] is None and row["uploaded_by"] != user.id and not user.is_staff:
        raise NotFoundException(detail=_("Not found."))
    if row["kind"] == ERASED_EVIDENCE:
        raise HTTPException(status_code=410, detail=_("This file was deleted with the debtor's data."))
    return row


STAGED_UPLOAD_TTL_HOURS = 24


async def purge_staged_uploads(settings=None) -> int:
    """Worker job: files uploaded for a claim that was never sent are removed after a day
    (they never became a case's evidence). Idempotent."""

    cutoff = utcnow() - timedelta(hours=STAGED_UPLOAD_TTL_HOURS)
    rows = await Evidence.select(Evidence.id, Evidence.storage_key).where(Evidence.case.is_null() & (Evidence.created_at < cutoff)).limit(500)
    if not rows:
        return 0
    # the rows in one statement (each still only if no claim took it meanwhile), then the files of those deleted
    deleted = await Evidence.delete().where(Evidence.id.is_in([r["id"] for r in rows]) & Evidence.case.is_null()).returning(Evidence.storage_key)
    for row in deleted:
        await storage().delete(row["storage_key"])
    return len(rows)
