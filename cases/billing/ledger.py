"""What a debtor owes at a date (pure), from the invoices, the costs and the payments.

Interest accrues per invoice on its principal still unpaid, in slices split where the rate changes
(legal.rules.interest); a payment first books each invoice's interest accrued since the last booking (summed
unrounded and rounded once per invoice, half-up, as LEGAL.md's rule says), then is applied (LEGAL.md "Paying what
is owed"):

1. to the invoices the debtor named (Código Civil art. 1172), if any;
2. the agency's costs, where the debtor agreed they come first (a signed plan that says so);
3. by law: interest before principal (art. 1173), and among the invoices the most onerous to the debtor first
   (art. 1174) — those due and accruing interest, then those due and not accruing (a consumer's invoice no demand
   covered yet), then those not yet due — **pro rata** among invoices of the same rank (within one case every
   accruing invoice bears the same rate, so they share a payment in proportion to what each owes); in each rank
   interest, then the 40 EUR compensation, then principal;
4. the costs (oldest first), after principal unless agreed otherwise;
5. what is left is overpaid, to be returned.

Every payment's application is kept (``Balances.allocations``): the ledger page and the creditor's statement print
it. A cost is owed from the day it is booked: a payment made before a court fee was incurred never pays that fee.

A consumer in Spain or France is in default only from a demand (Código Civil 1100; Code civil 1231-6): their
interest runs from the day after ``demanded_on`` (the first delivered demand or the court claim), and not at all
before one; in Portugal from the due date, as for a business.

An instalment plan fixes what is owed at its signature: unless it says interest keeps running, no interest accrues
from the day after the signature while the plan is kept, and from the first missed instalment interest runs again
(from the day after its date) on what is left. A plan paid in full leaves nothing owed.

From a Spanish first-instance judgment or monitorio decree (``judgment_on``: LEC 576, 816.2) the ordinary interest
stops: what the decree orders paid (each invoice's principal, interest and compensation still owed at the end of its
day; Código Civil 1109 lets the interest claimed in court bear interest) bears the post-judgment interest instead, the
legal rate plus 2 points per year (legal.rules.interest.post_judgment_slices), until paid. A payment pays that interest
first (art. 1173), then the rest as before. LEC 576.1 keeps a rate the parties agreed or a special law gives instead: a
contract's rate is not known here, and Ley 3/2004's late-payment rate between businesses is read as not such a
special rule once a judgment is given (LEGAL.md: legal rate plus 2 points)."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from cases.negotiation.rules import Payment, instalment_statuses
from legal.rules.allocation import PARTS_IN_ORDER, RANKS, onerous_rank, pro_rata
from legal.rules.interest import Slice, interest_slices, post_judgment_slices
from legal.rules.interest import compensation as compensation_for
from legal.rules.jurisdictions import (
    JURISDICTIONS,
    NO_ADDED_RATES,
    AddedRates,
    half_year_start,
    legal_rate_is_provisional,
    rate_is_provisional,
)

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
# How a payment was applied (Allocation.basis): the invoices the debtor named (CC 1172), or the law's order (1173-1174);
# "costs first" is added where the debtor agreed to it.
BASES = ("named", "law")


@dataclass(frozen=True)
class OwedInvoice:
    number: str
    due_date: date
    principal: Decimal


@dataclass(frozen=True)
class Paid:
    """A payment; ``invoices``: the invoice numbers the debtor said it is for (Código Civil art. 1172); ``ref``: the
    caller's id for it (the ledger entry), given back on its Allocation."""
    received_on: date
    amount: Decimal
    invoices: tuple[str, ...] = ()
    ref: int = 0


@dataclass(frozen=True)
class Cost:
    """A cost owed from ``booked_on``; ``agency``: the agency advanced it and gets it back from what the debtor pays."""
    booked_on: date
    amount: Decimal
    agency: bool = False


@dataclass(frozen=True)
class PlanTerms:
    """The instalment plan in force: signed on ``signed_on`` for the amounts then owed, in these instalments
    (number, due date, cents); ``interest_runs``: it says interest keeps running while it is kept; ``costs_first``:
    the debtor agreed that payments from its signature pay the agency's costs first."""
    signed_on: date
    instalments: tuple[tuple[int, date, int], ...]
    interest_runs: bool = False
    costs_first: bool = False


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


def slices_outside(slicer, principal: Decimal, start: date, until: date, windows: Sequence[tuple[date, date | None]]) -> list[Slice]:
    """``slicer(principal, after, until)``'s slices over the days (start, until] that fall in no frozen window."""
    slices: list[Slice] = []
    current = start
    for after, end in windows:
        stop = until if end is None else min(end, until)
        if after >= until:
            break
        if stop <= current:
            continue
        if current < after:
            slices += slicer(principal, current, after)
        current = max(current, stop)
        if current >= until:
            return slices
    if until > current:
        slices += slicer(principal, current, until)
    return slices


