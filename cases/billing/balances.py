"""What a case's debtor owes at a date, read from the database and computed by cases.billing.ledger. The one
place the case page, the API, promises, plans, messages and the stage guards take "owed" from."""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from functools import lru_cache
from types import MappingProxyType

from agency import clock
from agency.db import as_date, fetch_records
from cases.billing.ledger import Balances, Cost, OwedInvoice, Paid, PlanTerms, balances
from cases.money import from_cents, to_cents
from cases.tables import Invoice, LedgerEntry
from legal.rules.jurisdictions import AddedRates, added_series

# The rates admins added, kept per process with the version of the table they were read at. The table only grows (a
# rate is never edited nor deleted: cases.rates.service.add_rate, a unique period per series), so how many rows it has,
# its newest id and the sum of the rates name its content; a request that read another version reads the rows again.
RATES_VERSION = ("(SELECT COUNT(*) FROM interest_rates) AS rates_count, (SELECT MAX(id) FROM interest_rates) AS rates_newest, "
                 "(SELECT SUM(rate_bp) FROM interest_rates) AS rates_sum")
_published: list = []  # [(version, AddedRates)]: the last read


def rates_version(row) -> tuple:
    """The rates' version from a row that selected RATES_VERSION along with what it read."""
    return int(row["rates_count"] or 0), int(row["rates_newest"] or 0), int(row["rates_sum"] or 0)


async def published_rates(version: tuple | None = None) -> AddedRates:
    """The rates admins have added, to lay over the shipped table: read from the table unless ``version``
    (rates_version of a row read in this request) is the one last read by this process, so every worker sees a new rate
    at its next request that asks."""
    if version is not None and _published and _published[0][0] == version:
        return _published[0][1]
    rows = await fetch_records("SELECT id, kind, country, starts_on, rate_bp FROM interest_rates")
    added = MappingProxyType({(added_series(r["kind"], r["country"]), as_date(r["starts_on"])): Decimal(r["rate_bp"]) / 100 for r in rows})
    _published[:] = [((len(rows), max((r["id"] for r in rows), default=0), sum(r["rate_bp"] for r in rows)), added)]
    return added


PLANS_SQL = 'SELECT id, created_at, interest_runs, costs_first FROM payment_plans WHERE "case" = {} ORDER BY id'
INSTALMENTS_SQL = ('SELECT plan, number, due_on, amount_cents FROM instalments WHERE plan IN (SELECT id FROM payment_plans WHERE "case" = {}) '
                   "ORDER BY number, id")


async def plan_terms(case_id: int) -> tuple[PlanTerms, ...]:
    """The case's instalment plans for the ledger, each with its instalments: the one in force and those it replaced
    (a replaced plan froze interest until the next one was signed)."""
    plans = await fetch_records(PLANS_SQL, case_id)
    if not plans:
        return ()
    return plan_terms_from(plans, await fetch_records(INSTALMENTS_SQL, case_id))


def plan_terms_from(plans: list, instalments: list) -> tuple[PlanTerms, ...]:
    """plan_terms from rows read already: the case's plans (id, created_at, interest_runs, costs_first) in id order,
    their instalments (plan, number, due_on, amount_cents) in number order."""
    return tuple(PlanTerms(clock.day_of(p["created_at"]), tuple((r["number"], as_date(r["due_on"]), r["amount_cents"]) for r in instalments
                                                               if r["plan"] == p["id"]), bool(p["interest_runs"]), bool(p["costs_first"]))
                 for p in plans)


# The day of a case's first-instance judgment or monitorio decree (LEC 576: post-judgment interest from it), from the
# court's steps legal records (filing_steps: named here as text, as the outbox names the cases; cases never imports legal),
# for a query that reads the case as ``c``.
JUDGMENT_ON = ("(SELECT MIN(s.\"on\") FROM filing_steps s WHERE s.\"case\" = c.id AND s.step IN ('decree', 'judgment') "
               "AND c.jurisdiction = 'ES') AS judgment_on")
# What balance_of reads: the case (with the rates' version), its undisputed invoices, its ledger, then its plans.
BALANCE_CASE_SQL = ("SELECT c.id, c.jurisdiction, c.demanded_on, d.kind AS debtor_kind, " + JUDGMENT_ON + ", " + RATES_VERSION + " FROM collection_cases c "
                    "LEFT JOIN debtors d ON d.id = c.debtor WHERE c.id = {}")
