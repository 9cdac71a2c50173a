"""Court filings, hearings, court costs and deadlines (lawyers), and the agenda."""
from __future__ import annotations

import msgspec
from litestar import Controller, Request, Response
from litestar.exceptions import NotFoundException
from litestar.params import HeaderParameter
from typing_extensions import Annotated

from agency import clock
from agency.auth import staff_only
from agency.i18n import gettext as _
from agency.routing import get, post
from agency.web import form_data, notify, redirect, user_of
from cases.forms import amount_field, case_action, date_field
from legal.court import calendar as feeds
from legal.court import service as court
from legal.forms import lawyers, moment, optional_date, visible_case


class FilingIn(msgspec.Struct):
    procedure: str
    court: str
    status: str = "prepared"
    filed_on: str | None = None
    court_case_number: str = ""


class FilingUpdateIn(msgspec.Struct):
    status: str
    filed_on: str | None = None
    court_case_number: str = ""
    served_on: str | None = None
    outcome: str = ""


class HearingIn(msgspec.Struct):
    at: str
    kind: str = ""
    place: str = ""
    notes: str = ""


class HearingMoveIn(msgspec.Struct):
    at: str
    reason: str
    place: str | None = None


class StepIn(msgspec.Struct):
    step: str
    on: str
    note: str = ""


class CostIn(msgspec.Struct):
    kind: str
    amount: str
    booked_on: str
    description: str = ""


class CourtApi(Controller):
    """Filings, hearings, court costs, deadlines and the agenda."""

    path = "/api/v1"
    tags = ["legal"]

    @post("/cases/{case_id:int}/filings", status_code=201, guards=[lawyers], summary="Record a court filing")
    async def filing(self, request: Request, case_id: int, data: FilingIn) -> dict:
        filing_id = await court.create_filing(user_of(request), case_id, data.procedure, data.court, data.status,
                                              optional_date(data.filed_on, "filed_on"), data.court_case_number, clock.today())
        return {"id": filing_id}

    @post("/filings/{filing_id:int}", status_code=200, guards=[lawyers], summary="Update a filing (status, dates, number, outcome)")
    async def update_filing(self, request: Request, filing_id: int, data: FilingUpdateIn) -> dict:
        await court.update_filing(user_of(request), filing_id, data.status, optional_date(data.filed_on, "filed_on"), data.court_case_number,
                                  optional_date(data.served_on, "served_on"), data.outcome, clock.today())
        return {"id": filing_id}

    @get("/cases/{case_id:int}/filings", summary="The case's court filings with their steps")
    async def filings(self, request: Request, case_id: int) -> list[dict]:
        return [{k: f[k] for k in ("id", "procedure", "court", "status", "filed_on", "court_case_number", "served_on", "steps",
                                   "next_steps", "deadlines")}
                for f in await court.case_filing_views(user_of(request), case_id)]

    @post("/filings/{filing_id:int}/steps", status_code=201, guards=[lawyers],
          summary="Record what the court did (admitted, served, paid, no_answer, opposed, decree, enforcement_requested, attachment, "
                  "judgment): the filing with the deadlines the step opened; the same step on the same day again creates nothing (200)")
    async def step(self, request: Request, filing_id: int, data: StepIn) -> Response:
        view = await court.record_step(user_of(request), filing_id, data.step, date_field(data.on, "on"), data.note, clock.today())
        return Response(view, status_code=201 if view["created"] else 200)

    @post("/filings/{filing_id:int}/hearings", status_code=201, guards=[lawyers], summary="Add a hearing")
    async def hearing(self, request: Request, filing_id: int, data: HearingIn) -> dict:
        return {"id": await court.add_hearing(user_of(request), filing_id, moment(data.at, "at"), data.kind, data.place, data.notes)}

    @post("/hearings/{hearing_id:int}", status_code=200, guards=[lawyers],
          summary="Move a hearing (postponed, or a date mistyped): the new date and time, the place, and why")
    async def move_hearing(self, request: Request, hearing_id: int, data: HearingMoveIn) -> dict:
        await court.move_hearing(user_of(request), hearing_id, moment(data.at, "at"), data.place, data.reason)
        return {"id": hearing_id}

    @post("/cases/{case_id:int}/court-costs", status_code=201, guards=[lawyers],
          summary="Book a court cost (court fee, procurador, lawyer; send an Idempotency-Key header)")
    async def cost(self, request: Request, case_id: int, data: CostIn,
                   idempotency_key: Annotated[str | None, HeaderParameter(name="Idempotency-Key")] = None) -> Response:
        ids, created = await court.book_court_cost(user_of(request), case_id, data.kind, amount_field(data.amount),
                                                   date_field(data.booked_on, "booked_on"), data.description, clock.today(), idempotency_key)
        return Response({"entries": ids, "created": created}, status_code=201 if created else 200)

    @get("/cases/{case_id:int}/deadlines", guards=[staff_only], summary="The case's deadlines with their warnings")
    async def deadlines(self, request: Request, case_id: int) -> list[dict]:
        await visible_case(request, case_id)
        return [{"id": d["id"], "rule": d["rule"], "label": str(d["label"]), "starts_on": d["starts_on"], "due_on": d["due_on"],
                 "status": d["status"], "warning": d["warning"].level, "days_left": d["warning"].days_left}
                for d in await court.case_deadlines(case_id, clock.today())]

    @get("/agenda", guards=[lawyers], summary="The caller's open deadlines and upcoming hearings")
    async def agenda(self, request: Request) -> dict:
        data = await court.agenda(user_of(request), clock.today())
        return {"deadlines": [{"id": d["id"], "case": d["case"], "reference": d["reference"], "rule": d["rule"], "due_on": d["due_on"],
                               "warning": d["warning"].level, "days_left": d["warning"].days_left} for d in data["deadlines"]],
                "hearings": [{"id": h["id"], "case": h["case"], "reference": h["reference"], "at": h["at"], "place": h["place"]}
                             for h in data["hearings"]]}

    @post("/deadlines/{deadline_id:int}/done", status_code=200, guards=[staff_only], summary="Mark a deadline as dealt with")
    async def deadline_done(self, request: Request, deadline_id: int) -> dict:
        await court.close_deadline(user_of(request), deadline_id)
        return {"status": "done"}


