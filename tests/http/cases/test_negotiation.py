"""Queue, take next, promises, plans and payments through the API and the pages."""
import asyncio
import re
import time
from datetime import timedelta
from decimal import Decimal

import pytest

from agency import clock
from agency.auth import CurrentUser
from agency.roles import Role
from cases.negotiation.queue import QUEUE_STAGES
from cases.negotiation.service import take_next
from cases.tables import Case, CaseEvent, Instalment, Promise
from tests.factories import api_token, by_hand, create_org, create_user, login, post_form, signed_in
from tests.http.cases.test_stages import _case

TODAY = clock.today()


async def _accepted_case(client, ch, nh) -> dict:
    case = await _case(client, ch)
    r = await client.post(f"/api/v1/cases/{case['id']}/transitions", json={"to": "amicable"}, headers=nh)
    assert r.status_code == 200, r.text
    return case


@pytest.fixture
async def people(make_client):
    org = await create_org()
    creditor = await create_user("creditor", org)
    negotiator = await create_user("negotiator")
    client = await make_client()
    return {"client": client, "ch": await api_token(client, creditor["email"]), "nh": await api_token(client, negotiator["email"]),
            "negotiator": negotiator, "org": org}


async def test_promise_plan_payment_and_the_creditors_view(people):
    c, ch, nh = people["client"], people["ch"], people["nh"]
    case = await _accepted_case(c, ch, nh)
    cid = case["id"]
    assert (await c.post(f"/api/v1/cases/{cid}/promises", json={"promised_on": TODAY.isoformat(), "amount": "100.00"}, headers=ch)).status_code == 403
    r = await c.post(f"/api/v1/cases/{cid}/promises", json={"promised_on": (TODAY - timedelta(days=1)).isoformat(), "amount": "100"}, headers=nh)
    assert r.status_code == 400 and "promised_on" in r.json()["errors"]
    r = await c.post(f"/api/v1/cases/{cid}/promises", json={"promised_on": TODAY.isoformat(), "amount": "99999"}, headers=nh)
    assert r.status_code == 400 and "amount" in r.json()["errors"]
    # what is wrong with an amount or a date, said as such
    for amount, says in (("99999999999999999999", "demasiado alto"), ("0", "mayor que cero"), ("0,001", "decimales"), ("1.234", "1234,56"),
                         ("doce", "como número")):
        r = await c.post(f"/api/v1/cases/{cid}/promises", json={"promised_on": TODAY.isoformat(), "amount": amount}, headers=nh)
        assert r.status_code == 400 and says in r.json()["errors"]["amount"], (amount, r.json())
    r = await c.post(f"/api/v1/cases/{cid}/payments", json={"amount": "1.00", "received_on": "1900-01-01", "method": "transfer"}, headers=nh)
    assert r.status_code == 400 and "año 2000" in r.json()["errors"]["received_on"]
    r = await c.post(f"/api/v1/cases/{cid}/promises", json={"promised_on": TODAY.isoformat(), "amount": "100.00"}, headers=nh)
    assert r.status_code == 201
    # a payment with an Idempotency-Key, sent twice: one entry
    body = {"amount": "100.00", "received_on": TODAY.isoformat(), "method": "transfer", "reference": "TR-1"}
    first = await c.post(f"/api/v1/cases/{cid}/payments", json=body, headers={**nh, "Idempotency-Key": f"k-{cid}"})
    again = await c.post(f"/api/v1/cases/{cid}/payments", json=body, headers={**nh, "Idempotency-Key": f"k-{cid}"})
    assert first.status_code == 201 and again.status_code == 200 and first.json()["id"] == again.json()["id"]
    assert (await Promise.select(Promise.status).where(Promise.case == cid).first())["status"] == "kept"
    # a three-instalment plan over everything owed now (principal, interest, compensation, less what was paid)
    owed = Decimal((await c.get(f"/api/v1/cases/{cid}", headers=nh)).json()["balance"]["outstanding"])
    r = await c.post(f"/api/v1/cases/{cid}/plans", json={"instalments": 3, "first_due_on": TODAY.isoformat()}, headers=nh)
    parts = [Decimal(i["amount"]) for i in r.json()["instalments"]]
    assert r.status_code == 201 and sum(parts) == owed and parts[0] == parts[1] and Decimal("0") <= parts[2] - parts[0] < Decimal("0.03")
    r = await c.post(f"/api/v1/cases/{cid}/plans", json={"instalments": 0, "first_due_on": TODAY.isoformat()}, headers=nh)
    assert r.status_code == 400
    # a promise made after the plan is a date of its own; a plan agreed after it takes it in (the plan covers the whole debt)
    r = await c.post(f"/api/v1/cases/{cid}/promises", json={"promised_on": (TODAY + timedelta(days=2)).isoformat(), "amount": "10.00"}, headers=nh)
    assert r.status_code == 201
    assert (await c.post(f"/api/v1/cases/{cid}/plans", json={"instalments": 3, "first_due_on": TODAY.isoformat()}, headers=nh)).status_code == 201
    assert [p["status"] for p in await Promise.select(Promise.status).where(Promise.case == cid).order_by(Promise.id)] == ["kept", "replaced"]
    view = (await c.get(f"/api/v1/cases/{cid}", headers=ch)).json()
    kinds = [e["kind"] for e in view["events"]]
    assert {"stage_changed", "promise", "payment", "promise_kept", "plan"} <= set(kinds)
    b = {k: Decimal(v) for k, v in view["balance"].items()}
    assert b["paid"] == Decimal("100.00") and b["compensation"] == Decimal("80.00")  # two late invoices of a company
    assert b["outstanding"] == b["principal"] + b["interest"] + b["compensation"] + b["costs"] - b["paid"]


