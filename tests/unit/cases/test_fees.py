from decimal import Decimal

import pytest

from cases.billing.fees import DEFAULT_TARIFF, flat_fee, quote, success_fee


@pytest.mark.parametrize("principal,fee", [
    ("0.01", "30.00"), ("300.00", "30.00"), ("300.01", "60.00"), ("3000.00", "60.00"), ("3000.01", "90.00"),
    ("30000.00", "90.00"), ("30000.01", "150.00"), ("90000.00", "150.00"), ("90000.01", "290.00"), ("1000000", "290.00"),
])
def test_flat_fee_bands_on_both_sides(principal, fee):
    assert flat_fee(DEFAULT_TARIFF, Decimal(principal)) == Decimal(fee)


def test_success_fee_rounds_half_up_once():
    assert success_fee(DEFAULT_TARIFF, Decimal("1210.50"), "amicable") == Decimal("181.58")  # 181.575
    assert success_fee(DEFAULT_TARIFF, Decimal("1000"), "court") == Decimal("200.00")


def test_quote_for_three_debts():
    q = quote(DEFAULT_TARIFF, [Decimal("150"), Decimal("1210.50"), Decimal("45000")])
    assert q.flat_fees == Decimal("240.00")  # 30 + 60 + 150
    assert [line.total_if_collected for line in q.lines] == [Decimal("52.50"), Decimal("241.58"), Decimal("6900.00")]
    assert q.principal == Decimal("46360.50")
