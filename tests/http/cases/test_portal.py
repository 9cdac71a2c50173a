"""The debtor's door over HTTP (DESIGN.md): links, proof of identity, the throttle, what the debtor reads, paying
by card or Bizum through Redsys's signed protocol, and the tenancy of a portal token."""
from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest

from agency.settings import get_settings
from cases.portal import redsys
from cases.tables import CaseEvent, LedgerEntry, OnlinePayment, PortalAttempt
from tests.http.cases.test_money import _people
from tests.http.cases.test_negotiation import _accepted_case

TAX_ID = "B46123451"  # the debtor of tests.http.cases.test_claims.claim_body


async def _link(c, nh, cid) -> str:
    r = await c.post(f"/api/v1/cases/{cid}/debtor-link", headers=nh)
    assert r.status_code == 201, r.text
    assert r.json()["url"].startswith("http://testserver.local/p/") and r.json()["expires_on"]
    return r.json()["url"].rsplit("/", 1)[1]


async def _session(c, token, verifier=TAX_ID) -> dict:
    r = await c.post("/api/v1/portal/session", json={"token": token, "verifier": verifier})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['portal_token']}"}


@pytest.fixture
async def debtor(make_client):
    org, c, ch, nh = await _people(make_client)
    case = await _accepted_case(c, ch, nh)
    token = await _link(c, nh, case["id"])
    return {"c": c, "ch": ch, "nh": nh, "case": case, "token": token, "org": org}


async def test_a_link_opens_only_with_the_tax_id_on_file_and_shows_only_that_case(debtor, make_client):
    c, token, case = debtor["c"], debtor["token"], debtor["case"]
    # the link alone shows nothing personal: the page asks for the proof
    page = await c.get(f"/p/{token}")
    assert page.status_code == 200 and "Talleres Norte" not in page.text and 'name="verifier"' in page.text
    assert (await c.post("/api/v1/portal/session", json={"token": token, "verifier": "X0000000T"})).status_code == 401
    h = await _session(c, token, " b-46123451 ")  # typed with spaces, a dash and lower case: the same id
    view = (await c.get("/api/v1/portal/case", headers=h)).json()
    assert view["reference"] == case["reference"] and view["debtor"] == {"name": "Talleres Norte S.L."}
    assert [i["number"] for i in view["invoices"]] == [i["number"] for i in case["invoices"]]
    assert Decimal(view["balances"]["outstanding"]) > Decimal("1300.00") and view["pay_online"]
    assert set(view["privacy"]) >= {"controller", "processor", "purpose", "legal_basis", "source", "recipients", "retention", "rights", "contact"}
    for secret in ("classification", "score", "fees", "notes"):
        assert secret not in str(view).lower()
    # a portal token is worth nothing anywhere else
    for path in (f"/api/v1/cases/{case['id']}", "/api/v1/cases", f"/api/v1/cases/{case['id']}/ledger"):
        assert (await c.get(path, headers=h)).status_code == 401
    # and a staff token is worth nothing on the portal
    assert (await c.get("/api/v1/portal/case", headers=debtor["nh"])).status_code == 401
    # another case's link, another debtor: each token reads its own case only
    other = await _accepted_case(c, debtor["ch"], debtor["nh"])
    other_token = await _link(c, debtor["nh"], other["id"])
    h2 = await _session(c, other_token)
    assert (await c.get("/api/v1/portal/case", headers=h2)).json()["reference"] == other["reference"]
    assert (await c.get("/api/v1/portal/case", headers=h)).json()["reference"] == case["reference"]
    # leaving ends the session
    assert (await c.delete("/api/v1/portal/session", headers=h)).status_code == 200
    assert (await c.get("/api/v1/portal/case", headers=h)).status_code == 401
    assert await CaseEvent.exists().where((CaseEvent.case == case["id"]) & (CaseEvent.kind == "portal_opened"))


async def test_five_wrong_answers_lock_the_link(debtor):
    c, token = debtor["c"], debtor["token"]
    for _ in range(5):
        assert (await c.post("/api/v1/portal/session", json={"token": token, "verifier": "12345678Z"})).status_code == 401
    r = await c.post("/api/v1/portal/session", json={"token": token, "verifier": TAX_ID})
    assert r.status_code == 429 and r.headers.get("retry-after")  # even the right answer waits now
    link_attempts = await PortalAttempt.count().where(PortalAttempt.link.case == debtor["case"]["id"])
    assert link_attempts == 5  # the refused one was not even tried


async def test_wrong_answers_count_for_the_case_whatever_the_link_and_at_once(debtor, backend):
    c, cid = debtor["c"], debtor["case"]["id"]
    second = await _link(c, debtor["nh"], cid)  # every message makes a new link: they share the case's count
    wrong = [c.post("/api/v1/portal/session", json={"token": t, "verifier": "12345678Z"}) for t in [debtor["token"], second] * 10]
    answers = await asyncio.gather(*wrong) if backend == "postgres" else [await w for w in wrong]
    assert sorted(a.status_code for a in answers) == [401] * 5 + [429] * 15
    assert await PortalAttempt.count().where((PortalAttempt.link.case == cid) & (PortalAttempt.succeeded == False)) == 5  # noqa: E712
    assert (await c.post("/api/v1/portal/session", json={"token": second, "verifier": TAX_ID})).status_code == 429


async def test_revoked_or_unknown_links(debtor):
    c, token, cid = debtor["c"], debtor["token"], debtor["case"]["id"]
    h = await _session(c, token)
    assert (await c.get("/p/nonexistenttoken000")).status_code == 404
    assert (await c.delete(f"/api/v1/cases/{cid}/debtor-link", headers=debtor["ch"])).status_code == 403  # staff only
    assert (await c.delete(f"/api/v1/cases/{cid}/debtor-link", headers=debtor["nh"])).json() == {"revoked": 1}
    assert (await c.post("/api/v1/portal/session", json={"token": token, "verifier": TAX_ID})).status_code == 410
    assert (await c.get(f"/p/{token}")).status_code == 410
    assert (await c.get("/api/v1/portal/case", headers=h)).status_code == 401  # its sessions ended too


