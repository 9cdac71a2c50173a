"""Balances at a date: LEGAL.md's worked example, and payments applied costs, interest, compensation, principal."""
from datetime import date
from decimal import Decimal

from cases.ledger import OwedInvoice, Paid, balances

INV = [OwedInvoice("F-1", date(2025, 3, 31), Decimal("10000.00"))]


def test_worked_example_without_payments():
    b = balances(INV, [], date(2025, 9, 30), business=True)
    assert (b.interest, b.compensation, b.outstanding) == (Decimal("533.82"), Decimal("40.00"), Decimal("10573.82"))


def test_a_payment_goes_to_interest_then_compensation_then_principal():
    b = balances(INV, [Paid(date(2025, 9, 30), Decimal("573.82"))], date(2025, 9, 30), business=True)
    assert b.outstanding == Decimal("10000.00") and b.principal_outstanding == Decimal("10000.00")


def test_interest_stops_on_principal_paid():
    # 30 June: 91 days at 11.15 % = 277.986 -> 277.99 booked; 5,000 pays 277.99 + 40 + 4,682.01 of principal.
    # 1 July - 30 Sept: 5,317.99 x 10.15 % x 92 / 365 = 136.05...
    b = balances(INV, [Paid(date(2025, 6, 30), Decimal("5000.00"))], date(2025, 9, 30), business=True)
    assert b.principal_outstanding == Decimal("5317.99")
    assert b.interest == Decimal("277.99") + Decimal("136.05")
    assert b.outstanding == Decimal("5317.99") + Decimal("136.05")


def test_costs_are_paid_first_and_overpayment_is_kept_apart():
    b = balances(INV, [Paid(date(2025, 4, 1), Decimal("20000.00"))], date(2025, 4, 1), business=True, costs=Decimal("25.00"))
    assert b.outstanding == Decimal("0.00")
    assert b.overpaid == Decimal("20000.00") - Decimal("25.00") - Decimal("3.05") - Decimal("40.00") - Decimal("10000.00")


def test_consumers_owe_legal_interest_and_no_compensation():
    b = balances(INV, [], date(2025, 9, 30), business=False)
    # 183 days at 3.25 %: 10,000 x 3.25 % x 183 / 365 = 162.945... -> 162.95
    assert (b.interest, b.compensation) == (Decimal("162.95"), Decimal("0.00"))


def test_nothing_accrues_before_the_due_date():
    b = balances(INV, [], date(2025, 3, 31), business=True)
    assert (b.interest, b.compensation, b.outstanding) == (Decimal("0.00"), Decimal("0.00"), Decimal("10000.00"))


def test_several_payments_in_any_order():
    payments = [Paid(date(2025, 9, 30), Decimal("100.00")), Paid(date(2025, 6, 30), Decimal("5000.00"))]
    b = balances(INV, payments, date(2025, 9, 30), business=True)
    assert b.paid == Decimal("5100.00")
    assert b.outstanding == b.principal + b.interest + b.compensation - b.paid