class CourtCasePages(Controller):
    """The legal panel's court forms (lawyers)."""

    path = "/cases/{case_id:int}/legal"

    @post("/filings", guards=[lawyers])
    async def filing(self, request: Request, case_id: int) -> Response:
        data = await form_data(request)
        return await case_action(request, case_id, lambda: court.create_filing(
            user_of(request), case_id, str(data.get("procedure", "")), str(data.get("court", "")), str(data.get("status", "prepared")),
            optional_date(data.get("filed_on"), "filed_on"), str(data.get("court_case_number", "")), clock.today()), _("Filing recorded."))

    @post("/filings/{filing_id:int}", guards=[lawyers])
    async def update_filing(self, request: Request, case_id: int, filing_id: int) -> Response:
        data = await form_data(request)
        return await case_action(request, case_id, lambda: court.update_filing(
            user_of(request), filing_id, str(data.get("status", "")), optional_date(data.get("filed_on"), "filed_on"),
            str(data.get("court_case_number", "")), optional_date(data.get("served_on"), "served_on"), str(data.get("outcome", "")),
            clock.today()), _("Filing updated."))

    @post("/filings/{filing_id:int}/steps", guards=[lawyers])
    async def step(self, request: Request, case_id: int, filing_id: int) -> Response:
        data = await form_data(request)
        return await case_action(request, case_id, lambda: court.record_step(
            user_of(request), filing_id, str(data.get("step", "")), date_field(data.get("on"), "on"), str(data.get("note", "")),
            clock.today(), case_id=case_id), _("Step recorded."))

    @post("/filings/{filing_id:int}/hearings", guards=[lawyers])
    async def hearing(self, request: Request, case_id: int, filing_id: int) -> Response:
        data = await form_data(request)
        return await case_action(request, case_id, lambda: court.add_hearing(
            user_of(request), filing_id, moment(data.get("at", ""), _("Hearing")), str(data.get("kind", "")), str(data.get("place", "")),
            str(data.get("notes", ""))), _("Hearing added."))

    @post("/hearings/{hearing_id:int}", guards=[lawyers])
    async def move_hearing(self, request: Request, case_id: int, hearing_id: int) -> Response:
        data = await form_data(request)
        return await case_action(request, case_id, lambda: court.move_hearing(
            user_of(request), hearing_id, moment(data.get("at", ""), _("Hearing")), data.get("place"), str(data.get("reason", "")),
            case_id=case_id), _("Hearing moved."))

    @post("/costs", guards=[lawyers])
    async def cost(self, request: Request, case_id: int) -> Response:
        data = await form_data(request)
        return await case_action(request, case_id, lambda: court.book_court_cost(
            user_of(request), case_id, str(data.get("kind", "")), amount_field(data.get("amount")), date_field(data.get("booked_on"), "booked_on"),
            str(data.get("description", "")), clock.today(), data.get("idempotency_key")), _("Cost booked."))

    @post("/deadlines/{deadline_id:int}/done", guards=[staff_only])
    async def deadline_done(self, request: Request, case_id: int, deadline_id: int) -> Response:
        return await case_action(request, case_id, lambda: court.close_deadline(user_of(request), deadline_id), _("Deadline closed."))




class CalendarFeeds(Controller):
    """Each lawyer's secret iCal feed (no login: the token in the URL is the credential) and the agenda's buttons to get,
    renew or revoke it."""

    @get("/calendar/{feed:str}", summary="A lawyer's deadlines and hearings as iCal (the secret URL from the legal queue)",
         include_in_schema=False)
    async def feed(self, request: Request, feed: str) -> Response:
        ics = await feeds.feed_ics(feed.removesuffix(".ics"), clock.today(), str(request.base_url).rstrip("/")) if feed.endswith(".ics") else None
        if ics is None:
            raise NotFoundException(detail=_("Not found."))
        return Response(ics, media_type="text/calendar; charset=utf-8", headers={"Cache-Control": "private, no-store"})

    @post("/legal/calendar", guards=[lawyers])
    async def renew(self, request: Request) -> Response:
        await feeds.renew_feed(user_of(request))
        notify(request, _("Your calendar feed has a new address: the previous one no longer works."))
        return redirect("/legal#calendar", request)

    @post("/legal/calendar/revoke", guards=[lawyers])
    async def revoke(self, request: Request) -> Response:
        await feeds.revoke_feed(user_of(request))
        notify(request, _("Calendar feed revoked: its address no longer works."))
        return redirect("/legal#calendar", request)