def _notify(order: str, cents: int, response: str = "0000", merchant: str = "999008881") -> dict:
    return redsys.notification_fields(get_settings().redsys_secret_key, {
        "Ds_Date": "06/12/2026", "Ds_Hour": "12:00", "Ds_Amount": str(cents), "Ds_Currency": "978", "Ds_Order": order,
        "Ds_MerchantCode": merchant, "Ds_Terminal": "1", "Ds_Response": response, "Ds_TransactionType": "0",
        "Ds_SecurePayment": "1", "Ds_AuthorisationCode": "123456"})


async def test_a_card_payment_is_booked_once_and_only_from_a_signed_notification(debtor, backend):
    c, token, cid = debtor["c"], debtor["token"], debtor["case"]["id"]
    h = await _session(c, token)
    for bad in ("0", "-5", "0.999", "1e400", "abc", "0.50", "999999"):
        r = await c.post("/api/v1/portal/payments", json={"amount": bad, "method": "card"}, headers=h)
        assert r.status_code == 400, (bad, r.text)
    assert (await c.post("/api/v1/portal/payments", json={"amount": "100", "method": "cash"}, headers=h)).status_code == 400
    r = await c.post("/api/v1/portal/payments", json={"amount": "100.00", "method": "bizum"}, headers=h)
    assert r.status_code == 201, r.text
    started = r.json()
    fields = started["redirect"]["fields"]
    assert set(fields) == {"Ds_SignatureVersion", "Ds_MerchantParameters", "Ds_Signature"}
    sent = redsys.decode_parameters(fields["Ds_MerchantParameters"])
    assert sent["DS_MERCHANT_AMOUNT"] == "10000" and sent["DS_MERCHANT_ORDER"] == started["order"] and sent["DS_MERCHANT_PAYMETHODS"] == "z"
    assert sent["DS_MERCHANT_MERCHANTURL"] == "http://testserver.local/payments/redsys/notification"
    order = started["order"]
    assert not await LedgerEntry.exists().where((LedgerEntry.case == cid) & (LedgerEntry.kind == "payment"))  # nothing until Redsys says so
    # a forged notification (signed with another key) books nothing
    forged = redsys.notification_fields("Mk9m98IfEblmPfrpsawt7BmxObt98Jev", {"Ds_Order": order, "Ds_Amount": "10000", "Ds_Response": "0000"})
    assert (await c.post("/payments/redsys/notification", data=forged)).status_code == 400
    tampered = dict(_notify(order, 10000), Ds_MerchantParameters=redsys.encode_parameters({"Ds_Order": order, "Ds_Amount": "99", "Ds_Response": "0000"}))
    assert (await c.post("/payments/redsys/notification", data=tampered)).status_code == 400
    # the signed notification, sent again and again (at once on PostgreSQL): one payment
    good = _notify(order, 10000)
    if backend == "postgres":
        answers = await asyncio.gather(*(c.post("/payments/redsys/notification", data=good) for _ in range(20)))
    else:
        answers = [await c.post("/payments/redsys/notification", data=good) for _ in range(20)]
    assert all(a.status_code == 200 for a in answers)
    payments = await LedgerEntry.select(LedgerEntry.amount_cents, LedgerEntry.method).where(
        (LedgerEntry.case == cid) & (LedgerEntry.kind == "payment"))
    assert payments == [{"amount_cents": 10000, "method": "bizum"}]
    assert await LedgerEntry.count().where((LedgerEntry.case == cid) & (LedgerEntry.kind == "fee") & LedgerEntry.idempotency_key.like("fee:success:%")) == 1
    view = (await c.get("/api/v1/portal/case", headers=h)).json()
    assert view["payments"][0]["amount"] == "100.00"
    page = await c.get(f"/portal/payment/{order}")  # without the debtor's session: nothing of the payment is shown
    assert page.status_code == 200 and "100,00" not in page.text
    assert await CaseEvent.exists().where((CaseEvent.case == cid) & (CaseEvent.kind == "payment"))


async def test_a_refused_or_mismatched_notification_books_nothing(debtor):
    c, token, cid = debtor["c"], debtor["token"], debtor["case"]["id"]
    h = await _session(c, token)
    refused = (await c.post("/api/v1/portal/payments", json={"amount": "50", "method": "card"}, headers=h)).json()["order"]
    assert (await c.post("/payments/redsys/notification", data=_notify(refused, 5000, "0190"))).json() == {"outcome": "failed"}
    odd = (await c.post("/api/v1/portal/payments", json={"amount": "60", "method": "card"}, headers=h)).json()["order"]
    assert (await c.post("/payments/redsys/notification", data=_notify(odd, 6100))).json() == {"outcome": "mismatch"}
    assert (await c.post("/payments/redsys/notification", data=_notify(odd, 6000))).json() == {"outcome": "already mismatch"}
    assert not await LedgerEntry.exists().where((LedgerEntry.case == cid) & (LedgerEntry.kind == "payment"))
    assert await CaseEvent.count().where((CaseEvent.case == cid) & (CaseEvent.kind == "portal_payment_failed")) == 2
    statuses = await OnlinePayment.select(OnlinePayment.status).where(OnlinePayment.case == cid).order_by(OnlinePayment.id)
    assert [s["status"] for s in statuses] == ["failed", "mismatch"]
    # Redsys lets the buyer try again: an approval after the refusal of the same order books it
    assert (await c.post("/payments/redsys/notification", data=_notify(refused, 5000))).json() == {"outcome": "paid"}
    assert await LedgerEntry.count().where((LedgerEntry.case == cid) & (LedgerEntry.kind == "payment")) == 1
    assert (await c.post("/payments/redsys/notification", data=_notify("999999999999", 100))).status_code == 400  # no such order


