"""A filing's steps: the order each procedure allows (with why when refused), the dates a step may carry, the deadlines
each step opens counted by hand (business days with August and 24 December-6 January out; a month that ends on a
closed day moves, and says so), and the ordinario's court fee with the monitorio's deducted."""
from datetime import date
from decimal import Decimal

import pytest

from legal.court.steps import check_step, deadlines_opened, follows_opposition, next_steps, open_deadlines
from legal.rules.deadlines import DEADLINE_RULES
from legal.rules.procedures import ordinario_fee_after_monitorio

TODAY = date(2026, 12, 1)
FILED = date(2026, 6, 1)


@pytest.fixture(autouse=True)
def english():
    from agency import i18n

    previous = i18n.get_language()
    i18n.set_language("en")
    yield
    i18n.set_language(previous)


def test_the_monitorio_path_step_by_step():
    assert next_steps("monitorio", "filed") == ("admitted", "served", "paid")
    assert next_steps("monitorio", "served") == ("no_answer", "opposed", "paid")
    assert next_steps("monitorio", "no_answer") == ("decree", "paid")
    assert next_steps("monitorio", "decree") == ("enforcement_requested", "paid")
    assert next_steps("monitorio", "enforcement") == ("attachment", "paid")
    assert next_steps("monitorio", "opposed") == ("judgment", "paid")
    assert next_steps("monitorio", "paid") == () and next_steps("monitorio", "prepared") == ()
    assert next_steps("verbal", "no_answer") == ("judgment", "paid")  # a trial has no decree ending it: a judgment in default


@pytest.mark.parametrize("status, step, on, last_on, code, http, fragment", [
    ("filed", "opposed", date(2026, 7, 1), None, "out_of_order", 409, "record the service first"),
    ("admitted", "no_answer", date(2026, 7, 1), None, "out_of_order", 409, "service"),
    ("served", "decree", date(2026, 7, 1), None, "out_of_order", 409, "no answer"),
    ("served", "attachment", date(2026, 7, 1), None, "out_of_order", 409, "request for enforcement"),
    ("paid", "served", date(2026, 7, 1), None, "closed", 409, "nothing follows"),
    ("prepared", "served", date(2026, 7, 1), None, "not_filed", 409, "filing date"),
    ("filed", "served", date(2026, 12, 2), None, "future_date", 400, "future"),
    ("filed", "served", date(2026, 5, 31), None, "before_filing", 422, "before the filing"),
    ("served", "opposed", date(2026, 7, 1), date(2026, 7, 2), "before_previous", 422, "previous"),
    ("served", "appealed", date(2026, 7, 1), None, "unknown_step", 422, "one of"),
])
def test_refusals_say_what_to_fix(status, step, on, last_on, code, http, fragment):
    refusal = check_step("monitorio", status, step, on, FILED, last_on, TODAY)
    assert refusal is not None and (refusal.code, refusal.status) == (code, http)
    assert fragment in str(refusal), str(refusal)


def test_allowed_steps_pass_and_a_step_may_share_the_previous_day():
    assert check_step("monitorio", "filed", "served", FILED, FILED, None, TODAY) is None
    assert check_step("monitorio", "served", "opposed", date(2026, 7, 2), FILED, date(2026, 7, 2), TODAY) is None
    assert check_step("monitorio", "hearing_set", "paid", TODAY, FILED, None, TODAY) is None


def test_service_opens_the_twenty_business_days_over_august():
    # Served Friday 10 July 2026: 15 business days in July (13-31), August closed, then 1-4 and 7 September: due Monday 7 September.
    [d] = open_deadlines("monitorio", "served", date(2026, 7, 10), Decimal("5000"))
    assert (d.rule, d.due_on, d.moved_from) == ("monitorio_answer", date(2026, 9, 7), None)
    assert DEADLINE_RULES[d.rule].source == "LEC 815.1" and str(d.note) == ""


def test_opposition_above_the_verbal_limit_opens_the_month_for_the_ordinario():
    assert follows_opposition(Decimal("15000.00")) == "verbal" and follows_opposition(Decimal("15000.01")) == "ordinario"
    # Notified 10 March 2026: a month, date to date, is Friday 10 April 2026 (a business day).
    [d] = open_deadlines("monitorio", "opposed", date(2026, 3, 10), Decimal("20000"))
    assert (d.rule, d.due_on, d.moved_from) == ("ordinario_claim_after_opposition", date(2026, 4, 10), None)
    assert DEADLINE_RULES[d.rule].source == "LEC 818.2"


def test_a_month_ending_in_august_moves_to_september_and_says_so():
    # Notified 15 July 2026: the month ends 15 August (August closed, and a holiday): Tuesday 1 September.
    [d] = open_deadlines("monitorio", "opposed", date(2026, 7, 15), Decimal("20000"))
    assert d.due_on == date(2026, 9, 1) and d.moved_from == date(2026, 8, 15)
    assert "2026-08-15" in str(d.note) and "2026-09-01" in str(d.note) and "not a business day" in str(d.note)


def test_a_month_ending_on_christmas_eve_moves_past_epiphany():
    [d] = open_deadlines("monitorio", "opposed", date(2026, 11, 24), Decimal("20000"))
    assert (d.due_on, d.moved_from) == (date(2027, 1, 7), date(2026, 12, 24))  # 24 Dec-6 Jan closed: Thursday 7 January


def test_opposition_up_to_the_limit_goes_on_as_a_verbal_and_the_decree_opens_enforcement():
    assert deadlines_opened("monitorio", "opposed", Decimal("15000")) == ("verbal_opposition_reply",)
    assert "unconfirmed" in DEADLINE_RULES["verbal_opposition_reply"].source
    [d] = open_deadlines("monitorio", "decree", date(2026, 10, 1), Decimal("3000"))
    # LEC 518: five years (60 months) to ask for enforcement: 1 October 2031 is a Wednesday.
    assert (d.rule, d.due_on) == ("enforcement_expiry", date(2031, 10, 1)) and DEADLINE_RULES[d.rule].source == "LEC 518"
    assert deadlines_opened("monitorio", "admitted", Decimal("3000")) == ()
    assert deadlines_opened("verbal", "served", Decimal("3000")) == ("verbal_answer",)


def test_the_ordinario_fee_deducts_the_monitorios():
    # 20,000 EUR, a company, online: ordinario 300 - 10 % = 270 + 0.5 % of 20,000 = 100 -> 370;
    # monitorio 100 - 10 % = 90 + 100 -> 190; to pay 370 - 190 = 180.
    fee = ordinario_fee_after_monitorio(Decimal("20000"), True)
    assert (fee.ordinario.total, fee.monitorio.total, fee.to_pay) == (Decimal("370.00"), Decimal("190.00"), Decimal("180.00"))
    assert ordinario_fee_after_monitorio(Decimal("20000"), False).to_pay == Decimal("0.00")  # natural persons pay neither