@dataclass(frozen=True)
class InvoiceBalance:
    """One invoice at the date: its principal and what is left of it, its interest (with the slices it accrued in,
    for the per-invoice breakdown) and compensation, and what is left of them."""
    number: str
    due_date: date
    principal: Decimal
    principal_outstanding: Decimal
    interest: Decimal
    interest_outstanding: Decimal
    compensation: Decimal
    compensation_outstanding: Decimal
    slices: tuple[Slice, ...] = ()
    judgment_interest: Decimal = ZERO  # LEC 576, from the decree or judgment
    judgment_interest_outstanding: Decimal = ZERO
    judgment_slices: tuple[Slice, ...] = ()

    @property
    def outstanding(self) -> Decimal:
        return self.principal_outstanding + self.interest_outstanding + self.compensation_outstanding + self.judgment_interest_outstanding


@dataclass(frozen=True)
class Allocation:
    """How one payment was applied: ``basis`` one of BASES, ``costs_first`` where the debtor agreed to it, and
    ``parts``: (what, invoice number or "" for costs and the excess, amount), in the order applied; what is one of
    "costs", "judgment_interest", "interest", "compensation", "principal", "overpaid"."""
    ref: int
    received_on: date
    amount: Decimal
    basis: str
    costs_first: bool
    named: tuple[str, ...]
    parts: tuple[tuple[str, str, Decimal], ...]


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
    costs_outstanding: Decimal = ZERO  # of the costs, what is still owed
    provisional: bool = False  # interest uses a rate not yet published for a half-year (shown as such)
    awaiting_demand: bool = False  # a consumer owes no interest yet: no demand has reached them (CC 1100)
    interest_from: date | None = None  # a consumer's interest runs from the day after this day (the demand)
    invoices: tuple[InvoiceBalance, ...] = ()  # per invoice, in the order given
    allocations: tuple[Allocation, ...] = ()  # per payment, in the order received
    agency_costs_paid: Decimal = ZERO  # of the costs paid, the agency's own (it gets them back, not the creditor)
    judgment_on: date | None = None  # the decree or judgment from which LEC 576 interest runs (the ordinary interest stops)
    judgment_interest: Decimal = ZERO  # LEC 576 interest accrued to the date (``interest`` is the ordinary interest to the decree)

    @property
    def all_interest(self) -> Decimal:
        """The ordinary interest and the post-judgment interest together: what a debtor's page, message or letter prints as
        "interest", so that principal + interest + compensation + costs - paid is what is owed."""
        return self.interest + self.judgment_interest


