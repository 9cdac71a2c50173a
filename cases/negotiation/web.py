"""The negotiator's routes: the queue, take next, assign, classify, promises, plans, payments."""
from __future__ import annotations

import time
from datetime import datetime
from decimal import Decimal
from functools import lru_cache

import msgspec
from litestar import Controller, MediaType, Request, Response
from litestar.openapi import ResponseSpec
from litestar.params import HeaderParameter
from litestar.response import Template
from markupsafe import Markup
from typing_extensions import Annotated

from agency import clock
from agency.accounts import FormErrors
from agency.auth import admin_only, roles, staff_only
from agency.db import fetch_records
from agency.http_utils import parse_id
from agency.i18n import get_language
from agency.i18n import gettext as _
from agency.roles import Role
from agency.routing import get, post
from agency.tables import Organisation
from agency.templating import environment
from agency.web import form_data, notify, page_around, redirect, user_of
from cases.billing.service import book_expense
from cases.forms import amount_field, case_action, date_field
from cases.money import from_cents
from cases.negotiation import service as negotiation
from cases.negotiation.queue import CLASSIFICATIONS, QUEUE_STAGES, REASONS
from cases.negotiation.rules import PlanError
from cases.payments.service import record_payment, reverse_payment
from cases.queries import case_detail
from cases.schemas import case_out

negotiators = roles(Role.negotiator, Role.admin)
QUEUE_PAGE = 50


def _plan_errors(exc: PlanError) -> FormErrors:
    return FormErrors({k: str(v) for k, v in exc.errors.items()})


@lru_cache(maxsize=4096)
def _reason_texts(language: str, codes: str) -> tuple[str, ...]:
    """The reasons a case is where it is, in the reader's language (a few dozen combinations recur on every row)."""
    return tuple(str(REASONS[c]) for c in codes.split(",") if c in REASONS)


def queue_query(user, stage: str | None, organisation_id: int | None, classification: str | None) -> tuple[str, list]:
    """The queue's one query for the whole page, what each case owes included: its text with "{}" placeholders
    (as ``agency.db.fetch_records`` takes it) and its arguments. tests/bench/test_queue_speed.py runs this very
    text raw as its baseline."""
    # The stages are written into the SQL rather than passed as parameters: they come from QUEUE_STAGES
    # alone, and with them in the text PostgreSQL plans the query once per connection (the partial index
    # collection_cases_queue_order matches them) instead of again on every call, which took half its CPU.
    stages = [s for s in QUEUE_STAGES if s == stage] or list(QUEUE_STAGES)
    sql = [
        "SELECT c.id, c.reference, c.stage, c.priority, c.priority_reasons, c.next_action_at, c.negotiator, c.currency,",
        " d.name AS debtor_name, d.vulnerable AS debtor_vulnerable, o.legal_name AS creditor_name,",
        " CAST(COALESCE((SELECT SUM(i.amount_cents) FROM invoices i WHERE i.\"case\" = c.id AND i.disputed = false), 0)",
        " - COALESCE((SELECT SUM(l.amount_cents) FROM ledger_entries l WHERE l.\"case\" = c.id AND l.kind IN ('payment', 'reversal')), 0)",
        " AS BIGINT) AS outstanding_cents",  # an integer, not PostgreSQL's numeric SUM: cheaper to read, the same cents
        " FROM collection_cases c JOIN debtors d ON d.id = c.debtor JOIN organisations o ON o.id = c.organisation",
        " WHERE c.stage IN (" + ", ".join(f"'{s}'" for s in stages) + ") AND c.held_at IS NULL",  # a case on hold waits outside the queue
    ]
    args: list = []
    if user.role == Role.negotiator:
        sql.append(" AND (c.negotiator IS NULL OR c.negotiator = {})")
        args.append(user.id)
        if negotiation.LAWYERS_ONLY:  # Portugal (Lei 49/2004): a lawyer negotiates these; constants, written into the SQL
            sql.append(" AND c.jurisdiction NOT IN (" + ", ".join(f"'{c}'" for c in negotiation.LAWYERS_ONLY) + ")")
    if organisation_id:
        sql.append(" AND c.organisation = {}")
        args.append(organisation_id)
    if classification in CLASSIFICATIONS:
        sql.append(" AND d.classification = {}")
        args.append(classification)
    sql.append(f" ORDER BY c.priority DESC, c.id LIMIT {QUEUE_PAGE}")
    return "".join(sql), args


