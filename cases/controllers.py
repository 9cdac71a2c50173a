"""Case pages and the case API (thin: parse, guard, call queries/services, render)."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import msgspec
from litestar import Controller, Request
from litestar.response import Template

from agency import clock
from agency.routing import get
from agency.auth import anyone_signed_in
from agency.roles import Role
from agency.web import page, user_of
from cases.money import from_cents
from cases.queries import (
    PAGE_SIZE, STAGES, CaseFilter, case_events, case_evidence, case_invoices, claimed_by_case, claimed_total, get_case, list_cases,
)
from cases.services import EVIDENCE_KINDS
from cases.stages import moves_from, outcomes_from


class DebtorOut(msgspec.Struct):
    id: int
    kind: str
    name: str
    tax_id: str
    email: str
    phone: str
    address: dict[str, str]


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
    balance: dict[str, Decimal] = {}
    events: list[EventOut] = []


def _summary(row: dict[str, Any]) -> CaseSummary:
    return CaseSummary(
        id=row["id"], reference=row["reference"], stage=row["stage"], outcome=row["outcome"],
        creditor_reference=row["creditor_reference"], creditor=row["creditor_name"], debtor_name=row["debtor_name"],
        currency=row["currency"], created_at=row["created_at"], next_action_at=row["next_action_at"],
        limitation_date=row["limitation_date"],
    )


async def _balance(case_id: int) -> dict[str, Any]:
    """Interest and compensation accrued to today; a rate missing from the table is named on the page
    (the figures wait for it), never a silent zero nor a broken page."""
    from cases.ledger_service import balance_dict, balance_of
    from legal.jurisdictions import MissingRate

    try:
        return {"balance": balance_dict(await balance_of(case_id)), "balance_error": ""}
    except MissingRate as exc:
        return {"balance": {}, "balance_error": str(exc)}


async def case_detail(user, case_id: int) -> dict[str, Any]:
    """Everything the case page and the API show, through the tenancy scope."""
    case = await get_case(user, case_id)

    from cases.billing import creditor_figures
    from cases.tables import LedgerEntry

    invoices = await case_invoices(case_id)
    ledger = await LedgerEntry.select(LedgerEntry.id, LedgerEntry.kind, LedgerEntry.amount_cents, LedgerEntry.booked_on, LedgerEntry.method,
                                      LedgerEntry.reference, LedgerEntry.reverses).where(LedgerEntry.case == case_id).order_by(
        LedgerEntry.booked_on).order_by(LedgerEntry.id)
    return {
        "case": case,
        "invoices": invoices,
        "evidence": await case_evidence(case_id),
        "events": await case_events(user, case_id),
        **await _balance(case_id),
        "ledger": ledger,
        "reversed": {e["reverses"] for e in ledger if e["kind"] == "reversal"},
        "agency": creditor_figures(ledger),  # fees, collected, remitted, net to the creditor (cents)
    }


def case_out(row: dict[str, Any], detail: dict[str, Any] | None = None) -> CaseOut:
    detail = detail or {}
    return CaseOut(
        invoices=[InvoiceOut(id=i["id"], number=i["number"], issue_date=i["issue_date"], due_date=i["due_date"],
                             amount=from_cents(i["amount_cents"]), currency=i["currency"], disputed=i["disputed"])
                  for i in detail.get("invoices", [])],
        evidence=[EvidenceOut(id=e["id"], filename=e["original_name"], content_type=e["content_type"], kind=e["kind"], size=e["size"],
                              sha256=e["sha256"], download_url=f"/api/v1/evidence/{e['id']}/download")
                  for e in detail.get("evidence", [])],
        balance=detail.get("balance", {}),
        events=[EventOut(id=e["id"], kind=e["kind"], at=e["at"], summary=e["summary"], actor=e["actor_name"]) for e in detail.get("events", [])],
        id=row["id"], reference=row["reference"], stage=row["stage"], outcome=row["outcome"],
        creditor_reference=row["creditor_reference"], organisation_id=row["organisation_id"], creditor=row["creditor_name"],
        currency=row["currency"], jurisdiction=row["jurisdiction"], limitation_date=row["limitation_date"],
        next_action_at=row["next_action_at"], created_at=row["created_at"],
        debtor=DebtorOut(
            id=row["debtor_id"], kind=row["debtor_kind"], name=row["debtor_name"], tax_id=row["debtor_tax_id"],
            email=row["debtor_email"], phone=row["debtor_phone"],
            address={"line1": row["debtor_address_line1"], "city": row["debtor_city"],
                     "postal_code": row["debtor_postal_code"], "country": row["debtor_country"]},
        ),
    )


class CaseApi(Controller):
    path = "/api/v1/cases"
    tags = ["cases"]
    guards = [anyone_signed_in]

    @get("/", summary="Cases the caller may see (a creditor: their organisation's)")
    async def list(self, request: Request, stage: str | None = None, q: str | None = None, page: int = 1) -> CaseList:
        rows, total = await list_cases(user_of(request), CaseFilter(stage=stage, q=q, page=page))
        return CaseList(items=[_summary(r) for r in rows], total=total, page=max(page, 1), page_size=PAGE_SIZE)

    @get("/{case_id:int}", summary="One case; another organisation's case is a 404")
    async def detail(self, request: Request, case_id: int) -> CaseOut:
        detail = await case_detail(user_of(request), case_id)
        return case_out(detail["case"], detail)


async def message_choices() -> list[dict]:
    from cases.tables import MessageTemplate

    rows = await MessageTemplate.select(MessageTemplate.key, MessageTemplate.name).where(
        (MessageTemplate.active == True) & (MessageTemplate.language == "es") & MessageTemplate.channel.is_in(["email", "whatsapp", "letter"])  # noqa: E712
    ).order_by(MessageTemplate.name)
    return rows


async def stages_reached(case_id: int) -> set[str]:
    """Every stage the case has been in, from its stage changes (the caller may already see the case)."""
    import json

    from cases.tables import CaseEvent

    rows = await CaseEvent.select(CaseEvent.payload).where((CaseEvent.case == case_id) & (CaseEvent.kind == "stage_changed"))
    reached = {"intake"}
    for r in rows:
        payload = json.loads(r["payload"]) if isinstance(r["payload"], str) else (r["payload"] or {})
        reached |= {payload.get("from"), payload.get("to")}
    return reached


class CasePages(Controller):
    @get("/cases", guards=[anyone_signed_in])
    async def cases(self, request: Request, stage: str | None = None, q: str | None = None, page_number: int = 1) -> Template:
        user = user_of(request)
        f = CaseFilter(stage=stage, q=q, page=page_number)
        rows, total = await list_cases(user, f)
        claimed = await claimed_by_case([r["id"] for r in rows])
        for r in rows:
            r["claimed"] = from_cents(claimed.get(r["id"], 0))
        return page(
            request, "cases/list.html", fragment="cases/_table.html", cases=rows, total=total, stages=STAGES,
            stage=stage or "", q=q or "", page_number=max(page_number, 1), page_size=PAGE_SIZE,
            # The sum over every matching case is for creditors (their own book); staff lists span all creditors.
            claimed_total=from_cents(await claimed_total(user, f)) if user.is_creditor else None,
        )

    @get("/cases/{case_id:int}", guards=[anyone_signed_in])
    async def case(self, request: Request, case_id: int) -> Template:
        import secrets

        from cases.bureau_service import bureau_view
        from cases.messages_service import phone_scripts
        from cases.negotiation import case_commitments
        from cases.negotiation_controllers import negotiators_list
        from cases.queue import STRATEGIES
        from legal.views import legal_panel

        user = user_of(request)
        detail = await case_detail(user, case_id)
        stage = detail["case"]["stage"]
        classification = detail["case"]["debtor_classification"] or "unknown"
        # The stages this case went through (a court case may never have been in mediation): from its timeline.
        reached = await stages_reached(case_id)
        return page(request, "cases/detail.html", stages=STAGES, evidence_kinds=EVIDENCE_KINDS, reached=reached,
                    moves=moves_from(stage, user.role) if user.is_staff else [], outcomes=outcomes_from(stage),
                    commitments=await case_commitments(case_id), classification=classification,
                    strategy=STRATEGIES.get(classification, ""), today=clock.today().isoformat(),
                    negotiators=await negotiators_list() if user.role == Role.admin else [],
                    payment_key=secrets.token_hex(12), message_templates=await message_choices(),
                    phone_scripts=await phone_scripts(case_id, clock.today()) if user.is_staff and not detail["case"]["closed_at"]
                    and not detail["balance_error"] else [],  # (the amounts they quote wait for the missing rate too)
                    bureau=await bureau_view(user, case_id, clock.today()),
                    legal=await legal_panel(user, case_id, stage, clock.today()), **detail)

