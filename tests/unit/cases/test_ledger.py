"""Balances at a date: LEGAL.md's worked example, and payments applied costs, interest, compensation, principal."""
from datetime import date
from decimal import Decimal

from cases.billing.ledger import Cost, OwedInvoice, Paid, balances

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
    b = balances(INV, [Paid(date(2025, 4, 1), Decimal("20000.00"))], date(2025, 4, 1), business=True,
                 costs=[Cost(date(2025, 4, 1), Decimal("25.00"))])  # booked the day of the payment: owed by then
    assert b.outstanding == Decimal("0.00")
    assert b.overpaid == Decimal("20000.00") - Decimal("25.00") - Decimal("3.05") - Decimal("40.00") - Decimal("10000.00")


def test_a_cost_is_owed_from_the_day_it_is_booked():
    """A payment in April never pays a court fee booked in June: it goes to the interest, compensation and
    principal owed in April, and the fee is owed whole from June (a ledger read as of May does not show it)."""
    fee = [Cost(date(2025, 6, 2), Decimal("300.00"))]
    april = [Paid(date(2025, 4, 1), Decimal("1043.05"))]  # 3.05 interest + 40 compensation + 1,000 of principal
    later = balances(INV, april, date(2025, 9, 30), business=True, costs=fee)
    without_fee = balances(INV, april, date(2025, 9, 30), business=True)
    assert later.principal_outstanding == without_fee.principal_outstanding == INV[0].principal - Decimal("1000.00")
    assert later.interest == without_fee.interest  # the fee did not take April's money away from the principal
    assert later.costs == Decimal("300.00") and later.outstanding == without_fee.outstanding + Decimal("300.00")
    may = balances(INV, april, date(2025, 5, 31), business=True, costs=fee)
    assert may.costs == Decimal("0.00") and may.outstanding == balances(INV, april, date(2025, 5, 31), business=True).outstanding


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


def test_the_agency_gets_back_only_costs_incurred_before_a_payment():
    from cases.billing.fees import creditor_figures

    def entry(n, kind, cents, day, method="transfer", reverses=None):
        return {"id": n, "kind": kind, "amount_cents": cents, "booked_on": day, "method": method, "reverses": reverses}

    april_payment = entry(1, "payment", 100_00, date(2025, 4, 1))
    june_cost = entry(2, "cost", 10_00, date(2025, 6, 2), method="agency:other")  # the agency pays a registry search
    assert creditor_figures([april_payment, june_cost])["expenses"] == 0  # April's money never paid June's cost
    july_payment = entry(3, "payment", 50_00, date(2025, 7, 1))
    f = creditor_figures([april_payment, june_cost, july_payment])
    assert f["expenses"] == 10_00 and f["net_to_creditor"] == 150_00 - 10_00
    # July's payment bounces: the cost is owed again, and the creditor is no longer charged it
    assert creditor_figures([april_payment, june_cost, july_payment, entry(4, "reversal", -50_00, date(2025, 7, 9), reverses=3)])["expenses"] == 0
