"""What was sent to the debtor and how they answered: a document sent, an acknowledgement, the answer to a settlement offer."""
from __future__ import annotations
from litestar import Controller
from litestar import Request
from litestar import Response
from agency.i18n import gettext as _
from cases.forms import case_action
from legal.limitation.service import case_limitation
from agency import clock
from cases.forms import date_field
from legal.demands import service as demands
from agency.web import form_data
from legal.forms import limitation_json
import msgspec
from agency.routing import post
from agency.auth import staff_only
from agency.web import user_of


class SentIn(msgspec.Struct):
    sent_on: str
    channel: str


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