async def queue_rows(user, stage: str | None, organisation_id: int | None, classification: str | None) -> list:
    """The queue's rows as the driver returns them: the queue is opened all day long, and the page and the API
    each take what they show straight from them (tests/bench/test_queue_speed.py measures both against the same
    SQL run raw)."""
    sql, args = queue_query(user, stage, organisation_id, classification)
    # Read at hand (agency.db.fetch_records' short) when the page is the first 50 of the queue's partial index, or of a stage
    # in it: a filter on the debtor's classification or a creditor may walk far along the index before it has 50.
    return await fetch_records(sql, *args, short=classification is None and organisation_id is None)


def _values(rows: list) -> list:
    """Queue rows as cache keys: asyncpg's Records are keys already (immutable, hashed and compared by their
    values, read by column name, and cheaper to hash than tuples built from them); SQLite's rows come as
    dicts, kept as their items. _row(key) reads either by name."""
    return [tuple(row.items()) for row in rows] if rows and isinstance(rows[0], dict) else rows


def _row(key):
    return dict(key) if isinstance(key, tuple) else key


def _as_datetime(value):
    """SQLite hands back text for a timestamp read through a join at times."""
    return datetime.fromisoformat(value) if isinstance(value, str) else value


@lru_cache(maxsize=20_000)
def _row_html(language: str, mine: bool, key) -> Markup:
    q = _row(key)
    codes = q["priority_reasons"] or ""
    r = {"id": q["id"], "reference": q["reference"], "stage": q["stage"], "priority": q["priority"], "priority_reasons": codes,
         "next_action_at": _as_datetime(q["next_action_at"]), "currency": q["currency"], "debtor_name": q["debtor_name"],
         "vulnerable": bool(q["debtor_vulnerable"]), "creditor_name": q["creditor_name"], "outstanding": from_cents(q["outstanding_cents"] or 0),
         "reasons_text": ", ".join(_reason_texts(language, codes))}
    return Markup(environment().get_template("cases/negotiation/_queue_row.html").render(r=r, mine=mine))


def queue_rows_html(rows: list, user_id: int) -> Markup:
    """The queue's rows as HTML, each rendered once per content and language (cases/negotiation/_queue_row.html): the
    same top rows are shown all day long, so most pages are made of rows already written."""
    language = get_language()
    # Each row is Markup already: joined as plain text (Markup.join would escape-check every row again).
    return Markup("".join([_row_html(language, r["negotiator"] == user_id, key) for r, key in zip(rows, _values(rows))]))


@lru_cache(maxsize=512)
def _filters_html(language: str, stage: str, organisation_id: str, classification: str, creditors_read_at: float) -> Markup:
    return Markup(environment().get_template("cases/negotiation/_queue_filters.html").render(
        stages=QUEUE_STAGES, classifications=CLASSIFICATIONS, organisations=_creditors["rows"], stage=stage,
        organisation_id=organisation_id, classification=classification))


async def queue_filters(stage: str, organisation_id: str, classification: str) -> Markup:
    """The filter form, rendered once per language, choice and reading of the creditor list."""
    await creditor_options()
    return _filters_html(get_language(), stage, organisation_id, classification, _creditors["at"])


_creditors: dict = {"at": 0.0, "rows": []}


async def creditor_options() -> list[tuple[str, str]]:
    """The creditor filter's choices, read at most once a minute per process (the queue page shows them
    on every load; a new creditor appears within the minute)."""

    if time.monotonic() - _creditors["at"] > 60:
        rows = await Organisation.select(Organisation.id, Organisation.legal_name).order_by(Organisation.legal_name)
        _creditors.update(at=time.monotonic(), rows=[(str(r["id"]), r["legal_name"]) for r in rows])
    return _creditors["rows"]


class QueueItem(msgspec.Struct):
    id: int
    reference: str
    stage: str
    priority: int
    reasons: list[str]
    debtor: str
    creditor: str
    outstanding: Decimal
    assigned_to_me: bool


_encode = msgspec.json.Encoder().encode


