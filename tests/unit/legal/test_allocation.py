"""Código Civil 1172-1174 (legal.rules.allocation): the rank of an invoice's burden, and shares pro rata to the cent.
The worked examples of whole payments are in tests/unit/cases/test_ledger.py."""
from datetime import date
from decimal import Decimal

from legal.rules.allocation import DUE_ACCRUING, DUE_NOT_ACCRUING, NOT_DUE, onerous_rank, pro_rata

DAY = date(2025, 4, 1)


def test_the_most_onerous_rank_is_a_due_invoice_accruing_interest():
    assert onerous_rank(date(2025, 1, 31), DAY, accruing=True) == DUE_ACCRUING
    assert onerous_rank(date(2025, 1, 31), DAY, accruing=False) == DUE_NOT_ACCRUING  # a consumer's, no demand covering it
    assert onerous_rank(DAY, DAY, accruing=True) == NOT_DUE  # due today: not late yet ("among those due")
    assert DUE_ACCRUING < DUE_NOT_ACCRUING < NOT_DUE


def test_pro_rata_shares_cents_exactly():
    # 0.02 among three equal debts: 0.00666... each, rounded down to 0.00, and the two cents left to the earliest
    assert pro_rata(Decimal("0.02"), [Decimal("1.00")] * 3) == [Decimal("0.01"), Decimal("0.01"), Decimal("0.00")]
    # 100 among 300 and 100: three quarters and one quarter
    assert pro_rata(Decimal("100.00"), [Decimal("300.00"), Decimal("100.00")]) == [Decimal("75.00"), Decimal("25.00")]
    # 9.99 between two debts of 5.00: 4.995 each, 4.99 + 4.99 and the odd cent to the earlier
    assert pro_rata(Decimal("9.99"), [Decimal("5.00"), Decimal("5.00")]) == [Decimal("5.00"), Decimal("4.99")]
    # more than is owed: each debt paid in full (the rest is the caller's)
    assert pro_rata(Decimal("50.00"), [Decimal("20.00"), Decimal("10.00")]) == [Decimal("20.00"), Decimal("10.00")]
    # the remainder goes to the largest fraction: 1.00 among 1, 2 and 4 (7 in all): 0.142857, 0.285714, 0.571428 ->
    # 0.14, 0.28, 0.57 (0.99) and the last cent to 0.2857 (the largest remainder, .5714 of a cent)
    assert pro_rata(Decimal("1.00"), [Decimal("1.00"), Decimal("2.00"), Decimal("4.00")]) == [Decimal("0.14"), Decimal("0.29"), Decimal("0.57")]
