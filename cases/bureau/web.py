"""Credit-bureau routes and pages (thin: rules in cases.bureau.rules, work in cases.bureau.service)."""
from __future__ import annotations

import msgspec
from litestar import Controller, Request, Response
from litestar.exceptions import NotFoundException
from litestar.response import Template

from agency import clock
from agency.accounts import FormErrors
from agency.auth import admin_only, roles, staff_only
from agency.http_utils import content_disposition
from agency.i18n import gettext as _
from agency.roles import Role
from agency.routing import get, post
from agency.storage import storage
from agency.web import form_data, notify, page, redirect, user_of
from cases.bureau import service as bureau_service
from cases.forms import case_action, date_field
from cases.queries import get_case
from cases.tables import Bureau, BureauBatch


class DisputeIn(msgspec.Struct):
    reason: str


class DisputeApi(Controller):
    path = "/api/v1/cases/{case_id:int}/invoices/{invoice_id:int}/dispute"
    tags = ["cases"]
    guards = [staff_only]

    @post("/", status_code=201, summary="Mark an invoice disputed: out of the balance and dunning; withdrawn from the bureaus")
    async def dispute(self, request: Request, case_id: int, invoice_id: int, data: DisputeIn) -> dict:
        await bureau_service.mark_disputed(user_of(request), case_id, invoice_id, data.reason)
        return {"disputed": True}


class NoticeIn(msgspec.Struct):
    delivered_on: str
    channel: str


def _view_json(v: dict) -> dict:
    return {
        "status": v["status"], "eligible": v["eligible"],
        "eligible_from": v["eligible_from"].isoformat() if v["eligible_from"] else None,
        "checks": [c.as_dict() for c in v["checks"]],
        "reports": [{"bureau": r["bureau"], "status": r["status"], "reported_on": r["reported_on"], "withdrawn_on": r["withdrawn_on"],
                     "withdrawal_reason": r["withdrawal_reason"]} for r in v["reports"]],
    }


class BureauApi(Controller):
    path = "/api/v1/cases/{case_id:int}/bureau"
    tags = ["bureau"]

    @get("/", guards=[roles(*Role)], summary="Credit-bureau status: every legal check with its reason, and the reports per bureau")
    async def show(self, request: Request, case_id: int) -> dict:
        return _view_json(await bureau_service.bureau_view(user_of(request), case_id, clock.today()))

    @post("/notice", status_code=201, guards=[staff_only], summary="Record the delivered prior notice (certified channel)")
    async def notice(self, request: Request, case_id: int, data: NoticeIn) -> dict:
        await bureau_service.record_notice(user_of(request), case_id, date_field(data.delivered_on, "delivered_on"), data.channel, clock.today())
        return _view_json(await bureau_service.bureau_view(user_of(request), case_id, clock.today()))

    @post("/authorisation", status_code=201, guards=[roles(Role.creditor)],
          summary="The creditor authorises reporting this case to the credit bureaus")
    async def authorise(self, request: Request, case_id: int) -> dict:
        await bureau_service.authorise(user_of(request), case_id)
        return _view_json(await bureau_service.bureau_view(user_of(request), case_id, clock.today()))


class BureauCasePages(Controller):
    path = "/cases/{case_id:int}/bureau"

    @get("/", guards=[roles(*Role)])
    async def panel(self, request: Request, case_id: int) -> Template:
        """The case page's bureau panel (in Work for staff, in the summary for the creditor), loaded as a fragment once the
        part is open; nothing when the case has no bureau question (not yet or no longer in reach, nothing reported).
        Without JavaScript, a page of its own. The case through the tenancy scope (another organisation's: a 404)."""
        user = user_of(request)
        view = await bureau_service.bureau_view(user, case_id, clock.today())
        case = await get_case(user, case_id)
        shown = case["stage"] in ("amicable", "credit_bureau") or bool(view["reports"])
        return page(request, "cases/bureau/panel.html", fragment="cases/bureau/_bureau_panel.html", case=case, bureau=view, shown=shown,
                    today=clock.today().isoformat())

    @post("/notice", guards=[staff_only])
    async def notice(self, request: Request, case_id: int) -> Response:
        data = await form_data(request)

        async def act():
            await bureau_service.record_notice(user_of(request), case_id, date_field(data.get("delivered_on"), "delivered_on"),
                                               str(data.get("channel", "")), clock.today())
        return await case_action(request, case_id, act, _("Prior notice recorded."))

    @post("/disputes/{invoice_id:int}", guards=[staff_only])
    async def dispute(self, request: Request, case_id: int, invoice_id: int) -> Response:
        data = await form_data(request)
        return await case_action(request, case_id,
                                 lambda: bureau_service.mark_disputed(user_of(request), case_id, invoice_id, str(data.get("reason", ""))),
                                 _("Invoice marked disputed."))

    @post("/authorise", guards=[roles(Role.creditor)])
    async def authorise(self, request: Request, case_id: int) -> Response:
        return await case_action(request, case_id, lambda: bureau_service.authorise(user_of(request), case_id),
                                 _("Reporting authorised. The agency reports the debt only once every legal condition holds."))


