"""Stage moves: the API and the case page's quick action (staff only; creditors get 403); the creditor's hold (creditor or
staff) and recall (creditor or admin), which closes the case as withdrawn through the same machine."""
from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, Request, Response
from litestar.exceptions import HTTPException

from agency import clock
from agency.auth import roles, staff_only
from agency.i18n import gettext as _
from agency.roles import STAFF, Role
from agency.routing import delete, post
from agency.web import form_data, notify, redirect, refuse, user_of
from cases.queries import case_detail
from cases.schemas import case_out
from cases.stages.rules import STAGE_LABELS, MoveRequest
from cases.stages.service import StageRefused, advance_stage, recall_case, set_hold


class TransitionIn(msgspec.Struct):
    to: str
    outcome: str | None = None
    reason: str = ""


class ReasonIn(msgspec.Struct):
    reason: str = ""


creditor_or_staff = roles(Role.creditor, *STAFF)
creditor_or_admin = roles(Role.creditor, Role.admin)


class StageApi(Controller):
    path = "/api/v1/cases"
    tags = ["cases"]
    guards = [staff_only]

    @post("/{case_id:int}/transitions", status_code=200, summary="Move the case to another stage; 409 with the guards' reasons")
    async def move(self, request: Request, case_id: int, data: TransitionIn) -> Any:
        user = user_of(request)
        await advance_stage(user, case_id, MoveRequest(to=data.to, outcome=data.outcome, reason=data.reason), clock.today())
        detail = await case_detail(user, case_id)
        return case_out(detail["case"], detail)


class HoldApi(Controller):
    path = "/api/v1/cases"
    tags = ["cases"]

    @post("/{case_id:int}/hold", status_code=200, guards=[creditor_or_staff],
          summary="Put the case on hold {reason}: no automatic contact, out of the queue; 409 if closed or held already")
    async def hold(self, request: Request, case_id: int, data: ReasonIn) -> Any:
        user = user_of(request)
        await set_hold(user, case_id, data.reason, holding=True)
        detail = await case_detail(user, case_id)
        return case_out(detail["case"], detail)

    @delete("/{case_id:int}/hold", status_code=200, guards=[creditor_or_staff], summary="Resume a held case; 409 if it is not on hold")
    async def resume(self, request: Request, case_id: int) -> Any:
        user = user_of(request)
        await set_hold(user, case_id, None, holding=False)
        detail = await case_detail(user, case_id)
        return case_out(detail["case"], detail)

    @post("/{case_id:int}/recall", status_code=200, guards=[creditor_or_admin],
          summary="The creditor recalls the case {reason}: it closes as withdrawn; 409 if closed already")
    async def recall(self, request: Request, case_id: int, data: ReasonIn) -> Any:
        user = user_of(request)
        await recall_case(user, case_id, data.reason, clock.today())
        detail = await case_detail(user, case_id)
        return case_out(detail["case"], detail)


async def _page_action(request: Request, case_id: int, act, done: str) -> Response:
    """A form of the case page: the service's refusal shown on the page (403 and 404 stay what they are)."""
    try:
        await act()
    except StageRefused as refused:
        return refuse(request, [str(r) for r in refused.decision.refusals], f"/cases/{case_id}")
    except HTTPException as exc:
        if exc.status_code in {403, 404}:
            raise
        return refuse(request, [str(exc.detail)], f"/cases/{case_id}")
    notify(request, done)
    return redirect(f"/cases/{case_id}", request)


class HoldPages(Controller):
    @post("/cases/{case_id:int}/hold", guards=[creditor_or_staff])
    async def hold(self, request: Request, case_id: int) -> Response:
        reason = (await form_data(request)).get("reason", "")
        return await _page_action(request, case_id, lambda: set_hold(user_of(request), case_id, reason, holding=True),
                                  _("The case is on hold: no automatic messages, and out of the negotiators' queue."))

    @post("/cases/{case_id:int}/resume", guards=[creditor_or_staff])
    async def resume(self, request: Request, case_id: int) -> Response:
        return await _page_action(request, case_id, lambda: set_hold(user_of(request), case_id, None, holding=False),
                                  _("The case is resumed."))

    @post("/cases/{case_id:int}/recall", guards=[creditor_or_admin])
    async def recall(self, request: Request, case_id: int) -> Response:
        reason = (await form_data(request)).get("reason", "")
        return await _page_action(request, case_id, lambda: recall_case(user_of(request), case_id, reason, clock.today()),
                                  _("The case is recalled: it is closed as withdrawn."))


class StagePages(Controller):
    guards = [staff_only]

    @post("/cases/{case_id:int}/transitions")
    async def move(self, request: Request, case_id: int) -> Response:
        data = await form_data(request)
        try:
            await advance_stage(user_of(request), case_id,
                                MoveRequest(to=data.get("to", ""), outcome=data.get("outcome") or None, reason=data.get("reason", "")),
                                clock.today())
        except StageRefused as refused:
            return refuse(request, [str(r) for r in refused.decision.refusals], f"/cases/{case_id}")
        except HTTPException as exc:
            if exc.status_code in {403, 404}:
                raise
            return refuse(request, [str(exc.detail)], f"/cases/{case_id}")
        notify(request, _("The case moved to %(stage)s.") % {"stage": STAGE_LABELS.get(data.get("to", ""), "")})
        return redirect(f"/cases/{case_id}", request)
