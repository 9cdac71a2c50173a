"""Balances at a date: LEGAL.md's worked example, and payments applied as Código Civil 1172-1174 say."""
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


def test_a_payment_of_everything_pays_costs_too_and_the_excess_is_kept_apart():
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
    # (LEGAL.md rev. 6 December 2026: a consumer's interest runs from the demand; here it reached them on the due date)
    b = balances(INV, [], date(2025, 9, 30), business=False, demanded_on=date(2025, 3, 31))
    # 183 days at 3.25 %: 10,000 x 3.25 % x 183 / 365 = 162.945... -> 162.95
    assert (b.interest, b.compensation) == (Decimal("162.95"), Decimal("0.00"))


def test_a_consumer_owes_no_interest_before_a_demand_reaches_them():
    """Código Civil 1100: a consumer is in default only from the demand. No demand: no interest at all, and the
    balance says it waits for one (not a provisional figure)."""
    b = balances(INV, [], date(2025, 9, 30), business=False)
    assert (b.interest, b.compensation, b.outstanding) == (Decimal("0.00"), Decimal("0.00"), Decimal("10000.00"))
    assert b.awaiting_demand and b.interest_from is None and not b.provisional
    # A demand delivered after the date asked about changes nothing yet.
    assert balances(INV, [], date(2025, 9, 30), business=False, demanded_on=date(2025, 10, 2)).interest == Decimal("0.00")


def test_a_consumer_owes_interest_from_the_day_after_the_delivered_demand():
    # Delivered 30 June 2025: 1 July to 30 September inclusive is 92 days (31 + 31 + 30) at 3.25 % (2025):
    # 10,000 x 3.25 % x 92 / 365 = 81.9178... -> 81.92
    b = balances(INV, [], date(2025, 9, 30), business=False, demanded_on=date(2025, 6, 30))
    assert b.interest == Decimal("81.92") and b.interest_from == date(2025, 6, 30) and not b.awaiting_demand
    # a payment before the demand pays principal; the interest then runs on what is left: 4,000 from 1 July,
    # 4,000 x 3.25 % x 92 / 365 = 32.767... -> 32.77
    paid = balances(INV, [Paid(date(2025, 5, 15), Decimal("6000.00"))], date(2025, 9, 30), business=False, demanded_on=date(2025, 6, 30))
    assert (paid.interest, paid.outstanding) == (Decimal("32.77"), Decimal("4032.77"))


def test_a_business_owes_interest_from_the_due_date_demand_or_not():
    assert balances(INV, [], date(2025, 9, 30), business=True).interest == Decimal("533.82")  # LEGAL.md's worked example


def test_a_portuguese_consumer_owes_interest_from_the_due_date():
    # Código Civil 805.2 a): a debt with a fixed term is in default at its term. 183 days at 4 %:
    # 10,000 x 4 % x 183 / 365 = 200.547... -> 200.55
    b = balances(INV, [], date(2025, 9, 30), business=False, country="PT")
    assert b.interest == Decimal("200.55") and not b.awaiting_demand


def test_nothing_accrues_before_the_due_date():
    b = balances(INV, [], date(2025, 3, 31), business=True)
    assert (b.interest, b.compensation, b.outstanding) == (Decimal("0.00"), Decimal("0.00"), Decimal("10000.00"))


def test_several_payments_in_any_order():
    payments = [Paid(date(2025, 9, 30), Decimal("100.00")), Paid(date(2025, 6, 30), Decimal("5000.00"))]
    b = balances(INV, payments, date(2025, 9, 30), business=True)
    assert b.paid == Decimal("5100.00")
    assert b.outstanding == b.principal + b.interest + b.compensation - b.paid


