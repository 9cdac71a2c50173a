from datetime import date, datetime, timezone

import pytest

from cases.messages.rules import ContactWindow, Step, TemplateProblem, check_template, next_step, render, step_due, whatsapp_link
from legal.rules.calendar import easter_sunday, is_holiday


def test_unknown_merge_field_is_named():
    with pytest.raises(TemplateProblem) as exc:
        check_template("Hola {{ debtor_name }}", "Debe {{ outstandign }} y {{ reference }}")
    assert exc.value.field == "body" and "outstandign" in str(exc.value.message)


def test_bad_syntax_is_refused_with_the_line():
    with pytest.raises(TemplateProblem) as exc:
        check_template("", "Hola\n{{ debtor_name ")
    assert "2" in str(exc.value.message)


@pytest.mark.parametrize("subject,body,field,says", [
    ("Hola", "Debe {{ outstanding + 1 }}", "body", "TypeError"),            # parses, but the fields are text
    ("Hola", "{{ debtor_name.__class__.__mro__ }}", "body", "Error"),        # the sandbox refuses it
    ("Sus facturas {{ invoices_table }}", "Hola", "subject", "one line"),   # a subject cannot carry the table
])
def test_a_template_that_would_fail_on_a_case_is_refused_when_saved(subject, body, field, says):
    from agency import i18n

    i18n.set_language("en")
    try:
        with pytest.raises(TemplateProblem) as exc:
            check_template(subject, body)
        assert exc.value.field == field and says in str(exc.value.message)
    finally:
        i18n.set_language("es")


def test_the_seeded_templates_pass_their_own_check():
    from cases.messages.seeds import TEMPLATES

    for _key, (_channel, _name, texts) in TEMPLATES.items():
        for subject, body in texts.values():
            check_template(subject, body)


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


def test_each_country_has_its_own_window():
    from cases.messages.rules import JURISDICTION_ZONES, open_jurisdictions
    from legal.rules.jurisdictions import JURISDICTIONS

    assert set(JURISDICTION_ZONES) == set(JURISDICTIONS)
    winter_monday = datetime(2026, 11, 23, 8, 30, tzinfo=timezone.utc)  # 9:30 in Madrid and Paris, 8:30 in Lisbon
    assert ContactWindow.of("ES").allows(winter_monday) and ContactWindow.of("FR").allows(winter_monday)
    assert not ContactWindow.of("PT").allows(winter_monday)
    assert open_jurisdictions(winter_monday) == {"ES", "FR"}
    assert not ContactWindow.of("PT").allows(datetime(2026, 11, 23, 20, 0, tzinfo=timezone.utc))  # 20:00 in Lisbon
    bastille_day = datetime(2026, 7, 14, 10, 0, tzinfo=timezone.utc)
    assert open_jurisdictions(bastille_day) == {"ES", "PT"}
    assert open_jurisdictions(datetime(2026, 12, 8, 10, 0, tzinfo=timezone.utc)) == {"FR"}  # Inmaculada in Spain, Imaculada Conceição in Portugal
    assert ContactWindow.of("XX") == ContactWindow()


def test_step_due_on_both_sides():
    step = Step(1, "accepted", 7, "reminder")
    assert not step_due(step, date(2026, 1, 1), date(2026, 11, 17), date(2026, 11, 23))
    assert step_due(step, date(2026, 1, 1), date(2026, 11, 16), date(2026, 11, 23))
    assert not step_due(Step(2, "accepted", 0, "x"), date(2026, 1, 1), None, date(2026, 11, 23))


FLOW = [Step(1, "accepted", 0, "first_contact"), Step(2, "accepted", 7, "reminder"), Step(3, "accepted", 21, "overdue")]
ACCEPTED = date(2026, 10, 1)


def _run_daily(steps, first_day, days, oldest_due=date(2026, 1, 1), accepted=ACCEPTED):
    """What a worker running once a day from first_day would send: [(day, step id)]."""
    from datetime import timedelta

    sent: dict[int, date] = {}
    out = []
    for n in range(days):
        today = first_day + timedelta(days=n)
        step = next_step(steps, sent, oldest_due, accepted, today)
        if step:
            sent[step.id] = today
            out.append((today, step.id))
    return out


