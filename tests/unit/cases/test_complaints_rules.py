"""The complaints register's rules, by hand: the answer's deadline, what a complaint must say, the month's report."""
from datetime import date

from cases.complaints.rules import Deadlines, answer_due, answer_problems, complaint_problems, monthly


def test_the_answer_is_due_fifteen_days_after_a_consumers_complaint_thirty_after_anyone_elses():
    assert answer_due(date(2026, 12, 7), True, Deadlines()) == date(2026, 12, 22)
    assert answer_due(date(2026, 12, 7), False, Deadlines()) == date(2027, 1, 6)  # (calendar days, across the year's end)
    assert answer_due(date(2026, 2, 20), True, Deadlines(consumer_days=10, other_days=20)) == date(2026, 3, 2)  # the agency's own


def test_a_complaint_says_who_what_about_and_what_happened():
    assert complaint_problems("debtor", "contact", "Me llamaron cinco veces el domingo.") == {}
    assert set(complaint_problems("neighbour", "weather", "corto")) == {"from", "cause", "body"}
    assert set(complaint_problems("creditor", "other", "x" * 5001)) == {"body"}
    assert set(answer_problems("", "maybe")) == {"answer", "outcome"}
    assert answer_problems("Revisamos las llamadas y pedimos disculpas.", "upheld") == {}


def test_the_report_counts_per_month_and_cause_in_time_late_open_and_overdue():
    today = date(2026, 12, 7)
    rows = [
        (date(2026, 11, 2), "contact", date(2026, 11, 17), date(2026, 11, 10)),  # in time
        (date(2026, 11, 3), "contact", date(2026, 11, 18), date(2026, 11, 20)),  # late
        (date(2026, 11, 20), "contact", date(2026, 12, 5), None),  # open and overdue
        (date(2026, 12, 1), "amount", date(2026, 12, 31), None),  # open, not yet due
    ]
    report = monthly(rows, today)
    assert [(r.month, r.cause, r.received, r.answered_in_time, r.answered_late, r.open, r.overdue) for r in report] == [
        ("2026-12", "amount", 1, 0, 0, 1, 0),
        ("2026-11", "contact", 3, 1, 1, 1, 1),
    ]
