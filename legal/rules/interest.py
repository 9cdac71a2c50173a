"""Statutory interest and compensation (pure), as LEGAL.md fixes them so that every screen,
document and statement agrees:

per invoice, from the day after the due date to the day of payment inclusive (``payment - due``
days), split where the rate changes (1 January and 1 July for late payment between businesses,
1 January for the legal interest rate, and 1 July too in France), each slice ``principal x rate x days / 365``, summed
unrounded and rounded once, half-up, to the cent."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from legal.rules.jurisdictions import (
    ES_POST_JUDGMENT_POINTS,
    JURISDICTIONS,
    NO_ADDED_RATES,
    AddedRates,
    half_year_start,
    late_payment_rate,
    legal_interest_by_half_year,
    legal_interest_rate,
)

CENT = Decimal("0.01")


def _next_half_year(start: date) -> date:
    return date(start.year, 7, 1) if start.month < 7 else date(start.year + 1, 1, 1)


def _next_year(start: date) -> date:
    return date(start.year + 1, 1, 1)


def _accrue(principal: Decimal, due: date, until: date, period_start: Callable[[date], date], next_period: Callable[[date], date],
            rate_for: Callable[[date], Decimal]) -> tuple[Decimal, list[tuple[date, date, int, Decimal, Decimal]]]:
    total, slices = _accrue_raw(principal, due, until, period_start, next_period, rate_for)
    return total.quantize(CENT, rounding=ROUND_HALF_UP), slices


def late_payment_interest(principal: Decimal, due: date, until: date, country: str = "ES", added: AddedRates = NO_ADDED_RATES) -> Decimal:
    """Between businesses (Ley 3/2004; L441-10; DL 62/2013): the half-yearly statutory rate."""
    return _accrue(principal, due, until, half_year_start, _next_half_year, lambda hy: late_payment_rate(country, hy, added))[0]


def _legal_periods(country: str) -> tuple[Callable[[date], date], Callable[[date], date]]:
    if legal_interest_by_half_year(country):
        return half_year_start, _next_half_year
    return (lambda d: date(d.year, 1, 1)), _next_year


def legal_interest(principal: Decimal, due: date, until: date, country: str = "ES", added: AddedRates = NO_ADDED_RATES) -> Decimal:
    """Consumers (and judgments): the legal interest rate, per year (per half-year in France)."""
    return _accrue(principal, due, until, *_legal_periods(country), lambda start: legal_interest_rate(country, start, added))[0]


def interest_for(debtor_is_business: bool, principal: Decimal, due: date, until: date, country: str = "ES",
                 added: AddedRates = NO_ADDED_RATES) -> Decimal:
    if debtor_is_business:
        return late_payment_interest(principal, due, until, country, added)
    return legal_interest(principal, due, until, country, added)


def compensation(debtor_is_business: bool, late_invoices: int, country: str = "ES") -> Decimal:
    """A fixed amount per late invoice, owed without demand, to business debtors only."""
    return JURISDICTIONS[country].compensation_per_invoice * late_invoices if debtor_is_business else Decimal("0.00")


def late_payment_interest_unrounded(principal: Decimal, after: date, until: date, country: str = "ES",
                                    added: AddedRates = NO_ADDED_RATES) -> Decimal:
    """Interest from the day after ``after`` to ``until`` inclusive, not yet rounded (for the ledger's periods)."""
    total, _ = _accrue_raw(principal, after, until, half_year_start, _next_half_year, lambda hy: late_payment_rate(country, hy, added))
    return total


def legal_interest_unrounded(principal: Decimal, after: date, until: date, country: str = "ES",
                             added: AddedRates = NO_ADDED_RATES) -> Decimal:
    total, _ = _accrue_raw(principal, after, until, *_legal_periods(country), lambda start: legal_interest_rate(country, start, added))
    return total


@dataclass(frozen=True)
class Slice:
    """One slice of an invoice's interest: the days ``first`` to ``last`` inclusive at one rate, on one principal;
    ``amount`` unrounded (the slices of an invoice's period are summed and then rounded once)."""
    first: date
    last: date
    days: int
    rate: Decimal
    principal: Decimal
    amount: Decimal


def interest_slices(debtor_is_business: bool, principal: Decimal, after: date, until: date, country: str = "ES",
                    added: AddedRates = NO_ADDED_RATES) -> list[Slice]:
    """The slices from the day after ``after`` to ``until`` inclusive, split where the rate changes: what letters
    and petitions print as the per-invoice breakdown (rate, days, amount per slice)."""
    if debtor_is_business:
        periods = half_year_start, _next_half_year
        rate_for = lambda hy: late_payment_rate(country, hy, added)  # noqa: E731
    else:
        periods = _legal_periods(country)
        rate_for = lambda start: legal_interest_rate(country, start, added)  # noqa: E731
    _total, raw = _accrue_raw(principal, after, until, *periods, rate_for)
    return [Slice(first, last, days, rate, principal, amount) for first, last, days, rate, amount in raw]


def post_judgment_rate(period_start: date, added: AddedRates = NO_ADDED_RATES) -> Decimal:
    """LEC 576.1 (Spain): the legal interest rate of the year starting ``period_start`` plus ES_POST_JUDGMENT_POINTS."""
    return legal_interest_rate("ES", period_start, added) + ES_POST_JUDGMENT_POINTS


def post_judgment_slices(base: Decimal, judgment_on: date, until: date, added: AddedRates = NO_ADDED_RATES) -> list[Slice]:
    """LEC 576 interest on ``base`` (what the decree or judgment orders paid, still unpaid), split at each 1 January.

    "Desde que fuere dictada": counted from the decree's date, the date itself excluded (Código Civil art. 5.1: a period
    counted from a given day starts on the next one), to the day of payment inclusive, ``until - judgment_on`` days, as
    every interest here. The ordinary interest covers the days to the decree's day inclusive (cases.billing.ledger)."""
    _total, raw = _accrue_raw(base, judgment_on, until, lambda d: date(d.year, 1, 1), _next_year, lambda start: post_judgment_rate(start, added))
    return [Slice(first, last, days, rate, base, amount) for first, last, days, rate, amount in raw]


def post_judgment_interest(base: Decimal, judgment_on: date, until: date, added: AddedRates = NO_ADDED_RATES) -> Decimal:
    """post_judgment_slices summed unrounded and rounded once, half-up, to the cent."""
    return sum((s.amount for s in post_judgment_slices(base, judgment_on, until, added)), Decimal(0)).quantize(CENT, rounding=ROUND_HALF_UP)


def _accrue_raw(principal, due, until, period_start, next_period, rate_for):
    total = Decimal(0)
    slices = []
    start = due + timedelta(days=1)
    while start <= until:
        end = min(next_period(start) - timedelta(days=1), until)
        days = (end - start).days + 1
        rate = rate_for(period_start(start))
        amount = principal * rate / 100 * days / 365
        slices.append((start, end, days, rate, amount))
        total += amount
        start = end + timedelta(days=1)
    return total, slices