async def test_the_page_journey_in_the_debtors_language(debtor):
    c, token = debtor["c"], debtor["token"]
    form = await c.get(f"/p/{token}?lang=pt")
    assert form.status_code == 200 and 'lang="pt"' in form.text
    csrf = c.cookies.get("agency_csrf")
    r = await c.post(f"/p/{token}", data={"verifier": "nope", "_csrf_token": csrf})
    assert r.status_code == 401 and 'id="verify-error"' in r.text
    r = await c.post(f"/p/{token}", data={"verifier": TAX_ID, "_csrf_token": csrf})
    assert r.status_code == 303 and r.headers["location"] == "/portal/home"
    home = await c.get("/portal/home")
    assert home.status_code == 200 and "Talleres Norte" in home.text and 'id="pay"' in home.text
    r = await c.post("/portal/pay", data={"amount": "custom", "custom_amount": "25,50", "method": "card", "_csrf_token": csrf})
    assert r.status_code == 200 and 'id="redsys-form"' in r.text and "Ds_MerchantParameters" in r.text
    r = await c.post("/portal/pay", data={"amount": "custom", "custom_amount": "0", "method": "card", "_csrf_token": csrf})
    assert r.status_code == 400 and 'id="pay-error"' in r.text
    assert (await c.post("/portal/logout", data={"_csrf_token": csrf})).status_code == 200
    assert (await c.get("/portal/home")).status_code == 401


async def test_staff_hand_over_a_link_with_its_qr_code_and_a_creditor_cannot(debtor, make_client):
    from tests.factories import post_form, signed_in

    cid = debtor["case"]["id"]
    staff, _user = await signed_in(make_client, "negotiator")
    page = await staff.get(f"/cases/{cid}")
    assert 'id="debtor-link"' in page.text
    # it says which proof this debtor's link will ask (a tester typed a postal code where the tax id is on file)
    assert "No muestra nada hasta que el deudor escribe su NIF." in page.text
    r = await post_form(staff, f"/cases/{cid}/debtor-link")
    assert r.status_code == 200 and "/p/" in r.text and "<svg" in r.text
    assert 'data-copy="dl-url"' in r.text  # a button copies the link, to paste it into a message
    creditor, _u = await signed_in(make_client, "creditor", debtor["org"])
    assert (await post_form(creditor, f"/cases/{cid}/debtor-link")).status_code == 403
    assert (await debtor["c"].post(f"/api/v1/cases/{cid}/debtor-link", headers=debtor["ch"])).status_code == 403
    r = await post_form(staff, f"/cases/{cid}/debtor-link/revoke")
    assert r.status_code in {302, 303}
    assert (await debtor["c"].get(f"/p/{debtor['token']}")).status_code == 410


async def test_the_debtor_disputes_asks_for_a_call_and_writes(debtor):
    c, token, case = debtor["c"], debtor["token"], debtor["case"]
    h = await _session(c, token)
    number = case["invoices"][0]["number"]
    r = await c.post("/api/v1/portal/disputes", json={"invoice_numbers": ["NOT-MINE"], "reason": "No recibí el pedido"}, headers=h)
    assert r.status_code == 400 and "NOT-MINE" in r.json()["detail"]
    assert (await c.post("/api/v1/portal/disputes", json={"invoice_numbers": [number], "reason": "no"}, headers=h)).status_code == 400
    r = await c.post("/api/v1/portal/disputes", json={"invoice_numbers": [number], "reason": "No recibí el pedido"}, headers=h)
    assert r.status_code == 201 and r.json()["invoices"] == [number] and isinstance(r.json()["id"], int)
    view = (await c.get("/api/v1/portal/case", headers=h)).json()
    assert [i["disputed"] for i in view["invoices"] if i["number"] == number] == [True]
    staff_view = (await c.get(f"/api/v1/cases/{case['id']}", headers=debtor["ch"])).json()  # the creditor sees it on the timeline
    assert any(e["kind"] == "portal_dispute" for e in staff_view["events"])
    for bad in ({"phone": "12", "on": "2999-01-01", "slot": "morning"}, {"phone": "+34 600 000 000", "on": "2000-01-01", "slot": "morning"},
                {"phone": "+34 600 000 000", "on": "nope", "slot": "morning"}):
        assert (await c.post("/api/v1/portal/callbacks", json=bad, headers=h)).status_code == 400
    from datetime import timedelta

    from agency import clock
    from cases.tables import Case
    from legal.rules.calendar import is_holiday

    day = clock.today()
    while day.weekday() == 6 or is_holiday(day):  # nobody is at the phones on a Sunday or a holiday
        day += timedelta(days=1)
    sunday = clock.today() + timedelta(days=(6 - clock.today().weekday()) % 7 or 7)
    r = await c.post("/api/v1/portal/callbacks", json={"phone": "600 000 000", "on": sunday.isoformat(), "slot": "morning"}, headers=h)
    assert r.status_code == 400 and "domingo" in r.json()["detail"]  # (in Spanish: the debtor's language on file)
    r = await c.post("/api/v1/portal/callbacks", json={"phone": "600 000 000", "on": day.isoformat(), "slot": "afternoon"},
                     headers=h)
    assert r.status_code == 201, r.text
    row = await Case.select(Case.next_action_at).where(Case.id == case["id"]).first()
    assert row["next_action_at"].isoformat()[:10] == day.isoformat()
    assert (await c.post("/api/v1/portal/messages", json={"text": "Pagaré el lunes"}, headers=h)).status_code == 201
    kinds = {e["kind"] for e in await CaseEvent.select(CaseEvent.kind).where(CaseEvent.case == case["id"])}
    assert {"portal_dispute", "portal_callback", "portal_message"} <= kinds


