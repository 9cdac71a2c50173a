"""What a case's debtor owes at a date, read from the database and computed by cases.billing.ledger. The one
place the case page, the API, promises, plans, messages and the stage guards take "owed" from."""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from types import MappingProxyType

from agency import clock
from agency.db import as_date
from cases.billing.ledger import Balances, Cost, OwedInvoice, Paid, PlanTerms, balances
from cases.money import from_cents
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
    plans = await PaymentPlan.select(PaymentPlan.id, PaymentPlan.created_at, PaymentPlan.interest_runs).where(
        PaymentPlan.case == case_id).order_by(PaymentPlan.id)
    if not plans:
        return ()
    rows = await Instalment.select(Instalment.plan, Instalment.number, Instalment.due_on, Instalment.amount_cents).where(
        Instalment.plan.is_in([p["id"] for p in plans])).order_by(Instalment.number)
    return tuple(PlanTerms(clock.day_of(p["created_at"]), tuple((r["number"], as_date(r["due_on"]), r["amount_cents"]) for r in rows
                                                               if r["plan"] == p["id"]), bool(p["interest_runs"])) for p in plans)


async def balance_of(case_id: int, as_of: date | None = None) -> Balances:
    added = await published_rates()
    case = await Case.select(Case.jurisdiction, Case.demanded_on, Case.debtor.kind.as_alias("debtor_kind")).where(Case.id == case_id).first()
    invoices = await Invoice.select(Invoice.number, Invoice.due_date, Invoice.amount_cents).where(
        (Invoice.case == case_id) & (Invoice.disputed == False))  # noqa: E712
    entries = await LedgerEntry.select(*BALANCE_COLUMNS).where((LedgerEntry.case == case_id) & LedgerEntry.kind.is_in(["payment", "reversal", "cost"]))
    return balances_from(case["jurisdiction"], case["debtor_kind"], invoices, entries, as_of or clock.today(), added,
                         as_date(case["demanded_on"]), await plan_terms(case_id))


BALANCE_COLUMNS = (LedgerEntry.id, LedgerEntry.kind, LedgerEntry.booked_on, LedgerEntry.amount_cents, LedgerEntry.reverses)


def balances_from(jurisdiction: str, debtor_kind: str, invoices: list[dict], entries: list[dict], day: date,
                  added: AddedRates, demanded_on: date | None = None, plans: tuple[PlanTerms, ...] = ()) -> Balances:
    """The balances from a case's rows (undisputed invoices; its ledger entries with BALANCE_COLUMNS,
    other kinds ignored) and the rates admins added (published_rates), for callers that loaded them already."""
    reversed_ids = {m["reverses"] for m in entries if m["kind"] == "reversal" and m["booked_on"] <= day}
    payments = [m for m in entries if m["kind"] == "payment" and m["id"] not in reversed_ids]  # a reversal undoes its payment whole
    return balances(
        [OwedInvoice(i["number"], i["due_date"], from_cents(i["amount_cents"])) for i in invoices],
        [Paid(p["booked_on"], from_cents(p["amount_cents"])) for p in payments],
        day,
        business=debtor_kind == "company",  # a person is a consumer here; the self-employed are filed as companies
        country=jurisdiction,
        costs=[Cost(c["booked_on"], from_cents(c["amount_cents"])) for c in entries if c["kind"] == "cost"],
        added=added,
        demanded_on=demanded_on,
        plans=plans,
    )


def balance_dict(b: Balances) -> dict:
    return {"principal": b.principal, "interest": b.interest, "compensation": b.compensation, "costs": b.costs, "paid": b.paid,
            "outstanding": b.outstanding, "interest_provisional": b.provisional,
            # a consumer: no interest until a demand reaches them (Código Civil 1100)
            "interest_awaiting_demand": b.awaiting_demand}
