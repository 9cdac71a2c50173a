"""What a case's debtor owes at a date, read from the database and computed by cases.billing.ledger. The one
place the case page, the API, promises, plans, messages and the stage guards take "owed" from."""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from types import MappingProxyType

from agency import clock
from agency.db import as_date
from cases.billing.ledger import Balances, Cost, OwedInvoice, Paid, PlanTerms, balances
from cases.money import from_cents, to_cents
from cases.tables import Case, Instalment, InterestRate, Invoice, LedgerEntry, PaymentPlan
from legal.rules.jurisdictions import AddedRates, added_series


async def published_rates() -> AddedRates:
    """The rates admins have added, to lay over the shipped table (a small table, read per computation so
    that every worker process sees a new rate at once)."""
    rows = await InterestRate.select(InterestRate.kind, InterestRate.country, InterestRate.starts_on, InterestRate.rate_bp)
    return MappingProxyType({(added_series(r["kind"], r["country"]), as_date(r["starts_on"])): Decimal(r["rate_bp"]) / 100 for r in rows})


async def plan_terms(case_id: int) -> tuple[PlanTerms, ...]:
    """The case's instalment plans for the ledger, each with its instalments: the one in force and those it replaced
    (a replaced plan froze interest until the next one was signed)."""
    plans = await PaymentPlan.select(PaymentPlan.id, PaymentPlan.created_at, PaymentPlan.interest_runs, PaymentPlan.costs_first).where(
        PaymentPlan.case == case_id).order_by(PaymentPlan.id)
    if not plans:
        return ()
    rows = await Instalment.select(Instalment.plan, Instalment.number, Instalment.due_on, Instalment.amount_cents).where(
        Instalment.plan.is_in([p["id"] for p in plans])).order_by(Instalment.number)
    return tuple(PlanTerms(clock.day_of(p["created_at"]), tuple((r["number"], as_date(r["due_on"]), r["amount_cents"]) for r in rows
                                                               if r["plan"] == p["id"]), bool(p["interest_runs"]), bool(p["costs_first"]))
                 for p in plans)


async def balance_of(case_id: int, as_of: date | None = None) -> Balances:
    added = await published_rates()
    case = await Case.select(Case.jurisdiction, Case.demanded_on, Case.debtor.kind.as_alias("debtor_kind")).where(Case.id == case_id).first()
    invoices = await Invoice.select(*INVOICE_COLUMNS).where(
        (Invoice.case == case_id) & (Invoice.disputed == False))  # noqa: E712
    entries = await LedgerEntry.select(*BALANCE_COLUMNS).where((LedgerEntry.case == case_id) & LedgerEntry.kind.is_in(["payment", "reversal", "cost"]))
    return balances_from(case["jurisdiction"], case["debtor_kind"], invoices, entries, as_of or clock.today(), added,
                         as_date(case["demanded_on"]), await plan_terms(case_id))


BALANCE_COLUMNS = (LedgerEntry.id, LedgerEntry.kind, LedgerEntry.booked_on, LedgerEntry.amount_cents, LedgerEntry.reverses,
                   LedgerEntry.method, LedgerEntry.applies_to)
INVOICE_COLUMNS = (Invoice.id, Invoice.number, Invoice.due_date, Invoice.amount_cents)


def named_invoices(applies_to: str, numbers: dict[int, str]) -> tuple[str, ...]:
    """The invoice numbers a payment names (LedgerEntry.applies_to), of those given (id -> number)."""
    return tuple(numbers[int(i)] for i in (applies_to or "").split(",") if i.strip().isdigit() and int(i) in numbers)


def balances_from(jurisdiction: str, debtor_kind: str, invoices: list[dict], entries: list[dict], day: date,
                  added: AddedRates, demanded_on: date | None = None, plans: tuple[PlanTerms, ...] = ()) -> Balances:
    """The balances from a case's rows (undisputed invoices with INVOICE_COLUMNS; its ledger entries with
    BALANCE_COLUMNS, other kinds ignored) and the rates admins added (published_rates), for callers that loaded them
    already."""
    reversed_ids = {m["reverses"] for m in entries if m["kind"] == "reversal" and m["booked_on"] <= day}
    payments = [m for m in entries if m["kind"] == "payment" and m["id"] not in reversed_ids]  # a reversal undoes its payment whole
    numbers = {i["id"]: i["number"] for i in invoices if "id" in i}
    return balances(
        [OwedInvoice(i["number"], as_date(i["due_date"]), from_cents(i["amount_cents"])) for i in invoices],
        [Paid(as_date(p["booked_on"]), from_cents(p["amount_cents"]), named_invoices(p.get("applies_to", ""), numbers), p["id"])
         for p in payments],
        day,
        business=debtor_kind == "company",  # a person is a consumer here; the self-employed are filed as companies
        country=jurisdiction,
        costs=[Cost(as_date(c["booked_on"]), from_cents(c["amount_cents"]), str(c.get("method") or "").startswith("agency:"))
               for c in entries if c["kind"] == "cost"],
        added=added,
        demanded_on=demanded_on,
        plans=plans,
    )


def principal_owed(b: Balances) -> list[tuple[date, int]]:
    """Each undisputed invoice as (due date, cents of its principal still owed), as the ledger applied the payments."""
    return [(i.due_date, to_cents(i.principal_outstanding)) for i in b.invoices]


def balance_dict(b: Balances) -> dict:
    return {"principal": b.principal, "interest": b.interest, "compensation": b.compensation, "costs": b.costs, "paid": b.paid,
            "outstanding": b.outstanding, "interest_provisional": b.provisional,
            # a consumer: no interest until a demand reaches them (Código Civil 1100)
            "interest_awaiting_demand": b.awaiting_demand}


async def agency_costs_paid(case_ids: list[int], days: list[date]) -> dict[tuple[int, date], int]:
    """Cents of the agency's own costs the debtor's payments had paid back by each of these days, per case, as each
    case's ledger applied its payments (Balances.agency_costs_paid): for the creditor's statements, which charge the
    creditor only what the agency did not get back. Give only the cases that have such costs."""
    result: dict[tuple[int, date], int] = {}
    if not case_ids:
        return result
    added = await published_rates()
    for n in range(0, len(case_ids), 500):
        chunk = case_ids[n:n + 500]
        cases = await Case.select(Case.id, Case.jurisdiction, Case.demanded_on, Case.debtor.kind.as_alias("debtor_kind")).where(
            Case.id.is_in(chunk))
        invoices = await Invoice.select(Invoice.case, *INVOICE_COLUMNS).where(Invoice.case.is_in(chunk) & (Invoice.disputed == False))  # noqa: E712
        entries = await LedgerEntry.select(LedgerEntry.case, *BALANCE_COLUMNS).where(
            LedgerEntry.case.is_in(chunk) & LedgerEntry.kind.is_in(["payment", "reversal", "cost"]))
        for case in cases:
            mine = [e for e in entries if e["case"] == case["id"]]
            owed = [i for i in invoices if i["case"] == case["id"]]
            terms = await plan_terms(case["id"])
            for day in days:
                b = balances_from(case["jurisdiction"], case["debtor_kind"], owed, mine, day, added, as_date(case["demanded_on"]), terms)
                result[(case["id"], day)] = to_cents(b.agency_costs_paid)
    return result
