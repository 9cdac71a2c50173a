"""The insolvency watch's API (/api/v1/debtors/{id}/insolvency) and the case page's form (/cases/{id}/insolvency)."""
from __future__ import annotations

from datetime import date
from typing import Any

from litestar import Controller, Request, Response
from litestar.exceptions import HTTPException

from agency import clock
from agency.accounts import FormErrors
from agency.auth import anyone_signed_in, staff_only
from agency.i18n import format_day
from agency.i18n import gettext as _
from agency.routing import get, post
from agency.tenancy import get_visible
from agency.web import form_data, notify, redirect, refuse, user_of
from cases.forms import case_action, date_field
from cases.insolvency import service
from cases.tables import Case


def insolvency_out(r: dict | None) -> dict | None:
    if r is None:
        return None
    out = {"id": r["id"], "debtor_id": r["debtor"], "court": r["court"], "published_on": r["published_on"].isoformat(),
           "declared_on": r["declared_on"].isoformat() if r["declared_on"] else None, "administrator": r["administrator"],
           "claim_deadline": r["claim_deadline"].isoformat(), "marked_by": r["marked_by_name"] or "",
           "marked_at": r["marked_at"].isoformat() if hasattr(r["marked_at"], "isoformat") else str(r["marked_at"]),
           "ended_on": r["ended_on"].isoformat() if r["ended_on"] else None}
    if "cases" in r:
        out["cases"] = r["cases"]
    return out


def _day(data: dict, field: str) -> date | None:
    """A date field, or None when not given (a missing publication date is the rules' to name)."""
    raw = data.get(field)
    if raw in (None, ""):
        return None
    if not isinstance(raw, str):
        raise FormErrors({field: _("Enter the date as YYYY-MM-DD.")})
    return date_field(raw, field)


def _text(data: dict, field: str) -> str:
    raw = data.get(field)
    if raw is not None and not isinstance(raw, str):
        raise FormErrors({field: _("Write it as text.")})
    return raw or ""


async def _mark(request: Request, debtor_id: int, data: dict[str, Any]) -> dict:
    dates = {}
    errors = {}
    for field in ("published_on", "declared_on"):
        try:
            dates[field] = _day(data, field)
        except FormErrors as exc:
            errors.update(exc.errors)
    if errors:
        raise FormErrors(errors)
    return await service.mark(user_of(request), debtor_id, _text(data, "court"), dates["published_on"], dates["declared_on"],
                              _text(data, "administrator"), clock.today())


class InsolvencyApi(Controller):
    path = "/api/v1/debtors"
    tags = ["debtors"]
    guards = [anyone_signed_in]

    @post("/{debtor_id:int}/insolvency", status_code=201,
          summary="Mark the debtor as in insolvency proceedings (concurso): contact and new filings stop on their cases, the "
                  "creditor is told, and the month to communicate the claim to the administrator is opened (admins and lawyers)")
    async def mark(self, request: Request, debtor_id: int, data: dict[str, Any]) -> dict:
        return insolvency_out(await _mark(request, debtor_id, data))

    @get("/{debtor_id:int}/insolvency", guards=[staff_only], summary="The debtor's open concurso (or null) and every one recorded")
    async def show(self, request: Request, debtor_id: int) -> dict:
        return {"open": insolvency_out(await service.insolvency_of(debtor_id)),
                "history": [insolvency_out(r) for r in await service.history(debtor_id)]}

    @post("/{debtor_id:int}/insolvency/end", status_code=200,
          summary="The concurso ended (or the mark was wrong): contact and filings are allowed again (admins and lawyers)")
    async def end(self, request: Request, debtor_id: int, data: dict[str, Any]) -> dict:
        ended = _day(data, "ended_on") or clock.today()
        await service.end(user_of(request), debtor_id, ended, clock.today())
        return {"open": None, "history": [insolvency_out(r) for r in await service.history(debtor_id)]}


class InsolvencyPages(Controller):
    path = "/cases"
    guards = [staff_only]

    async def _debtor(self, request: Request, case_id: int) -> int:
        case = await get_visible(Case.select(Case.id, Case.debtor).where(Case.id == case_id), user_of(request), Case.organisation)
        return case["debtor"]

    @post("/{case_id:int}/insolvency")
    async def mark(self, request: Request, case_id: int) -> Response:
        data = await form_data(request)
        back = f"/cases/{case_id}#insolvency"
        try:
            found = await _mark(request, await self._debtor(request, case_id), data)
        except FormErrors as exc:
            return refuse(request, [str(m) for m in exc.errors.values()], back)
        except HTTPException as exc:
            if exc.status_code in {403, 404}:
                raise
            return refuse(request, [str(exc.detail)], back)
        notify(request, _("Marked as in insolvency proceedings: contact and court filings stop. The claim must reach the insolvency "
                          "administrator by %(day)s.") % {"day": format_day(found["claim_deadline"])})
        return redirect(back, request)

    @post("/{case_id:int}/insolvency/end")
    async def end(self, request: Request, case_id: int) -> Response:
        data = await form_data(request)

        async def act() -> None:
            await service.end(user_of(request), await self._debtor(request, case_id), _day(data, "ended_on") or clock.today(),
                              clock.today())

        return await case_action(request, case_id, act, _("The insolvency proceedings are recorded as ended."))
