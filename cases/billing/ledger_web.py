"""GET /api/v1/cases/{id}/ledger: the ledger's entries and the balances at a date (contract in DESIGN.md)."""
from __future__ import annotations

from datetime import date

import msgspec
from litestar import Controller, Request, Response
from litestar.exceptions import ClientException
from litestar.params import HeaderParameter
from typing_extensions import Annotated

from agency import clock
from agency.auth import roles, staff_only
from agency.i18n import gettext as _
from agency.roles import Role
from agency.routing import get, post
from agency.tenancy import get_visible
from agency.web import user_of
from cases.billing.balances import balance_of
from cases.billing.fees import creditor_figures
from cases.billing.ledger import Allocation
from cases.billing.service import book_expense
from cases.forms import amount_field, date_field
from cases.money import from_cents, to_cents
from cases.payments.service import record_payment, reverse_payment
from cases.tables import Case, Invoice, LedgerEntry


class LedgerApi(Controller):
    path = "/api/v1/cases/{case_id:int}/ledger"
    tags = ["cases"]
    guards = [roles(*Role)]

    @get("/", summary="Entries and balances, with interest and compensation accrued to as_of (default today)")
    async def ledger(self, request: Request, case_id: int, as_of: date | None = None) -> dict:
        user = user_of(request)
        case = await get_visible(Case.select(Case.id, Case.stage, Case.jurisdiction, Case.debtor.kind.as_alias("debtor_kind")).where(
            Case.id == case_id), user, Case.organisation)
        day = as_of or clock.today()
        if day > clock.today():
            raise ClientException(detail=_("as_of cannot be in the future."))
        invoices = await Invoice.select().where((Invoice.case == case_id) & (Invoice.disputed == False)).order_by(Invoice.due_date)  # noqa: E712
        entries = await LedgerEntry.select().where(LedgerEntry.case == case_id).order_by(LedgerEntry.booked_on).order_by(LedgerEntry.id)
        try:
            b = await balance_of(case_id, day)
        except LookupError as exc:
            raise ClientException(detail=str(exc)) from None
        booked = [e for e in entries if e["booked_on"] <= day]
        agency = creditor_figures(booked, to_cents(b.agency_costs_paid))
        applied = {a.ref: a for a in b.allocations}
        lines = [{"kind": "principal", "on": i["due_date"].isoformat(), "amount": str(from_cents(i["amount_cents"])), "invoice": i["number"]}
                 for i in invoices]
        lines += [{"id": e["id"], "kind": e["kind"], "on": e["booked_on"].isoformat(), "amount": str(from_cents(e["amount_cents"])),
                   "method": e["method"], "reference": e["reference"], "reverses": e["reverses"],
                   **({"applied": applied_out(applied[e["id"]])} if e["id"] in applied else {})} for e in booked]
        return {
            "as_of": day.isoformat(),
            # the law's order (Código Civil 1173-1174); a payment's own "applied" says what it paid (the invoices the
            # debtor named first, the costs first where the debtor agreed); after a decree or judgment its LEC 576 interest first
            "allocation_order": (["judgment_interest"] if b.judgment_on else []) + ["interest", "compensation", "principal", "costs"],
            "invoices": [{"number": i.number, "principal_outstanding": str(i.principal_outstanding),
                          "interest_outstanding": str(i.interest_outstanding), "compensation_outstanding": str(i.compensation_outstanding),
                          "judgment_interest_outstanding": str(i.judgment_interest_outstanding),
                          "outstanding": str(i.outstanding)} for i in b.invoices],
            "entries": lines,
            "balances": {
                "principal": str(b.principal), "interest": str(b.interest), "compensation": str(b.compensation), "costs": str(b.costs),
                "paid": str(b.paid), "outstanding": str(b.outstanding), "overpaid": str(b.overpaid),
                "fees": str(from_cents(agency["fees"])), "expenses_to_creditor": str(from_cents(agency["expenses"])),
                "collected_by_agency": str(from_cents(agency["collected"])),
                "paid_to_creditor": str(from_cents(agency["paid_to_creditor"])), "remitted": str(from_cents(agency["remitted"])),
                "net_to_creditor": str(from_cents(agency["net_to_creditor"])),
                # LEC 576: from the decree or judgment (judgment_on) the legal rate plus 2 points; "interest" stops there
                "judgment_interest": str(b.judgment_interest),
            },
            "judgment_on": b.judgment_on.isoformat() if b.judgment_on else None,
            "interest_provisional": b.provisional,
        }


def applied_out(a: Allocation) -> dict:
    return {"basis": a.basis, "costs_first": a.costs_first, "invoices_named": list(a.named),
            "parts": [{"to": what, "invoice": invoice or None, "amount": str(amount)} for what, invoice, amount in a.parts]}


class ReversalIn(msgspec.Struct):
    reason: str


class ReversalApi(Controller):
    path = "/api/v1/cases/{case_id:int}/payments/{payment_id:int}/reversal"
    tags = ["cases"]
    guards = [staff_only]

    @post("/", status_code=201, summary="Reverse a payment that bounced or was recorded by mistake (new entries undo it and its fee)")
    async def reverse(self, request: Request, case_id: int, payment_id: int, data: ReversalIn) -> dict:
        entry_id = await reverse_payment(user_of(request), case_id, payment_id, data.reason, clock.today())
        return {"id": entry_id}


class ExpenseIn(msgspec.Struct):
    kind: str
    amount: str
    spent_on: str
    description: str = ""
    recoverable: bool = True


class DirectPaymentIn(msgspec.Struct):
    amount: str
    received_on: str
    reference: str = ""


class MoneyMovesApi(Controller):
    path = "/api/v1/cases/{case_id:int}"
    tags = ["cases"]

    @post("/expenses", status_code=201, guards=[staff_only],
          summary="Book an expense: recoverable from the debtor (a cost), and charged to the creditor when the tariff passes it on "
                  "(send an Idempotency-Key header)")
    async def expense(self, request: Request, case_id: int, data: ExpenseIn,
                      idempotency_key: Annotated[str | None, HeaderParameter(name="Idempotency-Key")] = None) -> Response:
        ids, created = await book_expense(user_of(request), case_id, data.kind, amount_field(data.amount), date_field(data.spent_on, "spent_on"),
                                          data.description, data.recoverable, clock.today(), idempotency_key)
        return Response({"entries": ids, "created": created}, status_code=201 if created else 200)

    @post("/direct-payments", status_code=201, guards=[roles(Role.creditor)],
          summary="A creditor reports a payment the debtor made to them directly (send an Idempotency-Key header)")
    async def direct_payment(self, request: Request, case_id: int, data: DirectPaymentIn,
                             idempotency_key: Annotated[str | None, HeaderParameter(name="Idempotency-Key")] = None) -> Response:
        entry_id, created = await record_payment(user_of(request), case_id, amount_field(data.amount), date_field(data.received_on, "received_on"),
                                                 "to_creditor", data.reference, idempotency_key, clock.today())
        return Response({"id": entry_id, "created": created}, status_code=201 if created else 200)
