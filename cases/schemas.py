"""The JSON shapes of a case (the contract in DESIGN.md), shared by every capability that answers with a case."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import msgspec

from cases.money import from_cents


class DebtorOut(msgspec.Struct):
    id: int
    kind: str
    name: str
    tax_id: str
    email: str
    phone: str
    address: dict[str, str]
    vulnerable: bool = False  # no automatic contact; the cases with a senior negotiator (cases.contacts)


class CaseSummary(msgspec.Struct):
    id: int
    reference: str
    stage: str
    outcome: str | None
    creditor_reference: str
    creditor: str
    debtor_name: str
    currency: str
    created_at: datetime
    next_action_at: datetime | None
    limitation_date: date | None
    # the decisions waiting for the creditor on this case (cases.home: legal_action, bureau_authorisation...); creditors only
    your_decisions: list[str] = []


class CaseList(msgspec.Struct):
    items: list[CaseSummary]
    total: int
    page: int
    page_size: int


class InvoiceOut(msgspec.Struct):
    id: int
    number: str
    issue_date: date
    due_date: date
    amount: Decimal
    currency: str
    disputed: bool
    outstanding: Decimal | None = None  # what is left of it today, principal, interest and compensation (None: disputed)


class EvidenceOut(msgspec.Struct):
    id: int
    filename: str
    content_type: str
    kind: str
    size: int
    sha256: str
    download_url: str


class EventOut(msgspec.Struct):
    id: int
    kind: str
    at: datetime
    summary: str
    actor: str | None


class BalanceOut(msgspec.Struct, omit_defaults=True):
    """What the case owes, to today (cases.billing.balances.balance_dict); empty when it cannot be computed (a
    statutory rate missing). Amounts as decimal strings; the two flags as booleans."""
    principal: Decimal | None = None
    interest: Decimal | None = None
    compensation: Decimal | None = None
    costs: Decimal | None = None
    paid: Decimal | None = None
    outstanding: Decimal | None = None
    interest_provisional: bool | None = None  # a rate of the period is not published yet: the latest known is used
    interest_awaiting_demand: bool | None = None  # a consumer owes no interest until a demand reaches them
    judgment_on: date | None = None  # LEC 576: the decree or judgment from which post-judgment interest runs
    judgment_interest: Decimal | None = None  # that interest, to today (the ordinary interest stopped at the decree)


class CaseOut(msgspec.Struct):
    id: int
    reference: str
    stage: str
    outcome: str | None
    creditor_reference: str
    organisation_id: int
    creditor: str
    currency: str
    jurisdiction: str
    limitation_date: date | None
    next_action_at: datetime | None
    created_at: datetime
    debtor: DebtorOut
    invoices: list[InvoiceOut] = []
    evidence: list[EvidenceOut] = []
    balance: BalanceOut = msgspec.field(default_factory=BalanceOut)
    events: list[EventOut] = []
    held_at: datetime | None = None  # on hold (the creditor's or the agency's): no automatic contact, out of the queue
    held_reason: str = ""


def summary_out(row: dict[str, Any]) -> CaseSummary:
    return CaseSummary(
        id=row["id"], reference=row["reference"], stage=row["stage"], outcome=row["outcome"],
        creditor_reference=row["creditor_reference"], creditor=row["creditor_name"], debtor_name=row["debtor_name"],
        currency=row["currency"], created_at=row["created_at"], next_action_at=row["next_action_at"],
        limitation_date=row["limitation_date"], your_decisions=[d.kind for d in row.get("decisions", [])],
    )


def case_out(row: dict[str, Any], detail: dict[str, Any] | None = None) -> CaseOut:
    detail = detail or {}
    return CaseOut(
        invoices=[InvoiceOut(id=i["id"], number=i["number"], issue_date=i["issue_date"], due_date=i["due_date"],
                             amount=from_cents(i["amount_cents"]), currency=i["currency"], disputed=i["disputed"],
                             outstanding=owed.outstanding if (owed := detail.get("invoice_balances", {}).get(i["number"])) else None)
                  for i in detail.get("invoices", [])],
        evidence=[EvidenceOut(id=e["id"], filename=e["original_name"], content_type=e["content_type"], kind=e["kind"], size=e["size"],
                              sha256=e["sha256"], download_url=f"/api/v1/evidence/{e['id']}/download")
                  for e in detail.get("evidence", [])],
        balance=BalanceOut(**detail.get("balance", {})),
        events=[EventOut(id=e["id"], kind=e["kind"], at=e["at"], summary=e["summary"], actor=e["actor_name"]) for e in detail.get("events", [])],
        id=row["id"], reference=row["reference"], stage=row["stage"], outcome=row["outcome"],
        creditor_reference=row["creditor_reference"], organisation_id=row["organisation_id"], creditor=row["creditor_name"],
        currency=row["currency"], jurisdiction=row["jurisdiction"], limitation_date=row["limitation_date"],
        next_action_at=row["next_action_at"], created_at=row["created_at"],
        held_at=row.get("held_at"), held_reason=row.get("held_reason") or "",
        debtor=DebtorOut(
            id=row["debtor_id"], kind=row["debtor_kind"], name=row["debtor_name"], tax_id=row["debtor_tax_id"],
            email=row["debtor_email"], phone=row["debtor_phone"],
            address={"line1": row["debtor_address_line1"], "city": row["debtor_city"],
                     "postal_code": row["debtor_postal_code"], "country": row["debtor_country"]},
            vulnerable=bool(row.get("debtor_vulnerable")),
        ),
    )
