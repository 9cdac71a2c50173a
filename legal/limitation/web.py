"""The limitation date of a case and how it was reckoned."""
from __future__ import annotations

from litestar import Controller, Request

from agency import clock
from agency.auth import roles
from agency.roles import Role
from agency.routing import get
from legal.forms import limitation_json, visible_case
from legal.limitation.service import case_limitation


class LimitationApi(Controller):
    """The limitation date and its reckoning."""

    path = "/api/v1"
    tags = ["legal"]

    @get("/cases/{case_id:int}/limitation", guards=[roles(*Role)], summary="The limitation date and how it was reckoned")
    async def limitation(self, request: Request, case_id: int) -> dict:
        await visible_case(request, case_id)
        return {"limitation": limitation_json(await case_limitation(case_id, clock.today()))}
