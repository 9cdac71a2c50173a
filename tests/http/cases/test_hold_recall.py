"""The creditor's hold and recall over HTTP (issue 22, item 4): a hold stops automatic contact, tells the negotiator and takes
the case out of the queue until resumed; a recall closes the case as withdrawn through the stage machine. Refusals write
nothing: a closed case (409), no reason (400), another organisation's case (404)."""
from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from agency.auth import CurrentUser
from agency.roles import Role
from agency.tables import OutboxMessage
from cases.messages.service import send_due_reminders, withdraw_stale_reminders
from cases.negotiation.service import take_next
from cases.tables import Case, CaseEvent
from tests.factories import api_token, by_hand, create_org, create_user, post_form, signed_in
from tests.http.cases.test_fair_contact import _payload, _working_noon
from tests.http.cases.test_money import _people
from tests.http.cases.test_negotiation import _accepted_case


async def _events(case_id: int, kind: str) -> list[dict]:
    return await CaseEvent.select().where((CaseEvent.case == case_id) & (CaseEvent.kind == kind))


async def _written(case_id: int) -> tuple:
    """What a refusal must leave as it was: the case's row and its timeline."""
    row = await Case.select(Case.stage, Case.outcome, Case.held_at, Case.held_reason, Case.held_by).where(Case.id == case_id).first()
    return row, await CaseEvent.count().where(CaseEvent.case == case_id)


async def test_a_hold_stops_the_reminders_tells_the_negotiator_and_leaves_the_queue_until_resumed(make_client):
    now = _working_noon()
    _org, c, ch, nh = await _people(make_client)
    case = await _accepted_case(c, ch, nh)
    negotiator = await create_user("negotiator", language="en")
    await Case.update({Case.accepted_at: now - timedelta(days=1), Case.negotiator: negotiator["id"], Case.priority: 10**6}).where(
        Case.id == case["id"])
    await by_hand()  # (set up by hand: the report totals follow)
    me = CurrentUser(id=negotiator["id"], email=negotiator["email"], name="n", role=Role.negotiator, organisation_id=None, language="en")

    r = await c.post(f"/api/v1/cases/{case['id']}/hold", json={"reason": "Estamos hablando con el deudor directamente."}, headers=ch)
    assert r.status_code == 200, r.text
    assert r.json()["held_at"] and r.json()["held_reason"] == "Estamos hablando con el deudor directamente."
    [event] = await _events(case["id"], "held")
    assert event["visible_to_creditor"] and event["actor"] is not None
    assert "held" in [e["kind"] for e in (await c.get(f"/api/v1/cases/{case['id']}", headers=ch)).json()["events"]], "the creditor sees it"
    mail = await OutboxMessage.select().where((OutboxMessage.to_address == negotiator["email"]) & (OutboxMessage.kind == "case_held")).first()
    assert mail and case["reference"] in mail["subject"] and "on hold" in mail["subject"] and "hablando con el deudor" in mail["body_text"]

    await send_due_reminders(now=now)
    reminders = OutboxMessage.count().where((OutboxMessage.case_id == case["id"]) & OutboxMessage.kind.like("reminder:%"))
    assert await reminders == 0, "no automatic message while held"
    queue = [row["id"] for row in (await c.get("/api/v1/queue", headers=await api_token(c, negotiator["email"]))).json()]
    assert case["id"] not in queue
    taken = await take_next(me)
    assert taken is None or taken.case_id != case["id"], "the queue drops it"

    # held twice: 409, nothing written
    before = await _written(case["id"])
    r = await c.post(f"/api/v1/cases/{case['id']}/hold", json={"reason": "otra vez"}, headers=nh)
    assert r.status_code == 409 and r.json()["refusals"][0]["code"] == "already_held"
    assert await _written(case["id"]) == before

    # resumed by the agency: back in the queue, reminders go again
    r = await c.delete(f"/api/v1/cases/{case['id']}/hold", headers=nh)
    assert r.status_code == 200 and r.json()["held_at"] is None, r.text
    assert len(await _events(case["id"], "resumed")) == 1
    assert await OutboxMessage.count().where((OutboxMessage.to_address == negotiator["email"]) & (OutboxMessage.kind == "case_resumed")) == 1
    assert (await take_next(me)).case_id == case["id"]
    await send_due_reminders(now=now)
    assert await reminders == 1
    r = await c.delete(f"/api/v1/cases/{case['id']}/hold", headers=ch)
    assert r.status_code == 409 and r.json()["refusals"][0]["code"] == "not_held"


