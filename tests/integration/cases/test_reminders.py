"""The reminder flow against a real SMTP server: each step once, even when the worker runs twice."""
import asyncio
import dataclasses
from datetime import date, datetime, timedelta, timezone

from agency import clock
from agency.auth import CurrentUser
from agency.mail import send_pending
from agency.roles import Role
from agency.settings import get_settings
from agency.tables import OutboxMessage
from cases.messages.rules import open_jurisdictions
from cases.messages.service import send_due_reminders
from cases.negotiation.service import add_plan
from cases.tables import Case, CaseEvent, Invoice, ReminderSent
from tests.factories import create_org, create_user

MONDAY_NOON = datetime(2026, 11, 23, 11, 0, tzinfo=timezone.utc)


async def _accepted_case(email: str, accepted_days_ago: int) -> int:
    from cases.claims.rules import ClaimInput, DebtorInput, InvoiceInput
    from cases.claims.service import open_claim

    org = await create_org()
    u = await create_user("creditor", org)
    user = CurrentUser(id=u["id"], email=u["email"], name="c", role=Role.creditor, organisation_id=org, language="es")
    claim = ClaimInput(debtor=DebtorInput(kind="person", name="Pedro Pérez", email=email, address_line1="C/ Uno 1", city="Sevilla",
                                          postal_code="41001"),
                       invoices=(InvoiceInput(number="R-1", issue_date="2026-01-01", due_date="2026-02-01", amount="300.00"),))
    case_id = await open_claim(user, org, claim, [], date(2026, 11, 23))
    await Case.update({Case.stage: "amicable", Case.accepted_at: MONDAY_NOON - timedelta(days=accepted_days_ago)}).where(Case.id == case_id)
    return case_id


def _open_on(day: date) -> datetime:
    """The first moment from 12:00 (Madrid, about) on ``day`` at which automatic messages may go out."""
    from cases.messages.rules import ContactWindow

    moment = datetime(day.year, day.month, day.day, 11, 0, tzinfo=timezone.utc)
    while not ContactWindow().allows(moment):
        moment += timedelta(days=1)
    return moment


async def _sent_to(address: str) -> list[dict]:
    return await OutboxMessage.select().where(OutboxMessage.to_address == address).order_by(OutboxMessage.id)


async def test_each_step_once_even_when_run_twice(database, smtp_server):
    await OutboxMessage.update({OutboxMessage.sent_at: OutboxMessage.created_at}, force=True)
    case_id = await _accepted_case("pedro.twice@example.test", accepted_days_ago=8)
    await send_due_reminders(now=MONDAY_NOON)
    await send_due_reminders(now=MONDAY_NOON)  # a second worker, or a restart: nothing new for the first step
    await send_due_reminders(now=MONDAY_NOON + timedelta(minutes=5))  # the day-7 reminder is due too, but not minutes after
    assert len(await _sent_to("pedro.twice@example.test")) == 1
    await send_due_reminders(now=MONDAY_NOON + timedelta(days=7))  # a week after the first, as the flow spaces them
    await send_due_reminders(now=MONDAY_NOON + timedelta(days=7, minutes=5))
    mails = await _sent_to("pedro.twice@example.test")
    assert [m["subject"].split(":")[0].split(" ")[0] for m in mails] == ["Deuda", "Recordatorio"]  # first contact, then reminder (day 7)
    assert await ReminderSent.count().where(ReminderSent.case == case_id) == 2
    assert all(m["kind"].startswith("reminder:") and m["case_id"] == case_id for m in mails)
    await OutboxMessage.update({OutboxMessage.sent_at: OutboxMessage.created_at}).where(
        (OutboxMessage.to_address != "pedro.twice@example.test") & OutboxMessage.sent_at.is_null())
    settings = dataclasses.replace(get_settings(), smtp_url=smtp_server["url"])
    assert await send_pending(settings, automatic_allowed=True) == 2 and await send_pending(settings, automatic_allowed=True) == 0
    received = [m for m in smtp_server["received"] if m["To"] == "pedro.twice@example.test"]
    assert len(received) == 2
    body = received[0].get_payload(decode=True).decode()
    assert "300,00" in body and "R-1" in body
    events = await CaseEvent.select().where((CaseEvent.case == case_id) & (CaseEvent.kind == "message"))
    assert len(events) == 2  # the full text is on the record