def test_the_agency_gets_back_its_costs_only_as_the_ledger_paid_them():
    """A 10 EUR registry search the agency advanced on 2 June 2025 (an "agency:" cost). April's 100 EUR came before
    it and never pays it; July's 50 EUR goes to interest and principal, which come before costs (art. 1173-1174):
    the agency has got nothing back, and the creditor is charged nothing for it. Only a payment of everything pays it."""
    from cases.billing.fees import creditor_figures

    search = [Cost(date(2025, 6, 2), Decimal("10.00"), agency=True)]
    april, july = Paid(date(2025, 4, 1), Decimal("100.00")), Paid(date(2025, 7, 1), Decimal("50.00"))
    b = balances(INV, [april, july], date(2025, 7, 1), business=True, costs=search)
    assert b.agency_costs_paid == Decimal("0.00") and b.costs_outstanding == Decimal("10.00")
    settled = balances(INV, [april, july, Paid(date(2025, 7, 2), Decimal("20000.00"))], date(2025, 7, 2), business=True, costs=search)
    assert settled.agency_costs_paid == Decimal("10.00") and settled.outstanding == Decimal("0.00")

    def entry(n, kind, cents, day, method="transfer"):
        return {"id": n, "kind": kind, "amount_cents": cents, "booked_on": day, "method": method, "reverses": None}

    rows = [entry(1, "payment", 100_00, date(2025, 4, 1)), entry(2, "cost", 10_00, date(2025, 6, 2), "agency:other"),
            entry(3, "payment", 50_00, date(2025, 7, 1))]
    assert creditor_figures(rows, 0)["expenses"] == 0 and creditor_figures(rows, 10_00)["net_to_creditor"] == 150_00 - 10_00


# --- Allocation (LEGAL.md rev. "Paying what is owed": Código Civil 1172-1174) ---

TWO = [OwedInvoice("A", date(2025, 1, 31), Decimal("1000.00")), OwedInvoice("B", date(2025, 2, 28), Decimal("1000.00"))]


def parts(b, n=0):
    return [(what, inv, str(amount)) for what, inv, amount in b.allocations[n].parts]


def test_a_payment_the_debtor_names_goes_to_that_invoice():
    """Art. 1172. 500 EUR on 1 April 2025 "for invoice B". B's interest: 1 March to 1 April = 32 days at 11.15 %:
    1,000 x 11.15 % x 32 / 365 = 9.7753... -> 9.78; its 40.00 compensation; the rest, 450.22, its principal.
    A is untouched (its interest to 1 April, 60 days: 18.328... -> 18.33, stays owed)."""
    b = balances(TWO, [Paid(date(2025, 4, 1), Decimal("500.00"), ("B",))], date(2025, 4, 1), business=True)
    assert parts(b) == [("interest", "B", "9.78"), ("compensation", "B", "40.00"), ("principal", "B", "450.22")]
    a, bb = b.invoices
    assert (a.principal_outstanding, a.interest_outstanding, a.compensation_outstanding) == (Decimal("1000.00"), Decimal("18.33"), Decimal("40.00"))
    assert bb.principal_outstanding == Decimal("549.78") and b.allocations[0].basis == "named"


def test_a_named_invoice_paid_in_full_passes_the_rest_on_by_law():
    b = balances(TWO, [Paid(date(2025, 4, 1), Decimal("1100.00"), ("B",))], date(2025, 4, 1), business=True)
    # B: 9.78 + 40.00 + 1,000.00 = 1,049.78; the 50.22 left: A's interest 18.33, then its compensation 31.89 of 40
    assert parts(b)[3:] == [("interest", "A", "18.33"), ("compensation", "A", "31.89")]
    assert b.invoices[1].outstanding == Decimal("0.00") and b.invoices[0].principal_outstanding == Decimal("1000.00")


