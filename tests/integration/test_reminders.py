"""The reminder flow against a real SMTP server: each step once, even when the worker runs twice."""
import dataclasses
from datetime import date, datetime, timedelta, timezone

from agency.auth import CurrentUser
from agency.mail import send_pending
from agency.roles import Role
from agency.settings import get_settings
from agency.tables import OutboxMessage
from cases.messages_service import send_due_reminders
from cases.negotiation import add_plan
from cases.tables import Case, CaseEvent, Invoice, ReminderSent
from tests.factories import create_org, create_user

MONDAY_NOON = datetime(2026, 11, 23, 11, 0, tzinfo=timezone.utc)


async def _accepted_case(email: str, accepted_days_ago: int) -> int:
    from cases.intake import ClaimInput, DebtorInput, InvoiceInput
    from cases.services import open_claim

    org = await create_org()
    u = await create_user("creditor", org)
    user = CurrentUser(id=u["id"], email=u["email"], name="c", role=Role.creditor, organisation_id=org, language="es")
    claim = ClaimInput(debtor=DebtorInput(kind="person", name="Pedro Pérez", email=email, address_line1="C/ Uno 1", city="Sevilla",
                                          postal_code="41001"),
                       invoices=(InvoiceInput(number="R-1", issue_date="2026-01-01", due_date="2026-02-01", amount="300.00"),))
    case_id = await open_claim(user, org, claim, [], date(2026, 11, 23))
    await Case.update({Case.stage: "amicable", Case.accepted_at: MONDAY_NOON - timedelta(days=accepted_days_ago)}).where(Case.id == case_id)
    return case_id


async def _sent_to(address: str) -> list[dict]:
    return await OutboxMessage.select().where(OutboxMessage.to_address == address).order_by(OutboxMessage.id)


async def test_each_step_once_even_when_run_twice(database, smtp_server):
    await OutboxMessage.update({OutboxMessage.sent_at: OutboxMessage.created_at}, force=True)
    case_id = await _accepted_case("pedro.twice@example.test", accepted_days_ago=8)
    await send_due_reminders(now=MONDAY_NOON)
    await send_due_reminders(now=MONDAY_NOON)  # a second worker, or a restart: nothing new for the first step
    await send_due_reminders(now=MONDAY_NOON + timedelta(minutes=5))  # the next round sends the next due step
    await send_due_reminders(now=MONDAY_NOON + timedelta(minutes=10))
    mails = await _sent_to("pedro.twice@example.test")
    assert [m["subject"].split(":")[0].split(" ")[0] for m in mails] == ["Deuda", "Recordatorio"]  # first contact, then reminder (day 7)
    assert await ReminderSent.count().where(ReminderSent.case == case_id) == 2
    await OutboxMessage.update({OutboxMessage.sent_at: OutboxMessage.created_at}).where(
        (OutboxMessage.to_address != "pedro.twice@example.test") & OutboxMessage.sent_at.is_null())
    settings = dataclasses.replace(get_settings(), smtp_url=smtp_server["url"])
    assert await send_pending(settings) == 2 and await send_pending(settings) == 0
    received = [m for m in smtp_server["received"] if m["To"] == "pedro.twice@example.test"]
    assert len(received) == 2
    body = received[0].get_payload(decode=True).decode()
    assert "300,00" in body and "R-1" in body
    events = await CaseEvent.select().where((CaseEvent.case == case_id) & (CaseEvent.kind == "message"))
    assert len(events) == 2  # the full text is on the record


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
    await add_plan(negotiator, planned, 3, "monthly", date.today() + timedelta(days=3), date.today())
    await send_due_reminders(now=MONDAY_NOON)
    assert await _sent_to("pedro.disputed@example.test") == []
    mails = await _sent_to("pedro.plan@example.test")
    from cases.tables import Instalment

    first = await Instalment.select(Instalment.amount_cents).where((Instalment.plan.case == planned) & (Instalment.number == 1)).first()
    expected = f"{first['amount_cents'] // 100},{first['amount_cents'] % 100:02d}"
    assert len(mails) == 1 and mails[0]["subject"].startswith(f"Plazo 1 de 3: {expected}")
