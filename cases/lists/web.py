"""The case list as a file, from the API and from the list page (the same filters, the same scope), and staff's bulk
actions on the selected cases: JSON from the API, a summary page from the list's form."""
from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

import msgspec
from litestar import Controller, Request, Response
from litestar.exceptions import ClientException, PermissionDeniedException
from litestar.params import QueryParameter
from litestar.response import Stream, Template

from agency.accounts import FormErrors
from agency.auth import CurrentUser, anyone_signed_in, staff_only
from agency.http_utils import content_disposition, parse_id
from agency.i18n import gettext as _
from agency.roles import Role
from agency.routing import delete, get, post
from agency.web import form_data, notify, page, redirect, refuse, user_of
from cases.lists import service as lists
from cases.lists.rules import FORMATS, XLSX_TYPE, BulkRequest, bulk_problems, unique
from cases.queries import STAGES, CaseFilter, parse_sort

Direction = Annotated[str | None, QueryParameter(name="dir", description="asc or desc", required=False)]


def list_filter(stage: str | None, q: str | None, sort: str | None, direction: str | None, strict: bool) -> CaseFilter:
    """The list's filters from its URL. The API refuses what it does not know (400); the page ignores it."""
    order = parse_sort(sort, direction)
    if strict and order is None:
        raise FormErrors({"sort": _("sort is opened or reference, and dir is asc or desc.")})
    if strict and stage and stage not in STAGES:
        raise FormErrors({"stage": _("stage is one of: %(names)s.") % {"names": ", ".join(STAGES)}})
    sort, descending = order or ("opened", True)
    return CaseFilter(stage=stage if stage in STAGES else None, q=q, sort=sort, descending=descending)


async def export(user: CurrentUser, f: CaseFilter, format: str) -> Response:
    if format not in FORMATS:
        raise FormErrors({"format": _("format is csv or xlsx.")})
    name, _n = await lists.start_export(user, f, format)
    disposition = {"Content-Disposition": content_disposition(name)}
    if format == "csv":  # (Litestar adds "; charset=utf-8" to text/*)
        return Stream(lists.csv_lines(user, f), media_type="text/csv", headers=disposition)
    return Response(await lists.xlsx_file(user, f), media_type=XLSX_TYPE, headers=disposition)


class BulkReason(msgspec.Struct):
    code: str
    message: str


class BulkRefused(msgspec.Struct):
    id: int
    reasons: list[BulkReason]


class BulkWarning(msgspec.Struct):
    id: int
    messages: list[str]


class BulkOut(msgspec.Struct):
    done: list[int]
    refused: list[BulkRefused]
    warnings: list[BulkWarning]  # done, with what the action warned of (a contact over the week's cap)


class BulkIn(msgspec.Struct):
    ids: list[int]
    action: str
    negotiator_id: int | None = None
    to: str = ""
    outcome: str | None = None
    reason: str = ""
    text: str = ""
    template: str = ""


def bulk_request(user: CurrentUser, ids: list, action: str, **fields) -> BulkRequest:
    """The request checked as a whole (a 400 per field; assigning is an admin's, as for one case: 403)."""
    problems = bulk_problems(ids, action, fields.get("to", ""), fields.get("text", ""), fields.get("template", ""))
    if problems:
        raise FormErrors({k: str(v) for k, v in problems.items()})
    if action == "assign" and user.role != Role.admin:
        raise PermissionDeniedException(detail=_("Only an admin assigns cases to negotiators."))
    return BulkRequest(ids=unique(ids), action=action, **fields)


class ListApi(Controller):
    path = "/api/v1/cases"
    tags = ["cases"]

    @get("/export", guards=[anyone_signed_in],
         summary="The case list as a CSV or XLSX file (the caller's cases; at most 100,000: a 400 past it); on the access log")
    async def export(self, request: Request, format: str = "csv", stage: str | None = None, q: str | None = None,
                     sort: str | None = None, direction: Direction = None) -> Response:
        return await export(user_of(request), list_filter(stage, q, sort, direction, strict=True), format)

    @post("/bulk", guards=[staff_only], status_code=200,
          summary="One action on many cases (at most 500), each through its own checks: what was done, and why the rest was refused")
    async def bulk(self, request: Request, data: BulkIn) -> BulkOut:
        user = user_of(request)
        result = await lists.run_bulk(user, bulk_request(
            user, data.ids, data.action, negotiator_id=data.negotiator_id, to=data.to, outcome=data.outcome or None,
            reason=data.reason, text=data.text, template=data.template))
        return BulkOut(done=result.done, refused=[BulkRefused(id=r["id"], reasons=[BulkReason(**x) for x in r["reasons"]]) for r in result.refused],
                       warnings=[BulkWarning(id=w["id"], messages=w["messages"]) for w in result.warnings])