async def test_a_payment_recorded_before_the_plan_is_not_taken_off_its_first_instalment(people):
    """The plan is worked out net of what was paid (an outside tester paid 100,50 by card, then chose a plan: the first
    instalment was then asked for 100,50 short, the payment taken off it a second time)."""
    from cases.messages.service import merge_context
    from cases.negotiation.service import case_commitments

    c, ch, nh = people["client"], people["ch"], people["nh"]
    cid = (await _accepted_case(c, ch, nh))["id"]
    body = {"amount": "100.50", "received_on": TODAY.isoformat(), "method": "transfer"}
    assert (await c.post(f"/api/v1/cases/{cid}/payments", json=body, headers=nh)).status_code == 201
    r = await c.post(f"/api/v1/cases/{cid}/plans", json={"instalments": 3, "first_due_on": (TODAY + timedelta(days=5)).isoformat()}, headers=nh)
    assert r.status_code == 201, r.text
    first = Decimal(r.json()["instalments"][0]["amount"])
    plan = await case_commitments(cid)
    assert [i["paid_cents"] for i in plan["instalments"]] == [0, 0, 0]
    assert [i["status"] for i in plan["instalments"]] == ["due", "due", "due"]
    assert (await merge_context(cid, "en", TODAY))["instalment_amount"] == f"€{first:,.2f}"
    # a payment after the plan goes to its first instalment
    assert (await c.post(f"/api/v1/cases/{cid}/payments", json={**body, "amount": "10.00"}, headers=nh)).status_code == 201
    assert [i["paid_cents"] for i in (await case_commitments(cid))["instalments"]] == [10_00, 0, 0]


async def test_twenty_take_next_calls_get_twenty_distinct_cases(people, backend):
    c, ch, nh = people["client"], people["ch"], people["nh"]
    # other tests' unassigned cases (any queue stage) go to someone else first
    await Case.update({Case.negotiator: people["negotiator"]["id"]}).where(Case.negotiator.is_null() & Case.stage.is_in(list(QUEUE_STAGES)))
    await by_hand()  # (set up by hand: the report totals follow)
    ids = [(await _accepted_case(c, ch, nh))["id"] for _ in range(20)]
    users = [await create_user("negotiator") for _ in range(20)]
    takers = [CurrentUser(id=u["id"], email=u["email"], name="n", role=Role.negotiator, organisation_id=None, language="es") for u in users]
    got = await asyncio.gather(*[take_next(t) for t in takers])
    assert sorted(g.case_id for g in got if g) == sorted(ids) and not any(g.already_theirs for g in got)
    assert await take_next(takers[0]) == (got[0].case_id, True), "their own case, still due, is handed back: nobody else's is taken"
    late = await create_user("negotiator")
    assert await take_next(CurrentUser(id=late["id"], email=late["email"], name="n", role=Role.negotiator, organisation_id=None,
                                       language="es")) is None