async def test_a_debtor_chooses_a_plan_within_the_creditors_rules(debtor):
    """The debt is over 1,000 EUR: up to 12 monthly instalments, the first at least 10 % and by 30 days from today
    (DEFAULT_BRACKETS). Outside the rules: 422 naming the rule; inside, the plan, the acceptance as its signature and
    an acknowledgement on the timeline that the creditor sees."""
    from datetime import timedelta

    from agency import clock
    from cases.tables import PaymentPlan

    c, token, case = debtor["c"], debtor["token"], debtor["case"]
    h = await _session(c, token)
    view = (await c.get("/api/v1/portal/case", headers=h)).json()
    assert view["plan_options"][0]["instalments"] == 12
    first = (clock.today() + timedelta(days=10)).isoformat()
    r = await c.post("/api/v1/portal/plans", json={"instalments": 13, "first_due_on": first, "accept": True}, headers=h)
    assert r.status_code == 422 and "12" in r.json()["detail"]
    r = await c.post("/api/v1/portal/plans", json={"instalments": 3, "first_due_on": (clock.today() + timedelta(days=45)).isoformat(),
                                                   "accept": True}, headers=h)
    assert r.status_code == 422
    r = await c.post("/api/v1/portal/plans", json={"instalments": 3, "first_due_on": first}, headers=h)
    assert r.status_code == 400  # not accepted
    r = await c.post("/api/v1/portal/plans", json={"instalments": 3, "first_due_on": first, "method": "sepa_direct_debit",
                                                   "iban": "ES00 0000", "account_holder": "X", "accept": True}, headers=h)
    assert r.status_code == 400 and "IBAN" in r.json()["detail"]
    assert not await PaymentPlan.exists().where(PaymentPlan.case == case["id"])  # nothing written by any of those
    preview = (await c.get("/api/v1/portal/plans/preview", params={"instalments": 3, "first_due_on": first}, headers=h)).json()
    r = await c.post("/api/v1/portal/plans", json={"instalments": 3, "first_due_on": first, "method": "sepa_direct_debit",
                                                   "iban": "ES91 2100 0418 4502 0005 1332", "account_holder": "Talleres Norte S.L.",
                                                   "accept": True}, headers=h)
    assert r.status_code == 201, r.text
    done = r.json()
    assert len(done["instalments"]) == 3 and done["mandate_reference"].startswith(case["reference"])
    total = sum(Decimal(i["amount"]) for i in done["instalments"])
    assert total == Decimal((await c.get("/api/v1/portal/case", headers=h)).json()["balances"]["outstanding"])
    assert Decimal(done["instalments"][0]["amount"]) >= total / 10
    plan = await PaymentPlan.select().where(PaymentPlan.case == case["id"]).first()
    assert plan["accepted_at"] is not None and plan["debtor_iban"] == "ES9121000418450200051332" and plan["method"] == "sepa_direct_debit"
    assert plan["acknowledgement_sha256"] == done["acknowledgement_sha256"] and "Talleres Norte S.L." in plan["acknowledgement_text"]
    assert preview["acknowledgement"].replace("SEPA", "") != ""  # (the preview is the transfer wording; the accepted one the debit's)
    events = (await c.get(f"/api/v1/cases/{case['id']}", headers=debtor["ch"])).json()["events"]
    assert {"plan", "acknowledgement"} <= {e["kind"] for e in events}  # the creditor sees it
    assert (await c.get("/api/v1/portal/case", headers=h)).json()["plan"]["mandate_reference"] == done["mandate_reference"]



async def test_two_tabs_cannot_pay_the_whole_debt_twice_and_an_excess_earns_no_fee(debtor):
    c, token, cid = debtor["c"], debtor["token"], debtor["case"]["id"]
    h = await _session(c, token)
    owed = (await c.get("/api/v1/portal/case", headers=h)).json()["balances"]["outstanding"]
    first = (await c.post("/api/v1/portal/payments", json={"amount": owed, "method": "card"}, headers=h)).json()
    r = await c.post("/api/v1/portal/payments", json={"amount": owed, "method": "card"}, headers=h)
    assert r.status_code == 400  # the first is still being paid: nothing is left to pay now
    # a transfer arrived meanwhile: the card payment still comes in, whole, and the excess is flagged to return
    await _pay_staff(c, debtor["nh"], cid, "100.00")
    assert (await c.post("/payments/redsys/notification", data=_notify(first["order"], int(Decimal(owed) * 100)))).json() == {"outcome": "paid"}
    assert await CaseEvent.exists().where((CaseEvent.case == cid) & (CaseEvent.kind == "portal_overpaid"))
    fees = await LedgerEntry.select(LedgerEntry.amount_cents).where((LedgerEntry.case == cid) & LedgerEntry.idempotency_key.like("fee:success:%"))
    payments = await LedgerEntry.select(LedgerEntry.amount_cents).where((LedgerEntry.case == cid) & (LedgerEntry.kind == "payment"))
    assert sum(p["amount_cents"] for p in payments) == int(Decimal(owed) * 100) + 100_00
    # the fees are on what was owed (the transfer, and the card payment less its excess of 100.00), not on the excess
    from cases.billing.fees import success_fee
    from cases.billing.service import case_tariff
    tariff = await case_tariff(cid)
    assert sum(f["amount_cents"] for f in fees) == int(success_fee(tariff, Decimal("100.00"), "amicable") * 100) + int(
        success_fee(tariff, Decimal(owed) - Decimal("100.00"), "amicable") * 100)


async def _pay_staff(c, nh, cid, amount):
    from agency import clock
    r = await c.post(f"/api/v1/cases/{cid}/payments", json={"amount": amount, "received_on": clock.today().isoformat(), "method": "transfer"},
                     headers=nh)
    assert r.status_code == 201, r.text


