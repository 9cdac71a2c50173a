"""The legal panel of the case page: a fragment the page loads with htmx as it opens, or a page of its own
without JavaScript (cases never imports legal: the page asks legal for it). Each capability's own routes are in
its web module (legal/<capability>/web.py)."""
from __future__ import annotations

import secrets

from litestar import Controller, Request
from litestar.response import Template

from agency import clock
from agency.auth import anyone_signed_in
from agency.routing import get
from agency.web import page, user_of
from cases.queries import get_case
from legal.panel import legal_panel


class LegalPanelPages(Controller):
    path = "/cases/{case_id:int}/legal"

    @get("/", guards=[anyone_signed_in])
    async def panel(self, request: Request, case_id: int) -> Template:
        user = user_of(request)
        case = await get_case(user, case_id)  # through the tenancy scope: another organisation's case is a 404
        today = clock.today()
        legal = await legal_panel(user, case_id, case["stage"], today)
        return page(request, "legal/case_legal.html", fragment="legal/_case_legal_fragment.html", case=case, legal=legal,
                    today=today.isoformat(), payment_key=secrets.token_hex(12),
                    shown=case["stage"] != "intake" or bool(legal["documents"]) or bool(legal["action"]))
