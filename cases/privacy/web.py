"""The debtor's page for admins (/debtors/{id}) and its API (/api/v1/debtors): the data-subject requests answered."""
from __future__ import annotations

import json
from typing import Any

from litestar import Controller, Request, Response
from litestar.response import Template

from agency import clock
from agency.accounts import FormErrors
from agency.auth import admin_only
from agency.errors import error_json
from agency.http_utils import content_disposition
from agency.i18n import gettext as _
from agency.routing import get, patch, post
from agency.web import form_data, notify, page, redirect, user_of
from cases.insolvency.service import insolvency_of
from cases.privacy import service
from cases.privacy.rules import DEBTOR_FIELDS

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def debtor_out(d: dict) -> dict:
    return {"id": d["id"], "kind": d["kind"], "name": d["name"], "tax_id": d["tax_id"], "address_line1": d["address_line1"], "city": d["city"],
            "postal_code": d["postal_code"], "country": d["country"], "email": d["email"], "phone": d["phone"], "language": d["language"],
            "anonymised_at": d["anonymised_at"].isoformat() if d["anonymised_at"] else None}


def _filename(data: dict, ext: str) -> str:
    return f"datos-deudor-{data['debtor']['id']}-{clock.today().isoformat()}.{ext}"


def _held(exc: service.Held) -> Response:
    return error_json(409, service.holds_summary(exc.holds), holds=[service.hold_out(h) for h in exc.holds])


class DebtorApi(Controller):
    path = "/api/v1/debtors"
    tags = ["debtors"]
    guards = [admin_only]

    @get("/{debtor_id:int}", summary="A debtor as kept, their cases and the legal holds on their data")
    async def show(self, request: Request, debtor_id: int) -> dict:
        record = await service.debtor_record(user_of(request), debtor_id)
        return {**debtor_out(record["debtor"]), "cases": [{"id": c["id"], "reference": c["reference"], "stage": c["stage"],
                                                           "closed": c["closed_at"] is not None} for c in record["cases"]],
                "holds": [service.hold_out(h) for h in record["holds"]]}

    @get("/{debtor_id:int}/export", summary="Everything held about the debtor (GDPR art. 15): JSON, or ?format=docx for a readable file")
    async def export(self, request: Request, debtor_id: int, format: str = "json") -> Response:
        if format not in ("json", "docx"):
            return error_json(400, _("The format is json or docx."))
        data = await service.export(user_of(request), debtor_id)
        if format == "docx":
            return Response(service.export_docx(data), media_type=DOCX, headers={
                "Content-Disposition": content_disposition(_filename(data, "docx")), "Cache-Control": "private, no-store"})
        return Response(data, headers={"Cache-Control": "private, no-store"})

    @patch("/{debtor_id:int}", summary="Correct the debtor's data (GDPR art. 16): the fields given and the reason, on every case's timeline")
    async def rectify(self, request: Request, debtor_id: int, data: dict[str, Any]) -> dict:
        changes = {k: v for k, v in data.items() if k != "reason"}
        return debtor_out(await service.rectify(user_of(request), debtor_id, changes, str(data.get("reason", "") or "")))

    @post("/{debtor_id:int}/erasure", status_code=200,
          summary="Erase the debtor's data (GDPR art. 17): anonymised, or 409 naming the legal holds that still apply")
    async def erasure(self, request: Request, debtor_id: int) -> Response:
        try:
            done = await service.erase(user_of(request), debtor_id, clock.today())
        except service.Held as exc:
            return _held(exc)
        return Response(done)


class DebtorPages(Controller):
    path = "/debtors"
    guards = [admin_only]

    async def _page(self, request: Request, debtor_id: int, form: dict | None = None, errors: dict | None = None,
                    status_code: int = 200) -> Template:
        record = await service.debtor_record(user_of(request), debtor_id)
        return page(request, "cases/privacy/debtor.html", d=record["debtor"], cases=record["cases"], holds=record["holds"],
                    insolvency=await insolvency_of(debtor_id),  # (cases.insolvency: the flag, and where it is marked)
                    released=service.released_text(record["holds"]), fields=DEBTOR_FIELDS, form=form or record["debtor"],
                    errors=errors or {}, status_code=status_code)

    @get("/{debtor_id:int}")
    async def show(self, request: Request, debtor_id: int) -> Template:
        return await self._page(request, debtor_id)

    @post("/{debtor_id:int}")
    async def rectify(self, request: Request, debtor_id: int) -> Response | Template:
        data = await form_data(request)
        user = user_of(request)
        current = (await service.debtor_record(user, debtor_id))["debtor"]
        changes = {f: str(data.get(f, "")) for f in DEBTOR_FIELDS if f in data and str(data.get(f, "")) != str(current[f] or "")}
        try:
            await service.rectify(user, debtor_id, changes, str(data.get("reason", "")))
        except FormErrors as exc:
            return await self._page(request, debtor_id, {**current, **dict(data)}, exc.errors, 400)
        notify(request, _("The debtor's data was corrected; the change is on the timeline of each of their cases."))
        return redirect(f"/debtors/{debtor_id}", request)

    @get("/{debtor_id:int}/export.json")
    async def export_json(self, request: Request, debtor_id: int) -> Response:
        data = await service.export(user_of(request), debtor_id)
        return Response(json.dumps(data, ensure_ascii=False, indent=2).encode(), media_type="application/json", headers={
            "Content-Disposition": content_disposition(_filename(data, "json")), "Cache-Control": "private, no-store"})

    @get("/{debtor_id:int}/export.docx")
    async def export_docx(self, request: Request, debtor_id: int) -> Response:
        data = await service.export(user_of(request), debtor_id)
        return Response(service.export_docx(data), media_type=DOCX, headers={
            "Content-Disposition": content_disposition(_filename(data, "docx")), "Cache-Control": "private, no-store"})

    @post("/{debtor_id:int}/erasure")
    async def erasure(self, request: Request, debtor_id: int) -> Response | Template:
        await form_data(request)
        try:
            done = await service.erase(user_of(request), debtor_id, clock.today())
        except service.Held as exc:
            notify(request, service.holds_summary(exc.holds), "error")
            return await self._page(request, debtor_id, status_code=409)
        notify(request, _("The debtor's data was erased: %(cases)s case(s) anonymised, %(files)s file(s) deleted.") % {
            "cases": done.get("cases", 0), "files": done.get("files_deleted", 0)} if not done.get("already") else _("This debtor's data was already erased."))
        return redirect(f"/debtors/{debtor_id}", request)
