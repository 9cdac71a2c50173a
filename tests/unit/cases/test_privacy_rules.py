"""The debtor's data rights as rules: which legal holds keep a debtor's data from erasure, and until when (worked
examples computed by hand), and what anonymisation blanks in an event's details."""
from __future__ import annotations

from datetime import date

from cases.privacy.rules import CaseFacts, anonymous_name, holds, scrub, years_after

TODAY = date(2026, 12, 7)


def case(**over) -> CaseFacts:
    values = {"case_id": 1, "reference": "EXP-2026-000001", "open": False, "outstanding_cents": 0, "limitation_date": None, "last_money_on": None}
    values.update(over)
    return CaseFacts(**values)


def test_an_open_case_holds_the_data_until_it_closes():
    found = holds([case(open=True, outstanding_cents=12000)], TODAY)
    assert [(h.code, h.until) for h in found] == [("open_case", None)]
    assert "EXP-2026-000001" in found[0].text()


def test_money_still_owed_holds_the_data_until_the_limitation_date_then_not():
    owed = case(outstanding_cents=12000, limitation_date=date(2029, 3, 1))
    assert [(h.code, h.until) for h in holds([owed], TODAY)] == [("limitation", date(2029, 3, 1))]
    # the limitation date is the last day a claim can be made: held on it, free the day after
    assert holds([owed], date(2029, 3, 1))[0].code == "limitation"
    assert holds([owed], date(2029, 3, 2)) == []
    # owed, and nobody worked out the date: held (better than erasing a debt that can still be claimed)
    assert [h.code for h in holds([case(outstanding_cents=1)], TODAY)] == ["limitation_unknown"]
    # paid in full: limitation holds nothing
    assert holds([case(outstanding_cents=0, limitation_date=date(2030, 1, 1))], TODAY) == []


def test_the_books_hold_the_data_six_years_from_the_last_money_movement():
    paid = case(last_money_on=date(2024, 5, 10))
    assert [(h.code, h.until) for h in holds([paid], TODAY)] == [("accounting", date(2030, 5, 10))]
    assert holds([paid], date(2030, 5, 10)) == []  # the sixth anniversary: the period is over
    assert [(h.code, h.until) for h in holds([paid], TODAY, accounting_years=10)] == [("accounting", date(2034, 5, 10))]
    assert holds([case(last_money_on=date(2019, 5, 10))], TODAY) == []


def test_a_closed_case_is_kept_three_years_for_claims_about_its_handling():
    closed = case(closed_on=date(2026, 11, 30))
    assert [(h.code, h.until) for h in holds([closed], TODAY)] == [("closed_recently", date(2029, 11, 30))]
    assert holds([closed], date(2029, 11, 30)) == []
    assert [(h.code, h.until) for h in holds([closed], TODAY, after_close_years=1)] == [("closed_recently", date(2027, 11, 30))]
    assert [h.code for h in holds([case(open=True, closed_on=None)], TODAY)] == ["open_case"]


def test_an_open_complaint_holds_and_every_case_counts():
    found = holds([case(case_id=1, open_complaint=True), case(case_id=2, reference="EXP-2026-000002", outstanding_cents=500,
                                                              limitation_date=date(2027, 1, 1))], TODAY)
    assert [(h.code, h.case_id) for h in found] == [("complaint", 1), ("limitation", 2)]


def test_years_after_keeps_the_day_and_moves_29_february():
    assert years_after(date(2024, 2, 29), 6) == date(2030, 2, 28)
    assert years_after(date(2024, 2, 29), 4) == date(2028, 2, 29)
    assert years_after(date(2026, 12, 7), 6) == date(2032, 12, 7)


def test_scrub_blanks_the_person_and_keeps_the_figures():
    payload = {"channel": "call", "contact": "+34600000000", "body": "Habló con su hermana", "amount": "100.00",
               "before": {"email": "a@b.test"}, "fields": ["email"], "nested": [{"iban": "ES91...", "due_on": "2027-01-01"}], "note": ""}
    assert scrub(payload) == {"channel": "call", "contact": "", "body": "", "amount": "100.00", "before": "", "fields": ["email"],
                              "nested": [{"iban": "", "due_on": "2027-01-01"}], "note": ""}
    assert anonymous_name(42) == "ANON-000042"
