from datetime import date, datetime, timezone

import pytest

from cases.messaging import ContactWindow, Step, TemplateProblem, check_template, render, step_due, whatsapp_link
from legal.calendar import easter_sunday, is_holiday


def test_unknown_merge_field_is_named():
    with pytest.raises(TemplateProblem) as exc:
        check_template("Hola {{ debtor_name }}", "Debe {{ outstandign }} y {{ reference }}")
    assert exc.value.field == "body" and "outstandign" in str(exc.value.message)


def test_bad_syntax_is_refused_with_the_line():
    with pytest.raises(TemplateProblem) as exc:
        check_template("", "Hola\n{{ debtor_name ")
    assert "2" in str(exc.value.message)


def test_render_and_sandbox():
    assert render("Exp {{ reference }}", "Hola {{ debtor_name }}", {"reference": "EXP-1", "debtor_name": "Ana"}) == ("Exp EXP-1", "Hola Ana\n")
    with pytest.raises(Exception):
        render("", "{{ reference.__class__.__mro__ }}", {"reference": "x"})


def test_whatsapp_link():
    assert whatsapp_link("+34600123456", "Hola, ¿hablamos?") == "https://wa.me/34600123456?text=Hola%2C%20%C2%BFhablamos%3F"


def test_easter_and_spanish_holidays():
    assert easter_sunday(2026) == date(2026, 4, 5) and easter_sunday(2027) == date(2027, 3, 28)
    assert is_holiday(date(2026, 4, 3))  # Viernes Santo
    assert is_holiday(date(2026, 12, 8)) and not is_holiday(date(2026, 12, 9))


@pytest.mark.parametrize("utc,allowed", [
    (datetime(2026, 11, 23, 7, 59, tzinfo=timezone.utc), False),   # Monday 08:59 in Madrid
    (datetime(2026, 11, 23, 8, 0, tzinfo=timezone.utc), True),     # 09:00
    (datetime(2026, 11, 23, 18, 59, tzinfo=timezone.utc), True),   # 19:59
    (datetime(2026, 11, 23, 19, 0, tzinfo=timezone.utc), False),   # 20:00
    (datetime(2026, 11, 28, 10, 0, tzinfo=timezone.utc), True),    # Saturday
    (datetime(2026, 11, 29, 10, 0, tzinfo=timezone.utc), False),   # Sunday
    (datetime(2026, 12, 8, 10, 0, tzinfo=timezone.utc), False),    # Inmaculada, a Tuesday
    (datetime(2026, 7, 1, 7, 30, tzinfo=timezone.utc), True),      # summer time: 09:30 in Madrid
])
def test_contact_window(utc, allowed):
    assert ContactWindow().allows(utc) is allowed


def test_step_due_on_both_sides():
    step = Step(1, "accepted", 7, "reminder")
    assert not step_due(step, date(2026, 1, 1), date(2026, 11, 17), date(2026, 11, 23))
    assert step_due(step, date(2026, 1, 1), date(2026, 11, 16), date(2026, 11, 23))
    assert not step_due(Step(2, "accepted", 0, "x"), date(2026, 1, 1), None, date(2026, 11, 23))
