"""The merge fields a reminder gets (merge_contexts, many cases at once) are the ones a person's message gets (merge_context)."""
from datetime import timedelta
from decimal import Decimal

from agency import clock
from agency.auth import CurrentUser
from agency.roles import Role
from cases.messages.service import merge_context, merge_contexts
from cases.tables import Case, Debtor, Instalment, Invoice
from tests.factories import create_org, create_user

TODAY = clock.today()


async def _case(name: str) -> tuple[int, CurrentUser]:
    from cases.claims.rules import ClaimInput, DebtorInput, InvoiceInput
    from cases.claims.service import open_claim

    org = await create_org()
    u = await create_user("creditor", org)
    user = CurrentUser(id=u["id"], email=u["email"], name="c", role=Role.creditor, organisation_id=org, language="es")
    claim = ClaimInput(debtor=DebtorInput(kind="person", name=name, email=f"{name.split()[0].lower()}@example.test", address_line1="C/ Uno 1",
                                          city="Sevilla", postal_code="41001"),
                       invoices=(InvoiceInput(number="R-2", issue_date="2026-02-01", due_date="2026-03-01", amount="200.00"),
                                 InvoiceInput(number="R-1", issue_date="2026-01-01", due_date="2026-02-01", amount="300.00"),
                                 InvoiceInput(number="R-9", issue_date="2026-01-01", due_date="2026-01-15", amount="999.00")))
    case_id = await open_claim(user, org, claim, [], TODAY)
    await Invoice.update({Invoice.disputed: True}).where((Invoice.case == case_id) & (Invoice.number == "R-9"))
    await Case.update({Case.stage: "amicable"}).where(Case.id == case_id)
    n = await create_user("negotiator")
    return case_id, CurrentUser(id=n["id"], email=n["email"], name="n", role=Role.negotiator, organisation_id=None, language="es")


async def test_many_cases_read_together_get_the_fields_each_gets_alone(database):
    from cases.negotiation.service import add_plan, add_promise
    from cases.payments.service import record_payment

    promised, negotiator = await _case("Ana Promesa")
    await record_payment(negotiator, promised, Decimal("50.00"), TODAY, "transfer", "", None, TODAY)
    await record_payment(negotiator, promised, Decimal("25.50"), TODAY, "transfer", "", None, TODAY)
    await add_promise(negotiator, promised, TODAY + timedelta(days=8), Decimal("100.00"), TODAY)
    planned, negotiator = await _case("Berta Plan")
    await add_plan(negotiator, planned, 3, "monthly", TODAY + timedelta(days=3), TODAY)
    await record_payment(negotiator, planned, Decimal("60.00"), TODAY, "transfer", "", None, TODAY)
    plain, _n = await _case("Carla Nada")
    await Debtor.update({Debtor.language: "en"}).where(Debtor.id == (await Case.select(Case.debtor).where(Case.id == plain).first())["debtor"])

    wanted = {promised: ("es", TODAY), planned: ("es", TODAY), plain: ("en", TODAY)}
    together = await merge_contexts(wanted)
    assert together == {case_id: await merge_context(case_id, language, day) for case_id, (language, day) in wanted.items()}

    a = together[promised]  # by hand: the disputed invoice is left out; the oldest due first
    assert a["invoices_table"].split("\n")[0].split()[0] == "R-1" and "R-9" not in a["invoices_table"]
    assert (a["principal"], a["paid"], a["last_payment_amount"]) == ("500,00\xa0€", "75,50\xa0€", "25,50\xa0€")
    assert (a["promise_amount"], a["promise_date"], a["instalment_amount"]) == ("100,00\xa0€", (TODAY + timedelta(days=8)).strftime("%d/%m/%Y"), "")
    assert a["oldest_due_date"] == "01/02/2026" and a["debtor_name"] == "Ana Promesa"
    b = together[planned]
    first = await Instalment.select(Instalment.amount_cents).where((Instalment.plan.case == planned) & (Instalment.number == 1)).first()
    left = first["amount_cents"] - 6000  # what was paid towards the first instalment is not asked for again
    assert b["instalment_amount"] == f"{left // 100},{left % 100:02d}\xa0€" and (b["instalment_number"], b["instalment_count"]) == (1, 3)
    assert b["promise_amount"] == "" and b["last_payment_amount"] == "60,00\xa0€"
    c = together[plain]
    assert (c["paid"], c["last_payment_amount"], c["promise_amount"], c["instalment_amount"]) == ("€0.00", "", "", "")
    assert c["principal"] == "€500.00"
