"""The creditor's home: the decisions waiting for them, then the portfolio at a glance. Every read goes through
agency.tenancy.scoped (a creditor sees only its organisation's rows) and is an aggregate (GROUP BY stage, day or kind)
or a short list read by an index; the pure figures are cases.home.rules'.

Decisions come from sources, each a function ``(user, case_ids | None) -> [Decision]``: the bureau's authorisation is
cases' own (cases.bureau.service.waiting_authorisations); legal action proposed is legal's, handed in at start by
agency.wiring (``provide_decisions``: cases never imports legal); a question from the agency (the conversation per case)
and a proposed settlement join the same way when their features provide a source of that kind."""
from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from piccolo.query.functions.aggregate import Sum

from agency import clock
from agency.auth import CurrentUser
from agency.db import as_date, read_together
from agency.tenancy import scoped
from cases.billing.balances import agency_costs_paid
from cases.bureau.service import waiting_authorisations
from cases.home import rules
from cases.queries import claimed_by_case
from cases.tables import LedgerEntry, LedgerTotal, Remittance, RemittanceExport, StageTotal

Source = Callable[..., Awaitable[list[rules.Decision]]]
SHOWN = 50  # decisions listed on the home at most (the count says how many wait in all)

_sources: dict[str, Source] = {"bureau_authorisation": waiting_authorisations}


def provide_decisions(kind: str, source: Source) -> None:
    """A part of the house that asks the creditor to decide something adds its list here at start (agency.wiring):
    ``source(user, case_ids=None, limit=...)`` returns the decisions waiting in the caller's scope, only on
    ``case_ids`` when given. Idempotent: a kind provided again replaces its source."""
    _sources[kind] = source


async def waiting(user: CurrentUser, case_ids: list[int] | None = None, amounts: bool = True) -> list[rules.Decision]:
    """Every decision waiting for the creditor (on these cases, when given), most urgent first, each with what is at
    stake (the claim in court; else, with ``amounts``, the principal claimed, read for all of them in one query)."""
    if not user.is_creditor:
        return []  # the decisions are the creditor's to take; staff see the same cases on their own pages
    found: list[rules.Decision] = []
    for kind in sorted(_sources):
        found += await _sources[kind](user, case_ids)
    missing = [d.case_id for d in found if not d.amount_cents] if amounts else []
    claimed = await claimed_by_case(sorted(set(missing))) if missing else {}
    found = [d if d.amount_cents else dataclasses.replace(d, amount_cents=claimed.get(d.case_id, 0)) for d in found]
    return rules.by_urgency(found, clock.today())


async def waiting_by_case(user: CurrentUser, case_ids: list[int]) -> dict[int, list[rules.Decision]]:
    """The decisions waiting on a page of the case list, by case (one query per source, none per case)."""
    out: dict[int, list[rules.Decision]] = {}
    if not case_ids or not user.is_creditor:
        return out
    for d in await waiting(user, case_ids, amounts=False):  # (the list shows its own claimed amounts)
        out.setdefault(d.case_id, []).append(d)
    return out


@dataclass(frozen=True)
class Portfolio:
    today: date
    recovered: rules.Recovered
    recovered_all_cents: int
    assigned_cents: int
    rate: Decimal  # percent, one decimal
    stages: list[tuple[str, int]]
    open_cases: int
    to_remit_cents: int
    next_remittance: dict | None  # {id, amount_cents, period_end, created_on, execution_date, status}
    last_remittance: dict | None  # {id, amount_cents, paid_on}


async def portfolio(user: CurrentUser, today: date) -> Portfolio:
    """The creditor's portfolio in a few aggregate queries: cases per stage, principal assigned, payments per day since
    the chart's first month, the ledger summed by kind, the remittances waiting and the last one paid. They read
    nothing of each other and are read together (agency.db.read_together: side by side on PostgreSQL, so the page waits
    for the slowest, not for their sum; on one connection on SQLite): each is proportional to the creditor's own cases (their organisation's rows
    through the indexes by organisation and by case), never to the whole table."""
    first = rules.first_day_needed(today)
    counts, days, (sums, recovered_all), remitted = await read_together(
        scoped(StageTotal.select(StageTotal.stage, Sum(StageTotal.cases, alias="n"), Sum(StageTotal.invoiced_cents, alias="cents")),
               user, StageTotal.organisation).group_by(StageTotal.stage),
        scoped(LedgerTotal.select(LedgerTotal.booked_on, Sum(LedgerTotal.cents, alias="cents")).where(
            LedgerTotal.kind.is_in(["payment", "reversal"]) & (LedgerTotal.booked_on >= first) & (LedgerTotal.booked_on <= today)),
            user, LedgerTotal.organisation).group_by(LedgerTotal.booked_on),
        ledger_sums(user, today),
        remittances(user),
    )
    by_stage = {r["stage"]: int(r["n"] or 0) for r in counts if int(r["n"] or 0)}
    assigned = {"cents": sum(int(r["cents"] or 0) for r in counts)}
    recovered = rules.recovered([(as_date(r["booked_on"]), int(r["cents"] or 0)) for r in days], today)
    assigned_cents = int((assigned or {}).get("cents") or 0)
    return Portfolio(
        today=today, recovered=recovered, recovered_all_cents=recovered_all, assigned_cents=assigned_cents,
        rate=rules.recovery_rate(recovered_all, assigned_cents), stages=rules.by_stage(by_stage),
        open_cases=sum(n for s, n in by_stage.items() if s != "closed"), to_remit_cents=max(rules.to_remit(sums), 0), **remitted)


