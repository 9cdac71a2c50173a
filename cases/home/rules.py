"""The creditor's home, pure: in which order the decisions waiting for the creditor are shown, and the portfolio's
figures from the sums the service reads in a few aggregate queries (one row per day, stage or kind; never per case).

Money is integer cents here; the pages and the API turn it into Decimal (cases.money) at the edge."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

# A decision on a case whose limitation date falls within these days comes first (the claim may be lost).
URGENT_DAYS = 90
STAGE_ORDER = ("intake", "amicable", "mediation", "credit_bureau", "court", "closed")
NO_DAY = date.max


@dataclass(frozen=True)
class Decision:
    """One decision waiting for the creditor on one case. ``kind``: ``legal_action`` (authorise or decline the
    proposed court action), ``bureau_authorisation`` (authorise reporting the debt), and whatever a provided source
    adds (the conversation's ``question`` from the agency; a proposed ``settlement``). ``url``: the page where the
    existing form takes the decision."""

    kind: str
    case_id: int
    reference: str
    debtor: str
    since: date | None  # waiting since (the proposal, the notice delivered, the question asked)
    asked: str  # what is asked, in the reader's language
    url: str
    amount_cents: int = 0  # what is at stake: the amount to claim in court, else the principal claimed
    limitation_date: date | None = None
    details: dict = field(default_factory=dict)


def is_urgent(d: Decision, today: date) -> bool:
    """The case's limitation date is within URGENT_DAYS (or past): deciding late may lose the claim."""
    return d.limitation_date is not None and (d.limitation_date - today).days <= URGENT_DAYS


def urgency(d: Decision, today: date) -> tuple:
    """The sort key: a case near its limitation date first (soonest first), then the decision waiting longest, then the
    larger amount, then the reference (a stable order)."""
    near = is_urgent(d, today)
    return (0 if near else 1, d.limitation_date if near else NO_DAY, d.since or NO_DAY, -d.amount_cents, d.reference, d.kind)


def by_urgency(decisions: Iterable[Decision], today: date) -> list[Decision]:
    return sorted(decisions, key=lambda d: urgency(d, today))


def month_key(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def months_back(today: date, n: int = 12) -> list[str]:
    """The last ``n`` months as YYYY-MM, oldest first, this month included."""
    year, month = today.year, today.month
    out = []
    for _ in range(n):
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return out[::-1]


def first_day_needed(today: date, n: int = 12) -> date:
    """The first day whose payments the home reads: the first of the oldest month of the chart, or the first of
    January when the year began earlier than that (never: twelve months always reach back to January)."""
    oldest = date.fromisoformat(months_back(today, n)[0] + "-01")
    return min(oldest, date(today.year, 1, 1))


@dataclass(frozen=True)
class Recovered:
    month_cents: int
    year_cents: int
    monthly: list[tuple[str, int]]  # (YYYY-MM, cents), oldest first, twelve months


def recovered(days: Iterable[tuple[date, int]], today: date, n: int = 12) -> Recovered:
    """Payments booked, net of reversals (a reversal is a negative amount on the day it was booked), per day in;
    this month's, this year's and each of the last ``n`` months' out. Days after today are not counted."""
    per_month: dict[str, int] = {}
    month = year = 0
    for day, cents in days:
        if day > today:
            continue
        per_month[month_key(day)] = per_month.get(month_key(day), 0) + cents
        if day.year == today.year:
            year += cents
            if day.month == today.month:
                month += cents
    return Recovered(month, year, [(m, per_month.get(m, 0)) for m in months_back(today, n)])


def recovery_rate(recovered_cents: int, assigned_cents: int) -> Decimal:
    """What was recovered over what was assigned (the principal of every invoice handed over), as a percentage
    with one decimal; 0.0 when nothing was assigned."""
    if assigned_cents <= 0:
        return Decimal("0.0")
    return (Decimal(recovered_cents) * 100 / Decimal(assigned_cents)).quantize(Decimal("0.1"))


def by_stage(counts: dict[str, int]) -> list[tuple[str, int]]:
    """Cases per stage in the stages' order, every stage named (a zero is a figure too)."""
    known = [(s, counts.get(s, 0)) for s in STAGE_ORDER]
    return known + sorted((s, n) for s, n in counts.items() if s not in STAGE_ORDER)


@dataclass(frozen=True)
class LedgerSums:
    """The creditor's ledger summed by kind: payments collected by the agency (``collected``: net of reversals of
    them), paid to the creditor directly (not the agency's to remit), fees, expenses passed on, remitted."""

    collected: int = 0
    fees: int = 0
    expenses: int = 0
    remitted: int = 0
    agency_costs_paid: int = 0  # the agency's own advanced costs the debtors' payments paid back (it keeps them)


def to_remit(s: LedgerSums) -> int:
    """What the agency holds for the creditor and has not put into a remittance yet: collected less fees, expenses
    and what was already remitted (cases.billing.fees.creditor_figures' net_to_creditor, over every case at once)."""
    return s.collected - s.fees - s.expenses - s.agency_costs_paid - s.remitted


def bar_shares(values: list[int]) -> list[float]:
    """Each value's share of the largest (0..1), for a chart's bars; all zeros when nothing is above zero."""
    top = max((abs(v) for v in values), default=0)
    return [abs(v) / top if top else 0.0 for v in values]