def _round(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass
class _Open:  # an invoice's running state while the payments are applied
    inv: OwedInvoice
    accrued_to: date
    principal: Decimal
    interest: Decimal = ZERO  # owed now
    compensation: Decimal = ZERO  # owed now
    interest_total: Decimal = ZERO
    compensation_total: Decimal = ZERO
    slices: list[Slice] = field(default_factory=list)
    judgment_interest: Decimal = ZERO  # owed now
    judgment_interest_total: Decimal = ZERO
    judgment_accrued_to: date | None = None
    judgment_slices: list[Slice] = field(default_factory=list)


def balances(invoices: list[OwedInvoice], payments: list[Paid], as_of: date, *, business: bool, country: str = "ES",
             costs: Sequence[Cost] = (), added: AddedRates = NO_ADDED_RATES, demanded_on: date | None = None,
             plan: PlanTerms | None = None, plans: Sequence[PlanTerms] = (), judgment_on: date | None = None) -> Balances:
    """``added``: the statutory rates admins entered (cases.billing.balances.published_rates), over the shipped table.
    ``demanded_on``: the day a demand first reached a consumer debtor (or the court claim was filed).
    ``plans``: the case's instalment plans, each freezing interest while it was kept (``plan``: a single one).
    ``judgment_on``: the first-instance judgment or decree of a Spanish case (LEC 576), else None."""
    all_plans = [*plans, *([plan] if plan else [])]
    frozen = frozen_windows(all_plans, payments, as_of)
    agreed_from = min((p.signed_on for p in all_plans if p.costs_first), default=None)  # costs first from this day

    def slicer(principal: Decimal, after: date, until: date) -> list[Slice]:
        return interest_slices(business, principal, after, until, country, added)

    from_demand = not business and JURISDICTIONS[country.upper()].consumer_interest_from_demand
    awaiting = from_demand and (demanded_on is None or demanded_on > as_of)
    costs_due = sorted((c for c in costs if c.booked_on <= as_of), key=lambda c: c.booked_on)
    costs_left: list[list] = []  # [cost, amount still owed], oldest first, once booked
    costs_counted = 0
    ordered = sorted(invoices, key=lambda i: (i.due_date, i.number))
    open_ = []
    for inv in ordered:
        start = inv.due_date
        if from_demand:  # a consumer: interest from the day after the demand (none before one reached them, and none
            # on an invoice that fell due after it: no demand covered that one yet)
            start = as_of if awaiting or inv.due_date > demanded_on else demanded_on
        open_.append(_Open(inv, start, inv.principal))
    by_number = {o.inv.number: o for o in open_}
    paid = overpaid = agency_paid = ZERO
    allocations = []

    def judgment_slicer(base: Decimal, after: date, until: date) -> list[Slice]:
        return post_judgment_slices(base, after, until, added)

    def book(until: date) -> None:
        nonlocal costs_counted
        ordinary_until = min(until, judgment_on) if judgment_on else until  # LEC 576 interest replaces it after the decree
        for o in open_:
            if ordinary_until > o.accrued_to:  # the days of a plan kept owe nothing
                o.slices += (new := slices_outside(slicer, o.principal, o.accrued_to, ordinary_until, frozen))
                o.accrued_to = ordinary_until
                amount = _round(sum((s.amount for s in new), ZERO))
                o.interest += amount
                o.interest_total += amount
            if o.inv.due_date < ordinary_until and not o.compensation_total:
                o.compensation = o.compensation_total = compensation_for(business, 1, country)
            if judgment_on and until > (start := o.judgment_accrued_to or judgment_on):
                base = o.principal + o.interest + o.compensation  # what is left of the sum the decree ordered paid
                o.judgment_slices += (new := slices_outside(judgment_slicer, base, start, until, frozen))
                o.judgment_accrued_to = until
                amount = _round(sum((s.amount for s in new), ZERO))
                o.judgment_interest += amount
                o.judgment_interest_total += amount
        while costs_counted < len(costs_due) and costs_due[costs_counted].booked_on <= until:
            costs_left.append([costs_due[costs_counted], costs_due[costs_counted].amount])
            costs_counted += 1

    def rank(o: _Open, day: date) -> int:
        # a consumer's invoice accrues only once a demand that covered it reached them (before this day)
        accruing = not from_demand or not (awaiting or demanded_on is None or o.inv.due_date > demanded_on or demanded_on >= day)
        return onerous_rank(o.inv.due_date, day, accruing)

    def apply(left: Decimal, debts: list[_Open], day: date, parts: list) -> Decimal:
        """Interest, compensation and principal of these invoices, the most onerous rank first, pro rata within a rank."""
        for r in RANKS:
            group = [o for o in debts if rank(o, day) == r]
            for what in ("judgment_interest", *PARTS_IN_ORDER):
                if left <= 0:
                    return left
                shares = pro_rata(left, [getattr(o, what) for o in group])
                for o, share in zip(group, shares):
                    if share:
                        setattr(o, what, getattr(o, what) - share)
                        parts.append((what, o.inv.number, share))
                        left -= share
        return left

    def pay_costs(left: Decimal, parts: list) -> Decimal:
        nonlocal agency_paid
        for owed in costs_left:
            take = min(left, owed[1])
            if take:
                owed[1] -= take
                left -= take
                agency_paid += take if owed[0].agency else ZERO
                parts.append(("costs", "", take))
        return left

    for payment in sorted((p for p in payments if p.received_on <= as_of), key=lambda p: (p.received_on, p.ref)):
        day = payment.received_on
        book(day)
        left, parts = payment.amount, []
        paid += payment.amount
        named = tuple(n for n in payment.invoices if n in by_number)
        costs_first = agreed_from is not None and agreed_from <= day
        if named:
            left = apply(left, [by_number[n] for n in named], day, parts)
        if costs_first:
            left = pay_costs(left, parts)
        left = apply(left, open_, day, parts)
        left = pay_costs(left, parts)
        if left:
            parts.append(("overpaid", "", left))
        overpaid += left
        allocations.append(Allocation(payment.ref, day, payment.amount, "named" if named else "law", costs_first, named, tuple(parts)))
    book(as_of)
    principal_outstanding = sum((o.principal for o in open_), ZERO)
    costs_outstanding = sum((c[1] for c in costs_left), ZERO)
    outstanding = sum((o.principal + o.interest + o.compensation + o.judgment_interest for o in open_), ZERO) + costs_outstanding
    return Balances(
        principal=sum((i.principal for i in ordered), ZERO),
        interest=sum((o.interest_total for o in open_), ZERO),
        compensation=sum((o.compensation_total for o in open_), ZERO),
        costs=sum((c.amount for c in costs_due), ZERO),
        paid=paid,
        outstanding=outstanding,
        principal_outstanding=principal_outstanding,
        overpaid=overpaid,
        costs_outstanding=costs_outstanding,
        provisional=not awaiting and any(i.due_date < as_of for i in ordered) and (
            rate_is_provisional(country, half_year_start(as_of), added) if business and not judgment_on
            else legal_rate_is_provisional(country, as_of, added)),
        awaiting_demand=awaiting,
        interest_from=demanded_on if from_demand and not awaiting else None,
        invoices=tuple(InvoiceBalance(o.inv.number, o.inv.due_date, o.inv.principal, o.principal, o.interest_total, o.interest,
                                      o.compensation_total, o.compensation, tuple(o.slices), o.judgment_interest_total,
                                      o.judgment_interest, tuple(o.judgment_slices)) for o in open_),
        allocations=tuple(allocations),
        agency_costs_paid=agency_paid,
        judgment_on=judgment_on if judgment_on and judgment_on < as_of else None,
        judgment_interest=sum((o.judgment_interest_total for o in open_), ZERO),
    )
