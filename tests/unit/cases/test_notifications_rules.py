"""Notifications' pure rules: who is told of what (creditors only of their own organisation's cases and only of what their
timeline shows; the case's own staff; admins for what concerns them; never the one who did it), the parameters kept, and
the digest's schedule (immediately, daily or never per kind; inside working hours only: 9:00-19:00 Madrid, Monday to
Friday, not on national holidays)."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from agency import i18n
from cases.notifications import rules
from cases.notifications.rules import CaseFacts, Pending, Person, WorkingHours

ORG, OTHER = 10, 20
CREDITOR_A = Person(1, "creditor", ORG)
CREDITOR_B = Person(2, "creditor", ORG)
STRANGER = Person(3, "creditor", OTHER)  # another organisation's user
NEGOTIATOR = Person(4, "negotiator", None)
LAWYER = Person(5, "lawyer", None)
ADMIN = Person(6, "admin", None)
OTHER_NEGOTIATOR = Person(7, "negotiator", None)
EVERYONE = [CREDITOR_A, CREDITOR_B, STRANGER, NEGOTIATOR, LAWYER, ADMIN, OTHER_NEGOTIATOR]
CASE = CaseFacts(organisation=ORG, negotiator=NEGOTIATOR.id, lawyer=LAWYER.id)

UTC = timezone.utc
# Monday 7 December 2026; Madrid is UTC+1 in winter, so 08:00 UTC is 9:00 there
MONDAY_9 = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)


def test_every_event_kind_named_maps_to_a_kind_with_an_audience_and_a_default_mode():
    assert set(rules.EVENT_KINDS.values()) <= set(rules.KINDS)
    assert set(rules.AUDIENCE) == set(rules.KINDS) == set(rules.DEFAULT_MODES)
    assert rules.notification_kind("payment") == "payment_received"
    assert rules.notification_kind("conversation_agency") == "agency_message"
    assert rules.notification_kind("conversation_creditor") == "creditor_message"
    assert rules.notification_kind("contact") is None  # the agency's working notes tell nobody


def test_a_payment_tells_the_case_s_organisation_and_its_own_staff_never_another_organisation():
    told = rules.recipients("payment_received", CASE, EVERYONE, visible_to_creditor=True, actor=None)
    assert sorted(told) == [CREDITOR_A.id, CREDITOR_B.id, NEGOTIATOR.id, LAWYER.id]
    assert STRANGER.id not in told and OTHER_NEGOTIATOR.id not in told and ADMIN.id not in told


def test_the_one_who_did_it_is_not_told_and_nobody_twice():
    told = rules.recipients("payment_received", CASE, EVERYONE + [NEGOTIATOR, CREDITOR_A], visible_to_creditor=True, actor=NEGOTIATOR.id)
    assert sorted(told) == [CREDITOR_A.id, CREDITOR_B.id, LAWYER.id]


def test_creditors_are_told_only_of_what_their_timeline_shows():
    # a document kept for the agency (not visible to the creditor) is no news for the creditor
    assert rules.recipients("document_available", CASE, EVERYONE, visible_to_creditor=False, actor=None) == []
    assert sorted(rules.recipients("document_available", CASE, EVERYONE, visible_to_creditor=True, actor=None)) == [1, 2]


def test_decisions_go_to_the_creditor_and_the_answers_to_the_staff_and_admins():
    assert sorted(rules.recipients("decision_waiting", CASE, EVERYONE, True, actor=NEGOTIATOR.id)) == [1, 2]
    assert sorted(rules.recipients("decision_taken", CASE, EVERYONE, True, actor=CREDITOR_A.id)) == [NEGOTIATOR.id, LAWYER.id, ADMIN.id]


def test_a_creditor_s_question_goes_to_the_case_s_staff_and_to_the_admins_only_when_it_has_none():
    assert sorted(rules.recipients("creditor_message", CASE, EVERYONE, True, actor=CREDITOR_A.id)) == [NEGOTIATOR.id, LAWYER.id]
    nobody = CaseFacts(ORG, None, None)
    assert rules.recipients("creditor_message", nobody, EVERYONE, True, actor=CREDITOR_A.id) == [ADMIN.id]
    # and the agency's answer goes to the creditor's users only
    assert sorted(rules.recipients("agency_message", CASE, EVERYONE, True, actor=NEGOTIATOR.id)) == [1, 2]


def test_what_the_creditor_was_emailed_of_already_is_not_emailed_again():
    # a stage move and a legal proposal email the creditor themselves (cases.claims.service.notify_creditors)
    now = "immediately"
    assert rules.emailed_already("stage_changed", "creditor", now) and rules.emailed_already("legal_proposed", "creditor", now)
    assert not rules.emailed_already("stage_changed", "negotiator", now)  # the staff are not emailed by the move
    assert not rules.emailed_already("payment", "creditor", now) and not rules.emailed_already("bureau_notice", "creditor", now)
    # a creditor who chose the daily summary finds it there; one who chose never is not emailed by the move either
    assert not rules.emailed_already("stage_changed", "creditor", "daily") and not rules.emailed_already("legal_proposed", "creditor", "never")


def test_params_keep_facts_not_sentences():
    p = rules.params("payment_received", "payment", {"amount": "200.00", "received_on": "2026-12-07"}, "EXP-2026-000001", "EUR")
    assert p == {"reference": "EXP-2026-000001", "event": "payment", "amount": "200.00", "currency": "EUR"}
    p = rules.params("stage_changed", "stage_changed", {"from": "intake", "to": "amicable", "reason": "ok"}, "EXP-1", "EUR")
    assert p == {"reference": "EXP-1", "event": "stage_changed", "from": "intake", "to": "amicable"}
    long = "x " * 200
    assert len(rules.params("agency_message", "conversation_agency", {"body": long}, "EXP-1", "EUR")["excerpt"]) == 140


def test_the_text_is_rendered_in_the_reader_s_language():
    p = {"reference": "EXP-1", "event": "payment", "amount": "1234.50", "currency": "EUR"}
    previous = i18n.get_language()
    try:
        i18n.set_language("en")
        english = rules.text("payment_received", p)
        i18n.set_language("es")
        spanish = rules.text("payment_received", p)
    finally:
        i18n.set_language(previous)
    assert english.startswith("Payment of") and "EXP-1" in english and "1,234.50" in english
    assert spanish.startswith("Pago de") and "EXP-1" in spanish and "1234,50" in spanish.replace(".", "").replace("\xa0", "")


# --- the schedule ------------------------------------------------------------------------------------------------

def test_working_hours_are_nine_to_seven_madrid_time_on_working_days():
    hours = WorkingHours()
    assert hours.inside(MONDAY_9)  # 9:00 in Madrid
    assert not hours.inside(MONDAY_9 - timedelta(minutes=1))  # 8:59
    assert hours.inside(datetime(2026, 12, 7, 17, 59, tzinfo=UTC))  # 18:59
    assert not hours.inside(datetime(2026, 12, 7, 18, 0, tzinfo=UTC))  # 19:00: closed
    assert not hours.inside(datetime(2026, 12, 8, 10, 0, tzinfo=UTC))  # 8 December: a national holiday (Inmaculada)
    assert not hours.inside(datetime(2026, 12, 12, 10, 0, tzinfo=UTC))  # a Saturday
    assert hours.inside(datetime(2026, 7, 6, 7, 0, tzinfo=UTC))  # summer: UTC+2, 7:00 UTC is 9:00 in Madrid


def _p(n: int, kind: str, at: datetime, read: bool = False) -> Pending:
    return Pending(n, kind, at, read)


YESTERDAY = datetime(2026, 12, 4, 15, 0, tzinfo=UTC)  # Friday afternoon
THIS_MORNING = datetime(2026, 12, 7, 7, 30, tzinfo=UTC)  # Monday 8:30 in Madrid, after the local midnight


def test_outside_working_hours_nothing_goes_and_nothing_is_set_aside():
    pending = [_p(1, "decision_waiting", YESTERDAY), _p(2, "payment_received", YESTERDAY)]
    for moment in (MONDAY_9 - timedelta(minutes=1), datetime(2026, 12, 8, 10, 0, tzinfo=UTC), datetime(2026, 12, 6, 10, 0, tzinfo=UTC)):
        assert rules.digest(pending, {}, None, moment) == rules.Digest((), (), "")


def test_immediately_goes_at_the_next_round_and_daily_once_a_day_of_what_came_before_the_day():
    pending = [_p(1, "payment_received", YESTERDAY), _p(2, "payment_received", THIS_MORNING), _p(3, "decision_waiting", THIS_MORNING)]
    # defaults: payments daily, decisions immediately; no daily summary yet today -> yesterday's payment with the decision
    d = rules.digest(pending, {}, None, MONDAY_9)
    assert d.send == (1, 3) and d.settle == () and d.period == "daily:2026-12-07"
    # the day's summary already went: only the decision, as an email of its own
    d = rules.digest(pending, {}, date(2026, 12, 7), MONDAY_9)
    assert d.send == (3,) and d.period == "now:3"
    # this morning's payment waits for tomorrow's summary
    assert 2 not in rules.digest(pending, {}, None, MONDAY_9).send
    tuesday = datetime(2026, 12, 9, 8, 0, tzinfo=UTC)  # (8 December is a holiday: the next working day is the 9th)
    assert rules.digest([_p(2, "payment_received", THIS_MORNING)], {}, date(2026, 12, 7), tuesday).send == (2,)


def test_never_and_read_are_set_aside_without_a_mail_and_choices_beat_defaults():
    pending = [_p(1, "payment_received", YESTERDAY), _p(2, "decision_waiting", YESTERDAY), _p(3, "stage_changed", YESTERDAY, read=True)]
    d = rules.digest(pending, {"payment_received": "never", "decision_waiting": "daily"}, None, MONDAY_9)
    assert d.send == (2,) and d.settle == (1, 3) and d.period == "daily:2026-12-07"
    d = rules.digest(pending, {"payment_received": "immediately", "decision_waiting": "never"}, date(2026, 12, 7), MONDAY_9)
    assert d.send == (1,) and d.settle == (2, 3) and d.period == "now:1"


def test_modes_and_preference_problems():
    assert rules.mode_of("payment_received", {}) == "daily"
    assert rules.mode_of("decision_waiting", {}) == "immediately"
    assert rules.mode_of("payment_received", {"payment_received": "never"}) == "never"
    assert rules.mode_of("payment_received", {"payment_received": "weekly"}) == "daily"  # unknown: the default
    # a creditor is told of a stage change at once until they choose (the move emails them); the staff daily
    assert rules.mode_of("stage_changed", {}, "creditor") == "immediately" and rules.mode_of("stage_changed", {}, "negotiator") == "daily"
    assert rules.mode_of("stage_changed", {"stage_changed": "never"}, "creditor") == "never"
    assert rules.mode_of("payment_received", {}, "creditor") == "daily"
    assert rules.preference_problems({"payment_received": "never"}) == {}
    assert set(rules.preference_problems({"payment_received": "weekly", "gossip": "daily"})) == {"payment_received", "gossip"}
    assert rules.daily_day("daily:2026-12-07") == date(2026, 12, 7) and rules.daily_day("now:4") is None
