"""The hand-off to legal: the proposal with its estimate, the creditor's answer, a lawyer taking the case, and the lawyers' queue."""
from __future__ import annotations

import msgspec
from litestar import Controller, Request, Response
from litestar.response import Template

from agency import clock
from agency.auth import roles, staff_only
from agency.i18n import gettext as _
from agency.roles import Role
from agency.routing import get, post
from agency.web import form_data, page, user_of
from cases.forms import case_action
from legal.court import calendar as feeds
from legal.court import service as court
from legal.forms import lawyers, negotiators
from legal.handoff import service as handoff


class NoteIn(msgspec.Struct):
    note: str = ""


class AuthorisationIn(msgspec.Struct):
    authorise: bool
    note: str = ""


class HandoffApi(Controller):
    """The procedure proposed for a case, the proposal to go to court, the authorisation, a lawyer taking it."""

    path = "/api/v1"
    tags = ["legal"]

    @get("/cases/{case_id:int}/procedure", guards=[roles(*Role)], summary="The court procedure proposed for the case, and why")
    async def procedure(self, request: Request, case_id: int) -> dict:
        return await handoff.case_procedure(user_of(request), case_id, clock.today())

    @post("/cases/{case_id:int}/legal/proposal", status_code=201, guards=[negotiators],
          summary="Propose legal action: the creditor is asked to authorise it with the estimate")
    async def propose(self, request: Request, case_id: int, data: NoteIn | None = None) -> dict:
        action_id = await handoff.propose_legal(user_of(request), case_id, data.note if data else "", clock.today())
        return {"id": action_id, **(await handoff.current_action(case_id))["estimate"]}

    @post("/cases/{case_id:int}/legal/authorisation", status_code=201, guards=[roles(Role.creditor)],
          summary="The creditor authorises (or declines) the proposed legal action")
    async def authorise(self, request: Request, case_id: int, data: AuthorisationIn) -> dict:
        await handoff.answer(user_of(request), case_id, data.authorise, data.note)
        return {"status": (await handoff.current_action(case_id))["status"]}

    @post("/cases/{case_id:int}/legal/take", status_code=201, guards=[lawyers], summary="A lawyer takes an authorised case")
    async def take(self, request: Request, case_id: int) -> dict:
        await handoff.take(user_of(request), case_id)
        return {"status": "taken"}


class HandoffCasePages(Controller):
    """The legal panel's hand-off forms: each does one thing and comes back to the case."""

    path = "/cases/{case_id:int}/legal"

    @post("/propose", guards=[negotiators])
    async def propose(self, request: Request, case_id: int) -> Response:
        data = await form_data(request)
        return await case_action(request, case_id, lambda: handoff.propose_legal(user_of(request), case_id, str(data.get("note", "")), clock.today()),
                                 _("Legal action proposed: the creditor has been asked to authorise it."))

    @post("/answer", guards=[roles(Role.creditor)])
    async def answer(self, request: Request, case_id: int) -> Response:
        data = await form_data(request)
        yes = data.get("decision") == "authorise"
        return await case_action(request, case_id, lambda: handoff.answer(user_of(request), case_id, yes, str(data.get("note", ""))),
                                 _("Legal action authorised.") if yes else _("Legal action declined."))

    @post("/withdraw", guards=[staff_only])
    async def withdraw(self, request: Request, case_id: int) -> Response:
        data = await form_data(request)
        return await case_action(request, case_id, lambda: handoff.withdraw(user_of(request), case_id, str(data.get("note", ""))),
                                 _("Proposal withdrawn."))

    @post("/take", guards=[lawyers])
    async def take(self, request: Request, case_id: int) -> Response:
        return await case_action(request, case_id, lambda: handoff.take(user_of(request), case_id), _("The case is yours."))


class LawyerPages(Controller):
    @get("/legal", guards=[lawyers])
    async def queue(self, request: Request) -> Template:
        user = user_of(request)
        queue = await handoff.lawyers_queue(user)
        feed = await feeds.current_feed(user)
        feed_url = f"{str(request.base_url).rstrip('/')}/calendar/{feed['token']}.ics" if feed else None
        return page(request, "legal/queue.html", **queue, agenda=await court.agenda(user, clock.today()), today=clock.today(), feed=feed,
                    feed_url=feed_url)