async def test_two_workers_at_once_send_one_step_not_two(database):
    case_id = await _accepted_case("pedro.pair@example.test", accepted_days_ago=30)  # all three steps due
    await asyncio.gather(*[send_due_reminders(now=MONDAY_NOON) for _ in range(3)])
    assert len(await _sent_to("pedro.pair@example.test")) == 1
    assert await ReminderSent.count().where(ReminderSent.case == case_id) == 1


async def test_days_from_acceptance_are_counted_in_madrid(database):
    # accepted at 00:30 on Tuesday 17 November in Madrid (23:30 UTC on the 16th): the day-7 reminder is due
    # on Tuesday 24th, not on Monday 23rd
    case_id = await _accepted_case("pedro.midnight@example.test", accepted_days_ago=0)
    await Case.update({Case.accepted_at: datetime(2026, 11, 16, 23, 30, tzinfo=timezone.utc)}).where(Case.id == case_id)
    await send_due_reminders(now=datetime(2026, 11, 17, 10, 0, tzinfo=timezone.utc))
    assert len(await _sent_to("pedro.midnight@example.test")) == 1
    await send_due_reminders(now=MONDAY_NOON)
    assert len(await _sent_to("pedro.midnight@example.test")) == 1
    await send_due_reminders(now=MONDAY_NOON + timedelta(days=1))
    assert len(await _sent_to("pedro.midnight@example.test")) == 2


async def test_a_case_that_cannot_be_written_to_does_not_hold_back_the_others(database, monkeypatch):
    import cases.messages.service as service

    broken = await _accepted_case("pedro.broken@example.test", accepted_days_ago=1)
    fine = await _accepted_case("pedro.fine@example.test", accepted_days_ago=1)
    real = service.merge_contexts

    async def failing(wanted, *args, **kwargs):  # the chunk's transaction fails: each case is tried again alone
        if broken in wanted:
            raise TypeError("a template that fails on this case's data")
        return await real(wanted, *args, **kwargs)

    monkeypatch.setattr(service, "merge_contexts", failing)
    await send_due_reminders(now=MONDAY_NOON)
    assert len(await _sent_to("pedro.fine@example.test")) == 1
    assert await _sent_to("pedro.broken@example.test") == []
    assert await ReminderSent.count().where(ReminderSent.case == broken) == 0, "nothing half-written: it is tried again"
    monkeypatch.setattr(service, "merge_contexts", real)
    await send_due_reminders(now=MONDAY_NOON + timedelta(minutes=10))
    assert len(await _sent_to("pedro.broken@example.test")) == 1


async def test_a_reminder_left_waiting_is_withdrawn_once_the_case_is_paid_or_moved_on(database, smtp_server):
    from cases.messages.service import withdraw_stale_reminders

    await OutboxMessage.update({OutboxMessage.sent_at: OutboxMessage.created_at}, force=True)
    paid = await _accepted_case("pedro.paid@example.test", accepted_days_ago=1)
    moved = await _accepted_case("pedro.moved@example.test", accepted_days_ago=1)
    still = await _accepted_case("pedro.still@example.test", accepted_days_ago=1)
    await send_due_reminders(now=MONDAY_NOON)  # queued; the mail server is down until the evening
    n = await create_user("negotiator")
    negotiator = CurrentUser(id=n["id"], email=n["email"], name="n", role=Role.negotiator, organisation_id=None, language="es")
    from decimal import Decimal

    from cases.payments.service import record_payment

    await record_payment(negotiator, paid, Decimal("300.00"), clock.today(), "transfer", "", None, clock.today())
    await Case.update({Case.stage: "mediation"}).where(Case.id == moved)
    assert await withdraw_stale_reminders() == 2 and await withdraw_stale_reminders() == 0
    await OutboxMessage.update({OutboxMessage.sent_at: OutboxMessage.created_at}).where(
        OutboxMessage.sent_at.is_null() & OutboxMessage.case_id.is_null())  # the creditors' own emails of the same cases
    settings = dataclasses.replace(get_settings(), smtp_url=smtp_server["url"])
    assert await send_pending(settings, automatic_allowed=True) == 1
    assert [m["To"] for m in smtp_server["received"]] == ["pedro.still@example.test"]
    reasons = {r["case_id"]: r["given_up_reason"] for r in await OutboxMessage.select().where(OutboxMessage.case_id.is_in([paid, moved, still]))}
    assert reasons == {paid: "nothing_owed", moved: "left_amicable", still: ""}
    withdrawn = await CaseEvent.select().where((CaseEvent.case == paid) & (CaseEvent.kind == "message_withdrawn"))
    assert len(withdrawn) == 1 and withdrawn[0]["visible_to_creditor"]


