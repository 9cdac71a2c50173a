"""The debtor's assets and the attachments' yield (staff): JSON routes and the legal panel's forms."""
from __future__ import annotations

import msgspec
from litestar import Controller, Request, Response
from litestar.exceptions import ClientException
from litestar.params import HeaderParameter
from typing_extensions import Annotated

from agency import clock
from agency.auth import staff_only
from agency.i18n import gettext as _
from agency.routing import get, post
from agency.web import form_data, user_of
from cases.forms import amount_field, case_action, date_field
from legal.enforcement import service as enforcement
from legal.forms import lawyers, optional_date


class AssetIn(msgspec.Struct):
    kind: str
    description: str
    identifier: str = ""
    found_on: str | None = None
    note: str = ""


class AttachmentIn(msgspec.Struct):
    amount: str
    on: str
    asset_id: int | None = None
    note: str = ""


def asset_id_field(raw) -> int | None:
    if raw in (None, ""):
        return None
    try:
        return int(str(raw))
    except ValueError:
        raise ClientException(detail=_("asset_id: the id of one of the case's assets, or nothing.")) from None


class EnforcementApi(Controller):
    path = "/api/v1/cases/{case_id:int}"
    tags = ["legal"]

    @get("/assets", guards=[staff_only], summary="The debtor's assets known to the agency (to designate at enforcement)")
    async def assets(self, request: Request, case_id: int) -> dict:
        return {"items": await enforcement.case_assets(user_of(request), case_id)}

    @post("/assets", status_code=201, guards=[staff_only],
          summary="Record an asset of the debtor: bank_account, salary, vehicle, property or other, with its identifier")
    async def add_asset(self, request: Request, case_id: int, data: AssetIn) -> dict:
        return await enforcement.add_asset(user_of(request), case_id, data.kind, data.description, data.identifier,
                                           optional_date(data.found_on, "found_on"), data.note, clock.today())

    @post("/attachments", status_code=201, guards=[lawyers],
          summary="What a court attachment yielded, booked as a payment of the case (send an Idempotency-Key header)")
    async def attachment(self, request: Request, case_id: int, data: AttachmentIn,
                         idempotency_key: Annotated[str | None, HeaderParameter(name="Idempotency-Key")] = None) -> Response:
        entry_id, created = await enforcement.record_attachment(user_of(request), case_id, amount_field(data.amount), date_field(data.on, "on"),
                                                                data.asset_id, data.note, idempotency_key, clock.today())
        return Response({"id": entry_id, "created": created}, status_code=201 if created else 200)


class EnforcementCasePages(Controller):
    """The legal panel's enforcement forms."""

    path = "/cases/{case_id:int}/legal"

    @post("/assets", guards=[staff_only])
    async def add_asset(self, request: Request, case_id: int) -> Response:
        data = await form_data(request)
        return await case_action(request, case_id, lambda: enforcement.add_asset(
            user_of(request), case_id, str(data.get("kind", "")), str(data.get("description", "")), str(data.get("identifier", "")),
            optional_date(data.get("found_on"), "found_on"), str(data.get("note", "")), clock.today()), _("Asset recorded."))

    @post("/attachments", guards=[lawyers])
    async def attachment(self, request: Request, case_id: int) -> Response:
        data = await form_data(request)
        return await case_action(request, case_id, lambda: enforcement.record_attachment(
            user_of(request), case_id, amount_field(data.get("amount")), date_field(data.get("on"), "on"), asset_id_field(data.get("asset_id")),
            str(data.get("note", "")), data.get("idempotency_key") or None, clock.today()), _("Attachment booked as a payment."))