async def test_a_plan_cannot_be_replaced_from_the_page_and_the_link_never_reaches_the_timeline(debtor):
    from datetime import timedelta

    from agency import clock

    c, token, cid = debtor["c"], debtor["token"], debtor["case"]["id"]
    h = await _session(c, token)
    first = (clock.today() + timedelta(days=5)).isoformat()
    assert (await c.post("/api/v1/portal/plans", json={"instalments": 2, "first_due_on": first, "accept": True}, headers=h)).status_code == 201
    r = await c.post("/api/v1/portal/plans", json={"instalments": 12, "first_due_on": first, "accept": True}, headers=h)
    assert r.status_code == 409
    r = await c.post(f"/api/v1/cases/{cid}/messages", json={"template": "overdue"}, headers=debtor["nh"])
    assert r.status_code in (200, 201), r.text
    events = (await c.get(f"/api/v1/cases/{cid}", headers=debtor["ch"])).json()["events"]
    assert any(e["kind"] == "message" for e in events)
    stored = await CaseEvent.select(CaseEvent.payload).where((CaseEvent.case == cid) & (CaseEvent.kind == "message"))
    assert stored and all("/p/…" in str(e["payload"]) and "/p/" + "x" not in str(e["payload"]) for e in stored)
    from agency.tables import OutboxMessage
    mail = await OutboxMessage.select(OutboxMessage.body_text).where(OutboxMessage.case_id == cid).first()
    link = mail["body_text"].split("/p/")[1].split()[0]
    assert link not in str(stored) and (await c.get(f"/p/{link}")).status_code == 200  # the email's link works; the timeline lacks it


async def test_the_creditor_sets_the_plans_its_debtors_may_choose(debtor, make_client):
    from tests.factories import api_token, create_org, create_user

    c, ch, nh, org = debtor["c"], debtor["ch"], debtor["nh"], debtor["org"]
    r = await c.get("/api/v1/plan-rules", headers=ch)
    assert r.status_code == 200 and r.json()["source"] in ("default", "agency") and r.json()["organisation_id"] == org
    rules = {"brackets": [{"up_to": "500", "max_instalments": 1}, {"up_to": None, "max_instalments": 6, "min_first_percent": 25}],
             "first_due_days": 15}
    assert (await c.put("/api/v1/plan-rules", json=rules, headers=nh)).status_code == 403  # a negotiator reads them only
    bad = await c.put("/api/v1/plan-rules", json={**rules, "brackets": rules["brackets"][::-1]}, headers=ch)
    assert bad.status_code == 400 and ("Bracket 1:" in bad.json()["detail"] or "Tramo 1:" in bad.json()["detail"])
    r = await c.put("/api/v1/plan-rules", json=rules, headers=ch)
    assert r.status_code == 200 and r.json()["source"] == "creditor" and r.json()["brackets"][1]["max_instalments"] == 6
    other = await create_org()
    assert (await c.put("/api/v1/plan-rules", json={**rules, "organisation_id": other}, headers=ch)).status_code == 404
    # the debtor's options follow the creditor's rules: over 500 EUR, up to 6 with at least 25 % first, within 15 days
    h = await _session(c, debtor["token"])
    option = (await c.get("/api/v1/portal/case", headers=h)).json()["plan_options"][0]
    assert option["instalments"] == 6
    from datetime import date, timedelta

    assert date.fromisoformat(option["max_first_due_on"]) - timedelta(days=15) <= date.today() + timedelta(days=1)
    r = await c.post("/api/v1/portal/plans", json={"instalments": 12, "first_due_on": option["max_first_due_on"], "accept": True}, headers=h)
    assert r.status_code == 422 and "6" in r.json()["detail"]
    # an admin sets the agency's default, which a creditor without rules of its own then sees
    admin = await create_user("admin")
    ah = await api_token(c, admin["email"])
    r = await c.put("/api/v1/plan-rules", json={"brackets": [{"up_to": None, "max_instalments": 3}], "first_due_days": 30}, headers=ah)
    assert r.status_code == 200 and r.json()["source"] == "agency"
    creditor2 = await create_user("creditor", other)
    assert (await c.get("/api/v1/plan-rules", headers=await api_token(c, creditor2["email"]))).json()["brackets"][0]["max_instalments"] == 3
    # (put the agency's default back as shipped: the other tests' creditors have no rules of their own)
    shipped = {"brackets": [{"up_to": "199.99", "max_instalments": 1}, {"up_to": "1000", "max_instalments": 4},
                            {"up_to": None, "max_instalments": 12, "min_first_percent": 10}], "first_due_days": 30}
    assert (await c.put("/api/v1/plan-rules", json=shipped, headers=ah)).status_code == 200


async def test_the_rules_page(debtor, make_client):
    from tests.factories import post_form, signed_in

    page, _u = await signed_in(make_client, "creditor", debtor["org"])
    r = await page.get("/plan-rules")
    assert r.status_code == 200 and 'name="max_instalments_0"' in r.text
    r = await post_form(page, "/plan-rules", {"up_to_0": "800", "max_instalments_0": "3", "max_instalments_1": "10", "min_first_percent_1": "15",
                                             "first_due_days": "20"})
    assert r.status_code in {302, 303}
    assert (await page.get("/api/v1/plan-rules")).json()["brackets"][1] == {"up_to": None, "max_instalments": 10, "min_first_percent": 15}
    r = await post_form(page, "/plan-rules", {"max_instalments_0": "99", "first_due_days": "20"})
    assert r.status_code == 400 and 'id="rules-error"' in r.text
    staff, _s = await signed_in(make_client, "negotiator")
    assert (await staff.get("/plan-rules")).status_code == 403


