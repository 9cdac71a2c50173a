"""Claims and evidence: the creditor's claim form with its review step, uploads, downloads, and the API.

Thin: read the request, call cases.claims.service, render or answer JSON."""
from __future__ import annotations

from datetime import date
from typing import Any

from litestar import Controller, Request, Response
from litestar.exceptions import ClientException, HTTPException
from litestar.response import Redirect, Stream, Template
from litestar.status_codes import HTTP_201_CREATED

from agency import access, clock
from agency.auth import CSRF_IN_STREAM, CurrentUser, roles
from agency.errors import error_json
from agency.http_utils import content_disposition, parse_id
from agency.i18n import gettext as _
from agency.i18n import ngettext
from agency.roles import Role
from agency.routing import get, post
from agency.settings import get_settings
from agency.storage import storage
from agency.tables import Organisation
from agency.uploads import receive_multipart, receive_raw
from agency.web import notify, page, redirect, user_of
from cases.billing import service as billing
from cases.billing.fees import quote
from cases.claims import service as services
from cases.claims.rules import ClaimErrors
from cases.forms import claim_from_form, claim_from_json, form_values, requested_org
from cases.queries import case_detail
from cases.schemas import case_out
from cases.tables import Evidence
from legal.rules.limitation import time_barred

claimants = roles(Role.creditor, Role.admin)
UPLOAD_ROUTE_LIMIT = 30 * 1024 * 1024  # one file per request plus headers; the file limit itself is a setting


def _today() -> date:
    return clock.today()


async def _staged(user: CurrentUser, organisation_id: int | None, ids: list[str]) -> list[dict]:
    wanted = [i for i in (parse_id(raw) for raw in ids) if i is not None]
    if not wanted or organisation_id is None:
        return []
    return await Evidence.select(Evidence.id, Evidence.original_name, Evidence.size, Evidence.kind, Evidence.sha256).where(
        Evidence.id.is_in(wanted) & (Evidence.organisation == organisation_id) & Evidence.case.is_null()
    )