class BureauAdminPages(Controller):
    path = "/admin/bureaus"
    guards = [admin_only]

    @get("/")
    async def index(self, request: Request) -> Template:
        bureaus = await Bureau.select().order_by(Bureau.name)
        batches = await BureauBatch.select(*BureauBatch.all_columns(), BureauBatch.bureau.name.as_alias("bureau_name")).order_by(
            BureauBatch.id, ascending=False).limit(100)
        return page(request, "cases/bureau/bureaus.html", bureaus=bureaus, batches=batches)

    def _form(self, request: Request, bureau: dict | None, form: dict, errors: dict | None = None, status_code: int = 200) -> Template:
        return page(request, "cases/bureau/bureau_form.html", bureau=bureau, form=form, errors=errors or {}, status_code=status_code,
                    kinds=bureau_service.KINDS, formats=bureau_service.FORMATS)

    @get("/new")
    async def new(self, request: Request) -> Template:
        return self._form(request, None, {"kind": "individuals", "file_format": "csv", "active": "on"})

    @post("/new")
    async def create(self, request: Request) -> Response:
        data = await form_data(request)
        try:
            await bureau_service.save_bureau(data)
        except FormErrors as exc:
            return self._form(request, None, data, exc.errors, 400)
        notify(request, _("Bureau %(name)s saved.") % {"name": data.get("name", "")})
        return redirect("/admin/bureaus", request)

    @get("/{bureau_id:int}")
    async def edit(self, request: Request, bureau_id: int) -> Template:
        row = await Bureau.select().where(Bureau.id == bureau_id).first()
        if row is None:
            raise NotFoundException(detail=_("Not found."))
        return self._form(request, row, {**row, "active": "on" if row["active"] else ""})

    @post("/{bureau_id:int}")
    async def update(self, request: Request, bureau_id: int) -> Response:
        row = await Bureau.select().where(Bureau.id == bureau_id).first()
        if row is None:
            raise NotFoundException(detail=_("Not found."))
        data = await form_data(request)
        try:
            await bureau_service.save_bureau(data, bureau_id)
        except FormErrors as exc:
            return self._form(request, row, data, exc.errors, 400)
        notify(request, _("Bureau %(name)s saved.") % {"name": data.get("name", "")})
        return redirect("/admin/bureaus", request)

    @post("/run")
    async def run(self, request: Request) -> Response:
        n = await bureau_service.produce_batches(daily=False)
        notify(request, _("%(n)s batch files written.") % {"n": n} if n else _("Nothing to send: no inclusion, update or withdrawal is due."),
               "success" if n else "info")
        return redirect("/admin/bureaus", request)

    @get("/batches/{batch_id:int}/download")
    async def download(self, request: Request, batch_id: int) -> Response:
        row = await BureauBatch.select().where(BureauBatch.id == batch_id).first()
        if row is None or not row["storage_key"]:
            raise NotFoundException(detail=_("Not found."))
        data = await storage().read(row["storage_key"])
        charset = "iso-8859-1" if row["filename"].endswith(".txt") else "utf-8"  # fixed width is Latin-1, CSV UTF-8
        return Response(data, media_type="text/plain", encoding=charset,  # Litestar writes the charset from the encoding
                       
                        headers={"Content-Disposition": content_disposition(row["filename"]), "X-Content-SHA256": row["sha256"]})


