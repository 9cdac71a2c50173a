"""The injonction de payer request's data (JSON) and the injunção batches: the API, and the lawyers' page that lists the
Portuguese cases ready for one, with checkboxes, and the files written."""
from __future__ import annotations

import msgspec
from litestar import Controller, Request, Response
from litestar.exceptions import HTTPException
from litestar.response import Stream, Template
from litestar.status_codes import HTTP_201_CREATED

from agency import clock
from agency.auth import anyone_signed_in
from agency.http_utils import content_disposition, parse_id
from agency.i18n import gettext as _
from agency.routing import get, post
from agency.storage import storage
from agency.web import notify, page, redirect, user_of
from legal.forms import lawyers
from legal.injunctions import service as injunctions


class BatchIn(msgspec.Struct):
    case_ids: list[int]


def _file(batch: dict) -> Response:
    return Stream(storage().stream(batch["storage_key"]), media_type="application/xml",
                  headers={"Content-Disposition": content_disposition(f"{batch['reference']}.xml"),
                           "X-Content-SHA256": batch["sha256"], "Cache-Control": "private, no-store"})


class InjunctionApi(Controller):
    path = "/api/v1"
    tags = ["legal"]

    @get("/cases/{case_id:int}/injonction", guards=[anyone_signed_in],
         summary="The injonction de payer request's data (the Cerfa's sections in order, in French) for a case whose procedure is the injonction")
    async def injonction(self, request: Request, case_id: int) -> dict:
        return await injunctions.injonction_fields(user_of(request), case_id, clock.today())

    @get("/injuncao-batches/ready", guards=[lawyers],
         summary="Portuguese cases in the court stage not yet in an injunção file, each with what stops it (empty: ready)")
    async def ready(self, request: Request) -> list[dict]:
        return [{**r, "amount": str(r["amount"])} for r in await injunctions.ready_cases(user_of(request), clock.today())]

    @post("/injuncao-batches", status_code=HTTP_201_CREATED, guards=[lawyers],
          summary="One injunção file for the Balcão Nacional de Injunções for case_ids (refused whole, naming each case and what to fix)")
    async def create(self, request: Request, data: BatchIn) -> dict:
        return await injunctions.write_batch(user_of(request), data.case_ids, clock.today())

    @get("/injuncao-batches", guards=[lawyers], summary="The injunção files written, newest first")
    async def batches(self) -> list[dict]:
        return [injunctions.batch_json(b) for b in await injunctions.batch_list()]

    @get("/injuncao-batches/{batch_id:int}", guards=[lawyers], summary="An injunção file and its cases")
    async def show(self, batch_id: int) -> dict:
        batch, cases = await injunctions.batch_detail(batch_id)
        return injunctions.batch_json(batch, cases)

    @get("/injuncao-batches/{batch_id:int}/file", guards=[lawyers], summary="The injunção file as written (its SHA-256 in X-Content-SHA256)")
    async def file(self, batch_id: int) -> Response:
        return _file((await injunctions.batch_detail(batch_id))[0])


class InjunctionPages(Controller):
    path = "/legal/injuncao"
    guards = [lawyers]

    @get("/")
    async def index(self, request: Request) -> Template:
        rows = await injunctions.ready_cases(user_of(request), clock.today())
        return page(request, "legal/injuncao_batches.html", cases=rows, ready=sum(1 for r in rows if not r["problems"]),
                    batches=await injunctions.batch_list())

    @post("/")
    async def write(self, request: Request) -> Response:
        form = await request.form()
        ids = [i for i in (parse_id(str(v)) for v in form.getall("case_ids", [])) if i]
        try:
            done = await injunctions.write_batch(user_of(request), ids, clock.today())
        except HTTPException as exc:
            notify(request, str(exc.detail), "error")
            return redirect("/legal/injuncao/", request)
        notify(request, _("Injunção file %(reference)s written: %(count)s requerimentos, %(total)s EUR. Download it and deliver it to the "
                          "Balcão Nacional de Injunções.") % {"reference": done["reference"], "count": done["count"], "total": done["total"]})
        return redirect("/legal/injuncao/", request)

    @get("/{batch_id:int}/file")
    async def file(self, batch_id: int) -> Response:
        return _file((await injunctions.batch_detail(batch_id))[0])
