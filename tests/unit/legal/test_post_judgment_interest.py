"""LEC 576: post-judgment interest, the legal rate of each year plus 2 points, from the decree or judgment, computed by
hand here; and the ledger's switch from the ordinary interest to it on the decree's day."""
from datetime import date
from decimal import Decimal

from cases.billing.ledger import OwedInvoice, Paid, balances
from legal.rules.interest import post_judgment_interest, post_judgment_rate, post_judgment_slices


def test_the_rate_is_the_legal_rate_of_the_year_plus_two_points():
    assert post_judgment_rate(date(2022, 1, 1)) == Decimal("5.00")  # 3.00 + 2
    assert post_judgment_rate(date(2023, 1, 1)) == Decimal("5.25")  # 3.25 + 2


def test_split_at_the_year_change_and_rounded_once():
    # decree 30 November 2022, paid 28 February 2023, on 10,000.00:
    # 2022: 1-31 December, 31 days at 5.00 %: 10,000 x 5 % x 31 / 365 = 15,500 / 365 = 42.4657...
    # 2023: 1 January - 28 February, 59 days at 5.25 %: 10,000 x 5.25 % x 59 / 365 = 30,975 / 365 = 84.8630...
    # together 46,475 / 365 = 127.3287... -> 127.33
    slices = post_judgment_slices(Decimal("10000.00"), date(2022, 11, 30), date(2023, 2, 28))
    assert [(s.first, s.last, s.days, s.rate) for s in slices] == [
        (date(2022, 12, 1), date(2022, 12, 31), 31, Decimal("5.00")), (date(2023, 1, 1), date(2023, 2, 28), 59, Decimal("5.25"))]
    assert post_judgment_interest(Decimal("10000.00"), date(2022, 11, 30), date(2023, 2, 28)) == Decimal("127.33")


def test_the_decrees_own_day_bears_none():
    # Código Civil 5.1: counted from the next day; paid on the decree's day, nothing; the next day, one day's worth:
    # 10,000 x 5.25 % / 365 = 1.4383... -> 1.44
    assert post_judgment_interest(Decimal("10000.00"), date(2025, 6, 30), date(2025, 6, 30)) == Decimal("0.00")
    assert post_judgment_interest(Decimal("10000.00"), date(2025, 6, 30), date(2025, 7, 1)) == Decimal("1.44")


INV = [OwedInvoice("F-1", date(2025, 1, 31), Decimal("10000.00"))]


def test_a_business_debt_stops_the_late_payment_interest_at_the_decree():
    # Ordinary (Ley 3/2004, 1H2025 11.15 %): 1 February - 30 June 2025, 150 days: 10,000 x 11.15 % x 150 / 365 = 458.2191...
    # -> 458.22, and the 40.00 compensation. The decree (30 June) orders 10,498.22 paid; on it, LEC 576 from 1 July to
    # 31 December, 184 days at 3.25 + 2 = 5.25 %: 10,498.22 x 5.25 % x 184 / 365 = 277.8433... -> 277.84.
    # (Without the decree the late-payment rate would have gone on: 10,000 x 10.15 % x 184 / 365 = 511.67 more.)
    b = balances(INV, [], date(2025, 12, 31), business=True, judgment_on=date(2025, 6, 30))
    assert (b.interest, b.compensation, b.judgment_interest) == (Decimal("458.22"), Decimal("40.00"), Decimal("277.84"))
    assert b.outstanding == Decimal("10776.06") and b.judgment_on == date(2025, 6, 30)
    # what letters and the debtor's page print as "interest" adds up: 10,000.00 + 736.06 + 40.00 = 10,776.06
    assert b.all_interest == Decimal("736.06") and b.principal + b.all_interest + b.compensation == b.outstanding
    without = balances(INV, [], date(2025, 12, 31), business=True)
    assert without.interest == Decimal("458.22") + Decimal("511.67") and without.judgment_interest == Decimal("0.00")


def test_before_the_decree_nothing_changes():
    assert balances(INV, [], date(2025, 6, 30), business=True, judgment_on=date(2025, 6, 30)) == balances(
        INV, [], date(2025, 6, 30), business=True)


def test_a_payment_after_the_decree_pays_the_post_judgment_interest_first_and_lowers_its_base():
    # 30 September: 1 July - 30 September, 92 days: 10,498.22 x 5.25 % x 92 / 365 = 138.9216... -> 138.92.
    # 1,000.00 pays 138.92 of it, then 458.22 interest, 40.00 compensation and 362.86 of principal: 9,637.14 left.
    # 1 October - 31 December, 92 days: 9,637.14 x 5.25 % x 92 / 365 = 127.5270... -> 127.53.
    b = balances(INV, [Paid(date(2025, 9, 30), Decimal("1000.00"), ref=7)], date(2025, 12, 31), business=True, judgment_on=date(2025, 6, 30))
    assert b.allocations[0].parts == (("judgment_interest", "F-1", Decimal("138.92")), ("interest", "F-1", Decimal("458.22")),
                                      ("compensation", "F-1", Decimal("40.00")), ("principal", "F-1", Decimal("362.86")))
    assert b.principal_outstanding == Decimal("9637.14")
    assert b.judgment_interest == Decimal("138.92") + Decimal("127.53")
    assert b.outstanding == Decimal("9637.14") + Decimal("127.53")
    assert b.invoices[0].judgment_interest_outstanding == Decimal("127.53")


def test_a_consumer_from_the_demand_to_the_decree_then_lec_576():
    # Demand 1 March 2025: legal interest 3.25 % from 2 March to the decree of 31 May, 91 days: 2,000 x 3.25 % x 91 / 365
    # = 16.2054... -> 16.21. Then 1 June 2025 - 31 January 2026, 245 days at 5.25 % (2025 and 2026 alike) on 2,016.21:
    # 2,016.21 x 5.25 % x 245 / 365 = 71.0507... -> 71.05.
    inv = [OwedInvoice("F-2", date(2025, 1, 15), Decimal("2000.00"))]
    b = balances(inv, [], date(2026, 1, 31), business=False, demanded_on=date(2025, 3, 1), judgment_on=date(2025, 5, 31))
    assert (b.interest, b.judgment_interest, b.outstanding) == (Decimal("16.21"), Decimal("71.05"), Decimal("2087.26"))
    assert [(s.first, s.days) for s in b.invoices[0].judgment_slices] == [(date(2025, 6, 1), 214), (date(2026, 1, 1), 31)]