async def ledger_sums(user: CurrentUser, today: date) -> tuple[rules.LedgerSums, int]:
    """The creditor's ledger summed by kind and method (one GROUP BY), the reversals of payments made to the creditor
    directly (rare: read by their ids), and the agency's own costs paid back on the few cases that have them.
    Returns the sums and everything recovered (payments net of reversals, whoever received them)."""
    rows = await scoped(LedgerTotal.select(LedgerTotal.kind, LedgerTotal.method, Sum(LedgerTotal.cents, alias="cents")).where(
        LedgerTotal.kind.is_in(["payment", "reversal", "fee", "expense", "remittance", "cost"])), user, LedgerTotal.organisation).group_by(
        LedgerTotal.kind, LedgerTotal.method)
    by: dict[str, int] = {}
    direct = 0
    agency_costs = False
    for r in rows:
        cents = int(r["cents"] or 0)
        if r["kind"] == "cost":
            agency_costs = agency_costs or str(r["method"] or "").startswith("agency:")
            continue
        by[r["kind"]] = by.get(r["kind"], 0) + cents
        if r["kind"] == "payment" and r["method"] == "to_creditor":
            direct += cents
    reversed_direct = 0
    if by.get("reversal") and direct:  # (only a payment made to the creditor directly can have had such a reversal)
        reversals = await scoped(LedgerEntry.select(LedgerEntry.reverses, LedgerEntry.amount_cents).where(LedgerEntry.kind == "reversal"),
                                 user, LedgerEntry.case.organisation)
        ids = [r["reverses"] for r in reversals if r["reverses"]]
        direct_ids = {r["id"] for r in await LedgerEntry.select(LedgerEntry.id).where(
            LedgerEntry.id.is_in(ids) & (LedgerEntry.method == "to_creditor"))} if ids else set()
        reversed_direct = sum(r["amount_cents"] for r in reversals if r["reverses"] in direct_ids)
    costly = [r["case"] for r in await scoped(LedgerEntry.select(LedgerEntry.case).where(
        (LedgerEntry.kind == "cost") & LedgerEntry.method.like("agency:%")), user, LedgerEntry.case.organisation).distinct()] if agency_costs else []
    costs_back = sum((await agency_costs_paid(costly, [today])).values()) if costly else 0
    recovered_all = by.get("payment", 0) + by.get("reversal", 0)
    sums = rules.LedgerSums(collected=recovered_all - direct - reversed_direct, fees=by.get("fee", 0), expenses=by.get("expense", 0),
                            remitted=by.get("remittance", 0), agency_costs_paid=costs_back)
    return sums, recovered_all


async def remittances(user: CurrentUser) -> dict:
    """The next remittance (the oldest one made and not yet paid, with the day its transfer file asks the bank to pay
    it, once there is one) and the last one paid."""
    pending = await scoped(Remittance.select(Remittance.id, Remittance.amount_cents, Remittance.period_end, Remittance.created_at).where(
        Remittance.status == "pending"), user, Remittance.organisation).order_by(Remittance.id).first()
    nxt = None
    if pending:
        export = await RemittanceExport.select(RemittanceExport.execution_date).where(RemittanceExport.remittance == pending["id"]).order_by(
            RemittanceExport.id, ascending=False).first()
        nxt = {"id": pending["id"], "amount_cents": pending["amount_cents"], "period_end": as_date(pending["period_end"]),
               "created_on": clock.day_of(pending["created_at"]), "execution_date": as_date(export["execution_date"]) if export else None}
    paid = await scoped(Remittance.select(Remittance.id, Remittance.amount_cents, Remittance.paid_at).where(
        (Remittance.status == "paid") & Remittance.paid_at.is_not_null()), user, Remittance.organisation).order_by(
        Remittance.paid_at, ascending=False).first()
    last = {"id": paid["id"], "amount_cents": paid["amount_cents"], "paid_on": clock.day_of(paid["paid_at"])} if paid else None
    return {"next_remittance": nxt, "last_remittance": last}