@lru_cache(maxsize=20_000)
def _item_json(language: str, mine: bool, key) -> bytes:
    """A queue item as JSON, written once per content and language, as the page's rows are (_row_html)."""
    q = _row(key)
    return _encode(QueueItem(id=q["id"], reference=q["reference"], stage=q["stage"], priority=q["priority"],
                             reasons=list(_reason_texts(language, q["priority_reasons"] or "")), debtor=q["debtor_name"],
                             creditor=q["creditor_name"], outstanding=from_cents(q["outstanding_cents"] or 0), assigned_to_me=mine))


class QueueApi(Controller):
    path = "/api/v1/queue"
    tags = ["queue"]
    guards = [negotiators]

    @get("/", summary="The caller's queue: their cases and unassigned ones, highest score first, with the reasons")
    async def list(self, request: Request, stage: str | None = None) -> Response[list[QueueItem]]:
        user = user_of(request)
        language = get_language()
        rows = await queue_rows(user, stage, None, None)
        me = user.id
        items = [_item_json(language, r["negotiator"] == me, key) for r, key in zip(rows, _values(rows))]
        return Response(content=b"[" + b",".join(items) + b"]", media_type=MediaType.JSON)

    @post("/claim", status_code=200, responses={204: ResponseSpec(None, description="Nothing is due: no case was taken")},
          summary="Take the next case: assigned to the caller, or 204 when nothing is due")
    async def claim(self, request: Request) -> Response:
        user = user_of(request)
        taken = await negotiation.take_next(user)
        if taken is None:
            return Response(content=None, status_code=204)
        detail = await case_detail(user, taken.case_id)
        return Response(case_out(detail["case"], detail), status_code=200)


class PromiseIn(msgspec.Struct):
    promised_on: str
    amount: str


class PlanIn(msgspec.Struct):
    instalments: int
    first_due_on: str
    frequency: str = "monthly"
    interest_runs: bool = False  # interest keeps running while the plan is kept (by default the plan fixes the amount)
    costs_first: bool = False  # the debtor agrees that payments pay the agency's costs first (by law they come after principal)


class PaymentIn(msgspec.Struct):
    amount: str
    received_on: str
    method: str = "transfer"
    reference: str = ""
    invoices: list[str] = []  # the invoice numbers the debtor said it is for (Código Civil art. 1172)


class NegotiationApi(Controller):
    path = "/api/v1/cases/{case_id:int}"
    tags = ["cases"]
    guards = [staff_only]

    @post("/promises", status_code=201, summary="Record a promise to pay")
    async def promise(self, request: Request, case_id: int, data: PromiseIn) -> dict:
        try:
            pid = await negotiation.add_promise(user_of(request), case_id, date_field(data.promised_on, "promised_on"), amount_field(data.amount),
                                                clock.today())
        except PlanError as exc:
            raise _plan_errors(exc) from None
        return {"id": pid}

    @post("/plans", status_code=201, summary="Agree an instalment plan over what is owed (the cents add up)")
    async def plan(self, request: Request, case_id: int, data: PlanIn) -> dict:
        try:
            plan_id = await negotiation.add_plan(user_of(request), case_id, data.instalments, data.frequency,
                                                 date_field(data.first_due_on, "first_due_on"), clock.today(), data.interest_runs,
                                                 data.costs_first)
        except PlanError as exc:
            raise _plan_errors(exc) from None
        c = await negotiation.case_commitments(case_id)
        return {"id": plan_id, "instalments": [{"number": i["number"], "due_on": i["due_on"].isoformat(),
                                                 "amount": str(from_cents(i["amount_cents"]))} for i in c["instalments"]]}

    @post("/payments", status_code=201, summary="Record a payment received (send an Idempotency-Key header)")
    async def payment(self, request: Request, case_id: int, data: PaymentIn,
                      idempotency_key: Annotated[str | None, HeaderParameter(name="Idempotency-Key")] = None) -> Response:
        entry_id, created = await record_payment(
            user_of(request), case_id, amount_field(data.amount), date_field(data.received_on, "received_on"), data.method, data.reference,
            idempotency_key, clock.today(), data.invoices)
        return Response({"id": entry_id, "created": created}, status_code=201 if created else 200)


