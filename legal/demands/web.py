"""What was sent to the debtor and how they answered: a document sent, an acknowledgement, the answer to a settlement offer."""
from __future__ import annotations

import msgspec
from litestar import Controller, Request, Response
from litestar.exceptions import ClientException

from agency import clock
from agency.auth import staff_only
from agency.http_utils import parse_id
from agency.i18n import gettext as _
from agency.routing import post
from agency.web import form_data, user_of
from cases.forms import case_action, date_field
from legal.demands import service as demands
from legal.documents.service import visible_document
from legal.forms import limitation_json
from legal.limitation.service import case_limitation


class SentIn(msgspec.Struct):
    sent_on: str
    channel: str


class DeliveredIn(msgspec.Struct):
    delivered_on: str  # the day it reached the debtor, as its certificate says
    certificate_id: int | None = None  # the certificate of delivery, uploaded as evidence of the case


def _certificate(raw) -> int | None:
    value = parse_id(str(raw or "").strip()) if str(raw or "").strip() else None
    if str(raw or "").strip() and value is None:
        raise ClientException(detail=_("Choose the certificate among the case's evidence."))
    return value


class DatedNoteIn(msgspec.Struct):
    on: str
    note: str = ""
    accepted: bool = False


class DemandApi(Controller):
    """A document sent to the debtor, an acknowledgement, the answer to a settlement offer."""

    path = "/api/v1"
    tags = ["legal"]

    @post("/documents/{document_id:int}/sent", status_code=201, guards=[staff_only],
          summary="Record that a document was sent (burofax: a certified demand; a settlement offer starts its answer period)")
    async def sent(self, request: Request, document_id: int, data: SentIn) -> dict:
        await demands.mark_sent(user_of(request), document_id, date_field(data.sent_on, "sent_on"), data.channel, clock.today())
        return {"sent": True}

    @post("/documents/{document_id:int}/delivered", status_code=201, guards=[staff_only],
          summary="The day the document's latest sending reached the debtor, with its certificate (limitation, a consumer's "
                  "default and a settlement offer's 30 days count from it)")
    async def document_delivered(self, request: Request, document_id: int, data: DeliveredIn) -> dict:
        user = user_of(request)
        doc = await visible_document(user, document_id)
        return await demands.record_delivery(user, doc["case"], ("document", document_id), date_field(data.delivered_on, "delivered_on"),
                                             data.certificate_id, clock.today())

    @post("/cases/{case_id:int}/activities/{event_id:int}/delivered", status_code=201, guards=[staff_only],
          summary="The day a certified contact (a burofax logged as a contact) reached the debtor, with its certificate")
    async def contact_delivered(self, request: Request, case_id: int, event_id: int, data: DeliveredIn) -> dict:
        return await demands.record_delivery(user_of(request), case_id, ("contact", event_id), date_field(data.delivered_on, "delivered_on"),
                                             data.certificate_id, clock.today())

    @post("/cases/{case_id:int}/acknowledgements", status_code=201, guards=[staff_only],
          summary="The debtor signed an acknowledgement of the debt (limitation starts again)")
    async def acknowledgement(self, request: Request, case_id: int, data: DatedNoteIn) -> dict:
        await demands.record_acknowledgement(user_of(request), case_id, date_field(data.on, "on"), data.note, clock.today())
        return {"limitation": limitation_json(await case_limitation(case_id, clock.today()))}

    @post("/cases/{case_id:int}/settlement-answer", status_code=201, guards=[staff_only],
          summary="The debtor answered the settlement offer")
    async def settlement_answer(self, request: Request, case_id: int, data: DatedNoteIn) -> dict:
        await demands.record_settlement_answer(user_of(request), case_id, date_field(data.on, "on"), data.accepted, data.note, clock.today())
        return {"answered": True}


class DemandCasePages(Controller):
    """The legal panel's forms for what was sent and answered."""

    path = "/cases/{case_id:int}/legal"

    @post("/documents/{document_id:int}/sent", guards=[staff_only])
    async def sent(self, request: Request, case_id: int, document_id: int) -> Response:
        data = await form_data(request)
        return await case_action(request, case_id, lambda: demands.mark_sent(
            user_of(request), document_id, date_field(data.get("sent_on"), "sent_on"), str(data.get("channel", "")), clock.today()),
            _("Sending recorded."))

    @post("/documents/{document_id:int}/delivered", guards=[staff_only])
    async def document_delivered(self, request: Request, case_id: int, document_id: int) -> Response:
        data = await form_data(request)
        return await case_action(request, case_id, lambda: demands.record_delivery(
            user_of(request), case_id, ("document", document_id), date_field(data.get("delivered_on"), "delivered_on"),
            _certificate(data.get("certificate_id")), clock.today()), _("Delivery recorded."))

    @post("/contacts/{event_id:int}/delivered", guards=[staff_only])
    async def contact_delivered(self, request: Request, case_id: int, event_id: int) -> Response:
        data = await form_data(request)
        return await case_action(request, case_id, lambda: demands.record_delivery(
            user_of(request), case_id, ("contact", event_id), date_field(data.get("delivered_on"), "delivered_on"),
            _certificate(data.get("certificate_id")), clock.today()), _("Delivery recorded."))

    @post("/acknowledgement", guards=[staff_only])
    async def acknowledgement(self, request: Request, case_id: int) -> Response:
        data = await form_data(request)
        return await case_action(request, case_id, lambda: demands.record_acknowledgement(
            user_of(request), case_id, date_field(data.get("on"), "on"), str(data.get("note", "")), clock.today()),
            _("Acknowledgement recorded: the limitation period starts again."))

    @post("/settlement-answer", guards=[staff_only])
    async def settlement_answer(self, request: Request, case_id: int) -> Response:
        data = await form_data(request)
        return await case_action(request, case_id, lambda: demands.record_settlement_answer(
            user_of(request), case_id, date_field(data.get("on"), "on"), data.get("accepted") == "on", str(data.get("note", "")), clock.today()),
            _("Answer recorded."))


