"""The creditor's home, its pure figures (cases.home.rules): worked by hand."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from cases.home import rules
from cases.home.rules import Decision, LedgerSums

TODAY = date(2026, 12, 7)


def _d(ref: str, since: date | None, limitation: date | None = None, cents: int = 0, kind: str = "legal_action") -> Decision:
    return Decision(kind=kind, case_id=int(ref[-1]), reference=ref, debtor="D", since=since, asked="?", url="/", amount_cents=cents,
                    limitation_date=limitation)


def test_decisions_near_limitation_come_first_then_the_longest_waiting():
    old = _d("EXP-1", date(2026, 10, 1))
    newer = _d("EXP-2", date(2026, 12, 1), cents=500_00)
    near_late = _d("EXP-3", date(2026, 12, 6), limitation=date(2027, 2, 20))  # 75 days: urgent
    near_soon = _d("EXP-4", date(2026, 12, 6), limitation=date(2027, 1, 10))  # 34 days: more urgent
    far = _d("EXP-5", date(2026, 11, 1), limitation=date(2030, 1, 1))  # not urgent: by its waiting
    order = rules.by_urgency([old, newer, near_late, near_soon, far], TODAY)
    assert [d.reference for d in order] == ["EXP-4", "EXP-3", "EXP-1", "EXP-5", "EXP-2"]
    assert rules.is_urgent(near_late, TODAY) and not rules.is_urgent(far, TODAY) and not rules.is_urgent(old, TODAY)
    # 90 days exactly is urgent, 91 is not
    assert rules.is_urgent(_d("EXP-6", None, date(2027, 3, 7)), TODAY) and not rules.is_urgent(_d("EXP-7", None, date(2027, 3, 8)), TODAY)


def test_equal_waits_put_the_larger_amount_first():
    a, b = _d("EXP-1", date(2026, 11, 1), cents=100), _d("EXP-2", date(2026, 11, 1), cents=900)
    assert [d.reference for d in rules.by_urgency([a, b], TODAY)] == ["EXP-2", "EXP-1"]


def test_twelve_months_oldest_first_across_the_year():
    assert rules.months_back(date(2026, 3, 15)) == ["2025-04", "2025-05", "2025-06", "2025-07", "2025-08", "2025-09", "2025-10",
                                                    "2025-11", "2025-12", "2026-01", "2026-02", "2026-03"]
    assert rules.first_day_needed(date(2026, 3, 15)) == date(2025, 4, 1)
    assert rules.first_day_needed(date(2026, 12, 7)) == date(2026, 1, 1)


def test_recovered_this_month_this_year_and_per_month_net_of_reversals():
    days = [
        (date(2025, 12, 20), 300_00),  # last year: in the chart (December 2025), not in this year's figure
        (date(2026, 1, 5), 1_000_00),
        (date(2026, 11, 30), 250_50),
        (date(2026, 12, 1), 400_00),
        (date(2026, 12, 3), -150_00),  # a reversal booked this month
        (date(2026, 12, 8), 999_99),  # tomorrow: not counted
    ]
    r = rules.recovered(days, TODAY)
    assert r.month_cents == 400_00 - 150_00 == 250_00
    assert r.year_cents == 1_000_00 + 250_50 + 250_00 == 1_500_50
    assert len(r.monthly) == 12 and r.monthly[0] == ("2026-01", 1_000_00) and r.monthly[-1] == ("2026-12", 250_00)
    assert dict(r.monthly)["2026-11"] == 250_50 and dict(r.monthly)["2026-06"] == 0
    assert "2025-12" not in dict(r.monthly)  # twelve months from January back to the same December: this one is out
    r = rules.recovered(days, date(2026, 3, 1))
    assert dict(r.monthly)["2025-12"] == 300_00 and r.year_cents == 1_000_00 and r.month_cents == 0


def test_recovery_rate_one_decimal_and_nothing_assigned():
    assert rules.recovery_rate(1_500_50, 6_000_00) == Decimal("25.0")  # 25.008 %
    assert rules.recovery_rate(1, 3) == Decimal("33.3")
    assert rules.recovery_rate(2, 3) == Decimal("66.7")
    assert rules.recovery_rate(100, 0) == Decimal("0.0")


def test_stages_in_order_with_zeros():
    assert rules.by_stage({"court": 2, "intake": 1, "closed": 4}) == [
        ("intake", 1), ("amicable", 0), ("mediation", 0), ("credit_bureau", 0), ("court", 2), ("closed", 4)]


def test_what_is_to_remit():
    # collected 1,000.00, fees 150.00, expenses 20.00, 30.00 of the agency's costs paid back, 500.00 remitted: 300.00 left
    assert rules.to_remit(LedgerSums(collected=1_000_00, fees=150_00, expenses=20_00, agency_costs_paid=30_00, remitted=500_00)) == 300_00


def test_bar_shares():
    assert rules.bar_shares([0, 50, 100, -25]) == [0.0, 0.5, 1.0, 0.25]
    assert rules.bar_shares([0, 0]) == [0.0, 0.0] and rules.bar_shares([]) == []
