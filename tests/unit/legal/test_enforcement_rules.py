"""The enforcement request's and the costs claim's figures, by hand (LEC 539, 575, 394.3)."""
from decimal import Decimal

import pytest

from legal.enforcement.rules import AssetError, check_asset, costs_claim, enforcement_figures


def test_the_request_asks_for_what_is_owed_and_30_per_cent_on_top():
    # 8,474.70 + 124.30 + 24.74 = 8,623.74; 30 % = 2,587.122 -> 2,587.12; together 11,210.86 (the sample's figures)
    f = enforcement_figures(Decimal("8474.70"), Decimal("124.30"), Decimal("24.74"))
    assert (f.claimed, f.provisional, f.total) == (Decimal("8623.74"), Decimal("2587.12"), Decimal("11210.86"))
    assert f.representation_required is True


def test_up_to_2000_no_lawyer_nor_procurador():
    # 1,900.00 + 80.00 + 20.00 = 2,000.00: not above the limit (LEC 539.1 "exceda de 2.000 euros"); 30 % = 600.00
    f = enforcement_figures(Decimal("1900.00"), Decimal("80.00"), Decimal("20.00"))
    assert (f.claimed, f.provisional, f.representation_required) == (Decimal("2000.00"), Decimal("600.00"), False)
    assert enforcement_figures(Decimal("2000.01"), Decimal("0"), Decimal("0")).representation_required is True


def test_half_cents_of_the_provisional_sum_round_up():
    # 0.05 x 30 % = 0.015 -> 0.02
    assert enforcement_figures(Decimal("0.05"), Decimal("0"), Decimal("0")).provisional == Decimal("0.02")


def test_the_costs_claim_totals_the_courts_costs_only():
    costs = [("court_fee", Decimal("100.00")), ("burofax", Decimal("25.00")), ("lawyer", Decimal("700.00")),
             ("procurador", Decimal("310.50")), ("lawyer", Decimal("500.00"))]
    claim = costs_claim(costs, Decimal("3000.00"))
    # lawyer 700 + 500 = 1,200.00, procurador 310.50, court fee 100.00: 1,610.50 (the burofax is not a court cost)
    assert claim.by_kind == (("lawyer", Decimal("1200.00")), ("procurador", Decimal("310.50")), ("court_fee", Decimal("100.00")))
    assert claim.lines == (("lawyer", Decimal("700.00")), ("lawyer", Decimal("500.00")), ("procurador", Decimal("310.50")),
                           ("court_fee", Decimal("100.00")))
    assert claim.total == Decimal("1610.50")
    # LEC 394.3: a third of 3,000.00 = 1,000.00; the lawyer's 1,200.00 is over it
    assert (claim.lawyer_cap, claim.lawyer_over_cap) == (Decimal("1000.00"), True)
    assert costs_claim(costs, Decimal("8474.70")).lawyer_cap == Decimal("2824.90") and not costs_claim(costs, Decimal("8474.70")).lawyer_over_cap


def test_an_asset_needs_a_kind_and_a_description():
    check_asset("vehicle", "Furgoneta")
    with pytest.raises(AssetError):
        check_asset("yacht", "Velero")
    with pytest.raises(AssetError):
        check_asset("property", "  ")