def test_the_flow_as_written_one_step_at_a_time():
    assert _run_daily(FLOW, ACCEPTED, 40) == [(date(2026, 10, 1), 1), (date(2026, 10, 8), 2), (date(2026, 10, 22), 3)]


def test_steps_due_while_the_worker_was_stopped_keep_their_spacing():
    # accepted on 1 October, the worker first runs on 30 October: all three are due, but the debtor gets the
    # first contact, the reminder a week later and the final notice two weeks after that, not three at once.
    assert _run_daily(FLOW, date(2026, 10, 30), 40) == [(date(2026, 10, 30), 1), (date(2026, 11, 6), 2), (date(2026, 11, 20), 3)]


def test_a_step_the_flow_has_moved_past_is_not_sent_late():
    # the creditor adds a day-3 step after the day-7 reminder went out: it is not sent now
    sent = {1: date(2026, 10, 1), 2: date(2026, 10, 8)}
    flow = [*FLOW, Step(4, "accepted", 3, "reminder")]
    assert next_step(flow, sent, date(2026, 1, 1), ACCEPTED, date(2026, 10, 12)) is None
    assert next_step(flow, sent, date(2026, 1, 1), ACCEPTED, date(2026, 10, 22)).id == 3


def test_steps_counted_from_the_due_date():
    flow = [Step(1, "due", 30, "reminder"), Step(2, "due", 60, "overdue")]
    assert next_step(flow, {}, date(2026, 9, 1), ACCEPTED, date(2026, 9, 30)) is None
    assert next_step(flow, {}, date(2026, 9, 1), ACCEPTED, date(2026, 10, 1)).id == 1
    assert next_step(flow, {1: date(2026, 10, 20)}, date(2026, 9, 1), ACCEPTED, date(2026, 10, 31)) is None  # due, but 30 days after the last
    assert next_step(flow, {1: date(2026, 10, 20)}, date(2026, 9, 1), ACCEPTED, date(2026, 11, 19)).id == 2


def test_a_message_about_a_commitment_the_case_lacks_is_named():
    from cases.messages.rules import missing_facts

    body = "Confirmamos su promesa de pagar {{ promise_amount }} el {{ promise_date }}. Pagado: {{ last_payment_amount }}."
    assert missing_facts("Promesa – {{ reference }}", body, {"promise_amount": "", "promise_date": "", "last_payment_amount": ""}) == [
        "payment", "promise"]
    assert missing_facts("x", body, {"promise_amount": "100,00 €", "promise_date": "15/12/2026", "last_payment_amount": "5,00 €"}) == []
    assert missing_facts("x", "Debe {{ outstanding }}", {"outstanding": ""}) == []  # only the commitment fields count

    guarded = "Debe {{ outstanding }}.{% if promise_amount %} Prometió {{ promise_amount }}.{% endif %}"
    assert missing_facts("x", guarded, {"promise_amount": ""}) == [], "a field inside an if is guarded"


def test_a_contact_made_after_midnight_in_madrid_counts_as_today():
    from cases.negotiation.queue import QueueFacts, score

    now = datetime(2026, 12, 1, 23, 45, tzinfo=timezone.utc)  # 00:45 on 2 December in Madrid
    facts = dict(stage="amicable", outstanding_cents=100000, oldest_due_date=date(2026, 10, 1), next_action_at=None, broken_promises=0,
                 missed_instalments=0, classification="unknown", limitation_date=None, accepted_at=None)
    assert "contacted_today" in score(QueueFacts(**facts, last_contact_at=datetime(2026, 12, 1, 23, 30, tzinfo=timezone.utc)), now)[1]
    assert "contacted_today" not in score(QueueFacts(**facts, last_contact_at=datetime(2026, 12, 1, 10, 0, tzinfo=timezone.utc)), now)[1]
