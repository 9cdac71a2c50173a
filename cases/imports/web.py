"""Bulk import pages and API: upload (a CSV or XLSX, or e-invoices: Facturae or UBL XML, or a ZIP of them), preview with
every row error, commit all-or-nothing."""
from __future__ import annotations

import csv
import io

from litestar import Controller, Request, Response
from litestar.exceptions import ClientException
from litestar.response import Template
from litestar.status_codes import HTTP_201_CREATED

from agency import clock
from agency.auth import CSRF_IN_STREAM, roles
from agency.i18n import get_language
from agency.i18n import gettext as _
from agency.roles import Role
from agency.routing import get, post
from agency.tables import Organisation
from agency.uploads import ReceivedFile, receive_multipart
from agency.web import notify, page, redirect, user_of
from cases.billing import service as billing
from cases.forms import requested_org
from cases.imports import service as import_service
from cases.imports.einvoice import MAX_ZIP_ENTRIES
from cases.imports.rules import COLUMNS, REQUIRED, template_rows
from cases.money import from_cents

importers = roles(Role.creditor, Role.admin)


def _one_file(files: list[ReceivedFile]) -> ReceivedFile:
    chosen = [f for f in files if not f.skippable]
    if len(chosen) != 1:
        raise ClientException(detail=_("Choose one file: a CSV or XLSX spreadsheet, an e-invoice (XML) or a ZIP of e-invoices."))
    return chosen[0]


async def _receive_and_preview(request: Request, organisation_id: int | None) -> int:
    """The uploaded file (streamed), for the caller's organisation or the one an admin names: its preview's id."""
    user = user_of(request)
    form = await receive_multipart(request, import_service.IMPORT_MAX_BYTES)
    try:
        org = requested_org(user, organisation_id or form.get("organisation_id"))
        if org is None or not await Organisation.exists().where(Organisation.id == org):
            raise ClientException(detail=_("Choose the creditor organisation the claim is for."))
        f = _one_file(form.files)
        return await import_service.preview_import(user, org, f.file, f.filename, clock.today())
    finally:
        form.close()


def _job_json(job: dict) -> dict:
    return {
        "id": job["id"], "status": job["status"], "filename": job["filename"], "rows": job["row_count"], "cases": job["case_count"],
        "total": str(from_cents(job["total_cents"])), "errors": job["errors"],
    }


class ImportPages(Controller):
    path = "/imports"
    guards = [importers]

    @get("/new")
    async def new(self, request: Request) -> Response:
        user = user_of(request)
        if await billing.contract_page_first(user):
            notify(request, _("Before your next claim, please read and accept the service contract and your tariff."), "info")
            return redirect("/contract", request)
        return await self._form(request)

    async def _form(self, request: Request, refusal: str = "", status_code: int = 200) -> Template:
        user = user_of(request)
        organisations = await Organisation.select(Organisation.id, Organisation.legal_name).order_by(Organisation.legal_name) if user.role == Role.admin else []
        return page(request, "cases/imports/import_new.html", columns=COLUMNS, required=REQUIRED, organisations=organisations,
                    max_zip_entries=MAX_ZIP_ENTRIES, refusal=refusal, status_code=status_code)

    @get("/template.csv")
    async def template_csv(self) -> Response:
        headers, example = template_rows(get_language())
        buf = io.StringIO()
        writer = csv.writer(buf, delimiter=";")
        writer.writerow(headers)
        writer.writerow(example)
        return Response(("\ufeff" + buf.getvalue()).encode("utf-8"), media_type="text/csv",  # Litestar adds "; charset=utf-8" to text/*
                        headers={"Content-Disposition": 'attachment; filename="plantilla-facturas.csv"'})

    @get("/template.xlsx")
    async def template_xlsx(self) -> Response:
        from openpyxl import Workbook  # lazy: XLSX only when an XLSX file is read or written

        headers, example = template_rows(get_language())
        wb = Workbook()
        ws = wb.active
        ws.title = "facturas"
        ws.append(headers)
        ws.append(example)
        for column in ws.columns:
            ws.column_dimensions[column[0].column_letter].width = max(14, len(str(column[0].value)) + 2)
        buf = io.BytesIO()
        wb.save(buf)
        return Response(buf.getvalue(), media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                        headers={"Content-Disposition": 'attachment; filename="plantilla-facturas.xlsx"'})

    @post("/", request_max_body_size=import_service.IMPORT_MAX_BYTES + 1024 * 1024, opt={CSRF_IN_STREAM: True})
    async def upload(self, request: Request) -> Response:
        try:
            job_id = await _receive_and_preview(request, None)
        except ClientException as exc:
            if exc.status_code != 400:
                raise
            return await self._form(request, str(exc.detail), 400)  # the page again, saying what to fix (an e-invoice refused)
        return redirect(f"/imports/{job_id}", request)

    @get("/{job_id:int}")
    async def preview(self, request: Request, job_id: int) -> Template:
        job = await import_service.get_import(user_of(request), job_id)
        return page(request, "cases/imports/import_preview.html", job=job, total=from_cents(job["total_cents"]))

    @post("/{job_id:int}/commit")
    async def commit(self, request: Request, job_id: int) -> Response:
        result = await import_service.commit_import(user_of(request), job_id, clock.today())
        notify(request, _("%(cases)s cases opened with %(invoices)s invoices.") % {"cases": result.case_count, "invoices": result.invoice_count})
        return redirect("/cases?stage=intake", request)


