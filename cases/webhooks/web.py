"""Webhooks' API (/api/v1/webhooks) and pages (/webhooks): for admins (any organisation) and creditors' users (their own)."""
from __future__ import annotations

import json
from typing import Any

from litestar import Controller, Request, Response
from litestar.exceptions import HTTPException
from litestar.response import Template

from agency.accounts import FormErrors
from agency.auth import roles
from agency.http_utils import parse_id
from agency.i18n import gettext as _
from agency.roles import Role
from agency.routing import delete, get, post
from agency.web import notify, page, redirect, user_of
from cases.webhooks import service
from cases.webhooks.rules import EVENT_TYPES

managers = roles(Role.admin, Role.creditor)


def _iso(value) -> str | None:
    return value.isoformat() if value is not None and not isinstance(value, str) else value


def endpoint_out(r: dict) -> dict:
    return {"id": r["id"], "organisation_id": r["organisation"], "url": r["url"], "events": [e for e in (r["events"] or "").split(",") if e],
            "active": bool(r["active"]), "secret_hint": r["secret_hint"], "created_at": _iso(r["created_at"]), "removed_at": _iso(r["removed_at"])}


def delivery_out(r: dict) -> dict:
    return {"id": r["id"], "endpoint_id": r["endpoint"], "case_id": r["case"], "reference": r["reference"], "type": r["event_type"],
            "event_id": json.loads(r["payload"]).get("id"), "status": r["status"], "attempts": r["attempts"], "last_status": r["last_status"],
            "last_error": r["last_error"], "first_attempt_at": _iso(r["first_attempt_at"]), "next_attempt_at": _iso(r["next_attempt_at"]),
            "delivered_at": _iso(r["delivered_at"]), "replay_of": r["replay_of"], "created_at": _iso(r["created_at"]),
            "payload": json.loads(r["payload"])}


class WebhookApi(Controller):
    path = "/api/v1/webhooks"
    tags = ["webhooks"]
    guards = [managers]

    @post("/", status_code=201, summary="Register an endpoint: 201 with its signing secret, shown this once")
    async def create(self, request: Request, data: dict[str, Any]) -> dict:
        done = await service.register(user_of(request), data.get("organisation_id"), data.get("url"), data.get("events"))
        return {**endpoint_out(done), "secret": done["secret"]}

    @get("/", summary="The active endpoints the caller manages (an admin: every organisation's, or organisation_id's)")
    async def index(self, request: Request, organisation_id: str = "") -> dict:
        return {"items": [endpoint_out(r) for r in await service.endpoints(user_of(request), parse_id(organisation_id))]}

    @get("/{endpoint_id:int}", summary="One endpoint")
    async def show(self, request: Request, endpoint_id: int) -> dict:
        return endpoint_out(await service.endpoint(user_of(request), endpoint_id))

    @delete("/{endpoint_id:int}", status_code=204, summary="Remove an endpoint: no more deliveries; its log stays readable")
    async def remove(self, request: Request, endpoint_id: int) -> None:
        await service.remove(user_of(request), endpoint_id)

    @get("/{endpoint_id:int}/deliveries", summary="The endpoint's delivery log, newest first")
    async def deliveries(self, request: Request, endpoint_id: int) -> dict:
        return {"items": [delivery_out(r) for r in await service.deliveries(user_of(request), endpoint_id)]}

    @post("/deliveries/{delivery_id:int}/replay", status_code=201, summary="Send a delivery's event again, as a new delivery")
    async def replay(self, request: Request, delivery_id: int) -> dict:
        return delivery_out(await service.replay(user_of(request), delivery_id))


class WebhookPages(Controller):
    path = "/webhooks"
    guards = [managers]

    async def _list(self, request: Request, form: dict | None = None, errors: dict | None = None, created: dict | None = None,
                    status_code: int = 200) -> Template:
        user = user_of(request)
        organisation = parse_id(request.query_params.get("organisation_id")) if user.role == Role.admin else None
        organisations = await service.organisation_choices() if user.role == Role.admin else []
        form = form or ({"organisation_id": organisation} if organisation else {})
        return page(request, "cases/webhooks/list.html", endpoints=await service.endpoints(user, organisation), organisations=organisations,
                    event_types=EVENT_TYPES, form=form, errors=errors or {}, created=created, status_code=status_code)

    @get("/")
    async def index(self, request: Request) -> Template:
        return await self._list(request)

    @post("/")
    async def create(self, request: Request) -> Template:
        form = await request.form()
        events = [e for e in form.getall("events") if isinstance(e, str)] if "events" in form else []
        data = {"url": str(form.get("url", "")), "organisation_id": str(form.get("organisation_id", "")), "events": events}
        try:
            done = await service.register(user_of(request), data["organisation_id"], data["url"], events)
        except FormErrors as exc:
            return await self._list(request, data, exc.errors, status_code=400)
        return await self._list(request, created=done)

    @get("/{endpoint_id:int}")
    async def show(self, request: Request, endpoint_id: int) -> Template:
        user = user_of(request)
        return page(request, "cases/webhooks/detail.html", endpoint=await service.endpoint(user, endpoint_id),
                    deliveries=await service.deliveries(user, endpoint_id), event_types=EVENT_TYPES)

    @post("/{endpoint_id:int}/remove")
    async def remove(self, request: Request, endpoint_id: int) -> Response:
        await service.remove(user_of(request), endpoint_id)
        notify(request, _("Endpoint removed: it receives no more events."))
        return redirect("/webhooks", request)

    @post("/deliveries/{delivery_id:int}/replay")
    async def replay(self, request: Request, delivery_id: int) -> Response:
        try:
            done = await service.replay(user_of(request), delivery_id)
        except HTTPException as exc:
            if exc.status_code != 409:
                raise
            notify(request, str(exc.detail), "error")
            return redirect("/webhooks", request)
        notify(request, _("The event will be sent again in a moment (delivery %(id)s).") % {"id": done["id"]})
        return redirect(f"/webhooks/{done['endpoint']}", request)
