"""The conversation between the creditor and the agency: the case page's section (an htmx fragment, or a page of its own
without JavaScript), its API (/api/v1/cases/{id}/conversation) and the admin's list of questions answered late.

A message is sent as JSON ``{body, evidence_ids?}`` (files already uploaded to the case) or as multipart/form-data (the
field ``body`` and any number of files, each kept as the case's evidence under the evidence rules)."""
from __future__ import annotations

from datetime import date
from typing import Any

import msgspec
from litestar import Controller, Request, Response
from litestar.exceptions import ClientException, HTTPException
from litestar.response import Template
from python_multipart.multipart import parse_options_header

from agency import clock
from agency.accounts import FormErrors
from agency.auth import CSRF_COOKIE, CSRF_IN_STREAM, admin_only, anyone_signed_in, check_streamed_csrf, csrf_pending
from agency.i18n import gettext as _
from agency.routing import get, post
from agency.settings import get_settings
from agency.uploads import ReceivedForm, receive_multipart
from agency.web import notify, page, redirect, refuse, user_of
from cases.conversation import service
from cases.conversation.rules import BODY_MAX, FILES_MAX

# A message of 10,000 characters and its files (each within the upload limit, checked as it streams in)
ROUTE_LIMIT = 110 * 1024 * 1024


def _iso(value) -> str | None:
    return value.isoformat() if value is not None and not isinstance(value, str) else value


def message_out(m: dict) -> dict:
    return {"id": m["id"], "side": m["side"], "author": m["author_name"] or "", "body": m["body"], "created_at": _iso(m["created_at"]),
            "due_on": _iso(m["due_on"]), "answered_at": _iso(m["answered_at"]), "answered_by": m["answered_by_name"],
            "files": [{"evidence_id": f["evidence_id"], "filename": f["filename"], "content_type": f["content_type"], "size": f["size"],
                       "download_url": f"/api/v1/evidence/{f['evidence_id']}/download"} for f in m["files"]]}


def overdue_out(r: dict) -> dict:
    return {"message_id": r["id"], "case_id": r["case"], "reference": r["reference"], "creditor": r["creditor_name"],
            "negotiator": r["negotiator_name"], "author": r["author_name"], "body": r["body"], "asked_at": _iso(r["created_at"]),
            "due_on": _iso(r["due_on"]), "asked_days_ago": r["asked_days_ago"], "business_days_late": r["business_days_late"]}


def _evidence_ids(raw: Any) -> list[int]:
    if raw in (None, ""):
        return []
    if not isinstance(raw, list) or not all(isinstance(i, int) and not isinstance(i, bool) and 0 < i < 2**31 for i in raw):
        raise FormErrors({"evidence_ids": _("evidence_ids is a list of the ids of documents of this case.")})
    return raw


def _is_multipart(request: Request) -> bool:
    return parse_options_header(request.headers.get("content-type", ""))[0] == b"multipart/form-data"


async def _send_multipart(request: Request, case_id: int, today: date) -> dict:
    form: ReceivedForm = await receive_multipart(request, get_settings().max_upload_bytes)
    try:
        return await service.post_message(user_of(request), case_id, form.get("body"), today,
                                          files=[f for f in form.files if not f.skippable])
    finally:
        form.close()


class ConversationApi(Controller):
    path = "/api/v1/cases/{case_id:int}/conversation"
    tags = ["conversation"]
    guards = [anyone_signed_in]

    @get("/", summary="The messages between the creditor and the agency on the case, oldest first")
    async def index(self, request: Request, case_id: int) -> dict:
        found = await service.thread(user_of(request), case_id, clock.today())
        return {"items": [message_out(m) for m in found["messages"]], "waiting": len(found["waiting"]), "overdue": len(found["overdue"])}

    @post("/", status_code=201, request_max_body_size=ROUTE_LIMIT, opt={CSRF_IN_STREAM: True},
          summary="Send a message: JSON {body, evidence_ids?} or multipart (field body, files); a creditor's is answered within "
                  "two business days")
    async def send(self, request: Request, case_id: int) -> dict:
        user, today = user_of(request), clock.today()
        if _is_multipart(request):
            done = await _send_multipart(request, case_id, today)
        else:
            if csrf_pending(request.scope):  # a browser's JSON without the CSRF header (a bearer token needs none)
                check_streamed_csrf(request.scope, request.cookies.get(CSRF_COOKIE), None)
            try:
                data = msgspec.json.decode(await request.body())
            except msgspec.DecodeError:
                raise ClientException(detail=_("Send JSON {\"body\": \"...\"} or a multipart form with the field body.")) from None
            if not isinstance(data, dict):
                raise ClientException(detail=_("Send JSON {\"body\": \"...\"} or a multipart form with the field body."))
            body = data.get("body")
            if body is not None and not isinstance(body, str):
                raise FormErrors({"body": _("Write the message.")})
            done = await service.post_message(user, case_id, body, today, evidence_ids=_evidence_ids(data.get("evidence_ids")))
        return next(message_out(m) for m in await service.messages_of(case_id) if m["id"] == done["id"])


class ConversationPages(Controller):
    path = "/cases/{case_id:int}/conversation"
    guards = [anyone_signed_in]

    async def _show(self, request: Request, case_id: int, status_code: int = 200, form: dict | None = None) -> Template:
        today = clock.today()
        found = await service.thread(user_of(request), case_id, today)
        return page(request, "cases/conversation/page.html", fragment="cases/conversation/_conversation.html", today=today,
                    body_max=BODY_MAX, files_max=FILES_MAX, form=form or {}, status_code=status_code, **found)

    @get("/")
    async def show(self, request: Request, case_id: int) -> Template:
        return await self._show(request, case_id)

    @post("/", request_max_body_size=ROUTE_LIMIT, opt={CSRF_IN_STREAM: True})
    async def send(self, request: Request, case_id: int) -> Response | Template:
        await service.conversation_case(user_of(request), case_id)  # another organisation's case: a 404 before the body is read
        try:
            done = await _send_multipart(request, case_id, clock.today())
        except FormErrors as exc:
            return refuse(request, list(exc.errors.values()), f"/cases/{case_id}/conversation")
        except HTTPException as exc:  # a file refused (its type, its size), the case closed: nothing was written
            if exc.status_code in (403, 404) or exc.status_code >= 500:
                raise
            return refuse(request, [str(exc.detail)], f"/cases/{case_id}/conversation")
        if request.headers.get("hx-request") == "true":  # the thread again, with the message and an empty form
            return await self._show(request, case_id)
        notify(request, _("Message sent. The agency answers within two business days.") if done["side"] == "creditor"
               else _("Message sent to the creditor."))
        return redirect(f"/cases/{case_id}/conversation", request)


class OverdueQuestionPages(Controller):
    """The admin's list of creditors' questions not answered within two business days (on the dashboard, and a page)."""
    guards = [admin_only]

    @get("/admin/conversations")
    async def overdue(self, request: Request) -> Template:
        today = clock.today()
        return page(request, "cases/conversation/overdue.html", fragment="cases/conversation/_overdue.html",
                    questions=await service.overdue_questions(today), today=today)

    @get("/api/v1/conversations/overdue", tags=["conversation"],
         summary="Creditors' questions not answered within two business days, the longest waiting first (admin)")
    async def overdue_api(self, request: Request) -> dict:
        return {"items": [overdue_out(r) for r in await service.overdue_questions(clock.today())]}