async def test_the_acknowledgement_accepted_is_a_document_all_three_parties_read_and_the_debtor_reads_only_theirs(debtor):
    """The plan's acceptance makes a document of the exact text accepted and its record (DESIGN.md: the plan's
    ``acknowledgement_document_id``): the debtor, the creditor and the agency read it. The debtor's page lists the
    documents sent to them and what they signed: a letter generated but not sent is not theirs yet, and another
    case's document is a 404."""
    import io
    from datetime import timedelta

    from docx import Document as Docx

    from agency import clock
    from legal.tables import Document

    c, token, case, nh = debtor["c"], debtor["token"], debtor["case"], debtor["nh"]
    h = await _session(c, token)
    first = (clock.today() + timedelta(days=7)).isoformat()
    done = (await c.post("/api/v1/portal/plans", json={"instalments": 3, "first_due_on": first, "accept": True}, headers=h)).json()
    doc_id = done["acknowledgement_document_id"]
    assert isinstance(doc_id, int)
    row = await Document.select().where(Document.id == doc_id).first()
    assert row["case"] == case["id"] and row["template"] == "debtor_acknowledgement" and row["visible_to_creditor"]
    view = (await c.get("/api/v1/portal/case", headers=h)).json()
    assert [d["id"] for d in view["documents"]] == [doc_id] and view["documents"][0]["download_url"] == f"/api/v1/portal/documents/{doc_id}"
    # the agency's and the creditor's copy is the Word file: the exact text, and the acceptance with the text's SHA-256
    for headers in (nh, debtor["ch"]):
        r = await c.get(f"/api/v1/documents/{doc_id}/download", headers=headers)
        assert r.status_code == 200, r.text
        text = "\n".join(p.text for p in Docx(io.BytesIO(r.content)).paragraphs)
        cells = " ".join(cell.text for t in Docx(io.BytesIO(r.content)).tables for r_ in t.rows for cell in r_.cells)
        assert "Talleres Norte S.L." in text and done["acknowledgement_sha256"] in cells
    listed = (await c.get(f"/api/v1/cases/{case['id']}/documents", headers=debtor["ch"])).json()
    assert doc_id in [d["id"] for d in listed]
    # the debtor's copy: a PDF where LibreOffice is installed (CI installs it), never cached on the way
    r = await c.get(view["documents"][0]["download_url"], headers=h)
    assert r.status_code == 200 and r.headers["cache-control"] == "private, no-store"
    assert r.content.startswith(b"%PDF") or r.content.startswith(b"PK")
    # a payment demand generated is the debtor's once its sending is recorded
    demand = (await c.post(f"/api/v1/cases/{case['id']}/documents", json={"template": "payment_demand"}, headers=nh)).json()
    assert demand["id"] not in [d["id"] for d in (await c.get("/api/v1/portal/case", headers=h)).json()["documents"]]
    assert (await c.get(f"/api/v1/portal/documents/{demand['id']}", headers=h)).status_code == 404
    r = await c.post(f"/api/v1/documents/{demand['id']}/sent", json={"sent_on": clock.today().isoformat(), "channel": "email"}, headers=nh)
    assert r.status_code in (200, 201, 204), r.text
    assert [d["id"] for d in (await c.get("/api/v1/portal/case", headers=h)).json()["documents"]] == [demand["id"], doc_id]
    # another debtor, another case: the first case's documents do not exist for them, by id or in their list
    other = await _accepted_case(c, debtor["ch"], nh)
    h2 = await _session(c, await _link(c, nh, other["id"]))
    assert (await c.get("/api/v1/portal/case", headers=h2)).json()["documents"] == []
    for d in (doc_id, demand["id"]):
        assert (await c.get(f"/api/v1/portal/documents/{d}", headers=h2)).status_code == 404
    assert (await c.get(f"/api/v1/portal/documents/{doc_id}", headers=nh)).status_code == 401  # a staff token is not a debtor's
    # the page: the list and the download, with the cookie
    await c.get(f"/p/{token}")
    page = await c.post(f"/p/{token}", data={"verifier": TAX_ID, "_csrf_token": c.cookies.get("agency_csrf")}, follow_redirects=True)
    assert f'href="/portal/documents/{doc_id}"' in page.text
    assert (await c.get(f"/portal/documents/{doc_id}")).status_code == 200


async def test_a_letter_prints_its_own_link_to_the_debtors_page_and_its_qr_code(debtor):
    """A generated letter carries a new signed link and its QR code (an image in the .docx); the link opens the
    debtor's page. A court writ carries none."""
    import io
    import re
    import zipfile

    from docx import Document as Docx

    c, case, nh = debtor["c"], debtor["case"], debtor["nh"]
    links = []
    for template in ("payment_demand", "reminder_letter"):
        doc = (await c.post(f"/api/v1/cases/{case['id']}/documents", json={"template": template}, headers=nh)).json()
        data = (await c.get(doc["download_url"], headers=nh)).content
        text = "\n".join(p.text for p in Docx(io.BytesIO(data)).paragraphs)
        found = re.findall(r"http://testserver\.local/p/([A-Za-z0-9_-]{20,})", text)
        assert len(found) == 1, text[-2000:]
        assert any(n.startswith("word/media/") and n.endswith(".png") for n in zipfile.ZipFile(io.BytesIO(data)).namelist())
        links.append(found[0])
    assert links[0] != links[1]  # each document its own link
    page = await c.get(f"/p/{links[1]}")
    assert page.status_code == 200 and 'name="verifier"' in page.text
    assert (await c.post("/api/v1/portal/session", json={"token": links[0], "verifier": TAX_ID})).status_code == 200


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\n% the debtor's receipt\ntrailer<<>>\n%%EOF\n"