async def test_each_debtor_is_written_to_inside_their_own_countrys_window(database, smtp_server):
    """9:30 in Madrid on a winter Monday is 8:30 in Lisbon: the Spanish debtor's reminder is written and
    sent, the Portuguese one's waits an hour; Easter Monday is a holiday in France only."""
    await OutboxMessage.update({OutboxMessage.sent_at: OutboxMessage.created_at}, force=True)
    spain = await _accepted_case("pedro.es@example.test", accepted_days_ago=1)
    portugal = await _accepted_case("joao.pt@example.test", accepted_days_ago=1)
    await Case.update({Case.jurisdiction: "PT"}).where(Case.id == portugal)
    early = datetime(2026, 11, 23, 8, 30, tzinfo=timezone.utc)
    assert await send_due_reminders(now=early) == 1
    assert len(await _sent_to("pedro.es@example.test")) == 1 and await _sent_to("joao.pt@example.test") == []
    assert await send_due_reminders(now=early + timedelta(hours=1)) == 1
    assert len(await _sent_to("joao.pt@example.test")) == 1
    # the outbox holds the Portuguese reminder back at 8:30 in Lisbon too (say it was written earlier, or is a retry)
    await OutboxMessage.update({OutboxMessage.sent_at: OutboxMessage.created_at}).where(
        OutboxMessage.sent_at.is_null() & OutboxMessage.to_address.not_in(["pedro.es@example.test", "joao.pt@example.test"]))
    settings = dataclasses.replace(get_settings(), smtp_url=smtp_server["url"])
    assert await send_pending(settings, window=open_jurisdictions, now=early) == 1
    assert [m["To"] for m in smtp_server["received"]] == ["pedro.es@example.test"]
    assert await send_pending(settings, window=open_jurisdictions, now=early + timedelta(hours=1)) == 1
    assert [m["To"] for m in smtp_server["received"]] == ["pedro.es@example.test", "joao.pt@example.test"]
    # a reminder queued before messages named their case goes by the default window, Madrid's
    await OutboxMessage.insert(OutboxMessage(to_address="old@example.test", subject="Recordatorio", body_text="x\n", kind="reminder:reminder"))
    sunday = datetime(2026, 11, 29, 10, 0, tzinfo=timezone.utc)
    assert await send_pending(settings, window=open_jurisdictions, now=sunday) == 0
    assert await send_pending(settings, window=open_jurisdictions, now=early - timedelta(days=7)) == 1  # the Monday before, 9:30 in Madrid
    france = await _accepted_case("marie.fr@example.test", accepted_days_ago=1)
    await Case.update({Case.jurisdiction: "FR"}).where(Case.id == france)
    easter_monday = datetime(2027, 3, 29, 10, 0, tzinfo=timezone.utc)
    await send_due_reminders(now=easter_monday)
    assert await _sent_to("marie.fr@example.test") == []
    await send_due_reminders(now=easter_monday + timedelta(days=1))
    assert len(await _sent_to("marie.fr@example.test")) == 1


async def test_a_debtor_who_promised_to_pay_is_not_chased_until_the_promise_is_due(database):
    from decimal import Decimal

    from cases.negotiation.service import add_promise

    case_id = await _accepted_case("pedro.promised@example.test", accepted_days_ago=1)
    n = await create_user("negotiator")
    negotiator = CurrentUser(id=n["id"], email=n["email"], name="n", role=Role.negotiator, organisation_id=None, language="es")
    promised_on = MONDAY_NOON.date() + timedelta(days=8)  # Tuesday 1 December
    await add_promise(negotiator, case_id, promised_on, Decimal("100.00"), MONDAY_NOON.date())
    await send_due_reminders(now=MONDAY_NOON)
    await send_due_reminders(now=MONDAY_NOON + timedelta(days=11))  # Friday 4th: still within the promise's grace days
    assert await _sent_to("pedro.promised@example.test") == []
    await send_due_reminders(now=MONDAY_NOON + timedelta(days=12))  # Saturday 5th: the promise was not kept, the flow resumes
    assert len(await _sent_to("pedro.promised@example.test")) == 1


