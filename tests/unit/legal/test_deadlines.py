"""Procedural deadlines: Spanish business days (weekends, national holidays, 24 December to 6 January, August),
calendar and month deadlines that move off a closed day, France without the August rule, warnings."""
from datetime import date

import pytest

from legal.rules.deadlines import (
    DEADLINE_RULES,
    Warning,
    add_business_days,
    add_months,
    deadline_for,
    is_business_day,
    warning_for,
)


class TestBusinessDays:
    def test_weekends_and_national_holidays(self):
        assert is_business_day(date(2026, 11, 23))  # Monday
        assert not is_business_day(date(2026, 11, 28)) and not is_business_day(date(2026, 11, 29))
        assert not is_business_day(date(2026, 10, 12))  # Fiesta Nacional, a Monday
        assert not is_business_day(date(2026, 4, 3))  # Viernes Santo

    def test_national_holiday_on_a_sunday_is_still_known(self):
        from legal.rules.calendar import is_holiday
        assert is_holiday(date(2026, 11, 1)) and is_holiday(date(2026, 12, 6))  # both Sundays in 2026

    def test_regional_holidays_are_not_national(self):
        from legal.rules.calendar import is_holiday
        assert not is_holiday(date(2026, 4, 2))  # Jueves Santo: regional
        assert not is_holiday(date(2026, 9, 11))  # Diada: Catalonia only

    def test_august_and_christmas_only_for_civil_procedure_in_spain(self):
        for day in (date(2026, 8, 3), date(2026, 12, 24), date(2026, 12, 28), date(2026, 12, 31), date(2027, 1, 5)):
            assert not is_business_day(day)
            assert is_business_day(day, civil=False)
            assert is_business_day(day, "FR") and is_business_day(day, "PT")

    def test_french_and_portuguese_holidays(self):
        assert not is_business_day(date(2026, 7, 14), "FR") and is_business_day(date(2026, 7, 14))
        assert not is_business_day(date(2026, 6, 10), "PT")

    def test_counting_starts_the_day_after(self):
        # served Friday 27 November 2026: day 1 is Monday 30 November
        assert add_business_days(date(2026, 11, 27), 1) == date(2026, 11, 30)
        assert add_business_days(date(2026, 11, 27), 0) == date(2026, 11, 27)
        with pytest.raises(ValueError):
            add_business_days(date(2026, 11, 27), -1)

    def test_crossing_august(self):
        # monitorio served Monday 20 July 2026: 21-24 and 27-31 July are days 1-9, August is closed,
        # 1-4 September days 10-13, 7-11 September days 14-18, 14 and 15 September days 19 and 20.
        assert deadline_for("monitorio_answer", date(2026, 7, 20)) == date(2026, 9, 15)

    def test_crossing_a_national_holiday(self):
        # monitorio served Friday 25 September 2026: 28 Sep-9 Oct are days 1-10, Monday 12 October is
        # the Fiesta Nacional, 13-16 October days 11-14, 19-23 October days 15-19, Monday 26 October day 20.
        assert deadline_for("monitorio_answer", date(2026, 9, 25)) == date(2026, 10, 26)

    def test_christmas_closure(self):
        # LO 14/2022: 24 December to 6 January closed. Verbal answer (10 days) served Friday 18 December 2026:
        # 21-23 Dec days 1-3, closed until Wednesday 6 January, 7-8 Jan days 4-5, 11-15 Jan days 6-10.
        assert deadline_for("verbal_answer", date(2026, 12, 18)) == date(2027, 1, 15)
        # the demo's monitorio served 1 December 2026: 2-4 Dec days 1-3, 7 Dec day 4 (8th: Inmaculada),
        # 9-11 days 5-7, 14-18 days 8-12, 21-23 days 13-15, closed to 6 Jan, 7-8 Jan days 16-17, 11-13 Jan days 18-20.
        assert deadline_for("monitorio_answer", date(2026, 12, 1)) == date(2027, 1, 13)
        assert is_business_day(date(2027, 1, 7)) and is_business_day(date(2026, 12, 23))

    def test_france_has_no_august_rule(self):
        # 20 business days from Monday 20 July 2026 in France: 21-31 July days 1-9, 3-14 August days 10-19,
        # Saturday 15 August (Assomption) and the Sunday skipped, Monday 17 August day 20.
        assert add_business_days(date(2026, 7, 20), 20, "FR") == date(2026, 8, 17)


