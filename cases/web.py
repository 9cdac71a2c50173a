"""Case pages and the case API (thin: parse, guard, call queries/services, render)."""
from __future__ import annotations

import secrets
from typing import Annotated

from litestar import Controller, Request
from litestar.exceptions import ClientException
from litestar.params import QueryParameter
from litestar.response import Template

from agency import access, clock
from agency.auth import admin_only, anyone_signed_in
from agency.i18n import gettext as _
from agency.roles import Role
from agency.routing import get
from agency.web import page, user_of
from cases.bureau.service import bureau_view
from cases.claims.service import EVIDENCE_KINDS
from cases.home.service import waiting_by_case
from cases.insolvency.service import insolvency_of_case, insolvent_cases
from cases.lists.service import saved_views
from cases.messages.service import phone_scripts
from cases.money import from_cents
from cases.negotiation.queue import STRATEGIES
from cases.negotiation.service import case_commitments, negotiators_list
from cases.queries import (
    PAGE_SIZE,
    STAGES,
    CaseFilter,
    case_detail,
    claimed_by_case,
    claimed_total,
    get_case,
    list_cases,
    message_choices,
    parse_sort,
    stages_reached,
)
from cases.schemas import CaseList, CaseOut, case_out, summary_out
from cases.stages.rules import OUTCOMES, moves_from, outcomes_from


class CaseApi(Controller):
    path = "/api/v1/cases"
    tags = ["cases"]
    guards = [anyone_signed_in]

    @get("/", summary="Cases the caller may see (a creditor: their organisation's), newest first or as sort and dir say")
    async def list(self, request: Request, stage: str | None = None, q: str | None = None, page: int = 1, sort: str | None = None,
                   direction: Annotated[str | None, QueryParameter(name="dir", description="asc or desc", required=False)] = None) -> CaseList:
        order = parse_sort(sort, direction)
        if order is None:
            raise ClientException(detail=_("sort is opened or reference, and dir is asc or desc."))
        user = user_of(request)
        rows, total = await list_cases(user, CaseFilter(stage=stage, q=q, page=page, sort=order[0], descending=order[1]))
        waiting = await waiting_by_case(user, [r["id"] for r in rows]) if user.is_creditor else {}
        for r in rows:
            r["decisions"] = waiting.get(r["id"], [])
        return CaseList(items=[summary_out(r) for r in rows], total=total, page=max(page, 1), page_size=PAGE_SIZE)

    @get("/{case_id:int}", summary="One case; another organisation's case is a 404")
    async def detail(self, request: Request, case_id: int) -> CaseOut:
        detail = await case_detail(user_of(request), case_id)
        return case_out(detail["case"], detail)

    @get("/{case_id:int}/access-log", guards=[admin_only], summary="Every read of the case, its debtor's data, its files and documents")
    async def access_log(self, request: Request, case_id: int) -> dict:
        await get_case(user_of(request), case_id)  # (a 404 for no such case)
        return {"items": [{"user": r["user"] or "", "at": r["at"].isoformat(), "what": r["what"], "address": r["address"], "via": r["via"]}
                          for r in await access.case_log(case_id)]}


class CasePages(Controller):
    @get("/cases", guards=[anyone_signed_in])
    async def cases(self, request: Request, stage: str | None = None, q: str | None = None, page_number: int = 1,
                    sort: str | None = None, direction: Annotated[str | None, QueryParameter(name="dir", required=False)] = None) -> Template:
        user = user_of(request)
        sort, descending = parse_sort(sort, direction) or ("opened", True)  # (a sort the list does not know: its own order)
        f = CaseFilter(stage=stage, q=q, page=page_number, sort=sort, descending=descending)
        rows, total = await list_cases(user, f)
        claimed = await claimed_by_case([r["id"] for r in rows])
        # the creditor's own decisions waiting on this page's cases: the next action is theirs (cases.home)
        waiting = await waiting_by_case(user, [r["id"] for r in rows]) if user.is_creditor else {}
        insolvent = await insolvent_cases([r["id"] for r in rows])  # (one query for the page: the row's "in insolvency" flag)
        for r in rows:
            r["claimed"] = from_cents(claimed.get(r["id"], 0))
            r["decisions"] = waiting.get(r["id"], [])
            r["insolvent"] = r["id"] in insolvent
        staff = user.is_staff
        return page(
            request, "cases/list.html", fragment="cases/_table.html", cases=rows, total=total, stages=STAGES,
            stage=stage or "", q=q or "", page_number=max(page_number, 1), page_size=PAGE_SIZE,
            sort=sort, dir="desc" if descending else "asc",
            # The sum over every matching case is for creditors (their own book); staff lists span all creditors.
            claimed_total=from_cents(await claimed_total(user, f)) if user.is_creditor else None,
            # staff act on the cases selected (cases.lists): the choices of the bulk bar
            bulk=staff, outcomes=OUTCOMES if staff else (), message_templates=await message_choices() if staff else [],
            negotiators=await negotiators_list() if user.role == Role.admin else [],
            views=await saved_views(user),
        )

    @get("/cases/{case_id:int}", guards=[anyone_signed_in])
    async def case(self, request: Request, case_id: int) -> Template:
        user = user_of(request)
        detail = await case_detail(user, case_id)
        stage = detail["case"]["stage"]
        classification = detail["case"]["debtor_classification"] or "unknown"
        # The stages this case went through (a court case may never have been in mediation): from its timeline.
        reached = await stages_reached(case_id)
        insolvency = await insolvency_of_case(case_id)  # in concurso: the flag and the facts, and no call scripts (no contact)
        return page(request, "cases/detail.html", stages=STAGES, evidence_kinds=EVIDENCE_KINDS, reached=reached,
                    moves=moves_from(stage, user.role, detail["case"]["jurisdiction"]) if user.is_staff else [], outcomes=outcomes_from(stage),
                    commitments=await case_commitments(case_id), classification=classification,
                    strategy=STRATEGIES.get(classification, ""), today=clock.today().isoformat(),
                    negotiators=await negotiators_list() if user.role == Role.admin else [],
                    payment_key=secrets.token_hex(12), message_templates=await message_choices(),
                    phone_scripts=await phone_scripts(case_id, clock.today()) if user.is_staff and not detail["case"]["closed_at"]
                    and not detail["balance_error"] and insolvency is None else [],  # (the amounts they quote wait for the missing rate too)
                    bureau=await bureau_view(user, case_id, clock.today()), insolvency=insolvency, **detail)

