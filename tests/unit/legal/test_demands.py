"""A delivery: the day a demand reached the debtor, never before it was sent nor after today."""
from datetime import date

from agency import i18n
from legal.demands.rules import delivery_problem


def test_a_delivery_falls_between_the_sending_and_today():
    sent, today = date(2026, 11, 2), date(2026, 12, 6)
    assert delivery_problem(sent, date(2026, 11, 4), today) is None
    assert delivery_problem(sent, sent, today) is None  # by hand: the same day
    assert delivery_problem(sent, today, today) is None
    i18n.set_language("en")
    try:
        assert str(delivery_problem(sent, date(2026, 11, 1), today)) == "The delivery date cannot be before the sending date (2026-11-02)."
        assert str(delivery_problem(sent, date(2026, 12, 7), today)) == "The delivery date cannot be in the future."
    finally:
        i18n.set_language("es")
