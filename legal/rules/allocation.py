"""How a payment is applied to what a debtor owes (pure): Código Civil arts. 1172 to 1174, as LEGAL.md "Paying what
is owed" reads them.

- art. 1172: a debtor who owes several debts may say which one a payment is for; that choice is followed;
- art. 1173: interest before principal;
- art. 1174: without a choice, the debt most onerous to the debtor first, among those due; **pro rata** among debts of
  the same nature and burden;
- the agency's own costs come first only where the debtor agreed (an acknowledgement, a plan, a contract); otherwise
  after principal.

cases.billing.ledger applies these to a case's invoices, costs and payments."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

# Within each rank of invoices (art. 1174), what a payment pays of them, in order (art. 1173: interest before
# principal; the fixed compensation for recovery costs is an accessory, paid with the interest before principal).
PARTS_IN_ORDER = ("interest", "compensation", "principal")
# Ranks of an invoice's burden to the debtor on the day of a payment, the most onerous first (art. 1174): due and
# accruing interest; due and not accruing (a consumer's invoice no demand covered yet); not due yet. Within one case
# every accruing invoice bears the same statutory rate, so invoices of one rank are "of the same nature and burden".
DUE_ACCRUING, DUE_NOT_ACCRUING, NOT_DUE = 0, 1, 2
RANKS = (DUE_ACCRUING, DUE_NOT_ACCRUING, NOT_DUE)


def onerous_rank(due_date: date, day: date, accruing: bool) -> int:
    """Art. 1174: an invoice's rank on ``day`` (one of RANKS, the most onerous first)."""
    if due_date >= day:
        return NOT_DUE
    return DUE_ACCRUING if accruing else DUE_NOT_ACCRUING


def pro_rata(amount: Decimal, owed: Sequence[Decimal]) -> list[Decimal]:
    """``amount`` shared among debts in proportion to what each owes (art. 1174), in cents: each share rounded down,
    the cents left over given one each to the largest remainders (the earlier debt on a tie). Never more than a debt
    owes; the shares add up to min(amount, total owed)."""
    total = sum(owed, Decimal("0.00"))
    if amount >= total:
        return list(owed)
    cents, weights = int(amount * 100), [int(o * 100) for o in owed]
    whole = sum(weights)
    shares = [cents * w // whole for w in weights]
    order = sorted(range(len(weights)), key=lambda n: (-(cents * weights[n] % whole), n))
    for n in order[:cents - sum(shares)]:
        shares[n] += 1
    return [Decimal(s) / 100 for s in shares]