class ViewOut(msgspec.Struct):
    id: int
    name: str
    stage: str
    q: str
    sort: str
    dir: str
    url: str


class ViewIn(msgspec.Struct):
    name: str
    stage: str = ""
    q: str = ""
    sort: str = "opened"
    dir: str | None = None


def view_url(view: dict) -> str:
    """The list's URL the view stands for."""
    return "/cases?" + urlencode({"stage": view["stage"], "q": view["q"], "sort": view["sort"], "dir": "desc" if view["descending"] else "asc"})


def view_out(view: dict) -> ViewOut:
    return ViewOut(id=view["id"], name=view["name"], stage=view["stage"], q=view["q"], sort=view["sort"],
                   dir="desc" if view["descending"] else "asc", url=view_url(view))


class ViewApi(Controller):
    path = "/api/v1/cases/views"
    tags = ["cases"]
    guards = [anyone_signed_in]

    @get("/", summary="The caller's saved views of the case list (filters and order under a name)")
    async def list(self, request: Request) -> list[ViewOut]:
        return [view_out(v) for v in await lists.saved_views(user_of(request))]

    @post("/", status_code=201, summary="Save the case list's filters and order under a name (the same name again replaces it)")
    async def save(self, request: Request, data: ViewIn) -> ViewOut:
        f = list_filter(data.stage or None, data.q, data.sort, data.dir, strict=True)
        return view_out(await lists.save_view(user_of(request), data.name, f))

    @delete("/{view_id:int}", status_code=204, summary="Delete one of the caller's saved views")
    async def remove(self, request: Request, view_id: int) -> None:
        await lists.delete_view(user_of(request), view_id)


class ListPages(Controller):
    @get("/cases/export", guards=[anyone_signed_in])
    async def export(self, request: Request, format: str = "csv", stage: str | None = None, q: str | None = None,
                     sort: str | None = None, direction: Direction = None) -> Response:
        return await export(user_of(request), list_filter(stage, q, sort, direction, strict=False), format)

    @post("/cases/bulk", guards=[staff_only])
    async def bulk(self, request: Request) -> Template:
        user = user_of(request)
        form = await request.form()
        raw = [parse_id(v) for v in form.getall("ids", [])]
        ids = [i for i in raw if i is not None]
        if len(ids) != len(raw):
            raise ClientException(detail=_("The cases are given by their ids (whole numbers)."))
        action = str(form.get("action", ""))
        back = str(form.get("back", ""))
        back = back if back == "/cases" or back.startswith("/cases?") else "/cases"  # (only the list, with its filters)
        chosen = str(form.get("negotiator_id", ""))  # the bar's "Nobody" is "none": nothing chosen does not unassign
        try:
            if action == "assign" and (chosen != "none" and parse_id(chosen) is None):
                raise FormErrors({"negotiator_id": _("Choose the negotiator, or “Nobody” to unassign the cases.")})
            bulk = bulk_request(user, ids, action, negotiator_id=parse_id(chosen), to=str(form.get("to", "")),
                                outcome=str(form.get("outcome", "")) or None, reason=str(form.get("reason", "")),
                                text=str(form.get("text", "")), template=str(form.get("template", "")))
            result = await lists.run_bulk(user, bulk)
        except FormErrors as exc:
            return page(request, "cases/lists/bulk_result.html", status_code=400, problems=list(exc.errors.values()), done=[],
                        refused=[], warnings={}, references={}, action=action, applied=None, back=back)
        references = await lists.references(user, result.done + [r["id"] for r in result.refused])
        return page(request, "cases/lists/bulk_result.html", problems=[], done=result.done, refused=result.refused,
                    warnings={w["id"]: w["messages"] for w in result.warnings}, references=references, action=action,
                    applied=await lists.named(bulk), back=back)

    @post("/cases/views", guards=[anyone_signed_in])
    async def save_view(self, request: Request) -> Response:
        data = await form_data(request)
        f = list_filter(str(data.get("stage", "")) or None, str(data.get("q", "")), str(data.get("sort", "")) or None,
                        str(data.get("dir", "")) or None, strict=False)
        try:
            view = await lists.save_view(user_of(request), str(data.get("name", "")), f)
        except FormErrors as exc:
            return refuse(request, [str(m) for m in exc.errors.values()], "/cases")
        notify(request, _("View saved: %(name)s.") % {"name": view["name"]})
        return redirect(view_url(view), request)

    @post("/cases/views/{view_id:int}/delete", guards=[anyone_signed_in])
    async def delete_view(self, request: Request, view_id: int) -> Response:
        await lists.delete_view(user_of(request), view_id)
        notify(request, _("View deleted."))
        return redirect("/cases", request)
