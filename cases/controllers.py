"""Case pages and the case API (thin: parse, guard, call queries/services, render)."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

import msgspec
from litestar import Controller, Request, get
from litestar.response import Template

from agency.auth import anyone_signed_in, roles
from agency.roles import Role
from agency.web import page, user_of
from cases.queries import PAGE_SIZE, STAGES, CaseFilter, get_case, list_cases


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


def _summary(row: dict[str, Any]) -> CaseSummary:
    return CaseSummary(
        id=row["id"], reference=row["reference"], stage=row["stage"], outcome=row["outcome"],
        creditor_reference=row["creditor_reference"], creditor=row["creditor_name"], debtor_name=row["debtor_name"],
        currency=row["currency"], created_at=row["created_at"], next_action_at=row["next_action_at"],
        limitation_date=row["limitation_date"],
    )


def case_out(row: dict[str, Any]) -> CaseOut:
    return CaseOut(
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
        return case_out(await get_case(user_of(request), case_id))


class CasePages(Controller):
    @get("/cases", guards=[anyone_signed_in])
    async def cases(self, request: Request, stage: str | None = None, q: str | None = None, page_number: int = 1) -> Template:
        rows, total = await list_cases(user_of(request), CaseFilter(stage=stage, q=q, page=page_number))
        return page(
            request, "cases/list.html", fragment="cases/_table.html", cases=rows, total=total, stages=STAGES,
            stage=stage or "", q=q or "", page_number=max(page_number, 1), page_size=PAGE_SIZE,
        )

    @get("/cases/{case_id:int}", guards=[anyone_signed_in])
    async def case(self, request: Request, case_id: int) -> Template:
        return page(request, "cases/detail.html", case=await get_case(user_of(request), case_id), stages=STAGES)

    @get("/queue", guards=[roles(Role.negotiator, Role.admin)])
    async def queue(self, request: Request) -> Template:
        user = user_of(request)
        rows, total = await list_cases(user, CaseFilter(stage="amicable", unassigned_or_mine=user.id))
        return page(request, "cases/queue.html", cases=rows, total=total)

    @get("/legal", guards=[roles(Role.lawyer, Role.admin)])
    async def legal(self, request: Request) -> Template:
        rows, total = await list_cases(user_of(request), CaseFilter(stage="court"))
        return page(request, "cases/legal_queue.html", cases=rows, total=total)
