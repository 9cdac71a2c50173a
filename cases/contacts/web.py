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
from cases.contacts.rules import ActivityErrors, ActivityInput, DebtRevealed, promise_fields_problem
from cases.contacts.service import log_activity, set_vulnerable
from cases.forms import amount_field, date_field
from cases.negotiation.rules import PlanError

ACTIVITY_FIELDS = ("kind", "direction", "outcome", "body", "contact", "next_action_on", "party")


class ActivityIn(msgspec.Struct):
    kind: str
    direction: str = "outbound"
    outcome: str = ""
    body: str = ""
    contact: str = ""
    next_action_on: str = ""
    party: str = "debtor"  # with whom: debtor | relative | employer | third_party (a third party is never told of the debt)
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
    except DebtRevealed as exc:  # well-formed, refused by the rule: a 422 naming the field
        errors = {k: str(v) for k, v in exc.errors.items()}
        raise HTTPException(status_code=422, detail="; ".join(f"{k}: {v}" for k, v in errors.items()), extra={"errors": errors}) from None
    except ActivityErrors as exc:
        raise FormErrors({k: str(v) for k, v in exc.errors.items()}) from None
    except PlanError as exc:
        raise FormErrors({{"amount": "promise_amount"}.get(k, k): str(v) for k, v in exc.errors.items()}) from None


class VulnerableIn(msgspec.Struct):
    vulnerable: bool
    reason: str = ""


class ActivityApi(Controller):
    path = "/api/v1/cases"
    tags = ["cases"]
    guards = [staff_only]

    @post("/{case_id:int}/activities", status_code=201,
          summary="Log a contact (call, email, WhatsApp, SMS, letter, burofax, visit) or a note; with outcome promise_to_pay,"
                  " promised_on and promise_amount record the promise with it")
    async def create(self, request: Request, case_id: int, data: ActivityIn) -> dict:
        return await log_contact(request, case_id, msgspec.structs.asdict(data))

    @post("/{case_id:int}/vulnerable", status_code=200,
          summary="Mark the case's debtor vulnerable (no automatic contact; their open cases go to a senior negotiator) or no longer,"
                  " with the reason; recorded on each of the debtor's cases")
    async def vulnerable(self, request: Request, case_id: int, data: VulnerableIn) -> dict:
        return await set_vulnerable(user_of(request), case_id, data.vulnerable, data.reason)


class ContactPages(Controller):
    guards = [staff_only]

    @post("/cases/{case_id:int}/activities")
    async def log(self, request: Request, case_id: int) -> Response:
        data = await form_data(request)
        values = {k: str(data.get(k, "")) for k in (*ACTIVITY_FIELDS, "promised_on", "promise_amount")}
        try:
            done = await log_contact(request, case_id, values, promise_required=True)  # on the page, a promise comes with its date and amount
        except FormErrors as exc:
            return refuse(request, [str(m) for m in exc.errors.values()], f"/cases/{case_id}#timeline")
        except HTTPException as exc:  # e.g. the case was closed in another tab meanwhile
            if exc.status_code in {403, 404}:
                raise
            errors = exc.extra.get("errors") if isinstance(exc.extra, dict) else None
            return refuse(request, [str(m) for m in errors.values()] if errors else [str(exc.detail)], f"/cases/{case_id}#timeline")
        notify(request, _("Contact logged."))
        for warning in done["warnings"]:
            notify(request, warning, "warning")
        return redirect(f"/cases/{case_id}#timeline", request)

    @post("/cases/{case_id:int}/vulnerable")
    async def vulnerable(self, request: Request, case_id: int) -> Response:
        data = await form_data(request)
        try:
            done = await set_vulnerable(user_of(request), case_id, str(data.get("vulnerable", "")) == "1", str(data.get("reason", "")))
        except FormErrors as exc:
            return refuse(request, [str(m) for m in exc.errors.values()], f"/cases/{case_id}#vulnerable")
        notify(request, _("The debtor is marked vulnerable: no automatic messages, and the cases go to a senior negotiator.")
               if done["vulnerable"] else _("The debtor is no longer marked vulnerable."))
        for warning in done["warnings"]:
            notify(request, str(warning), "warning")
        return redirect(f"/cases/{case_id}", request)