class EInvoiceApi(Controller):
    path = "/api/v1/einvoices"
    tags = ["imports"]
    guards = [importers]

    @post("/", status_code=HTTP_201_CREATED, request_max_body_size=import_service.IMPORT_MAX_BYTES + 1024 * 1024,
          opt={CSRF_IN_STREAM: True},
          summary="E-invoices (multipart 'file': a Facturae 3.2.x or UBL 2.1 XML, or a ZIP of them): the claims they make, "
                  "{items: [{debtor, invoices, evidence_ids}], errors}, ready to send to POST /api/v1/claims with their "
                  "evidence_ids (the XML kept as evidence when filed); a file that cannot be read is a 400 naming it and why")
    async def read(self, request: Request, organisation_id: int | None = None) -> dict:
        user = user_of(request)
        form = await receive_multipart(request, import_service.IMPORT_MAX_BYTES)
        try:
            org = requested_org(user, organisation_id or form.get("organisation_id"))
            if org is None or not await Organisation.exists().where(Organisation.id == org):
                raise ClientException(detail=_("Choose the creditor organisation the claim is for."))
            f = _one_file(form.files)
            return await import_service.einvoice_claims(user, org, f.file, f.filename, clock.today())
        finally:
            form.close()


class ImportApi(Controller):
    path = "/api/v1/imports"
    tags = ["imports"]
    guards = [importers]

    @post("/", status_code=HTTP_201_CREATED, request_max_body_size=import_service.IMPORT_MAX_BYTES + 1024 * 1024,
          opt={CSRF_IN_STREAM: True},
          summary="Upload a CSV or XLSX of invoices, or e-invoices (Facturae 3.2.x or UBL 2.1 XML, or a ZIP of them) in multipart "
                  "'file': the preview, nothing imported yet; an e-invoice that cannot be read is a 400 naming the file and why")
    async def upload(self, request: Request, organisation_id: int | None = None) -> dict:
        job_id = await _receive_and_preview(request, organisation_id)
        return _job_json(await import_service.get_import(user_of(request), job_id))

    @get("/{job_id:int}", summary="An import's preview: counts and every row error")
    async def show(self, request: Request, job_id: int) -> dict:
        return _job_json(await import_service.get_import(user_of(request), job_id))

    @post("/{job_id:int}/commit", status_code=200, summary="Import a previewed file: all cases or none")
    async def commit(self, request: Request, job_id: int) -> dict:
        result = await import_service.commit_import(user_of(request), job_id, clock.today())
        return {"cases": result.case_count, "invoices": result.invoice_count, "references": result.references}