async def test_a_queued_reminder_of_a_held_case_is_withdrawn(make_client):
    now = _working_noon()
    _org, c, ch, nh = await _people(make_client)
    case = await _accepted_case(c, ch, nh)
    await Case.update({Case.accepted_at: now - timedelta(days=1)}).where(Case.id == case["id"])
    await send_due_reminders(now=now)
    assert await OutboxMessage.count().where((OutboxMessage.case_id == case["id"]) & OutboxMessage.kind.like("reminder:%")) == 1
    assert (await c.post(f"/api/v1/cases/{case['id']}/hold", json={"reason": "Pausa"}, headers=ch)).status_code == 200
    await withdraw_stale_reminders()
    left = await OutboxMessage.select(OutboxMessage.given_up_reason).where(
        (OutboxMessage.case_id == case["id"]) & OutboxMessage.kind.like("reminder:%")).first()
    assert left["given_up_reason"] == "held"


async def test_hold_refusals_write_nothing(make_client):
    _org, c, ch, nh = await _people(make_client)
    case = await _accepted_case(c, ch, nh)
    before = await _written(case["id"])
    for body in ({"reason": ""}, {"reason": "   "}, {}, {"reason": "x" * 501}):
        r = await c.post(f"/api/v1/cases/{case['id']}/hold", json=body, headers=ch)
        assert r.status_code == 400 and r.json()["detail"], (body, r.text)
    other = await api_token(c, (await create_user("creditor", await create_org()))["email"])
    assert (await c.post(f"/api/v1/cases/{case['id']}/hold", json={"reason": "No es mío"}, headers=other)).status_code == 404
    assert (await c.delete(f"/api/v1/cases/{case['id']}/hold", headers=other)).status_code == 404
    assert (await c.post(f"/api/v1/cases/{case['id']}/recall", json={"reason": "No es mío"}, headers=other)).status_code == 404
    lawyer = await api_token(c, (await create_user("lawyer"))["email"])
    assert (await c.post(f"/api/v1/cases/{case['id']}/recall", json={"reason": "Retirada"}, headers=lawyer)).status_code == 403
    assert await _written(case["id"]) == before


async def test_a_recall_closes_the_case_as_withdrawn_and_a_second_is_refused(make_client):
    _org, c, ch, nh = await _people(make_client)
    case = await _accepted_case(c, ch, nh)
    assert (await c.post(f"/api/v1/cases/{case['id']}/hold", json={"reason": "Pausa antes de retirar"}, headers=ch)).status_code == 200
    before = await _written(case["id"])
    r = await c.post(f"/api/v1/cases/{case['id']}/recall", json={"reason": ""}, headers=ch)
    assert r.status_code == 400 and await _written(case["id"]) == before
    r = await c.post(f"/api/v1/cases/{case['id']}/recall", json={"reason": "El cliente ha pagado directamente."}, headers=ch)
    assert r.status_code == 200, r.text
    assert (r.json()["stage"], r.json()["outcome"]) == ("closed", "withdrawn")
    [event] = [e for e in await _events(case["id"], "stage_changed") if _payload(e).get("to") == "closed"]
    assert event["visible_to_creditor"] and _payload(event)["outcome"] == "withdrawn" and _payload(event)["reason"] == "El cliente ha pagado directamente."
    before = await _written(case["id"])
    r = await c.post(f"/api/v1/cases/{case['id']}/recall", json={"reason": "Otra vez"}, headers=ch)
    assert r.status_code == 409 and r.json()["refusals"][0]["code"] == "case_closed" and r.json()["detail"]
    r = await c.post(f"/api/v1/cases/{case['id']}/hold", json={"reason": "Pausa"}, headers=ch)
    assert r.status_code == 409 and r.json()["refusals"][0]["code"] == "case_closed"
    assert await _written(case["id"]) == before