async def test_queue_page_and_take_next(people, make_client):
    c, ch, nh = people["client"], people["ch"], people["nh"]
    await Case.update({Case.negotiator: people["negotiator"]["id"]}).where(Case.negotiator.is_null() & Case.stage.is_in(list(QUEUE_STAGES)))
    await by_hand()  # (set up by hand: the report totals follow)
    case = await _accepted_case(c, ch, nh)
    page_client, me = await signed_in(make_client, "negotiator")
    queue = await page_client.get("/queue")
    assert queue.status_code == 200 and case["reference"] in queue.text
    empty_org = await create_org()
    filtered = await page_client.get(f"/queue?organisation_id={empty_org}")
    assert filtered.status_code == 200 and "Ningún expediente coincide con estos filtros" in filtered.text
    hand_edited = await page_client.get("/queue?organisation_id=abc")
    assert hand_edited.status_code == 200 and case["reference"] in hand_edited.text, "no filter, not the framework's 400"
    r = await post_form(page_client, "/queue/take")
    assert r.status_code == 303 and r.headers["location"] == f"/cases/{case['id']}"
    assert (await Case.select(Case.negotiator).where(Case.id == case["id"]).first())["negotiator"] == me["id"]
    token = {"x-csrftoken": page_client.cookies.get("agency_csrf")}
    api = await page_client.post("/api/v1/queue/claim", headers=token)
    assert api.status_code == 200 and api.json()["id"] == case["id"], "their own case is still the next thing to do"
    r = await page_client.post(f"/api/v1/cases/{case['id']}/activities", headers=token, json={
        "kind": "call", "direction": "outbound", "outcome": "no_answer", "next_action_on": (clock.today() + timedelta(days=3)).isoformat()})
    assert r.status_code == 201
    api = await page_client.post("/api/v1/queue/claim", headers=token)
    assert api.status_code == 204, "once its next action is days away, nothing is due"
    creditor_client, _ = await signed_in(make_client, "creditor", people["org"])
    assert (await creditor_client.get("/queue")).status_code == 403


async def test_queue_page_kept_around_its_rows_is_the_page_rendered_whole(people, make_client):
    """agency.web.page_around: what is kept around the rows is exactly what a whole render writes, and
    the rows themselves are always today's."""
    c, ch, nh = people["client"], people["ch"], people["nh"]
    case = await _accepted_case(c, ch, nh)
    await Case.update({Case.priority: 100_000}).where(Case.id == case["id"])
    client, me = await signed_in(make_client, "negotiator")
    whole = (await client.get("/queue?stage=amicable")).text  # the welcome message waits: rendered whole
    assert 'class="flash' in whole and case["reference"] in whole
    kept = (await client.get("/queue?stage=amicable")).text
    assert kept == (await client.get("/queue?stage=amicable")).text
    assert re.sub(r'<p class="flash[^>]*>.*?</p>', "", whole) == kept
    await Case.update({Case.priority: 100_001}).where(Case.id == case["id"])
    assert "100001" in (await client.get("/queue?stage=amicable")).text  # a changed row shows at once
    other_filter = (await client.get("/queue?stage=mediation")).text
    assert case["reference"] not in other_filter and '<option value="mediation" selected>' in other_filter
    fragment = await client.get("/queue?stage=amicable", headers={"hx-request": "true"})
    assert fragment.text.lstrip().startswith('<div id="queue-table">') and case["reference"] in fragment.text
    # the same person in a second browser: the same page kept, each browser's own CSRF token put in
    import agency.web
    from cases.negotiation import web as queue_web
    from tests.factories import csrf_token, login

    # The creditor list is read again once a minute, and a new list is a new page kept: read it now,
    # so that a slow machine crossing that minute within the next lines does not count as a second page.
    queue_web._creditors["at"] = time.monotonic()
    second = await make_client()
    await login(second, me["email"])
    await second.get("/queue?stage=amicable")
    kept_count = len(agency.web._SHELLS)
    pages = {c: (await c.get("/queue?stage=amicable&utm=x")).text for c in (client, second)}
    assert len(agency.web._SHELLS) == kept_count  # one page kept for both, whatever else the address carries
    for c, other in ((client, second), (second, client)):
        assert pages[c].count(csrf_token(c)) >= 3 and csrf_token(other) not in pages[c]


