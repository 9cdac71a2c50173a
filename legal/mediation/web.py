"""Mediation: the request, its sessions and the outcome."""
from __future__ import annotations

import msgspec
from litestar import Controller, Request, Response
from litestar.exceptions import ClientException
from typing_extensions import Annotated

from agency import clock
from agency.auth import staff_only
from agency.i18n import gettext as _
from agency.routing import post
from agency.web import form_data, notify, user_of
from cases.forms import case_action, date_field
from legal.forms import optional_date
from legal.mediation import service as mediation


class MediationIn(msgspec.Struct):
    mediator: str
    requested_on: str
    received_on: str


class SessionIn(msgspec.Struct):
    held_on: str
    mediator: str = ""
    notes: str = ""


class OutcomeIn(msgspec.Struct):
    outcome: str
    ended_on: str
    agreement: str = ""
    instalments: Annotated[int, msgspec.Meta(ge=0, le=60)] = 0
    frequency: str = "monthly"
    first_due_on: str | None = None
    back_to_amicable: bool = False


class MediationApi(Controller):
    """A mediation, its sessions and outcome."""

    path = "/api/v1"
    tags = ["legal"]

    @post("/cases/{case_id:int}/mediations", status_code=201, guards=[staff_only], summary="Start a mediation (suspends limitation)")
    async def mediation(self, request: Request, case_id: int, data: MediationIn) -> dict:
        return await mediation.start_mediation(user_of(request), case_id, data.mediator, date_field(data.requested_on, "requested_on"),
                                               date_field(data.received_on, "received_on"), clock.today())

    @post("/mediations/{mediation_id:int}/sessions", status_code=201, guards=[staff_only], summary="Record a mediation session")
    async def session(self, request: Request, mediation_id: int, data: SessionIn) -> dict:
        return {"id": await mediation.add_session(user_of(request), mediation_id, date_field(data.held_on, "held_on"), data.mediator, data.notes,
                                                  clock.today())}

    @post("/mediations/{mediation_id:int}/outcome", status_code=201, guards=[staff_only],
          summary="End a mediation: agreed (a plan and the agreement document) or failed")
    async def outcome(self, request: Request, mediation_id: int, data: OutcomeIn) -> dict:
        return await mediation.end_mediation(
            user_of(request), mediation_id, data.outcome, date_field(data.ended_on, "ended_on"), data.agreement, clock.today(),
            instalments=data.instalments, frequency=data.frequency, first_due_on=optional_date(data.first_due_on, "first_due_on"),
            back_to_amicable=data.back_to_amicable)


class MediationCasePages(Controller):
    """The legal panel's mediation forms."""

    path = "/cases/{case_id:int}/legal"

    @post("/mediations", guards=[staff_only])
    async def mediation(self, request: Request, case_id: int) -> Response:
        data = await form_data(request)
        return await case_action(request, case_id, lambda: mediation.start_mediation(
            user_of(request), case_id, str(data.get("mediator", "")), date_field(data.get("requested_on"), "requested_on"),
            date_field(data.get("received_on"), "received_on"), clock.today()), _("Mediation started; the request is among the documents."))

    @post("/mediations/{mediation_id:int}/sessions", guards=[staff_only])
    async def session(self, request: Request, case_id: int, mediation_id: int) -> Response:
        data = await form_data(request)
        return await case_action(request, case_id, lambda: mediation.add_session(
            user_of(request), mediation_id, date_field(data.get("held_on"), "held_on"), str(data.get("mediator", "")), str(data.get("notes", "")),
            clock.today()), _("Session recorded."))

    @post("/mediations/{mediation_id:int}/outcome", guards=[staff_only])
    async def outcome(self, request: Request, case_id: int, mediation_id: int) -> Response:
        data = await form_data(request)

        async def act():
            count = int(data.get("instalments") or 0) if str(data.get("instalments") or "0").isdigit() else -1
            if count < 0 or count > 60:
                raise ClientException(detail=_("The number of instalments is a whole number from 0 to 60."))
            result = await mediation.end_mediation(
                user_of(request), mediation_id, str(data.get("outcome", "")), date_field(data.get("ended_on"), "ended_on"),
                str(data.get("agreement", "")), clock.today(), instalments=count, frequency=str(data.get("frequency", "monthly")),
                first_due_on=optional_date(data.get("first_due_on"), "first_due_on"), back_to_amicable=data.get("back_to_amicable") == "on")
            if result.get("document_missing"):
                notify(request, result["document_missing"], "error")
        return await case_action(request, case_id, act, _("Mediation closed."))