async def test_the_case_page_holds_resumes_and_recalls(make_client):
    org, c, ch, nh = await _people(make_client)
    case = await _accepted_case(c, ch, nh)
    page, _me = await signed_in(make_client, "creditor", org)
    shown = (await page.get(f"/cases/{case['id']}")).text
    assert f'action="/cases/{case["id"]}/hold"' in shown and f'action="/cases/{case["id"]}/recall"' in shown and "data-confirm" in shown
    r = await post_form(page, f"/cases/{case['id']}/hold", {"reason": ""})
    assert r.status_code == 303 and not (await _events(case["id"], "held"))
    r = await post_form(page, f"/cases/{case['id']}/hold", {"reason": "Negociamos nosotros"})
    assert r.status_code == 303
    shown = (await page.get(f"/cases/{case['id']}")).text
    assert "en pausa" in shown and f'action="/cases/{case["id"]}/resume"' in shown
    assert "badge held" in (await page.get("/cases")).text
    assert (await post_form(page, f"/cases/{case['id']}/resume", {})).status_code == 303
    assert (await Case.select(Case.held_at).where(Case.id == case["id"]).first())["held_at"] is None
    assert (await post_form(page, f"/cases/{case['id']}/recall", {"reason": "Retiramos el expediente"})).status_code == 303
    assert (await Case.select(Case.stage, Case.outcome).where(Case.id == case["id"]).first()) == {"stage": "closed", "outcome": "withdrawn"}
    negotiator_page, _n = await signed_in(make_client, "negotiator")
    shown = (await negotiator_page.get(f"/cases/{case['id']}")).text
    assert f'action="/cases/{case["id"]}/recall"' not in shown


async def test_a_recall_books_the_tariffs_withdrawal_fee_once_on_what_was_still_owed(make_client):
    """The tariff's withdrawal fee, 5 % here: on what the debtor still owed when the creditor recalled the case, a fee on
    the ledger and the creditor's statement; none when the tariff has none (the default)."""
    from decimal import ROUND_HALF_UP, Decimal

    from agency import clock
    from cases.billing.balances import balance_of
    from cases.billing.fees import DEFAULT_TARIFF, to_json
    from cases.tables import LedgerEntry

    _org, c, ch, nh = await _people(make_client)
    case = await _accepted_case(c, ch, nh)
    plain = await _accepted_case(c, ch, nh)
    await Case.update({Case.tariff_snapshot: to_json(replace(DEFAULT_TARIFF, withdrawal_percent=Decimal("5")))}).where(Case.id == case["id"])
    owed = (await balance_of(case["id"], clock.today())).outstanding
    assert owed > 0
    for cid in (case["id"], plain["id"]):
        r = await c.post(f"/api/v1/cases/{cid}/recall", json={"reason": "Lo gestionamos nosotros."}, headers=ch)
        assert r.status_code == 200, r.text
    fees = await LedgerEntry.select().where((LedgerEntry.case == case["id"]) & LedgerEntry.idempotency_key.like("fee:withdrawal:%"))
    assert [f["amount_cents"] for f in fees] == [int((owed * 5).quantize(Decimal("1"), rounding=ROUND_HALF_UP))]  # 5 % in cents
    assert not await LedgerEntry.exists().where((LedgerEntry.case == plain["id"]) & LedgerEntry.idempotency_key.like("fee:withdrawal:%"))
    ledger = (await c.get(f"/api/v1/cases/{case['id']}/ledger", headers=ch)).json()
    assert Decimal(ledger["balances"]["fees"]) >= Decimal(fees[0]["amount_cents"]) / 100