async def test_queue_api_lists_the_callers_cases_with_reasons_and_amounts(people, make_client):
    c, ch, nh = people["client"], people["ch"], people["nh"]
    case = await _accepted_case(c, ch, nh)
    await Case.update({Case.priority: 100_002}).where(Case.id == case["id"])
    client, me = await signed_in(make_client, "negotiator")
    headers = await api_token(client, me["email"])
    items = (await client.get("/api/v1/queue/", headers=headers)).json()
    top = items[0]
    assert set(top) == {"id", "reference", "stage", "priority", "reasons", "debtor", "creditor", "outstanding", "assigned_to_me"}
    assert top["id"] == case["id"] and top["priority"] == 100_002 and top["assigned_to_me"] is False and top["stage"] == "amicable"
    owed = sum(Decimal(i["amount"]) for i in (await c.get(f"/api/v1/cases/{case['id']}", headers=ch)).json()["invoices"])
    assert top["outstanding"] == str(owed.quantize(Decimal("0.01"))) and isinstance(top["reasons"], list)
    await Case.update({Case.negotiator: me["id"]}).where(Case.id == case["id"])
    await by_hand()  # (set up by hand: the report totals follow)
    again = (await client.get("/api/v1/queue/", headers=headers)).json()
    assert again[0]["id"] == case["id"] and again[0]["assigned_to_me"] is True  # a changed row, answered at once
    assert all(i["stage"] == "mediation" for i in (await client.get("/api/v1/queue/?stage=mediation", headers=headers)).json())
    await Case.update({Case.priority_reasons: "amount,overdue"}).where(Case.id == case["id"])
    spanish = (await client.get("/api/v1/queue/", headers=headers)).json()[0]["reasons"]
    await post_form(client, "/language", {"language": "en", "next": "/queue"})  # the reader's own language
    english = (await client.get("/api/v1/queue/", headers=headers)).json()
    assert english[0]["id"] == case["id"] and len(english[0]["reasons"]) == len(spanish) == 2 and english[0]["reasons"] != spanish
    creditor, cred = await signed_in(make_client, "creditor", people["org"])
    assert (await creditor.get("/api/v1/queue/", headers=await api_token(creditor, cred["email"]))).status_code == 403


async def test_case_page_forms(people, make_client):
    c, ch, nh = people["client"], people["ch"], people["nh"]
    case = await _accepted_case(c, ch, nh)
    pc, _ = await signed_in(make_client, "negotiator")
    r = await post_form(pc, f"/cases/{case['id']}/classify", {"classification": "intentional"})
    assert r.status_code == 303
    r = await post_form(pc, f"/cases/{case['id']}/plans", {"instalments": "3", "frequency": "monthly", "first_due_on": TODAY.isoformat()})
    assert r.status_code == 303
    assert await Instalment.count().where(Instalment.plan.case == case["id"]) == 3
    owed = Decimal((await pc.get(f"/api/v1/cases/{case['id']}")).json()["balance"]["outstanding"])
    page = await pc.get(f"/cases/{case['id']}")
    part = (owed / 3).quantize(Decimal("0.01"), rounding="ROUND_DOWN")
    last = owed - 2 * part  # the cents left over go on the last instalment
    assert f"{part:.2f}".replace(".", ",") in page.text and f"{last:.2f}".replace(".", ",") in page.text
    assert await CaseEvent.exists().where((CaseEvent.case == case["id"]) & (CaseEvent.kind == "classified"))
    # a part payment shows on the instalment it went to, for staff and creditor alike
    r = await c.post(f"/api/v1/cases/{case['id']}/payments", json={"amount": "100.00", "received_on": TODAY.isoformat()}, headers=nh)
    assert r.status_code == 201
    for who in (pc, c):
        text = (await who.get(f"/cases/{case['id']}", headers=ch if who is c else None)).text
        assert "100,00\xa0€ pagados, quedan" in text
    # on the page, a call that ends in a promise is logged with the promise's date and amount
    r = await post_form(pc, f"/cases/{case['id']}/activities", {"kind": "call", "contact": "600123456", "outcome": "promise_to_pay"},
                        headers={"hx-request": "true"})
    assert r.status_code == 400 and "Indique la fecha y el importe prometidos" in r.text