BALANCE_INVOICES_SQL = 'SELECT id, number, due_date, amount_cents FROM invoices WHERE "case" = {} AND disputed = false ORDER BY id'
BALANCE_LEDGER_SQL = ('SELECT id, kind, booked_on, amount_cents, reverses, method, applies_to FROM ledger_entries WHERE "case" = {} '
                      "AND kind IN ('payment', 'reversal', 'cost') ORDER BY id")


async def balance_of(case_id: int, as_of: date | None = None, case=None) -> Balances:
    """What the case's debtor owes on ``as_of`` (today). ``case``: its row read already with BALANCE_CASE_SQL's columns
    (the caller's own query may select them, JUDGMENT_ON among them), else read here."""
    if case is None:
        case = (await fetch_records(BALANCE_CASE_SQL, case_id))[0]
    invoices = await fetch_records(BALANCE_INVOICES_SQL, case_id)
    entries = await fetch_records(BALANCE_LEDGER_SQL, case_id)
    return balances_from(case["jurisdiction"], case["debtor_kind"], invoices, entries, as_of or clock.today(),
                         await published_rates(rates_version(case)), as_date(case["demanded_on"]), await plan_terms(case_id),
                         as_date(case["judgment_on"]))


BALANCE_COLUMNS = (LedgerEntry.id, LedgerEntry.kind, LedgerEntry.booked_on, LedgerEntry.amount_cents, LedgerEntry.reverses,
                   LedgerEntry.method, LedgerEntry.applies_to)
INVOICE_COLUMNS = (Invoice.id, Invoice.number, Invoice.due_date, Invoice.amount_cents)


def named_invoices(applies_to: str, numbers: dict[int, str]) -> tuple[str, ...]:
    """The invoice numbers a payment names (LedgerEntry.applies_to), of those given (id -> number)."""
    return tuple(numbers[int(i)] for i in (applies_to or "").split(",") if i.strip().isdigit() and int(i) in numbers)


def balances_from(jurisdiction: str, debtor_kind: str, invoices: list[dict], entries: list[dict], day: date,
                  added: AddedRates, demanded_on: date | None = None, plans: tuple[PlanTerms, ...] = (),
                  judgment_on: date | None = None) -> Balances:
    """The balances from a case's rows (undisputed invoices with INVOICE_COLUMNS; its ledger entries with
    BALANCE_COLUMNS, other kinds ignored) and the rates admins added (published_rates), for callers that loaded them
    already. ``judgment_on``: the case's judgment or decree (JUDGMENT_ON), from which LEC 576 interest runs.

    Computed once per process for the same inputs: the answer is kept under the very values it is computed from (every
    field of every row it reads, the day, the rates, the plans), so a new payment, cost, invoice, plan, rate or day
    is another key and is computed afresh; the result is immutable."""
    return _balances(jurisdiction, debtor_kind,
                     tuple((i.get("id"), i["number"], as_date(i["due_date"]), i["amount_cents"]) for i in invoices),
                     tuple((m["id"], m["kind"], as_date(m["booked_on"]), m["amount_cents"], m["reverses"], m.get("method"), m.get("applies_to"))
                           for m in entries if m["kind"] in ("payment", "reversal", "cost")),
                     day, frozenset((k, str(v)) for k, v in added.items()), demanded_on, tuple(plans), judgment_on)


# A few hundred cases' figures per process (the pages and the API of the debtors being looked at now); each is a few
# dozen kilobytes at most.
BALANCES_KEPT = 512


@lru_cache(maxsize=BALANCES_KEPT)
def _balances(jurisdiction: str, debtor_kind: str, invoices: tuple, entries: tuple, day: date, added: frozenset,
              demanded_on: date | None, plans: tuple[PlanTerms, ...], judgment_on: date | None = None) -> Balances:
    reversed_ids = {reverses for _id, kind, booked_on, _c, reverses, _m, _a in entries if kind == "reversal" and booked_on <= day}
    numbers = {i[0]: i[1] for i in invoices if i[0] is not None}
    return balances(
        [OwedInvoice(number, due_date, from_cents(cents)) for _id, number, due_date, cents in invoices],
        [Paid(booked_on, from_cents(cents), named_invoices(applies_to or "", numbers), entry_id)  # a reversal undoes its payment whole
         for entry_id, kind, booked_on, cents, _r, _m, applies_to in entries if kind == "payment" and entry_id not in reversed_ids],
        day,
        business=debtor_kind == "company",  # a person is a consumer here; the self-employed are filed as companies
        country=jurisdiction,
        costs=[Cost(booked_on, from_cents(cents), str(method or "").startswith("agency:"))
               for _id, kind, booked_on, cents, _r, method, _a in entries if kind == "cost"],
        added=MappingProxyType({k: Decimal(v) for k, v in added}),
        demanded_on=demanded_on,
        plans=plans,
        judgment_on=judgment_on if jurisdiction == "ES" else None,
    )


