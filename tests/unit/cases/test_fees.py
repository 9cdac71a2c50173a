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


def test_the_withdrawal_fee_is_the_tariffs_percentage_of_what_is_still_owed():
    from dataclasses import replace as with_

    from cases.billing.fees import DEFAULT_TARIFF, from_json, to_json, withdrawal_fee

    tariff = with_(DEFAULT_TARIFF, withdrawal_percent=Decimal("7.5"))
    assert withdrawal_fee(tariff, Decimal("1234.56")) == Decimal("92.59")  # 1,234.56 x 7.5 % = 92.592, half-up
    assert withdrawal_fee(tariff, Decimal("0")) == Decimal("0.00") and withdrawal_fee(tariff, Decimal("-5")) == Decimal("0.00")
    assert withdrawal_fee(DEFAULT_TARIFF, Decimal("1000")) == Decimal("0.00")  # the default tariff charges none
    assert from_json(to_json(tariff)).withdrawal_percent == Decimal("7.5")  # kept in the case's snapshot
