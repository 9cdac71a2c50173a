"""Interest and compensation with LEGAL.md's worked example and the boundaries around it."""
from datetime import date
from decimal import Decimal

import pytest

from legal.rules.interest import compensation, late_payment_interest, legal_interest
from legal.rules.jurisdictions import late_payment_rate


def test_legal_md_worked_example():
    # 10,000.00 EUR due 31 March 2025, paid 30 September 2025: 91 days at 11.15 % + 92 days at 10.15 %
    assert late_payment_interest(Decimal("10000.00"), date(2025, 3, 31), date(2025, 9, 30)) == Decimal("533.82")
    assert compensation(True, 1) == Decimal("40.00")


def test_paid_on_the_due_date_owes_nothing():
    assert late_payment_interest(Decimal("1000"), date(2025, 3, 31), date(2025, 3, 31)) == Decimal("0.00")


def test_one_day_late():
    # 1,000 x 11.15 % x 1 / 365 = 0.30547... -> 0.31
    assert late_payment_interest(Decimal("1000"), date(2025, 3, 31), date(2025, 4, 1)) == Decimal("0.31")


def test_the_split_falls_on_1_july():
    # due 30 June: every day is in the second half-year (10.15 %): 1,000 x 10.15 % x 31 / 365 = 8.6205... -> 8.62
    assert late_payment_interest(Decimal("1000"), date(2025, 6, 30), date(2025, 7, 31)) == Decimal("8.62")
    # due 29 June: one day at 11.15 % (30 June), 31 at 10.15 %: 0.30547 + 8.62054 = 8.926 -> 8.93
    assert late_payment_interest(Decimal("1000"), date(2025, 6, 29), date(2025, 7, 31)) == Decimal("8.93")


def test_rounded_once_not_per_slice():
    # 20.00 over 30 June (11.15 %) and 1 July (10.15 %): 0.00611 + 0.00556 = 0.01167 -> 0.01
    # (rounding each slice first would give 0.01 + 0.01 = 0.02)
    assert late_payment_interest(Decimal("20.00"), date(2025, 6, 29), date(2025, 7, 1)) == Decimal("0.01")


def test_consumers_get_the_legal_rate_and_no_compensation():
    # 1,000 x 3.25 % x 365 / 365 over 2025 = 32.50
    assert legal_interest(Decimal("1000"), date(2024, 12, 31), date(2025, 12, 31)) == Decimal("32.50")
    assert compensation(False, 3) == Decimal("0.00")


def test_france_and_portugal_follow_the_ecb_reference():
    # 1 July 2025: the ECB rate in force before it is 2.15 %
    assert late_payment_rate("FR", date(2025, 7, 1)) == Decimal("12.15")
    assert late_payment_rate("PT", date(2025, 7, 1)) == Decimal("10.15")


def test_a_missing_half_year_is_an_error_not_a_guess():
    with pytest.raises(LookupError):
        late_payment_interest(Decimal("1000"), date(2015, 12, 31), date(2016, 1, 10))  # before the table starts (2016-H2)


def test_consumers_in_france_and_portugal_owe_their_own_legal_interest():
    """France: the legal rate "for other cases", per half-year (4.92 % in 2024-H2, 3.71 % in 2025-H1);
    Portugal: 4 % a year (Portaria 291/2003). Both used to fail with no rate at all (a 500 on every page)."""
    from legal.rules.jurisdictions import MissingRate, legal_rate_is_provisional

    # 1,000 EUR due 31 Dec 2024, paid 30 Jun 2025: 181 days of 2025-H1 at 3.71 %
    assert legal_interest(Decimal("1000"), date(2024, 12, 31), date(2025, 6, 30), "FR") == Decimal("18.40")
    # across 1 July: 30 June 2024 at the first half-year's 5.07 %, 1 July at the second's 4.92 %
    across = legal_interest(Decimal("1000"), date(2024, 6, 29), date(2024, 7, 1), "FR")
    assert across == (Decimal("1000") * Decimal("5.07") / 100 * 1 / 365 + Decimal("1000") * Decimal("4.92") / 100 * 1 / 365).quantize(Decimal("0.01"))
    assert legal_interest(Decimal("1000"), date(2024, 12, 31), date(2025, 12, 31), "PT") == Decimal("40.00")
    # after the tables: the latest known rate, marked provisional (not an error, not zero)
    assert legal_interest(Decimal("1000"), date(2026, 12, 31), date(2027, 12, 31), "ES") == Decimal("32.50")
    assert legal_rate_is_provisional("ES", date(2027, 3, 1)) and not legal_rate_is_provisional("ES", date(2026, 3, 1))
    # (1H2026 is published now, 2.62 %: the first half-year after the French table is 2H2026)
    assert legal_rate_is_provisional("FR", date(2026, 9, 1)) and not legal_rate_is_provisional("PT", date(2030, 1, 1))
    # before them: a missing rate, named
    with pytest.raises(MissingRate, match="FR"):
        legal_interest(Decimal("1000"), date(2019, 1, 1), date(2019, 3, 1), "FR")


def test_french_legal_rate_for_the_first_half_of_2026_is_2_62():
    """Arrêté of 15 December 2025 (LEGAL.md rev.): 2.62 % for 1H2026, confirmed, not provisional. 1,000.00 EUR
    from 1 January to 30 June 2026 inclusive: 181 days x 2.62 % / 365 = 12.992... -> 12.99 EUR."""
    from legal.rules.interest import legal_interest
    from legal.rules.jurisdictions import legal_interest_rate, legal_rate_is_provisional

    assert legal_interest_rate("FR", date(2026, 1, 1)) == Decimal("2.62")
    assert not legal_rate_is_provisional("FR", date(2026, 3, 1))
    assert legal_rate_is_provisional("FR", date(2026, 9, 1))  # 2H2026 not published: the 1H rate stands in
    assert legal_interest(Decimal("1000.00"), date(2025, 12, 31), date(2026, 6, 30), "FR") == Decimal("12.99")


def test_ecb_derived_rates_after_the_known_ecb_table_are_provisional_in_france_and_portugal():
    """France (ECB + 10) and Portugal (ECB + 8) for 2H2026 take the ECB rate of 30 June 2026, which the table does
    not know (a rise to 2.40 % is reported, unconfirmed): the figure stands on 2.15 and says it is provisional;
    once an admin adds the ECB decision, it is not."""
    from types import MappingProxyType

    from legal.rules.jurisdictions import rate_is_provisional

    h2 = date(2026, 7, 1)
    assert late_payment_rate("FR", h2) == Decimal("12.15") and rate_is_provisional("FR", h2)
    assert late_payment_rate("PT", h2) == Decimal("10.15") and rate_is_provisional("PT", h2)
    assert not rate_is_provisional("FR", date(2026, 1, 1))  # the ECB reference of 31 December 2025 is known
    added = MappingProxyType({("EU", date(2026, 6, 11)): Decimal("2.40"), ("EU", date(2026, 6, 30)): Decimal("2.40")})
    assert not rate_is_provisional("PT", h2, added) and late_payment_rate("PT", h2, added) == Decimal("10.40")