async def test_a_dispute_takes_files_checked_as_evidence_is_and_only_for_the_debtors_own_dispute(debtor):
    """POST /api/v1/portal/disputes/{id}/files: a file becomes evidence of the case (sniffed as any evidence: a
    program is refused), at most 5 a dispute; another case's dispute does not exist. The page sends the objection
    and its files in one form, and a refused file refuses the whole, writing nothing."""
    from cases.tables import Evidence, Invoice

    c, token, case, nh = debtor["c"], debtor["token"], debtor["case"], debtor["nh"]
    h = await _session(c, token)
    numbers = [i["number"] for i in case["invoices"]]
    dispute = (await c.post("/api/v1/portal/disputes", json={"invoice_numbers": [numbers[0]], "reason": "No recibí el pedido"},
                            headers=h)).json()
    url = f"/api/v1/portal/disputes/{dispute['id']}/files"
    r = await c.post(url, files={"file": ("albaran.pdf", PDF, "application/pdf")}, headers=h)
    assert r.status_code == 201, r.text
    assert r.json()["content_type"] == "application/pdf" and r.json()["filename"] == "albaran.pdf"
    row = await Evidence.select().where(Evidence.id == r.json()["id"]).first()
    assert row["case"] == case["id"] and row["uploaded_by"] is None
    r = await c.post(url, files={"file": ("factura.pdf", b"MZ\x90\x00" + b"\x00" * 200, "application/pdf")}, headers=h)
    assert r.status_code == 400 and "factura.pdf" in r.json()["detail"]
    for n in range(4):
        assert (await c.post(url, files={"file": (f"n{n}.txt", f"nota {n}".encode(), "text/plain")}, headers=h)).status_code == 201
    r = await c.post(url, files={"file": ("sexto.txt", b"otra nota", "text/plain")}, headers=h)
    assert r.status_code == 400 and "5" in r.json()["detail"]
    # staff and the creditor see the files among the case's evidence
    staff = (await c.get(f"/api/v1/cases/{case['id']}", headers=debtor["ch"])).json()
    assert "albaran.pdf" in str(staff)
    # another debtor cannot add to this dispute, nor a staff token
    other = await _accepted_case(c, debtor["ch"], nh)
    h2 = await _session(c, await _link(c, nh, other["id"]))
    assert (await c.post(url, files={"file": ("x.txt", b"hola hola", "text/plain")}, headers=h2)).status_code == 404
    assert (await c.post(url, files={"file": ("x.txt", b"hola hola", "text/plain")}, headers=nh)).status_code == 401
    # the page: a refused file refuses the objection too (nothing written), a good one goes with it
    await c.get(f"/p/{token}")
    csrf = c.cookies.get("agency_csrf")
    assert (await c.post(f"/p/{token}", data={"verifier": TAX_ID, "_csrf_token": csrf})).status_code == 303
    before = await Evidence.count().where(Evidence.case == case["id"])
    form = {"_csrf_token": csrf, "invoice_numbers": numbers[1], "reason": "Ya la pagué en marzo"}
    r = await c.post("/portal/dispute", data=form, files={"file": ("virus.pdf", b"MZ\x90\x00" + b"\x00" * 200, "application/pdf")})
    assert r.status_code == 400 and "virus.pdf" in r.text
    assert not (await Invoice.select(Invoice.disputed).where(Invoice.number == numbers[1]).first())["disputed"]
    assert await Evidence.count().where(Evidence.case == case["id"]) == before
    r = await c.post("/portal/dispute", data=form, files={"file": ("transferencia.pdf", PDF + b"%transfer", "application/pdf")})
    assert r.status_code == 303, r.text
    assert (await Invoice.select(Invoice.disputed).where(Invoice.number == numbers[1]).first())["disputed"]
    assert await Evidence.exists().where((Evidence.case == case["id"]) & (Evidence.original_name == "transferencia.pdf"))
    # without the CSRF token, nothing
    r = await c.post("/portal/dispute", data={**form, "_csrf_token": "forged"}, files={"file": ("t2.pdf", PDF, "application/pdf")})
    assert r.status_code == 403


async def test_the_queue_raises_a_debtor_who_opened_their_page_and_left_and_lowers_one_who_paid(debtor):
    from cases.tables import Case

    c, token, cid = debtor["c"], debtor["token"], debtor["case"]["id"]

    async def score():
        row = await Case.select(Case.priority, Case.priority_reasons).where(Case.id == cid).first()
        return row["priority"], row["priority_reasons"].split(",")

    before, reasons = await score()
    assert "opened_and_left" not in reasons
    h = await _session(c, token)
    opened, reasons = await score()
    assert "opened_and_left" in reasons and opened == before + 15
    started = (await c.post("/api/v1/portal/payments", json={"amount": "100.00", "method": "bizum"}, headers=h)).json()
    assert (await c.post("/payments/redsys/notification", data=_notify(started["order"], 100_00))).json() == {"outcome": "paid"}
    paid, reasons = await score()
    assert "engaged" in reasons and "opened_and_left" not in reasons


async def test_the_next_instalment_is_what_is_left_of_it_and_the_page_offers_it_first(debtor):
    from datetime import timedelta

    from agency import clock

    c, token, cid = debtor["c"], debtor["token"], debtor["case"]["id"]
    h = await _session(c, token)
    first = (clock.today() + timedelta(days=3)).isoformat()
    done = (await c.post("/api/v1/portal/plans", json={"instalments": 4, "first_due_on": first, "method": "card", "accept": True},
                         headers=h)).json()
    one = Decimal(done["instalments"][0]["amount"])
    await _pay_staff(c, debtor["nh"], cid, "60.00")
    nxt = (await c.get("/api/v1/portal/case", headers=h)).json()["plan"]["next"]
    assert nxt["number"] == 1 and Decimal(nxt["amount"]) == one - Decimal("60.00") and nxt["due_on"] == first
    await c.get(f"/p/{token}")
    csrf = c.cookies.get("agency_csrf")
    home = await c.post(f"/p/{token}", data={"verifier": TAX_ID, "_csrf_token": csrf}, follow_redirects=True)
    assert f'value="{nxt["amount"]}" checked' in home.text


async def test_a_refused_mandate_keeps_what_the_debtor_typed(debtor):
    from datetime import timedelta

    from agency import clock

    c, token = debtor["c"], debtor["token"]
    await c.get(f"/p/{token}")
    csrf = c.cookies.get("agency_csrf")
    assert (await c.post(f"/p/{token}", data={"verifier": TAX_ID, "_csrf_token": csrf})).status_code == 303
    first = (clock.today() + timedelta(days=5)).isoformat()
    r = await c.post("/portal/plan", data={"_csrf_token": csrf, "instalments": "3", "first_due_on": first, "method": "sepa_direct_debit",
                                           "iban": "ES91 2100 0418 4502 0005 1333", "account_holder": "Talleres Norte S.L.", "accept": "on"})
    assert r.status_code == 400 and "IBAN" in r.text
    assert 'value="ES91 2100 0418 4502 0005 1333"' in r.text and 'value="Talleres Norte S.L."' in r.text


