"""The contact log's routes: the API and the case page's form (staff only; creditors get 403)."""
from __future__ import annotations

import msgspec
from litestar import Controller, Request, Response
from litestar.exceptions import HTTPException

from agency import clock
from agency.accounts import FormErrors
from agency.auth import staff_only
from agency.i18n import gettext as _
from agency.routing import post
from agency.web import form_data, notify, redirect, refuse, user_of
from cases.contacts.rules import ActivityErrors, ActivityInput, promise_fields_problem
from cases.contacts.service import log_activity
from cases.forms import amount_field, date_field
from cases.negotiation.rules import PlanError

ACTIVITY_FIELDS = ("kind", "direction", "outcome", "body", "contact", "next_action_on")


class ActivityIn(msgspec.Struct):
    kind: str
    direction: str = "outbound"
    outcome: str = ""
    body: str = ""
    contact: str = ""
    next_action_on: str = ""
    promised_on: str = ""  # with outcome promise_to_pay: the promise, recorded with the contact
    promise_amount: str = ""


async def log_contact(request: Request, case_id: int, values: dict, promise_required: bool = False) -> dict:
    """Log a contact; a promise's date and amount, when given, are recorded with it or not at all
    (cases.contacts.rules.promise_fields_problem says which go together)."""
    promised_on, amount = str(values.pop("promised_on", "")).strip(), str(values.pop("promise_amount", "")).strip()
    problem = promise_fields_problem(str(values.get("outcome", "")), promised_on, amount, promise_required)
    if problem:
        raise FormErrors({problem[0]: str(problem[1])})
    promise = (date_field(promised_on, "promised_on"), amount_field(amount, "promise_amount")) if promised_on else None
    try:
        return await log_activity(user_of(request), case_id, ActivityInput(**values), clock.today(), promise)
    except ActivityErrors as exc:
        raise FormErrors({k: str(v) for k, v in exc.errors.items()}) from None
    except PlanError as exc:
        raise FormErrors({{"amount": "promise_amount"}.get(k, k): str(v) for k, v in exc.errors.items()}) from None


class ActivityApi(Controller):
    path = "/api/v1/cases"
    tags = ["cases"]
    guards = [staff_only]

    @post("/{case_id:int}/activities", status_code=201,
          summary="Log a contact (call, email, WhatsApp, SMS, letter, burofax, visit) or a note; with outcome promise_to_pay,"
                  " promised_on and promise_amount record the promise with it")
    async def create(self, request: Request, case_id: int, data: ActivityIn) -> dict:
        return await log_contact(request, case_id, msgspec.structs.asdict(data))


class ContactPages(Controller):
    guards = [staff_only]

    @post("/cases/{case_id:int}/activities")
    async def log(self, request: Request, case_id: int) -> Response:
        data = await form_data(request)
        values = {k: str(data.get(k, "")) for k in (*ACTIVITY_FIELDS, "promised_on", "promise_amount")}
        try:
            await log_contact(request, case_id, values, promise_required=True)  # on the page, a promise comes with its date and amount
        except FormErrors as exc:
            return refuse(request, [str(m) for m in exc.errors.values()], f"/cases/{case_id}#timeline")
        except HTTPException as exc:  # e.g. the case was closed in another tab meanwhile
            if exc.status_code in {403, 404}:
                raise
            return refuse(request, [str(exc.detail)], f"/cases/{case_id}#timeline")
        notify(request, _("Contact logged."))
        return redirect(f"/cases/{case_id}#timeline", request)
