"""What a debtor owes at a date (pure), from the invoices, the costs and the payments: interest accrues per
invoice on the principal still unpaid; a payment first books the interest accrued since the last
booking (rounded once for that period, half-up), then pays costs, interest, compensation and
principal in that order (Código Civil art. 1173), principal oldest invoice first. A cost is owed from
the day it is booked: a payment made before a court fee was incurred never pays that fee. With no payment
in between, interest is rounded once at the end, as LEGAL.md's worked example requires.

A consumer in Spain or France is in default only from a demand (Código Civil 1100; Code civil 1231-6): their
interest runs from the day after ``demanded_on`` (the first delivered demand or the court claim), and not at all
before one; in Portugal from the due date, as for a business.

An instalment plan fixes what is owed at its signature (LEGAL.md "Paying what is owed"): unless it says interest
keeps running, no interest accrues from the day after the signature while the plan is kept, and from the first
missed instalment interest runs again (from the day after its date) on what is left. A plan paid in full leaves
nothing owed."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from cases.negotiation.rules import Payment, instalment_statuses
from legal.rules.interest import compensation as compensation_for
from legal.rules.interest import late_payment_interest_unrounded, legal_interest_unrounded
from legal.rules.jurisdictions import (
    JURISDICTIONS,
    NO_ADDED_RATES,
    AddedRates,
    half_year_start,
    legal_rate_is_provisional,
    rate_is_provisional,
)

CENT = Decimal("0.01")
ALLOCATION_ORDER = ("costs", "interest", "compensation", "principal")


@dataclass(frozen=True)
class OwedInvoice:
    number: str
    due_date: date
    principal: Decimal


@dataclass(frozen=True)
class Paid:
    received_on: date
    amount: Decimal


@dataclass(frozen=True)
class Cost:
    booked_on: date
    amount: Decimal


@dataclass(frozen=True)
class PlanTerms:
    """The instalment plan in force: signed on ``signed_on`` for the amounts then owed, in these instalments
    (number, due date, cents); ``interest_runs``: it says interest keeps running while it is kept."""
    signed_on: date
    instalments: tuple[tuple[int, date, int], ...]
    interest_runs: bool = False


def frozen_windows(plans: Sequence[PlanTerms], payments: Sequence[Paid], as_of: date) -> list[tuple[date, date | None]]:
    """The days no interest accrues, each window (after, until]: from the day after a plan's signature to the due
    date of its first instalment missed by ``as_of``, or to the next plan's signature (a plan replaced by another),
    or open (None: still kept). Plans that let interest run freeze nothing."""
    ordered = sorted(plans, key=lambda p: p.signed_on)
    windows = []
    for n, plan in enumerate(ordered):
        if plan.interest_runs:
            continue
        paid = [Payment(p.received_on, int(p.amount * 100)) for p in payments if p.received_on <= as_of]
        statuses = instalment_statuses(list(plan.instalments), paid, plan.signed_on, as_of)
        end = min((due_on for (_n, due_on, _c), status in zip(plan.instalments, statuses) if status == "missed"), default=None)
        if n + 1 < len(ordered):  # replaced by a later plan: this one froze the days until that signature
            end = min(end, ordered[n + 1].signed_on) if end else ordered[n + 1].signed_on
        if end is None or end > plan.signed_on:
            windows.append((plan.signed_on, end))
    return windows


def accrue_outside(accrue, principal: Decimal, start: date, until: date, windows: Sequence[tuple[date, date | None]], *args) -> Decimal:
    """``accrue`` over the days (start, until] that fall in no frozen window."""
    total, current = Decimal(0), start
    for after, end in windows:
        stop = until if end is None else min(end, until)
        if after >= until:
            break
        if stop <= current:
            continue
        if current < after:
            total += accrue(principal, current, after, *args)
        current = max(current, stop)
        if current >= until:
            return total
    if until > current:
        total += accrue(principal, current, until, *args)
    return total


@dataclass(frozen=True)
class Balances:
    principal: Decimal  # claimed
    interest: Decimal  # accrued to the date
    compensation: Decimal
    costs: Decimal
    paid: Decimal
    outstanding: Decimal  # what the debtor owes now
    principal_outstanding: Decimal
    overpaid: Decimal  # paid beyond everything owed (to be returned)
    costs_outstanding: Decimal = Decimal("0.00")  # of the costs, what is still owed
    provisional: bool = False  # interest uses a rate not yet published for a half-year (shown as such)
    awaiting_demand: bool = False  # a consumer owes no interest yet: no demand has reached them (CC 1100)
    interest_from: date | None = None  # a consumer's interest runs from the day after this day (the demand)


def _round(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def balances(invoices: list[OwedInvoice], payments: list[Paid], as_of: date, *, business: bool, country: str = "ES",
             costs: Sequence[Cost] = (), added: AddedRates = NO_ADDED_RATES, demanded_on: date | None = None,
             plan: PlanTerms | None = None, plans: Sequence[PlanTerms] = ()) -> Balances:
    """``added``: the statutory rates admins entered (cases.billing.balances.published_rates), over the shipped table.
    ``demanded_on``: the day a demand first reached a consumer debtor (or the court claim was filed).
    ``plans``: the case's instalment plans, each freezing interest while it was kept (``plan``: a single one)."""
    frozen = frozen_windows([*plans, *([plan] if plan else [])], payments, as_of)
    accrue = late_payment_interest_unrounded if business else legal_interest_unrounded
    from_demand = not business and JURISDICTIONS[country.upper()].consumer_interest_from_demand
    awaiting = from_demand and (demanded_on is None or demanded_on > as_of)
    costs_due = sorted((c for c in costs if c.booked_on <= as_of), key=lambda c: c.booked_on)
    costs_counted = 0  # costs_due[:costs_counted] are owed by now
    ordered = sorted(invoices, key=lambda i: (i.due_date, i.number))
    remaining = [i.principal for i in ordered]
    accrued_to = [i.due_date for i in ordered]  # interest counted up to and including this day
    if from_demand:  # a consumer: interest from the day after the demand (none before one reached them, and none on
        # an invoice that fell due after it: no demand covered that one yet)
        accrued_to = [as_of if awaiting or day > demanded_on else demanded_on for day in accrued_to]
    booked_interest = Decimal("0.00")
    owed = {"costs": Decimal("0.00"), "interest": Decimal("0.00"), "compensation": Decimal("0.00")}
    late_counted: set[int] = set()
    paid = Decimal("0.00")
    overpaid = Decimal("0.00")

    def book(until: date) -> None:
        nonlocal booked_interest, costs_counted
        period = Decimal(0)
        for n, inv in enumerate(ordered):
            if until > accrued_to[n]:  # the days of a plan kept owe nothing
                period += accrue_outside(accrue, remaining[n], accrued_to[n], until, frozen, country, added)
                accrued_to[n] = until
            if inv.due_date < until and n not in late_counted:
                late_counted.add(n)
                owed["compensation"] += compensation_for(business, 1, country)
        rounded = _round(period)
        booked_interest += rounded
        owed["interest"] += rounded
        while costs_counted < len(costs_due) and costs_due[costs_counted].booked_on <= until:
            owed["costs"] += costs_due[costs_counted].amount
            costs_counted += 1

    for payment in sorted((p for p in payments if p.received_on <= as_of), key=lambda p: p.received_on):
        book(payment.received_on)
        left = payment.amount
        paid += payment.amount
        for bucket in ALLOCATION_ORDER[:-1]:
            take = min(left, owed[bucket])
            owed[bucket] -= take
            left -= take
        for n in range(len(ordered)):
            take = min(left, remaining[n])
            remaining[n] -= take
            left -= take
        overpaid += left
    book(as_of)
    principal_outstanding = sum(remaining, Decimal("0.00"))
    return Balances(
        principal=sum((i.principal for i in ordered), Decimal("0.00")),
        interest=booked_interest,
        compensation=compensation_for(business, len(late_counted), country),
        costs=sum((c.amount for c in costs_due), Decimal("0.00")),
        paid=paid,
        outstanding=owed["costs"] + owed["interest"] + owed["compensation"] + principal_outstanding,
        principal_outstanding=principal_outstanding,
        overpaid=overpaid,
        costs_outstanding=owed["costs"],
        provisional=not awaiting and any(i.due_date < as_of for i in ordered) and (
            rate_is_provisional(country, half_year_start(as_of), added) if business else legal_rate_is_provisional(country, as_of, added)),
        awaiting_demand=awaiting,
        interest_from=demanded_on if from_demand and not awaiting else None,
    )
