"""Notifications' pages (/notifications: the list, the top bar's bell, the email preferences) and API (/api/v1/notifications)."""
from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response
from litestar.exceptions import ClientException
from litestar.response import Template

from agency.accounts import FormErrors
from agency.auth import anyone_signed_in
from agency.http_utils import parse_id
from agency.i18n import gettext as _
from agency.routing import get, post
from agency.web import form_data, notify, page, redirect, user_of
from cases.notifications import rules, service


def item_out(n: dict) -> dict:
    return {**n, "created_at": n["created_at"].isoformat()}


class NotificationApi(Controller):
    path = "/api/v1/notifications"
    tags = ["notifications"]
    guards = [anyone_signed_in]

    @get("/", summary="The caller's notifications, newest first, with how many are unread")
    async def index(self, request: Request, unread_only: bool = False) -> dict:
        user = user_of(request)
        return {"items": [item_out(n) for n in await service.notifications(user, unread_only=unread_only)],
                "unread": await service.unread_count(user)}

    @post("/read", status_code=200, summary="Mark the caller's notifications read (ids)")
    async def read(self, request: Request, data: dict[str, Any]) -> dict:
        user = user_of(request)
        ids = service.parse_ids(data.get("ids") if isinstance(data, dict) else None)
        if ids is None:
            raise ClientException(detail=_("ids is the list of the notifications' ids to mark read (at most %(n)s).") % {"n": service.MAX_IDS})
        return {"marked": await service.mark_read(user, ids), "unread": await service.unread_count(user)}

    @get("/preferences", summary="How the caller is emailed of each kind: immediately, daily or never")
    async def preferences(self, request: Request) -> dict:
        return await service.preferences(user_of(request))

    @post("/preferences", status_code=200, summary="Choose how to be emailed of kinds of notification: {kind: immediately|daily|never}")
    async def choose(self, request: Request, data: dict[str, Any]) -> dict:
        return await service.set_preferences(user_of(request), data)


class NotificationPages(Controller):
    path = "/notifications"
    guards = [anyone_signed_in]

    @get("/")
    async def index(self, request: Request) -> Template:
        user = user_of(request)
        return page(request, "cases/notifications/list.html", items=await service.notifications(user), unread=await service.unread_count(user))

    @get("/bell")
    async def bell(self, request: Request) -> Template:
        """The top bar's bell, swapped in by htmx once the page has loaded: one indexed count."""
        return page(request, "cases/notifications/_bell.html", unread=await service.unread_count(user_of(request), cap=service.BELL_CAP),
                    cap=service.BELL_CAP)

    @post("/read")
    async def read(self, request: Request) -> Response:
        data = await form_data(request)
        user = user_of(request)
        if data.get("all"):
            await service.mark_read(user, None)
            notify(request, _("All notifications marked read."))
        elif (one := parse_id(data.get("id"))) is not None:
            await service.mark_read(user, [one])
        return redirect("/notifications", request)

    @get("/preferences")
    async def preferences(self, request: Request) -> Template:
        return page(request, "cases/notifications/preferences.html", chosen=await service.preferences(user_of(request)), kinds=rules.KINDS,
                    modes=rules.MODES)

    @post("/preferences")
    async def choose(self, request: Request) -> Response | Template:
        data = await form_data(request)
        user = user_of(request)
        choices = {kind: str(data.get(kind, "")) for kind in rules.KINDS if data.get(kind)}
        try:
            await service.set_preferences(user, choices)
        except FormErrors as exc:
            return page(request, "cases/notifications/preferences.html", chosen={**await service.preferences(user), **choices},
                        kinds=rules.KINDS, modes=rules.MODES, errors=exc.errors, status_code=400)
        notify(request, _("Your email preferences are saved."))
        return redirect("/notifications/preferences", request)
