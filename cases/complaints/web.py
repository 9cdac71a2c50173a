"""The complaints register's pages (/complaints, for staff and creditors) and API (/api/v1/complaints)."""
from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response
from litestar.exceptions import ClientException
from litestar.response import Template

from agency import clock
from agency.accounts import FormErrors
from agency.auth import admin_only, anyone_signed_in, staff_only
from agency.http_utils import parse_id
from agency.i18n import format_day
from agency.i18n import gettext as _
from agency.routing import get, post
from agency.web import form_data, notify, page, redirect, user_of
from cases.complaints import service
from cases.complaints.rules import CAUSES, OUTCOMES, SOURCES


def complaint_out(r: dict) -> dict:
    return {"id": r["id"], "case_id": r["case"], "reference": r["reference"], "from": r["source"], "cause": r["cause"], "body": r["body"],
            "received_on": r["received_on"].isoformat(), "due_on": r["due_on"].isoformat(), "owner": r["owner_name"] or "",
            "status": r["status"], "answer": r["answer"], "outcome": r["outcome"],
            "answered_on": r["answered_on"].isoformat() if r["answered_on"] else None, "answer_sent_to": r["answer_sent_to"]}


def _case_id(raw: Any) -> int | None:
    if raw in (None, ""):
        return None
    case_id = raw if isinstance(raw, int) and not isinstance(raw, bool) else parse_id(raw)
    if case_id is None:
        raise FormErrors({"case_id": _("Give the case's number (its id), or none for a complaint about no case.")})
    return case_id


class ComplaintApi(Controller):
    path = "/api/v1/complaints"
    tags = ["complaints"]
    guards = [anyone_signed_in]

    @post("/", status_code=201, summary="Record a complaint against the agency's conduct: its owner and answer deadline")
    async def file(self, request: Request, data: dict[str, Any]) -> dict:
        done = await service.file_complaint(user_of(request), _case_id(data.get("case_id")), str(data.get("from", "") or ""), str(data.get("cause", "other") or ""),
                                            str(data.get("body", "") or ""), clock.today())
        return complaint_out(done)

    @get("/", summary="The complaints the caller may read (a creditor: its organisation's), the soonest due first")
    async def index(self, request: Request, status: str = "") -> dict:
        return {"items": [complaint_out(r) for r in await service.complaints(user_of(request), status)]}

    @get("/{complaint_id:int}", summary="One complaint")
    async def show(self, request: Request, complaint_id: int) -> dict:
        return complaint_out(await service.complaint(user_of(request), complaint_id))

    @post("/{complaint_id:int}/answer", status_code=200, guards=[staff_only], summary="The answer sent and the outcome (once)")
    async def answer(self, request: Request, complaint_id: int, data: dict[str, Any]) -> dict:
        return complaint_out(await service.answer(user_of(request), complaint_id, str(data.get("answer", "") or ""),
                                                  str(data.get("outcome", "") or ""), clock.today()))

    @post("/{complaint_id:int}/owner", status_code=200, guards=[admin_only], summary="Give the complaint to another member of staff")
    async def owner(self, request: Request, complaint_id: int, data: dict[str, Any]) -> dict:
        owner = data.get("owner_id")
        if not isinstance(owner, int) or isinstance(owner, bool):
            raise ClientException(detail=_("owner_id is the id of a member of staff."))
        return complaint_out(await service.reassign(user_of(request), complaint_id, owner))


class ComplaintPages(Controller):
    path = "/complaints"
    guards = [anyone_signed_in]

    async def _list(self, request: Request, form: dict | None = None, errors: dict | None = None, status_code: int = 200) -> Template:
        user = user_of(request)
        today = clock.today()
        return page(request, "cases/complaints/list.html", complaints=await service.complaints(user), report=await service.report(user, today),
                    form=form or {}, errors=errors or {}, causes=CAUSES, sources=SOURCES, outcomes=OUTCOMES, today=today,
                    deadlines=service.deadlines(), status_code=status_code)

    @get("/")
    async def index(self, request: Request, case_id: str = "") -> Template:
        return await self._list(request, {"case_id": case_id})

    @post("/")
    async def file(self, request: Request) -> Response | Template:
        data = await form_data(request)
        user = user_of(request)
        try:
            done = await service.file_complaint(user, _case_id(data.get("case_id")), str(data.get("from", "staff")),
                                                str(data.get("cause", "")), str(data.get("body", "")), clock.today())
        except FormErrors as exc:
            return await self._list(request, dict(data), exc.errors, 400)
        notify(request, _("Complaint recorded. %(owner)s answers it by %(day)s.") % {"owner": done["owner_name"] or "—",
                                                                                      "day": format_day(done["due_on"])})
        return redirect(f"/complaints/{done['id']}", request)

    @get("/{complaint_id:int}")
    async def show(self, request: Request, complaint_id: int) -> Template:
        user = user_of(request)
        return page(request, "cases/complaints/detail.html", c=await service.complaint(user, complaint_id), outcomes=OUTCOMES, causes=CAUSES,
                    sources=SOURCES, staff=await service.staff_choices() if user.is_staff else [], today=clock.today(), errors={}, form={})

    @post("/{complaint_id:int}/answer", guards=[staff_only])
    async def answer(self, request: Request, complaint_id: int) -> Response | Template:
        data = await form_data(request)
        user = user_of(request)
        try:
            await service.answer(user, complaint_id, str(data.get("answer", "")), str(data.get("outcome", "")), clock.today())
        except FormErrors as exc:
            return page(request, "cases/complaints/detail.html", c=await service.complaint(user, complaint_id), outcomes=OUTCOMES, causes=CAUSES,
                        sources=SOURCES, staff=await service.staff_choices(), today=clock.today(), errors=exc.errors, form=dict(data),
                        status_code=400)
        notify(request, _("Answer recorded."))
        return redirect(f"/complaints/{complaint_id}", request)

    @post("/{complaint_id:int}/owner", guards=[admin_only])
    async def owner(self, request: Request, complaint_id: int) -> Response:
        data = await form_data(request)
        owner = parse_id(data.get("owner_id"))
        try:
            if owner is None:
                raise ClientException(detail=_("Choose an active member of staff."))
            await service.reassign(user_of(request), complaint_id, owner)
        except ClientException as exc:
            notify(request, str(exc.detail), "error")
        return redirect(f"/complaints/{complaint_id}", request)