async def test_a_french_debtor_is_written_to_in_french_with_the_link_to_their_page(debtor):
    from agency.tables import OutboxMessage
    from cases.tables import Case, Debtor

    c, cid, nh = debtor["c"], debtor["case"]["id"], debtor["nh"]
    debtor_id = (await Case.select(Case.debtor).where(Case.id == cid).first())["debtor"]
    await Debtor.update({Debtor.language: "fr"}).where(Debtor.id == debtor_id)
    r = await c.post(f"/api/v1/cases/{cid}/messages", json={"template": "overdue"}, headers=nh)
    assert r.status_code in (200, 201), r.text
    mail = await OutboxMessage.select(OutboxMessage.subject, OutboxMessage.body_text).where(OutboxMessage.case_id == cid).order_by(
        OutboxMessage.id, ascending=False).first()
    assert mail["body_text"].startswith("Madame, Monsieur,")  # the debtor is a company (issue 22 item 7c)
    assert "Bizum" not in mail["body_text"] and "http://testserver.local/p/" in mail["body_text"]
    assert "€" in mail["body_text"] and "," in mail["body_text"].split("€")[0][-4:]  # amounts in French format (1 234,56 €)
    link = mail["body_text"].split("/p/")[1].split()[0]
    page = await c.get(f"/p/{link}")
    assert page.status_code == 200 and 'lang="fr"' in page.text


async def test_the_debtors_page_kept_rendered_is_each_browsers_own_and_changes_with_what_is_owed(debtor, make_client):
    """agency.web.page_kept: the page is rendered once per view and kept; each browser gets its own CSRF token, and a
    payment shows at once (another view, another page)."""
    import agency.web

    c, token, cid = debtor["c"], debtor["token"], debtor["case"]["id"]
    second = await make_client()
    homes = []
    for browser in (c, second):
        await browser.get(f"/p/{token}")
        assert (await browser.post(f"/p/{token}", data={"verifier": TAX_ID, "_csrf_token": browser.cookies.get("agency_csrf")})).status_code == 303
        await browser.get("/portal/home")  # (the first load may carry a message: rendered whole)
        homes.append((await browser.get("/portal/home")).text)
    kept = len(agency.web._PAGES)
    assert (await c.get("/portal/home")).text == homes[0] and len(agency.web._PAGES) == kept
    for browser, html, other in ((c, homes[0], second), (second, homes[1], c)):
        assert browser.cookies.get("agency_csrf") in html and other.cookies.get("agency_csrf") not in html
    before = homes[0].count("100,00")
    await _pay_staff(c, debtor["nh"], cid, "100.00")
    after = (await c.get("/portal/home")).text
    assert after != homes[0] and after.count("100,00") > before  # the payment, at once


async def test_the_links_page_is_in_the_language_the_debtors_page_will_be(debtor):
    """The page that asks for the proof is in the debtor's language on file, as their page after it (an outside tester's
    English browser got the check in English, then the page in Spanish); a language chosen on it is kept across."""
    c, token = debtor["c"], debtor["token"]
    english_browser = {"accept-language": "en-GB,en;q=0.9"}
    check = await c.get(f"/p/{token}", headers=english_browser)
    assert "Confirme quién es" in check.text and "Confirm who you are" not in check.text
    chosen = await c.get(f"/p/{token}?lang=en", headers=english_browser)
    assert "Confirm who you are" in chosen.text
    r = await c.post(f"/p/{token}", data={"verifier": TAX_ID, "_csrf_token": c.cookies.get("agency_csrf")}, headers=english_browser)
    assert r.status_code in (302, 303)
    home = await c.get("/portal/home", headers=english_browser)
    assert home.status_code == 200 and '<html lang="en">' in home.text


async def test_a_wrong_proof_is_refused_in_the_page_s_language(make_client):
    """The page asking for the proof is in the case's language (Spanish here) whatever the browser says; the refusal of a
    wrong answer was worded in the browser's (an outside tester: a Spanish page, an English error)."""
    org, c, ch, nh = await _people(make_client)
    case = await _accepted_case(c, ch, nh)
    token = await _link(c, nh, case["id"])
    english = {"Accept-Language": "en-GB,en;q=0.9"}
    page = await c.get(f"/p/{token}", headers=english)
    assert page.status_code == 200 and 'lang="es"' in page.text
    r = await c.post(f"/p/{token}", data={"verifier": "nope", "_csrf_token": c.cookies.get("agency_csrf")}, headers=english)
    assert r.status_code == 401 and 'lang="es"' in r.text
    assert "No coincide con lo que nos consta." in r.text and "does not match" not in r.text


async def test_without_card_payments_the_page_offers_the_transfer_alone(debtor, monkeypatch):
    """With Redsys not configured there is no card or Bizum form: the transfer is the way to pay, not an "Or…" after
    nothing (an outside tester)."""
    import dataclasses

    from cases.portal import service as portal_service

    without = dataclasses.replace(portal_service.get_settings(), redsys_merchant_code="")
    monkeypatch.setattr(portal_service, "get_settings", lambda: without)
    c, token = debtor["c"], debtor["token"]
    await c.get(f"/p/{token}")
    home = await c.post(f"/p/{token}", data={"verifier": TAX_ID, "_csrf_token": c.cookies.get("agency_csrf")}, follow_redirects=True)
    assert home.status_code == 200 and 'action="/portal/pay"' not in home.text
    assert "Por transferencia a " in home.text and "O por transferencia" not in home.text
