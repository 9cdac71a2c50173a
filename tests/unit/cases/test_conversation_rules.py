"""The conversation's rules, by hand: a creditor's question is answered within two business days (weekends and Spain's
national holidays skipped), how late an unanswered one is, and what a message may be."""
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone

from agency import i18n
from cases.conversation.rules import BODY_MAX, FILES_MAX, answer_due, business_days_late, clean_body, is_overdue, message_problems
from cases.negotiation.queue import QueueFacts, score


def test_two_business_days_skip_the_weekend():
    assert answer_due(date(2026, 12, 2)) == date(2026, 12, 4)  # Wednesday -> Friday
    assert answer_due(date(2026, 12, 4)) == date(2026, 12, 9)  # Friday -> Monday 7 and (Tuesday 8 a holiday) Wednesday 9
    assert answer_due(date(2026, 11, 27)) == date(2026, 12, 1)  # Friday -> Tuesday
    assert answer_due(date(2026, 11, 28)) == date(2026, 12, 1)  # asked on Saturday: Monday and Tuesday count


def test_national_holidays_are_skipped():
    # Thursday 5 December 2024: Friday 6 (Constitución) is a holiday, then the weekend: Monday 9 and Tuesday 10
    assert answer_due(date(2024, 12, 5)) == date(2024, 12, 10)
    # Monday 7 December 2026: Tuesday 8 (Inmaculada) is a holiday: Wednesday 9 and Thursday 10
    assert answer_due(date(2026, 12, 7)) == date(2026, 12, 10)
    # Wednesday 23 December 2026: 24 counts (no court closure here), 25 is Christmas: Thursday 24 and Monday 28
    assert answer_due(date(2026, 12, 23)) == date(2026, 12, 28)
    # August is a working month for the agency (the courts' August does not apply)
    assert answer_due(date(2026, 8, 3)) == date(2026, 8, 5)


def test_overdue_from_the_day_after_the_due_day_and_late_in_business_days():
    due = date(2026, 12, 4)  # a Friday
    assert not is_overdue(due, date(2026, 12, 4))
    assert is_overdue(due, date(2026, 12, 5))
    assert business_days_late(due, date(2026, 12, 4)) == 0
    assert business_days_late(due, date(2026, 12, 6)) == 0  # only the weekend has passed
    assert business_days_late(due, date(2026, 12, 7)) == 1  # Monday
    assert business_days_late(due, date(2026, 12, 9)) == 2  # Tuesday 8 a holiday, Wednesday 9


def test_a_message_says_something_in_at_most_ten_thousand_characters():
    assert BODY_MAX == 10_000
    assert message_problems(clean_body("¿Cuándo llamarán al deudor?")) == {}
    assert set(message_problems(clean_body("   \r\n  "))) == {"body"}
    assert set(message_problems(clean_body(None))) == {"body"}
    assert message_problems("x" * 10_000) == {}
    i18n.set_language("en")
    try:
        refused = message_problems("x" * 10_001)
        assert set(refused) == {"body"} and "10,000" in refused["body"] and "10,001" in refused["body"]
    finally:
        i18n.set_language("es")
    assert "10.000" in message_problems("x" * 10_001)["body"]  # in the reader's language, numbers as they write them
    assert set(message_problems("Adjunto las facturas.", files=FILES_MAX + 1)) == {"files"}
    assert message_problems("Adjunto las facturas.", files=FILES_MAX) == {}


def test_the_text_is_kept_with_its_lines():
    assert clean_body("\r\n Hola,\r\n\r\nadjunto el albarán.\n\n") == "Hola,\n\nadjunto el albarán."
    assert len(clean_body("a\r\n" * 5000)) == 5000 * 2 - 1  # a Windows line end counts as one character


def test_an_unanswered_question_from_the_creditor_raises_the_case_in_the_queue():
    now = datetime(2026, 12, 7, 10, 0, tzinfo=timezone.utc)
    facts = QueueFacts(stage="amicable", outstanding_cents=100_000, oldest_due_date=now.date() - timedelta(days=90),
                       next_action_at=now + timedelta(days=2), broken_promises=0, missed_instalments=0, classification="unknown",
                       limitation_date=None, accepted_at=now - timedelta(days=10), last_contact_at=now - timedelta(days=3))
    assert score(facts, now) == (45, ("amount", "overdue"))  # 1,000 EUR: 30; 90 days: 10; amicable: 5
    asked = replace(facts, question_at=now - timedelta(hours=3))
    assert score(asked, now) == (75, ("amount", "overdue", "creditor_question"))