def test_without_a_choice_interest_first_then_principal_pro_rata_among_equals():
    """Arts. 1173-1174. 500 EUR on 1 April 2025, nothing named. Both invoices are due and accrue the same rate:
    interest first (A 18.33, B 9.78), then compensation (40 + 40), then the 391.89 left shared by what each owes of
    principal (1,000 each): 195.945 each, in cents 19,594 + 19,594 and the odd cent to the earlier one (A).
    The old rule paid A's principal alone (oldest first)."""
    b = balances(TWO, [Paid(date(2025, 4, 1), Decimal("500.00"))], date(2025, 4, 1), business=True)
    assert parts(b) == [("interest", "A", "18.33"), ("interest", "B", "9.78"), ("compensation", "A", "40.00"),
                        ("compensation", "B", "40.00"), ("principal", "A", "195.95"), ("principal", "B", "195.94")]
    assert [i.principal_outstanding for i in b.invoices] == [Decimal("804.05"), Decimal("804.06")]
    assert b.allocations[0].basis == "law" and not b.allocations[0].costs_first


def test_the_most_onerous_invoice_first():
    """A consumer; the demand reached them on 15 February 2025 and covered A (due 31 January), not B (due 28 February,
    after it): only A accrues interest, so it is the more onerous and is paid first. A's interest to 1 April:
    16 February to 1 April = 13 + 31 + 1 = 45 days at 3.25 %: 1,000 x 3.25 % x 45 / 365 = 4.0068... -> 4.01.
    300 EUR pays 4.01 of interest and 295.99 of A's principal; B waits."""
    b = balances(TWO, [Paid(date(2025, 4, 1), Decimal("300.00"))], date(2025, 4, 1), business=False, demanded_on=date(2025, 2, 15))
    assert parts(b) == [("interest", "A", "4.01"), ("principal", "A", "295.99")]
    assert [i.principal_outstanding for i in b.invoices] == [Decimal("704.01"), Decimal("1000.00")]


def test_costs_come_after_principal_unless_the_debtor_agreed():
    """10,000 due 31 March 2025, a 25 EUR burofax booked 1 April, 100 EUR paid that day: one day's interest
    (10,000 x 11.15 % / 365 = 3.0547... -> 3.05), 40.00 compensation, 56.95 of principal; the burofax is still owed.
    With a plan signed that day in which the debtor agreed to pay costs first: 25.00, 3.05, 40.00, then 31.95."""
    fax, pay = [Cost(date(2025, 4, 1), Decimal("25.00"))], [Paid(date(2025, 4, 1), Decimal("100.00"))]
    b = balances(INV, pay, date(2025, 4, 1), business=True, costs=fax)
    assert parts(b) == [("interest", "F-1", "3.05"), ("compensation", "F-1", "40.00"), ("principal", "F-1", "56.95")]
    assert b.costs_outstanding == Decimal("25.00")
    agreed = PlanTerms(date(2025, 4, 1), ((1, date(2025, 5, 1), 1_006_805),), costs_first=True)
    c = balances(INV, pay, date(2025, 4, 1), business=True, costs=fax, plan=agreed)
    assert parts(c) == [("costs", "", "25.00"), ("interest", "F-1", "3.05"), ("compensation", "F-1", "40.00"), ("principal", "F-1", "31.95")]
    assert c.costs_outstanding == Decimal("0.00") and c.allocations[0].costs_first


def test_the_per_invoice_breakdown_is_the_interest_in_slices():
    """LEGAL.md's worked example, as letters and petitions print it: 91 days at 11.15 % and 92 days at 10.15 %."""
    (inv,) = balances(INV, [], date(2025, 9, 30), business=True).invoices
    assert [(s.first, s.last, s.days, s.rate) for s in inv.slices] == [
        (date(2025, 4, 1), date(2025, 6, 30), 91, Decimal("11.15")), (date(2025, 7, 1), date(2025, 9, 30), 92, Decimal("10.15"))]
    assert inv.interest == Decimal("533.82")


# --- A plan fixes what is owed (LEGAL.md rev. "Paying what is owed") ---

from cases.billing.ledger import PlanTerms  # noqa: E402