async def test_no_messages_outside_the_window(database):
    await _accepted_case("pedro.sunday@example.test", accepted_days_ago=1)
    assert await send_due_reminders(now=datetime(2026, 11, 29, 11, 0, tzinfo=timezone.utc)) == 0
    assert await _sent_to("pedro.sunday@example.test") == []


async def test_disputed_debts_are_not_chased_and_plans_ask_for_the_instalment(database):
    disputed = await _accepted_case("pedro.disputed@example.test", accepted_days_ago=1)
    await Invoice.update({Invoice.disputed: True}).where(Invoice.case == disputed)
    planned = await _accepted_case("pedro.plan@example.test", accepted_days_ago=1)
    n = await create_user("negotiator")
    negotiator = CurrentUser(id=n["id"], email=n["email"], name="n", role=Role.negotiator, organisation_id=None, language="es")
    await add_plan(negotiator, planned, 3, "monthly", clock.today() + timedelta(days=3), clock.today())
    await send_due_reminders(now=MONDAY_NOON)
    await send_due_reminders(now=_open_on(clock.today()))
    assert await _sent_to("pedro.disputed@example.test") == []
    mails = await _sent_to("pedro.plan@example.test")
    from cases.tables import Instalment

    first = await Instalment.select(Instalment.amount_cents).where((Instalment.plan.case == planned) & (Instalment.number == 1)).first()
    expected = f"{first['amount_cents'] // 100},{first['amount_cents'] % 100:02d}"
    assert len(mails) == 1 and mails[0]["subject"].startswith(f"Plazo 1 de 3: {expected}")


async def test_a_debtor_who_paid_part_of_an_instalment_is_asked_for_the_rest(database):
    from decimal import Decimal

    from cases.payments.service import record_payment
    from cases.tables import Instalment

    planned = await _accepted_case("pedro.part@example.test", accepted_days_ago=1)
    n = await create_user("negotiator")
    negotiator = CurrentUser(id=n["id"], email=n["email"], name="n", role=Role.negotiator, organisation_id=None, language="es")
    await add_plan(negotiator, planned, 3, "monthly", clock.today() + timedelta(days=3), clock.today())
    first = await Instalment.select(Instalment.amount_cents).where((Instalment.plan.case == planned) & (Instalment.number == 1)).first()
    await record_payment(negotiator, planned, Decimal("60.00"), clock.today(), "transfer", "", None, clock.today())
    await send_due_reminders(now=_open_on(clock.today()))
    left = first["amount_cents"] - 6000
    mails = await _sent_to("pedro.part@example.test")
    assert len(mails) == 1 and mails[0]["subject"].startswith(f"Plazo 1 de 3: {left // 100},{left % 100:02d}")


async def test_a_plan_replaces_the_flow_with_a_notice_per_instalment_and_one_when_missed(database):
    from cases.tables import InstalmentReminder

    planned = await _accepted_case("pedro.instalments@example.test", accepted_days_ago=30)  # every flow step is due
    n = await create_user("negotiator")
    negotiator = CurrentUser(id=n["id"], email=n["email"], name="n", role=Role.negotiator, organisation_id=None, language="es")
    first_due = clock.today() + timedelta(days=10)
    await add_plan(negotiator, planned, 2, "monthly", first_due, clock.today())
    await send_due_reminders(now=_open_on(clock.today()))
    assert await _sent_to("pedro.instalments@example.test") == [], "on a plan: no flow step, and the first instalment is 10 days off"
    notice = _open_on(first_due - timedelta(days=3))
    await asyncio.gather(send_due_reminders(now=notice), send_due_reminders(now=notice))  # two workers
    await send_due_reminders(now=notice + timedelta(hours=1))
    mails = await _sent_to("pedro.instalments@example.test")
    assert [m["subject"].split(":")[0] for m in mails] == ["Plazo 1 de 2"] and mails[0]["kind"] == "reminder:instalment_due"
    missed = _open_on(first_due + timedelta(days=4))
    await send_due_reminders(now=missed)
    await send_due_reminders(now=missed + timedelta(hours=1))
    mails = await _sent_to("pedro.instalments@example.test")
    assert [m["subject"].split(" –")[0] for m in mails][1:] == ["Plazo impagado"], "reported missed once"
    assert await InstalmentReminder.count().where(InstalmentReminder.instalment.plan.case == planned) == 2
    assert await ReminderSent.count().where(ReminderSent.case == planned) == 0
    event = (await CaseEvent.select(CaseEvent.payload).where((CaseEvent.case == planned) & (CaseEvent.kind == "message")).first())["payload"]
    assert '"automatic": true' in event


