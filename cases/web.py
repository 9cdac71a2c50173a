"""Case pages and the case API (thin: parse, guard, call queries/services, render)."""
from __future__ import annotations

import hashlib
import secrets
from typing import Annotated

from litestar import Controller, Request, Response
from litestar.exceptions import ClientException, NotFoundException
from litestar.params import QueryParameter
from litestar.response import Redirect, Template

from agency import access, clock
from agency.auth import admin_only, anyone_signed_in
from agency.i18n import gettext as _
from agency.roles import Role
from agency.routing import get
from agency.web import page, page_kept, user_of
from cases.claims.service import EVIDENCE_KINDS
from cases.home.service import waiting_by_case
from cases.insolvency.service import insolvency_of, insolvent_cases
from cases.lists.service import saved_views
from cases.money import from_cents
from cases.negotiation.queue import STRATEGIES
from cases.negotiation.service import case_commitments, negotiators_list
from cases.queries import (
    PAGE_SIZE,
    STAGES,
    CaseFilter,
    case_balance,
    case_detail,
    case_events,
    case_evidence,
    case_invoices,
    case_money,
    case_seen,
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
    async def case(self, request: Request, case_id: int) -> Response | Template:
        """The header and the reader's own part (issue 23: negotiators land on Work, lawyers on Legal, admins and
        creditors on the summary, Money); every other part is a fragment loaded when opened (``part`` below)."""
        user = user_of(request)
        context = await case_header(user, case_id)
        landing = landing_part(user)
        return kept_case_page(request, {**context, **await part_context(user, landing, context), "part": landing, "part_names": part_names(user)})

    @get("/cases/{case_id:int}/part/{name:str}", guards=[anyone_signed_in])
    async def part(self, request: Request, case_id: int, name: str) -> Response | Template | Redirect:
        """One part of the case page: to htmx the part alone; to a browser without JavaScript (a placeholder's link),
        the page with that part in it. The case read through the tenancy scope as the page is (another organisation's
        case is a 404); a part the reader has not (Work, for a creditor) is a 404 too."""
        user = user_of(request)
        if name == "legal":
            await get_case(user, case_id)  # (a 404 for no such case)
            return Redirect(f"/cases/{case_id}/legal/")  # legal's own route (cases never imports legal)
        if name not in {n for n, _label in part_names(user)}:
            raise NotFoundException(detail=_("Not found."))
        fragment = request.headers.get("hx-request") == "true"
        context = await case_header(user, case_id, fragment=fragment)
        context = {**context, **await part_context(user, name, context), "part": name, "part_names": part_names(user)}
        if fragment:
            return page(request, "cases/detail.html", fragment=f"cases/_part_{name}.html", **context)
        return kept_case_page(request, context)


def kept_case_page(request: Request, context: dict) -> Response | Template:
    """The case page rendered once per everything it shows (the values read for it, to the cent and the day; the reader,
    language and address: agency.web.page_kept) and kept: a case is opened again and again through a working day, and
    rendering it was most of its time (tests/bench/test_case_page_speed.py). The payment forms' idempotency key is new in
    every response, as the CSRF token is."""
    context.pop("payment_key", None)
    shown = hashlib.blake2b(repr(sorted(context.items(), key=lambda item: item[0])).encode(), digest_size=20).digest()
    return page_kept(request, "cases/detail.html", key=(shown,), fresh=("payment_key",), **context)


PARTS = ("work", "money", "legal", "documents", "timeline")  # (the order of the bar above them, and of their keys 1-5)


def part_names(user) -> list[tuple[str, str]]:
    """The parts of the case page the reader has, in the page's order, with their names."""
    labels = {"work": _("Work"), "legal": _("Legal"), "money": _("Money"), "documents": _("Documents"), "timeline": _("Timeline")}
    return [(n, labels[n]) for n in PARTS if n != "work" or user.is_staff]


def landing_part(user) -> str:
    """Where each reader lands: negotiators on Work, lawyers on Legal, admins and creditors on the summary (Money)."""
    if user.role == Role.negotiator:
        return "work"
    return "legal" if user.role == Role.lawyer else "money"


async def case_header(user, case_id: int, fragment: bool = False) -> dict:
    """What the page's header shows (and every part needs): the case through the tenancy scope, what is owed now, the
    flags. For a fragment only the case and its balance (the header is on the page already)."""
    case = await case_seen(user, case_id)
    balance = await case_balance(case_id)
    invoices = await case_invoices(case_id)  # (the header's "disputed", Work's payment form, Money's table)
    context = {"case": case, **balance, "invoices": invoices, "stages": STAGES, "today": clock.today().isoformat()}
    if fragment:
        return context
    stage = case["stage"]
    context.update(
        # The stages this case went through (a court case may never have been in mediation): from its timeline.
        reached=await stages_reached(case_id),
        insolvency=await insolvency_of(case["debtor_id"]),  # in concurso: the flag and the facts, and no call scripts (no contact)
        disputed=any(i["disputed"] for i in invoices),
        moves=moves_from(stage, user.role, case["jurisdiction"]) if user.is_staff else [], outcomes=outcomes_from(stage),
    )
    return context


async def part_context(user, name: str, context: dict) -> dict:
    """What one part of the page reads, and only it: an unopened part costs nothing."""
    case, case_id = context["case"], context["case"]["id"]
    if name == "work":
        classification = case["debtor_classification"] or "unknown"
        insolvency = context["insolvency"] if "insolvency" in context else await insolvency_of(case["debtor_id"])
        # (the phone scripts and the bureau's panel are their capabilities' fragments, loaded once the part is open)
        return {"commitments": await case_commitments(case_id), "classification": classification,
                "strategy": STRATEGIES.get(classification, ""), "insolvency": insolvency,
                "negotiators": await negotiators_list() if user.role == Role.admin else [],
                "payment_key": secrets.token_hex(12), "message_templates": await message_choices()}
    if name == "money":
        return {**await case_money(case_id, context, context["invoices"]), "commitments": await case_commitments(case_id) if not user.is_staff else {},
                "insolvency": context["insolvency"] if "insolvency" in context else await insolvency_of(case["debtor_id"]),
                "payment_key": secrets.token_hex(12)}
    if name == "documents":
        return {"evidence": await case_evidence(case_id), "evidence_kinds": EVIDENCE_KINDS}
    if name == "timeline":
        return {"events": await case_events(user, case_id)}
    return {}