def test_a_plan_kept_to_the_end_leaves_nothing_owed():
    """10,000.00 due 31 March 2025 between businesses. On 30 June 2025 it owes 10,000 + 91 days at 11.15 %
    (277.99) + 40.00 = 10,317.99, split into three instalments of 3,439.33 + 3,439.33 + 3,439.33 (cents on the last:
    10,317.99 - 2 x 3,439.33 = 3,439.33). Each paid on its date: nothing is owed after the last, whatever the date."""
    signed = date(2025, 6, 30)
    owed_then = balances(INV, [], signed, business=True).outstanding
    assert owed_then == Decimal("10317.99")
    plan = PlanTerms(signed, ((1, date(2025, 7, 31), 343933), (2, date(2025, 8, 31), 343933), (3, date(2025, 9, 30), 343933)))
    paid = [Paid(date(2025, 7, 31), Decimal("3439.33")), Paid(date(2025, 8, 31), Decimal("3439.33")), Paid(date(2025, 9, 30), Decimal("3439.33"))]
    after = balances(INV, paid, date(2025, 12, 31), business=True, plan=plan)
    assert after.outstanding == Decimal("0.00") and after.interest == Decimal("277.99")
    # while kept, what is owed does not grow: on 15 August only the first instalment is paid and 6,878.66 is left
    mid = balances(INV, paid[:1], date(2025, 8, 15), business=True, plan=plan)
    assert mid.outstanding == Decimal("6878.66")


def test_interest_runs_again_from_the_first_missed_instalment():
    """The same plan; the second instalment (31 August) is never paid. Three days' grace later it is missed, and
    interest runs again from 1 September on the principal left. After the first instalment (3,439.33: 277.99
    interest, 40.00 compensation, 3,121.34 principal) the principal left is 6,878.66. To 30 September: 30 days
    at 10.15 % (2H2025): 6,878.66 x 10.15 / 100 = 698.18399; x 30 / 365 = 57.38498... -> 57.38."""
    signed = date(2025, 6, 30)
    plan = PlanTerms(signed, ((1, date(2025, 7, 31), 343933), (2, date(2025, 8, 31), 343933), (3, date(2025, 9, 30), 343933)))
    paid = [Paid(date(2025, 7, 31), Decimal("3439.33"))]
    b = balances(INV, paid, date(2025, 9, 30), business=True, plan=plan)
    assert b.interest == Decimal("277.99") + Decimal("57.38")
    assert b.outstanding == Decimal("6878.66") + Decimal("57.38")
    # before the grace days end it is not missed yet: still nothing accrues
    assert balances(INV, paid, date(2025, 9, 3), business=True, plan=plan).outstanding == Decimal("6878.66")


def test_a_plan_that_says_interest_keeps_running():
    signed = date(2025, 6, 30)
    plan = PlanTerms(signed, ((1, date(2025, 7, 31), 1031799),), interest_runs=True)
    b = balances(INV, [Paid(date(2025, 7, 31), Decimal("10317.99"))], date(2025, 7, 31), business=True, plan=plan)
    # The interest to the payment is one period, rounded once: 91 days at 11.15 % (277.986...) + 31 days (1-31 July)
    # at 10.15 % (86.2055...) = 364.191... -> 364.19. Owed then: 10,000 + 364.19 + 40 = 10,404.19; the plan's total
    # paid leaves 86.20 (the interest of the plan's month), where a plan that fixes the amount leaves nothing.
    assert b.outstanding == Decimal("86.20")