async def test_payment_replays_and_limits(people):
    c, ch, nh = people["client"], people["ch"], people["nh"]
    case = await _accepted_case(c, ch, nh)
    cid = case["id"]
    body = {"amount": "10.00", "received_on": TODAY.isoformat(), "method": "transfer"}
    results = await asyncio.gather(*[c.post(f"/api/v1/cases/{cid}/payments", json=body, headers={**nh, "Idempotency-Key": f"race-{cid}"})
                                     for _ in range(4)])
    assert sorted(r.status_code for r in results) == [200, 200, 200, 201]
    assert len({r.json()["id"] for r in results}) == 1
    r = await c.post(f"/api/v1/cases/{cid}/payments", json={**body, "amount": "11.00"}, headers={**nh, "Idempotency-Key": f"race-{cid}"})
    assert r.status_code == 409
    for amount in ("1" + "0" * 30, "99999999999999999999"):
        r = await c.post(f"/api/v1/cases/{cid}/payments", json={**body, "amount": amount}, headers=nh)
        assert r.status_code == 400, r.text
    r = await c.post(f"/api/v1/cases/{cid}/promises", json={"promised_on": "9999-12-31", "amount": "1"}, headers=nh)
    assert r.status_code == 400
    r = await c.post(f"/api/v1/cases/{cid}/plans", json={"instalments": 60, "first_due_on": TODAY.isoformat()}, headers=nh)
    assert r.status_code == 201  # 1,290.00 in 60: fine
    r = await c.post("/api/v1/claims", json={**__import__("tests.http.cases.test_claims", fromlist=["claim_body"]).claim_body(
        invoices=[{"number": "HUGE", "issue_date": "2026-01-01", "due_date": "2026-02-01", "amount": "1" + "0" * 30}])}, headers=ch)
    assert r.status_code == 400 and "invoices.0.amount" in r.json()["errors"]


async def test_odd_ids_in_forms_are_refused_not_crashing(make_client):
    org = await create_org()
    client, _ = await signed_in(make_client, "creditor", org)
    for raw in ("99999999999", "²", "-1"):
        r = await post_form(client, "/claims/new", {"action": "review", "evidence_id": raw}, files={"files": ("", b"", "application/octet-stream")})
        assert r.status_code == 400, (raw, r.status_code)
    admin, _ = await signed_in(make_client, "admin")
    r = await admin.get("/queue", params={"organisation_id": "99999999999"})
    assert r.status_code == 404
    r = await admin.post("/claims/uploads", params={"filename": "f.pdf", "organisation_id": "999999"}, content=b"%PDF-1.4",
                         headers={"x-csrftoken": admin.cookies.get("agency_csrf")})
    assert r.status_code == 400


async def test_ledger_endpoint_balances_and_tenancy(people, make_client):
    c, ch, nh = people["client"], people["ch"], people["nh"]
    case = await _accepted_case(c, ch, nh)
    cid = case["id"]
    await c.post(f"/api/v1/cases/{cid}/payments", json={"amount": "100.00", "received_on": TODAY.isoformat(), "method": "transfer"},
                 headers={**nh, "Idempotency-Key": f"ledger-{cid}"})
    r = await c.get(f"/api/v1/cases/{cid}/ledger", headers=ch)
    assert r.status_code == 200, r.text
    b = r.json()["balances"]
    assert b["principal"] == "1300.00" and b["paid"] == "100.00"
    assert b["compensation"] == "80.00"  # two late invoices of a company debtor
    assert r.json()["allocation_order"] == ["interest", "compensation", "principal", "costs"]  # the law's order (CC 1173-1174)
    (payment,) = [e for e in r.json()["entries"] if e["kind"] == "payment"]
    assert payment["applied"]["basis"] == "law" and sum(Decimal(p["amount"]) for p in payment["applied"]["parts"]) == Decimal("100.00")
    assert [p["to"] for p in payment["applied"]["parts"]][:1] == ["interest"]  # interest before principal
    assert sum(Decimal(i["outstanding"]) for i in r.json()["invoices"]) == Decimal(b["outstanding"]) - Decimal(b["costs"])
    other = await create_user("creditor", await create_org())
    oh = await api_token(c, other["email"])
    assert (await c.get(f"/api/v1/cases/{cid}/ledger", headers=oh)).status_code == 404
    assert (await c.get(f"/api/v1/cases/{cid}/ledger", params={"as_of": "2999-01-01"}, headers=ch)).status_code == 400


