"""Search everywhere: the API (`GET /api/v1/search?q=`) and the page the top bar's box opens (`/search?q=`)."""
from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Controller, Request
from litestar.params import QueryParameter
from litestar.response import Template

from agency.accounts import FormErrors
from agency.auth import anyone_signed_in
from agency.i18n import gettext as _
from agency.routing import get
from agency.web import page, user_of
from cases.search import service
from cases.search.rules import MAX_LENGTH, MIN_LENGTH, problem

Q = Annotated[str | None, QueryParameter(description=f"What to look for: {MIN_LENGTH} to {MAX_LENGTH} characters", required=False)]


class SearchItem(msgspec.Struct):
    kind: str  # case (its reference), debtor (name, tax id, email or phone) or invoice (its number)
    case_id: int
    reference: str
    title: str


class SearchOut(msgspec.Struct):
    items: list[SearchItem]


def refusal(q: str | None) -> str | None:
    reason = problem(q)
    if reason == "short":
        return _("Type at least %(num)s characters to search.") % {"num": MIN_LENGTH}
    if reason == "long":
        return _("Search for at most %(num)s characters.") % {"num": MAX_LENGTH}
    return None


class SearchApi(Controller):
    path = "/api/v1/search"
    tags = ["cases"]

    @get("/", guards=[anyone_signed_in], summary="Find the caller's cases by reference, debtor's name (without accents or case), "
         "tax id, invoice number, phone or email: exact matches first, then names that start so, then names that hold it; at most 20")
    async def search(self, request: Request, q: Q = None) -> SearchOut:
        message = refusal(q)
        if message:
            raise FormErrors({"q": message})
        hits = await service.search(user_of(request), (q or "").strip())
        return SearchOut(items=[SearchItem(kind=h.kind, case_id=h.case_id, reference=h.reference, title=h.title) for h in hits])


class SearchPages(Controller):
    @get("/search", guards=[anyone_signed_in])
    async def search(self, request: Request, q: Q = None) -> Template:
        text = (q or "").strip()
        if not text:
            return page(request, "cases/search/results.html", q="", hits=None, problem=None)
        message = refusal(text)
        if message:
            return page(request, "cases/search/results.html", status_code=400, q=text[:MAX_LENGTH], hits=None, problem=message)
        return page(request, "cases/search/results.html", q=text, hits=await service.search(user_of(request), text), problem=None)