class ClaimPages(Controller):
    path = "/claims"
    guards = [claimants]

    async def _form(self, request: Request, values: dict, errors: dict, staged: list[dict], status_code: int = 200,
                    file_errors: list[str] | None = None) -> Template:
        user = user_of(request)
        organisations = (
            await Organisation.select(Organisation.id, Organisation.legal_name).order_by(Organisation.legal_name)
            if user.role == Role.admin else []
        )
        return page(request, "cases/claims/claim_form.html", form=values, errors={k: str(v) for k, v in errors.items()}, staged=staged,
                    organisations=organisations, file_errors=file_errors or [], kinds=services.EVIDENCE_KINDS,
                    max_mb=get_settings().max_upload_bytes // (1024 * 1024), status_code=status_code, today=_today().isoformat())

    @get("/new")
    async def new(self, request: Request) -> Response:
        if await billing.contract_page_first(user_of(request)):
            notify(request, _("Before your next claim, please read and accept the service contract and your tariff."), "info")
            return redirect("/contract", request)
        return await self._form(request, {"debtor_kind": "company", "debtor_country": "ES", "debtor_language": "es",
                                          "invoices": [{"currency": "EUR"}]}, {}, [])

    @get("/new/invoice-row", sync_to_thread=False)
    def invoice_row(self, request: Request) -> Template:
        return page(request, "cases/claims/_invoice_row.html", invoice={"currency": "EUR"}, n=None, today=_today().isoformat())

    @post("/new", request_max_body_size=110 * 1024 * 1024, opt={CSRF_IN_STREAM: True})
    async def submit(self, request: Request) -> Response:
        user = user_of(request)
        if await billing.contract_page_first(user):  # the tariff changed while the form was open
            notify(request, _("Before your next claim, please read and accept the service contract and your tariff."), "info")
            return redirect("/contract", request)
        form = await receive_multipart(request, get_settings().max_upload_bytes)
        try:
            claim = claim_from_form(form)
            values = form_values(claim)
            values["organisation_id"] = form.get("organisation_id")
            organisation_id = requested_org(user, form.get("organisation_id"))
            if organisation_id is not None and not await Organisation.exists().where(Organisation.id == organisation_id):
                organisation_id = None
            staged_ids = form.getall("evidence_id")
            file_errors: list[str] = []
            if organisation_id is not None:
                for received in form.files:
                    if received.skippable:
                        continue
                    try:
                        stored = await services.store_evidence(user, organisation_id, received.file, received.filename, received.size,
                                                               received.sha256, form.get("file_kind", "other"))
                        staged_ids.append(str(stored["id"]))
                    except HTTPException as exc:
                        file_errors.append(str(exc.detail))
            staged = await _staged(user, organisation_id, staged_ids)
            action = form.get("action", "review")
            if organisation_id is None:
                errors = {"organisation_id": _("Choose the creditor organisation the claim is for.")}
                return await self._form(request, values, errors, staged, 400, file_errors)
            if action == "add_row":  # without JavaScript, "add another invoice" comes back here
                values["invoices"] = [*values["invoices"], {"currency": "EUR"}]
                return await self._form(request, values, {}, staged, 200, file_errors)
            if action == "edit":
                return await self._form(request, values, {}, staged, 200, file_errors)
            try:
                valid = await services.validate(organisation_id, claim, _today())
            except ClaimErrors as exc:
                return await self._form(request, values, {**exc.errors, **{f"dup:{k}": v for k, v in exc.duplicates.items()}},
                                        staged, 400, file_errors)
            if file_errors or action != "confirm":
                return page(request, "cases/claims/claim_review.html", claim=valid, form=values, staged=staged, file_errors=file_errors,
                            fees=quote(await billing.tariff_for(organisation_id), [valid.total]),  # the creditor's own tariff
                            time_barred=time_barred([(i.number, i.due_date) for i in valid.invoices], valid.debtor.country,
                                                    valid.debtor.kind == "person", _today()),
                            organisation_id=organisation_id,
                            status_code=400 if file_errors else 200)
            case_id = await services.open_claim(user, organisation_id, claim, [s["id"] for s in staged], _today())
        finally:
            form.close()
        notify(request, _("Claim received. We will review it and tell you by email when it moves on."))
        return redirect(f"/cases/{case_id}")

    @post("/uploads", request_max_body_size=UPLOAD_ROUTE_LIMIT)
    async def upload(self, request: Request, filename: str, kind: str = "other", organisation_id: int | None = None) -> Response:
        """One file per request, the body being the file (the page's per-file progress bars)."""
        user = user_of(request)
        org = requested_org(user, organisation_id)
        if org is None or not await Organisation.exists().where(Organisation.id == org):
            raise ClientException(detail=_("Choose the creditor organisation the claim is for."))
        received = await receive_raw(request, filename, get_settings().max_upload_bytes)
        try:
            stored = await services.store_evidence(user, org, received.file, received.filename, received.size, received.sha256, kind)
        finally:
            received.close()
        return Response(stored, status_code=HTTP_201_CREATED)


async def download_response(user: CurrentUser, evidence_id: int) -> Response:
    row = await services.visible_evidence(user, evidence_id)
    access.note(user, f"evidence {evidence_id}: {row['original_name']}", row["case"])
    url = await storage().presigned_url(row["storage_key"], row["original_name"], row["content_type"], expires=300)
    if url:
        return Redirect(path=url, status_code=307)
    return Stream(
        storage().stream(row["storage_key"]),
        media_type=row["content_type"],
        headers={"Content-Disposition": content_disposition(row["original_name"]), "Content-Length": str(row["size"]),
                 "X-Content-Type-Options": "nosniff", "Cache-Control": "private, no-store"},
    )


class EvidencePages(Controller):
    guards = [roles(*Role)]

    @post("/cases/{case_id:int}/evidence", request_max_body_size=110 * 1024 * 1024, opt={CSRF_IN_STREAM: True})
    async def add(self, request: Request, case_id: int) -> Response:
        user = user_of(request)
        case = await services.case_for_evidence(user, case_id)
        form = await receive_multipart(request, get_settings().max_upload_bytes)
        added, already, refused = 0, 0, []
        try:
            for received in form.files:
                if received.skippable:
                    continue
                try:
                    stored = await services.store_evidence(user, case["organisation"], received.file, received.filename, received.size,
                                                           received.sha256, form.get("kind", "other"), case_id=case_id)
                    if stored["already_attached"]:
                        already += 1
                        notify(request, _("%(name)s is already attached to this case (as %(existing)s).") % {
                            "name": received.filename, "existing": stored["filename"]}, "info")
                    else:
                        added += 1
                except HTTPException as exc:
                    refused.append(str(exc.detail))
        finally:
            form.close()
        if added:
            notify(request, ngettext("%(num)s document added.", "%(num)s documents added.", added, num=added))
        for reason in refused:
            notify(request, reason, "error")
        if not added and not refused and not already:
            notify(request, _("Choose at least one file."), "error")
        return redirect(f"/cases/{case_id}#evidence", request)

    @get("/evidence/{evidence_id:int}/download")
    async def download(self, request: Request, evidence_id: int) -> Response:
        return await download_response(user_of(request), evidence_id)


class ClaimApi(Controller):
    path = "/api/v1"
    tags = ["claims"]
    guards = [roles(*Role)]

    @post("/claims", status_code=HTTP_201_CREATED, guards=[claimants],
          summary="File a claim: a new case in stage intake (evidence_ids: files already uploaded, such as those of POST /api/v1/einvoices)")
    async def create(self, request: Request, data: dict[str, Any]) -> Any:
        user = user_of(request)
        organisation_id = services.claim_organisation(user, data.get("organisation_id") if isinstance(data.get("organisation_id"), int) else None)
        raw_ids = data.get("evidence_ids") if isinstance(data.get("evidence_ids"), list) else []
        evidence_ids = [i for i in raw_ids if isinstance(i, int) and not isinstance(i, bool) and 0 < i < 2**31]
        try:
            case_id = await services.open_claim(user, organisation_id, claim_from_json(data), evidence_ids, _today())
        except ClaimErrors as exc:
            errors = {k: str(v) for k, v in exc.errors.items()}
            return error_json(409 if exc.duplicates and len(exc.duplicates) == len(errors) else 400,
                              "; ".join(f"{k}: {v}" for k, v in errors.items()), errors=errors, duplicates=exc.duplicates)
        detail = await case_detail(user, case_id)
        return case_out(detail["case"], detail)

    @post("/cases/{case_id:int}/evidence", status_code=HTTP_201_CREATED, request_max_body_size=UPLOAD_ROUTE_LIMIT,
          opt={CSRF_IN_STREAM: True},
          summary="Add a file (multipart field 'file', optional 'kind'); the same file again answers 200 with the one attached")
    async def add_evidence(self, request: Request, case_id: int) -> Response:
        user = user_of(request)
        case = await services.case_for_evidence(user, case_id)
        form = await receive_multipart(request, get_settings().max_upload_bytes)
        try:
            files = [f for f in form.files if f.field == "file"]
            if len(files) != 1:
                raise ClientException(detail=_("Send exactly one file in the multipart field 'file'."))
            f = files[0]
            stored = await services.store_evidence(user, case["organisation"], f.file, f.filename, f.size, f.sha256, form.get("kind", "other"),
                                                   case_id=case_id)
            # The same file again: 200 with the evidence the case already has (nothing stored twice)
            return Response(stored, status_code=200 if stored["already_attached"] else 201)
        finally:
            form.close()

    @get("/evidence/{evidence_id:int}/download", summary="The file (or a redirect to a short-lived signed URL)")
    async def download(self, request: Request, evidence_id: int) -> Response:
        return await download_response(user_of(request), evidence_id)
