"""Stage moves: the API and the case page's quick action (staff only; creditors get 403)."""
from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, Request, Response
from litestar.exceptions import HTTPException

from agency import clock
from agency.auth import staff_only
from agency.i18n import gettext as _
from agency.routing import post
from agency.web import form_data, notify, redirect, refuse, user_of
from cases.queries import case_detail
from cases.schemas import case_out
from cases.stages.rules import STAGE_LABELS, MoveRequest
from cases.stages.service import StageRefused, advance_stage


class TransitionIn(msgspec.Struct):
    to: str
    outcome: str | None = None
    reason: str = ""


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