async def test_a_starting_text_nobody_edited_is_brought_up_to_date_and_an_admins_is_not(database):
    from cases.messages.seeds import TEMPLATES
    from cases.messages.service import ensure_seeds, save_template
    from cases.tables import MessageTemplate

    await ensure_seeds()
    summary = (MessageTemplate.key == "debt_summary") & (MessageTemplate.language == "es")
    await MessageTemplate.update({MessageTemplate.body: "Como nos ha pedido, el texto de antes"}).where(summary & (MessageTemplate.active == True))  # noqa: E712
    assert await ensure_seeds() >= 1 and await ensure_seeds() == 0, "once"
    versions = await MessageTemplate.select().where(summary).order_by(MessageTemplate.version)
    assert versions[-1]["body"] == TEMPLATES["debt_summary"][2]["es"][1] and versions[-1]["active"]
    assert "Como nos ha pedido, el texto de antes" in [v["body"] for v in versions], "the old text is kept"
    admin = await create_user("admin")
    who = CurrentUser(id=admin["id"], email=admin["email"], name="a", role=Role.admin, organisation_id=None, language="es")
    await save_template(who, "debt_summary", "es", "Resumen – {{ reference }}", "Nuestro propio texto: {{ outstanding }}")
    await ensure_seeds()
    active = await MessageTemplate.select().where(summary & (MessageTemplate.active == True)).first()  # noqa: E712
    assert active["body"] == "Nuestro propio texto: {{ outstanding }}"
    await save_template(who, "debt_summary", "es", *TEMPLATES["debt_summary"][2]["es"])  # as it was, for the tests that follow


async def test_a_case_whose_template_lacks_its_facts_is_logged_and_the_rest_of_its_batch_still_sent(database, caplog):
    from cases.tables import Case, MessageTemplate, ReminderStep

    broken = await _accepted_case("pedro.nofacts@example.test", accepted_days_ago=1)
    fine = [await _accepted_case(f"pedro.batch{n}@example.test", accepted_days_ago=1) for n in range(3)]
    org = (await Case.select(Case.organisation).where(Case.id == broken).first())["organisation"]
    # the creditor's own flow, whose first message speaks of a promise this case does not have (edited after the step was added)
    await MessageTemplate.insert(MessageTemplate(key="promise_step", language="es", channel="email", name="Promesa", version=1, active=True,
                                                 subject="Su promesa – {{ reference }}", body="Prometió {{ promise_amount }}."))
    await ReminderStep.insert(ReminderStep(organisation=org, position=1, anchor="accepted", offset_days=0, template_key="promise_step"))
    with caplog.at_level("ERROR", logger="agency.reminders"):
        assert await send_due_reminders(now=MONDAY_NOON) == 3
    assert all([len(await _sent_to(f"pedro.batch{n}@example.test")) == 1 for n in range(3)])
    assert await _sent_to("pedro.nofacts@example.test") == []
    assert await ReminderSent.count().where(ReminderSent.case == broken) == 0, "nothing of it written: tried again next time"
    assert await ReminderSent.count().where(ReminderSent.case.is_in(fine)) == 3
    assert [r.route for r in caplog.records if r.getMessage() == "reminder not sent"] == [f"case {broken} ('step', {broken}, "
                                                                                            f"{(await ReminderStep.select().where(ReminderStep.organisation == org).first())['id']})"]


async def test_workers_side_by_side_over_many_cases_send_each_step_once(database):
    cases = [await _accepted_case(f"pedro.many{n}@example.test", accepted_days_ago=30) for n in range(12)]  # all three steps due
    sent = await asyncio.gather(*[send_due_reminders(now=MONDAY_NOON) for _ in range(3)])
    assert sum(sent) == 12, sent
    for n, case_id in enumerate(cases):
        assert len(await _sent_to(f"pedro.many{n}@example.test")) == 1
        assert await ReminderSent.count().where(ReminderSent.case == case_id) == 1
        assert await CaseEvent.count().where((CaseEvent.case == case_id) & (CaseEvent.kind == "message")) == 1