async def test_two_payments_and_the_case_still_opens(people):
    c, ch, nh = people["client"], people["ch"], people["nh"]
    case = await _accepted_case(c, ch, nh)
    cid = case["id"]
    r = await c.post(f"/api/v1/cases/{cid}/payments", json={"amount": "10.00", "received_on": (TODAY - timedelta(days=1)).isoformat(),
                                                              "method": "transfer"}, headers=nh)
    assert r.status_code == 400 and "anterior a la apertura" in r.json()["detail"]
    for amount in ("10.00", "20.00"):
        r = await c.post(f"/api/v1/cases/{cid}/payments", json={"amount": amount, "received_on": TODAY.isoformat(), "method": "transfer"}, headers=nh)
        assert r.status_code == 201, r.text
    assert (await c.get(f"/api/v1/cases/{cid}", headers=ch)).json()["balance"]["paid"] == "30.00"
    assert (await c.get(f"/api/v1/cases/{cid}/ledger", headers=ch)).status_code == 200
    r = await c.post(f"/api/v1/cases/{cid}/payments", json={"amount": "99999999", "received_on": TODAY.isoformat(), "method": "transfer"},
                     headers=nh)
    assert r.status_code == 400 and r.json()["detail"]
    r = await c.post(f"/api/v1/cases/{cid}/transitions", json={"to": "nonsense"}, headers=nh)
    assert r.status_code == 400


async def test_a_plan_paid_in_full_is_on_the_record(people):
    c, ch, nh = people["client"], people["ch"], people["nh"]
    case = await _accepted_case(c, ch, nh)
    cid = case["id"]
    r = await c.post(f"/api/v1/cases/{cid}/plans", json={"instalments": 2, "first_due_on": TODAY.isoformat()}, headers=nh)
    total = sum(Decimal(i["amount"]) for i in r.json()["instalments"])
    r = await c.post(f"/api/v1/cases/{cid}/payments", json={"amount": str(total), "received_on": TODAY.isoformat(), "method": "transfer"},
                     headers=nh)
    assert r.status_code == 201, r.text
    view = (await c.get(f"/api/v1/cases/{cid}", headers=ch)).json()
    assert "plan_completed" in [e["kind"] for e in view["events"]]


async def test_a_reversed_payment_reopens_what_it_had_settled(people, make_client):
    """A bounced payment undoes what it had settled: the plan it completed is active again, the promise it
    kept is open again (broken once its date has passed), each on the creditor's timeline; the case rises."""
    from cases.payments import service as payments
    from cases.tables import PaymentPlan

    c, ch, nh = people["client"], people["ch"], people["nh"]
    cid = (await _accepted_case(c, ch, nh))["id"]
    assert (await c.post(f"/api/v1/cases/{cid}/promises", json={"promised_on": TODAY.isoformat(), "amount": "100.00"}, headers=nh)).status_code == 201
    first = (await c.post(f"/api/v1/cases/{cid}/payments", json={"amount": "100.00", "received_on": TODAY.isoformat(), "method": "transfer"},
                          headers=nh)).json()["id"]
    r = await c.post(f"/api/v1/cases/{cid}/plans", json={"instalments": 2, "first_due_on": TODAY.isoformat()}, headers=nh)
    total = sum(Decimal(i["amount"]) for i in r.json()["instalments"])
    second = (await c.post(f"/api/v1/cases/{cid}/payments", json={"amount": str(total), "received_on": TODAY.isoformat(), "method": "transfer"},
                           headers=nh)).json()["id"]
    assert (await PaymentPlan.select(PaymentPlan.status).where(PaymentPlan.case == cid).first())["status"] == "completed"

    # the plan's payment bounces: the plan is active again, its instalments owed; the promise still stands on the first payment
    r = await c.post(f"/api/v1/cases/{cid}/payments/{second}/reversal", json={"reason": "Devolución"}, headers=nh)
    assert r.status_code == 201, r.text
    assert (await PaymentPlan.select(PaymentPlan.status).where(PaymentPlan.case == cid).first())["status"] == "active"
    assert [i["status"] for i in await Instalment.select(Instalment.status).where(Instalment.plan.case == cid).order_by(Instalment.number)] == ["due", "due"]
    assert (await Promise.select(Promise.status).where(Promise.case == cid).first())["status"] == "kept"
    view = (await c.get(f"/api/v1/cases/{cid}", headers=ch)).json()
    assert [e["kind"] for e in view["events"]].count("plan_reopened") == 1

    # the first payment bounces a month later: the promise's date has passed, so it is broken, and the case rises
    before = (await Case.select(Case.priority).where(Case.id == cid).first())["priority"]
    negotiator = CurrentUser(id=people["negotiator"]["id"], email="n@x", name="n", role=Role.negotiator, organisation_id=None, language="es")
    await payments.reverse_payment(negotiator, cid, first, "Devolución", TODAY + timedelta(days=30))
    assert (await Promise.select(Promise.status).where(Promise.case == cid).first())["status"] == "broken"
    assert (await Instalment.select(Instalment.status).where((Instalment.plan.case == cid) & (Instalment.number == 1)).first())["status"] == "missed"
    assert (await Case.select(Case.priority).where(Case.id == cid).first())["priority"] > before
    kinds = [e["kind"] for e in (await c.get(f"/api/v1/cases/{cid}", headers=ch)).json()["events"]]
    assert kinds.count("promise_broken") == 1 and kinds.count("instalment_missed") == 1 and kinds.count("promise_reopened") == 0
    # the staff case page says it in words
    staff = await make_client()
    assert (await login(staff, people["negotiator"]["email"])).status_code == 303
    assert "Plan de pagos abierto de nuevo: se anuló un pago que lo cubría" in (await staff.get(f"/cases/{cid}/part/timeline")).text