def test_a_plan_replaced_by_another_keeps_the_days_it_froze():
    """Plan A signed 1 April 2025 for 10,043.05 (10,000 + 1 day at 11.15 %: 3.0547... -> 3.05 + 40.00), its first
    instalment of 5,000.00 paid on 1 May; on 1 October plan B replaces it for what is owed then, 5,043.05 (no
    interest while A was kept), paid in full on 1 November: nothing is owed, whatever the date."""
    a = PlanTerms(date(2025, 4, 1), ((1, date(2025, 5, 1), 500000), (2, date(2025, 11, 1), 504305)))
    assert balances(INV, [], date(2025, 4, 1), business=True).outstanding == Decimal("10043.05")
    paid_a = [Paid(date(2025, 5, 1), Decimal("5000.00"))]
    assert balances(INV, paid_a, date(2025, 10, 1), business=True, plans=[a]).outstanding == Decimal("5043.05")
    b = PlanTerms(date(2025, 10, 1), ((1, date(2025, 11, 1), 504305),))
    paid = paid_a + [Paid(date(2025, 11, 1), Decimal("5043.05"))]
    assert balances(INV, paid, date(2026, 2, 1), business=True, plans=[a, b]).outstanding == Decimal("0.00")


def test_a_consumer_invoice_due_after_the_demand_waits_for_its_own():
    """Demand delivered 1 February 2025 for invoice A (due 31 January); invoice B falls due on 1 April, after it:
    no demand covered B, so only A accrues. A: 1,000.00 from 2 February to 30 June = 149 days at 3.25 %:
    1,000 x 3.25 % x 149 / 365 = 13.267... -> 13.27."""
    invoices = [OwedInvoice("A", date(2025, 1, 31), Decimal("1000.00")), OwedInvoice("B", date(2025, 4, 1), Decimal("1000.00"))]
    b = balances(invoices, [], date(2025, 6, 30), business=False, demanded_on=date(2025, 2, 1))
    assert b.interest == Decimal("13.27")


def test_balances_from_rows_are_kept_under_every_value_they_are_computed_from():
    """cases.billing.balances.balances_from keeps what it computed per process, keyed by all its inputs: the same rows
    give the very same figures as the ledger computed afresh, and any change of a row, the day or the rates is
    computed again."""
    from types import MappingProxyType

    from cases.billing.balances import balances_from

    invoices = [{"id": 1, "number": "F-1", "due_date": date(2025, 3, 31), "amount_cents": 1_000_000}]
    entries = [{"id": 7, "kind": "payment", "booked_on": date(2025, 6, 30), "amount_cents": 500_000, "reverses": None, "method": "transfer",
                "applies_to": ""}]
    fresh = balances(INV, [Paid(date(2025, 6, 30), Decimal("5000.00"), (), 7)], date(2025, 9, 30), business=True)
    first = balances_from("ES", "company", invoices, entries, date(2025, 9, 30), MappingProxyType({}))
    assert first == fresh and balances_from("ES", "company", invoices, entries, date(2025, 9, 30), MappingProxyType({})) is first
    assert balances_from("ES", "company", invoices, entries, date(2025, 10, 1), MappingProxyType({})).interest > first.interest  # a day later
    more = [*entries, {**entries[0], "id": 8, "amount_cents": 100}]
    assert balances_from("ES", "company", invoices, more, date(2025, 9, 30), MappingProxyType({})) == balances(
        INV, [Paid(date(2025, 6, 30), Decimal("5000.00"), (), 7), Paid(date(2025, 6, 30), Decimal("1.00"), (), 8)], date(2025, 9, 30), business=True)
    reversed_ = [*entries, {"id": 9, "kind": "reversal", "booked_on": date(2025, 7, 1), "amount_cents": -500_000, "reverses": 7, "method": None,
                            "applies_to": ""}]
    assert balances_from("ES", "company", invoices, reversed_, date(2025, 9, 30), MappingProxyType({})).paid == Decimal("0.00")
    rate = MappingProxyType({("ES", date(2025, 7, 1)): Decimal("20.00")})  # a rate an admin publishes for the second half-year
    assert balances_from("ES", "company", invoices, entries, date(2025, 9, 30), rate).interest > first.interest
    assert balances_from("ES", "person", invoices, entries, date(2025, 9, 30), MappingProxyType({})) != first