class QueuePages(Controller):
    guards = [negotiators]

    @get("/queue")
    async def queue(self, request: Request, stage: str | None = None, organisation_id: str | None = None,
                    classification: str | None = None) -> Template:
        user = user_of(request)
        creditor = parse_id(organisation_id)  # a hand-edited ?organisation_id=abc is no filter, not a 400 in the framework's words
        rows = await queue_rows(user, stage, creditor, classification)
        return page_around(request, "cases/negotiation/queue.html", fragment="cases/negotiation/_queue_table.html", slot="rows_html",
                           slot_html=queue_rows_html(rows, user.id), filtered=bool(stage or creditor or classification),
                           filters_html=await queue_filters(stage or "", str(creditor or ""), classification or ""))

    @post("/queue/take")
    async def take(self, request: Request) -> Response:
        taken = await negotiation.take_next(user_of(request))
        if taken is None:
            notify(request, _("Nothing is due in the queue right now."), "info")
            return redirect("/queue", request)
        if taken.already_theirs:
            notify(request, _("This case of yours is the most urgent in the queue: its next action is due."), "info")
        return redirect(f"/cases/{taken.case_id}", request)


class CaseActionPages(Controller):
    path = "/cases/{case_id:int}"
    guards = [staff_only]

    async def _do(self, request: Request, case_id: int, action, done: str) -> Response:
        return await case_action(request, case_id, action, done)

    @post("/classify")
    async def classify(self, request: Request, case_id: int) -> Response:
        data = await form_data(request)
        return await self._do(request, case_id, lambda: negotiation.classify(user_of(request), case_id, data.get("classification", "")),
                              _("Classification saved."))

    @post("/promises")
    async def promise(self, request: Request, case_id: int) -> Response:
        data = await form_data(request)

        async def act():
            await negotiation.add_promise(user_of(request), case_id, date_field(data.get("promised_on"), "promised_on"),
                                          amount_field(data.get("amount")), clock.today())
        return await self._do(request, case_id, act, _("Promise recorded."))

    @post("/plans")
    async def plan(self, request: Request, case_id: int) -> Response:
        data = await form_data(request)

        async def act():
            count = parse_id(data.get("instalments", ""))
            if count is None:
                raise FormErrors({"instalments": _("Between 1 and %(n)s instalments.") % {"n": 60}})
            await negotiation.add_plan(user_of(request), case_id, count, data.get("frequency", "monthly"),
                                       date_field(data.get("first_due_on"), "first_due_on"), clock.today(), data.get("interest_runs") == "on",
                                       data.get("costs_first") == "on")
        return await self._do(request, case_id, act, _("Instalment plan agreed."))

    @post("/payments")
    async def payment(self, request: Request, case_id: int) -> Response:
        data = await form_data(request)
        named = [str(v) for v in (await request.form()).getall("invoices", [])]  # the invoices it is for (CC 1172), if the debtor said

        async def act():
            await record_payment(user_of(request), case_id, amount_field(data.get("amount")),
                                             date_field(data.get("received_on"), "received_on"), data.get("method", "transfer"),
                                             data.get("reference", ""), data.get("idempotency_key"), clock.today(),
                                             named)
        return await self._do(request, case_id, act, _("Payment recorded."))

    @post("/expenses")
    async def expense(self, request: Request, case_id: int) -> Response:
        data = await form_data(request)

        async def act():
            _ids, created = await book_expense(user_of(request), case_id, str(data.get("kind", "")), amount_field(data.get("amount")),
                                               date_field(data.get("spent_on"), "spent_on"), str(data.get("description", "")),
                                               bool(data.get("recoverable")), clock.today(), data.get("idempotency_key"))
            if not created:
                raise FormErrors({"idempotency_key": _("This expense was already booked (the form was sent twice): nothing more was booked.")})
        return await self._do(request, case_id, act, _("Expense booked."))

    @post("/payments/{payment_id:int}/reversal")
    async def reverse(self, request: Request, case_id: int, payment_id: int) -> Response:
        data = await form_data(request)

        async def act():
            await reverse_payment(user_of(request), case_id, payment_id, str(data.get("reason", "")), clock.today())
        return await self._do(request, case_id, act, _("Payment reversed: what it paid is owed again."))

    @post("/assign", guards=[admin_only])
    async def assign(self, request: Request, case_id: int) -> Response:
        data = await form_data(request)
        negotiator_id = parse_id(data.get("negotiator_id", ""))
        return await self._do(request, case_id, lambda: negotiation.assign(user_of(request), case_id, negotiator_id),
                              _("Assignment saved."))