class TestCalendarDeadlines:
    def test_european_order_ending_on_a_sunday_moves_to_monday(self):
        # served Friday 16 October 2026 + 30 days = Sunday 15 November -> Monday 16 November
        assert deadline_for("eop_opposition", date(2026, 10, 16)) == date(2026, 11, 16)

    def test_european_order_on_a_weekday_stays(self):
        # served Tuesday 13 October 2026 + 30 days = Thursday 12 November, a business day
        assert deadline_for("eop_opposition", date(2026, 10, 13)) == date(2026, 11, 12)

    def test_european_order_ending_in_august_in_a_spanish_court(self):
        # served 5 July 2026 + 30 days = Tuesday 4 August, closed in Spain -> Tuesday 1 September;
        # in a German court it stays on 4 August
        assert deadline_for("eop_opposition", date(2026, 7, 5)) == date(2026, 9, 1)
        assert deadline_for("eop_opposition", date(2026, 7, 5), "DE") == date(2026, 8, 4)

    def test_settlement_offer_is_out_of_court(self):
        # sent 5 July 2026 + 30 days = Tuesday 4 August: August does not matter out of court
        assert deadline_for("settlement_answer", date(2026, 7, 5)) == date(2026, 8, 4)
        # sent 16 October 2026 + 30 = Sunday 15 November -> Monday 16 November
        assert deadline_for("settlement_answer", date(2026, 10, 16)) == date(2026, 11, 16)

    def test_injonction_months_use_the_french_calendar(self):
        # served 31 January 2026 + 1 month = 28 February (no 31st), a Saturday -> Monday 2 March
        assert deadline_for("injonction_opposition", date(2026, 1, 31)) == date(2026, 3, 2)
        # order of 14 January 2026 + 6 months = Tuesday 14 July, the Fête nationale -> Wednesday 15 July,
        # whatever country is passed (the rule is French)
        assert deadline_for("injonction_service", date(2026, 1, 14), "ES") == date(2026, 7, 15)
        # and August counts in France: served 2 July 2026 + 1 month = Sunday 2 August -> Monday 3 August
        assert deadline_for("injonction_opposition", date(2026, 7, 2)) == date(2026, 8, 3)

    def test_add_months(self):
        assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
        assert add_months(date(2026, 8, 31), 6) == date(2027, 2, 28)
        assert add_months(date(2026, 11, 15), 2) == date(2027, 1, 15)

    def test_rules(self):
        assert {"monitorio_answer", "eop_opposition", "settlement_answer", "injonction_opposition", "injonction_service",
                "verbal_answer"} <= set(DEADLINE_RULES)
        rule = DEADLINE_RULES["monitorio_answer"]
        assert (rule.days, rule.unit) == (20, "business") and "815" in rule.source and str(rule.label)
        assert (DEADLINE_RULES["injonction_service"].days, DEADLINE_RULES["injonction_service"].unit) == (6, "months")
        # ordinario answer, 20 business days from service on Monday 20 July 2026: the same 15 September as the monitorio
        assert deadline_for("ordinario_answer", date(2026, 7, 20)) == date(2026, 9, 15)


class TestWarnings:
    @pytest.mark.parametrize("due,level,left", [
        (date(2026, 11, 22), "overdue", -1),
        (date(2026, 11, 23), "today", 0),
        (date(2026, 11, 28), "soon", 5),
        (date(2026, 11, 29), "later", 6),
    ])
    def test_levels(self, due, level, left):
        assert warning_for(due, date(2026, 11, 23)) == Warning(level, left)

    def test_lead_time_is_adjustable(self):
        assert warning_for(date(2026, 11, 29), date(2026, 11, 23), soon_days=10).level == "soon"


def test_every_deadline_says_what_comes_next():
    from legal.rules.deadlines import NEXT_STEPS

    assert set(NEXT_STEPS) == set(DEADLINE_RULES)
