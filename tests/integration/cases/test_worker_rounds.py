"""The worker's rounds at scale (issue 24): the reminder and queue-score jobs look at every case once a day, and in the
other rounds only at the cases that changed (reminders) or whose score a moment moved (queue scores)."""
from datetime import datetime, time, timedelta, timezone

import pytest

from agency import clock
from agency.db import utcnow
from cases.messages import service as messages
from cases.messages.rules import ContactWindow
from cases.negotiation import service as negotiation
from cases.tables import Case, ReminderSent
from tests.integration.cases.test_reminders import _accepted_case, _sent_to


class Open(ContactWindow):
    def allows(self, now) -> bool:
        return True


@pytest.fixture(autouse=True)
def fresh_worker():
    """Each test a worker just started (the jobs keep what they did in the process)."""
    for kept in (messages._passes, messages._last_round, negotiation._rescored):
        kept.clear()
    yield
    for kept in (messages._passes, messages._last_round, negotiation._rescored):
        kept.clear()


async def test_reminders_look_at_every_case_once_a_day_and_then_at_the_cases_that_changed(database):
    first = await _accepted_case("ana.first@example.test", accepted_days_ago=1)
    assert await messages.reminders_job(window=Open()) >= 1  # the day's pass: every case in amicable collection
    assert len(await _sent_to("ana.first@example.test")) == 1
    # a case accepted after the day's pass has events of its own since the last round: the next round writes to it
    later = await _accepted_case("ana.later@example.test", accepted_days_ago=1)
    assert await messages.reminders_job(window=Open()) == 1
    assert len(await _sent_to("ana.later@example.test")) == 1
    assert await messages.reminders_job(window=Open()) == 0  # nothing new: nothing sent, and only the changed cases read
    # a case whose step fell due with nothing new on its timeline (here: the last round moved past its events) waits for
    # the next day's pass, which finds it
    quiet = await _accepted_case("ana.quiet@example.test", accepted_days_ago=1)
    messages._last_round["at"] = utcnow() + messages.CHANGED_MARGIN + timedelta(seconds=1)
    assert await messages.reminders_job(window=Open()) == 0 and await _sent_to("ana.quiet@example.test") == []
    messages._passes.clear()  # the next day
    assert await messages.reminders_job(window=Open()) == 1
    assert len(await _sent_to("ana.quiet@example.test")) == 1
    # each step once: the passes and the rounds never sent one twice
    for case_id in (first, later, quiet):
        assert await ReminderSent.count().where(ReminderSent.case == case_id) == 1


async def test_no_pass_and_no_message_while_the_window_is_closed(database):
    await _accepted_case("ana.night@example.test", accepted_days_ago=1)

    class Closed(ContactWindow):
        def allows(self, now) -> bool:
            return False

    assert await messages.reminders_job(window=Closed()) == 0 and messages._passes == {}
    assert await messages.reminders_job(window=Open()) == 1  # the window opens: that day's pass


async def test_queue_scores_every_case_once_a_day_and_then_only_those_a_moment_moved(database):
    soon = await _accepted_case("ana.soon@example.test", accepted_days_ago=0)
    other = await _accepted_case("ana.other@example.test", accepted_days_ago=0)
    start = datetime.combine(clock.today(), time(11, 0), tzinfo=timezone.utc)  # (midday in Madrid: the rounds below stay in its day)
    await Case.update({Case.next_action_at: start + timedelta(hours=1), Case.last_contact_at: start - timedelta(days=2)}).where(
        Case.id.is_in([soon, other]))
    await Case.update({Case.next_action_at: start + timedelta(days=3)}).where(Case.id == other)
    await Case.update({Case.priority: 0, Case.priority_reasons: ""}).where(Case.id.is_in([soon, other]))
    assert await negotiation.rescore_open_cases(now=start) >= 2  # the day's pass: every open case
    scored = {r["id"]: r for r in await Case.select(Case.id, Case.priority, Case.priority_reasons).where(Case.id.is_in([soon, other]))}
    assert all(r["priority"] > 0 and "action_due" not in r["priority_reasons"] for r in scored.values())
    # an hour and a half later the first case's next action fell due: that round scores it, and no other case
    assert await negotiation.rescore_open_cases(now=start + timedelta(minutes=90)) == 1
    now = {r["id"]: r for r in await Case.select(Case.id, Case.priority, Case.priority_reasons).where(Case.id.is_in([soon, other]))}
    assert "action_due" in now[soon]["priority_reasons"] and now[soon]["priority"] == scored[soon]["priority"] + 15
    assert now[other] == scored[other]
    assert await negotiation.rescore_open_cases(now=start + timedelta(minutes=91)) == 0  # nothing moved
    # a score that moved without a moment (a change written behind the services' back) waits for the next day's pass
    await Case.update({Case.priority: 1}).where(Case.id == other)
    assert await negotiation.rescore_open_cases(now=start + timedelta(minutes=92)) == 0
    assert (await Case.select(Case.priority).where(Case.id == other).first())["priority"] == 1
    assert await negotiation.rescore_open_cases(now=start + timedelta(days=1)) >= 2
    assert (await Case.select(Case.priority).where(Case.id == other).first())["priority"] > 1
