"""Enforcement: the debtor's assets a lawyer records, what the court's attachments yielded (booked as payments, once
per Idempotency-Key), and what the enforcement request and the costs claim print (legal.documents builds them)."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from litestar.exceptions import ClientException

from agency.auth import CurrentUser
from agency.db import as_date, atomic
from agency.i18n import gettext as _
from agency.tenancy import get_visible
from cases import events
from cases.billing.ledger import Balances
from cases.money import from_cents
from cases.payments.service import record_payment
from cases.tables import Case, LedgerEntry
from legal.enforcement.rules import ASSET_KINDS, AssetError, EnforcementFigures, check_asset, costs_claim, enforcement_figures
from legal.tables import DebtorAsset, Filing, FilingStep

# What the court's steps call the title an enforcement rests on (filing_steps.step).
TITLE_STEPS = ("decree", "judgment")
ASSET_COLUMNS = (DebtorAsset.id, DebtorAsset.kind, DebtorAsset.description, DebtorAsset.identifier, DebtorAsset.found_on,
                 DebtorAsset.note, DebtorAsset.created_at)


async def _case(user: CurrentUser, case_id: int) -> dict:
    return await get_visible(Case.select(Case.id, Case.created_at, Case.closed_at).where(Case.id == case_id), user, Case.organisation)


def asset_out(row: dict) -> dict:
    return {"id": row["id"], "kind": row["kind"], "description": row["description"], "identifier": row["identifier"],
            "found_on": as_date(row["found_on"]), "note": row["note"]}


async def assets_of(case_id: int) -> list[dict]:
    """The case's assets, in the order recorded (a case the caller may see: the caller checked it)."""
    return [asset_out(r) for r in await DebtorAsset.select(*ASSET_COLUMNS).where(DebtorAsset.case == case_id).order_by(DebtorAsset.id)]


async def case_assets(user: CurrentUser, case_id: int) -> list[dict]:
    await _case(user, case_id)
    return await assets_of(case_id)


async def add_asset(user: CurrentUser, case_id: int, kind: str, description: str, identifier: str, found_on: date | None, note: str,
                    today: date) -> dict:
    await _case(user, case_id)
    try:
        check_asset(kind, description)
    except AssetError as exc:
        raise ClientException(detail=_("The asset's kind is one of: %(kinds)s.") % {"kinds": ", ".join(ASSET_KINDS)} if str(exc) == "kind"
                              else _("Describe the asset (e.g. the bank and the account, the employer, the car's make and model).")) from None
    if found_on and found_on > today:
        raise ClientException(detail=_("The day the asset was found cannot be in the future."))
    async with atomic():
        row = (await DebtorAsset.insert(DebtorAsset(case=case_id, kind=kind, description=description.strip()[:200],
                                                    identifier=identifier.strip()[:100], found_on=found_on, note=note.strip()[:2000],
                                                    created_by=user.id)).returning(*ASSET_COLUMNS))[0]
        await events.record(case_id, "asset", user, _("Debtor's asset recorded: %(description)s.") % {"description": description.strip()},
                            {"asset": row["id"], "kind": kind}, visible_to_creditor=False)
    return asset_out(row)


async def record_attachment(user: CurrentUser, case_id: int, amount: Decimal, on: date, asset_id: int | None, note: str,
                            idempotency_key: str | None, today: date) -> tuple[int, bool]:
    """What an attachment yielded, paid out by the court: a payment (method court_attachment) applied as any payment,
    its event naming the asset; the same Idempotency-Key again books nothing and returns the first entry."""
    await _case(user, case_id)
    asset = None
    if asset_id is not None:
        asset = await DebtorAsset.select(DebtorAsset.id, DebtorAsset.description).where(
            (DebtorAsset.id == asset_id) & (DebtorAsset.case == case_id)).first()
        if asset is None:
            raise ClientException(detail=_("This case has no asset %(id)s: choose one of the case's assets, or none.") % {"id": asset_id})
    reference = (_("Attachment: %(asset)s") % {"asset": asset["description"]} if asset else _("Attachment")) + (f" · {note.strip()}" if note.strip() else "")
    return await record_payment(user, case_id, amount, on, "court_attachment", reference[:100], idempotency_key, today,
                                extra={"attachment": True, "asset": asset_id, "note": note.strip()[:500]})


async def title_of(case_id: int) -> dict | None:
    """The decree or judgment the enforcement rests on: the case's first such step, with its filing's court and number."""
    step = await FilingStep.select(FilingStep.step, FilingStep.on, FilingStep.filing).where(
        (FilingStep.case == case_id) & FilingStep.step.is_in(list(TITLE_STEPS))).order_by(FilingStep.on).order_by(FilingStep.id).first()
    if step is None:
        return None
    filing = await Filing.select(Filing.court, Filing.court_case_number, Filing.procedure).where(Filing.id == step["filing"]).first()
    return {"step": step["step"], "on": as_date(step["on"]), **(filing or {"court": "", "court_case_number": "", "procedure": ""})}


def figures_of(balance: Balances) -> EnforcementFigures:
    """The request's figures from the ledger: principal, the interest and compensation to the decree, LEC 576 interest."""
    accrued = sum((i.interest_outstanding + i.compensation_outstanding for i in balance.invoices), Decimal("0.00"))
    judgment = sum((i.judgment_interest_outstanding for i in balance.invoices), Decimal("0.00"))
    return enforcement_figures(balance.principal_outstanding, accrued, judgment)


COST_ENTRY_COLUMNS = (LedgerEntry.id, LedgerEntry.method, LedgerEntry.amount_cents, LedgerEntry.booked_on, LedgerEntry.reference)


async def court_costs(case_id: int) -> list[dict]:
    """The court costs booked on the case (ledger cost entries of the court's kinds), in booking order."""
    rows = await LedgerEntry.select(*COST_ENTRY_COLUMNS).where((LedgerEntry.case == case_id) & (LedgerEntry.kind == "cost")).order_by(
        LedgerEntry.booked_on).order_by(LedgerEntry.id)
    return [{"kind": str(r["method"] or "").removeprefix("agency:"), "amount": from_cents(r["amount_cents"]), "on": as_date(r["booked_on"]),
             "description": r["reference"] or ""} for r in rows]


def claim_of(costs: list[dict], proceedings_amount: Decimal):
    return costs_claim([(c["kind"], c["amount"]) for c in costs], proceedings_amount)