def principal_owed(b: Balances) -> list[tuple[date, int]]:
    """Each undisputed invoice as (due date, cents of its principal still owed), as the ledger applied the payments."""
    return [(i.due_date, to_cents(i.principal_outstanding)) for i in b.invoices]


def balance_dict(b: Balances) -> dict:
    return {"principal": b.principal, "interest": b.interest, "compensation": b.compensation, "costs": b.costs, "paid": b.paid,
            "outstanding": b.outstanding, "interest_provisional": b.provisional,
            # a consumer: no interest until a demand reaches them (Código Civil 1100)
            "interest_awaiting_demand": b.awaiting_demand,
            # LEC 576: from the decree or judgment, the legal rate plus 2 points instead of the ordinary interest
            "judgment_on": b.judgment_on, "judgment_interest": b.judgment_interest if b.judgment_on else None}


def _placeholders(ids: list) -> str:
    return ", ".join(["{}"] * len(ids))


async def balance_inputs(case_ids: list[int]) -> dict[int, tuple]:
    """What balance_of reads, for many cases at once (a few queries a thousand cases): case id -> (case row, undisputed
    invoices, ledger entries, plan terms), to give balances_from (balances_of_many)."""
    out: dict[int, tuple] = {}
    for n in range(0, len(case_ids), 1000):
        chunk = case_ids[n:n + 1000]
        marks = _placeholders(chunk)
        cases = await fetch_records(BALANCE_CASE_SQL.replace("c.id = {}", f"c.id IN ({marks})"), *chunk)
        invoices = await fetch_records(f'SELECT "case", id, number, due_date, amount_cents FROM invoices WHERE "case" IN ({marks}) '
                                       "AND disputed = false ORDER BY id", *chunk)
        entries = await fetch_records(f'SELECT "case", id, kind, booked_on, amount_cents, reverses, method, applies_to, created_at FROM ledger_entries '
                                      f"WHERE \"case\" IN ({marks}) AND kind IN ('payment', 'reversal', 'cost') ORDER BY id", *chunk)
        plans = await fetch_records(f'SELECT "case", id, created_at, interest_runs, costs_first FROM payment_plans WHERE "case" IN ({marks}) '
                                    "ORDER BY id", *chunk)
        instalments = await fetch_records(f'SELECT plan, number, due_on, amount_cents FROM instalments WHERE plan IN ({_placeholders(plans)}) '
                                          "ORDER BY number, id", *[p["id"] for p in plans]) if plans else []
        grouped: dict[int, tuple[list, list, list]] = {c["id"]: ([], [], []) for c in cases}
        for rows, slot in ((invoices, 0), (entries, 1), (plans, 2)):
            for r in rows:
                grouped[r["case"]][slot].append(r)
        for c in cases:
            owed, mine, own_plans = grouped[c["id"]]
            ids = {p["id"] for p in own_plans}
            out[c["id"]] = (c, owed, mine, plan_terms_from(own_plans, [i for i in instalments if i["plan"] in ids]) if own_plans else ())
    return out


async def balances_of_many(wanted: list[tuple[int, date]]) -> dict[tuple[int, date], Balances]:
    """balance_of for many (case, day) at once, read together (balance_inputs) and computed as balance_of computes."""
    inputs = await balance_inputs(sorted({case_id for case_id, _day in wanted}))
    result: dict[tuple[int, date], Balances] = {}
    for case_id, day in wanted:
        if case_id in inputs and (case_id, day) not in result:
            case, invoices, entries, terms = inputs[case_id]
            result[(case_id, day)] = balances_from(case["jurisdiction"], case["debtor_kind"], invoices, entries, day,
                                                   await published_rates(rates_version(case)), as_date(case["demanded_on"]), terms,
                                                   as_date(case["judgment_on"]))
    return result


async def agency_costs_paid(case_ids: list[int], days: list[date]) -> dict[tuple[int, date], int]:
    """Cents of the agency's own costs the debtor's payments had paid back by each of these days, per case, as each
    case's ledger applied its payments (Balances.agency_costs_paid): for the creditor's statements, which charge the
    creditor only what the agency did not get back. Give only the cases that have such costs."""
    balances_at = await balances_of_many([(case_id, day) for case_id in case_ids for day in days])
    return {key: to_cents(b.agency_costs_paid) for key, b in balances_at.items()}