async def test_a_reversal_leaves_one_promise_open_and_one_plan_active(people):
    """What a bounced payment had settled does not come back beside a commitment made since: the later
    promise and the later plan stay in force, the earlier ones are replaced and cancelled, on the record."""
    from cases.tables import PaymentPlan

    c, ch, nh = people["client"], people["ch"], people["nh"]
    cid = (await _accepted_case(c, ch, nh))["id"]

    async def pay(amount):
        r = await c.post(f"/api/v1/cases/{cid}/payments", json={"amount": str(amount), "received_on": TODAY.isoformat(), "method": "transfer"},
                         headers=nh)
        assert r.status_code == 201, r.text
        return r.json()["id"]

    assert (await c.post(f"/api/v1/cases/{cid}/promises", json={"promised_on": TODAY.isoformat(), "amount": "100.00"}, headers=nh)).status_code == 201
    kept_by = await pay("100.00")
    later = (TODAY + timedelta(days=5)).isoformat()
    assert (await c.post(f"/api/v1/cases/{cid}/promises", json={"promised_on": later, "amount": "50.00"}, headers=nh)).status_code == 201
    r = await c.post(f"/api/v1/cases/{cid}/plans", json={"instalments": 2, "first_due_on": TODAY.isoformat()}, headers=nh)
    completed_by = await pay(sum(Decimal(i["amount"]) for i in r.json()["instalments"]))
    # something more is owed (a burofax), and a new plan for it
    assert (await c.post(f"/api/v1/cases/{cid}/expenses", json={"kind": "burofax", "amount": "30.00", "spent_on": TODAY.isoformat()},
                         headers=nh)).status_code == 201
    assert (await c.post(f"/api/v1/cases/{cid}/plans", json={"instalments": 1, "first_due_on": later}, headers=nh)).status_code == 201

    for payment in (kept_by, completed_by):
        assert (await c.post(f"/api/v1/cases/{cid}/payments/{payment}/reversal", json={"reason": "Devolución"}, headers=nh)).status_code == 201
    promises = [r["status"] for r in await Promise.select(Promise.status).where(Promise.case == cid).order_by(Promise.id)]
    plans = [r["status"] for r in await PaymentPlan.select(PaymentPlan.status).where(PaymentPlan.case == cid).order_by(PaymentPlan.id)]
    assert promises == ["replaced", "replaced"] and plans == ["cancelled", "active"]
    # (the second promise gave way to the first plan when it was agreed; the later plan was made net of the second payment,
    # recorded before it, so that payment never counted towards it and it stayed in force: the earlier plan gives way, and
    # so does the first promise, to the plan in force)
    import json

    events = await CaseEvent.select(CaseEvent.kind, CaseEvent.payload).where(
        (CaseEvent.case == cid) & CaseEvent.kind.is_in(["promise_reopened", "plan_reopened"])).order_by(CaseEvent.id)
    assert sorted((e["kind"], json.loads(e["payload"])["status"]) for e in events) == [
        ("plan_reopened", "cancelled"), ("promise_reopened", "replaced")]
    page = await c.get(f"/cases/{cid}/part/timeline", headers=ch)
    assert "(un plan posterior sigue en vigor)" in page.text and "(sigue en pie un compromiso posterior)" in page.text
