"""Demands and their delivery (LEGAL.md rev. 6 December 2026): a consumer owes interest only from a demand that
reached them (Código Civil 1100), limitation starts again from the delivery, and a settlement offer's 30 days run
from its receipt (LO 1/2025). The delivery is recorded with its certificate; bad input is refused, nothing written."""
import io
from datetime import timedelta
from decimal import Decimal

from agency import clock
from cases.tables import Case, CaseEvent, Evidence
from legal.rules.limitation import add_years
from legal.tables import Deadline, Document
from tests.factories import api_token, create_org, create_user
from tests.http.cases.test_claims import PDF, claim_body
from tests.http.cases.test_money import _people

TODAY = clock.today()
DUE = TODAY - timedelta(days=200)


async def _consumer_case(make_client):
    org, c, ch, nh = await _people(make_client)
    body = claim_body(debtor={"kind": "person", "name": "Lucía Pérez Gil", "tax_id": "12345678Z", "email": "lucia@correo.test",
                              "address": {"line1": "C/ Mayor 1", "city": "Valladolid", "postal_code": "47001", "country": "ES"}},
                      invoices=[{"number": "L-1", "issue_date": (DUE - timedelta(days=30)).isoformat(), "due_date": DUE.isoformat(),
                                 "amount": "3650.00"}])
    case = (await c.post("/api/v1/claims", json=body, headers=ch)).json()
    ev = (await c.post(f"/api/v1/cases/{case['id']}/evidence", headers=ch, files={"file": ("contrato.pdf", io.BytesIO(PDF), "application/pdf")})).json()
    assert (await c.post(f"/api/v1/cases/{case['id']}/transitions", json={"to": "amicable"}, headers=nh)).status_code == 200
    return c, ch, nh, case["id"], ev["id"]


async def _burofax(c, nh, cid) -> dict:
    doc = (await c.post(f"/api/v1/cases/{cid}/documents", json={"template": "payment_demand"}, headers=nh)).json()
    # as if it had been made a month ago (a document is sent on or after the day it was made)
    await Document.update({Document.data_date: TODAY - timedelta(days=30)}).where(Document.id == doc["id"])
    r = await c.post(f"/api/v1/documents/{doc['id']}/sent", json={"sent_on": (TODAY - timedelta(days=10)).isoformat(), "channel": "burofax"},
                     headers=nh)
    assert r.status_code == 201, r.text
    return doc


async def test_a_consumer_owes_interest_only_from_the_delivered_demand(make_client):
    c, ch, nh, cid, _ev = await _consumer_case(make_client)
    balance = (await c.get(f"/api/v1/cases/{cid}/ledger", headers=nh)).json()["balances"]
    assert Decimal(balance["interest"]) == 0 and Decimal(balance["outstanding"]) == Decimal("3650.00")  # due 200 days ago
    doc = await _burofax(c, nh, cid)
    assert Decimal((await c.get(f"/api/v1/cases/{cid}/ledger", headers=nh)).json()["balances"]["interest"]) == 0  # sent, not delivered

    delivered = TODAY - timedelta(days=8)
    cert = (await c.post(f"/api/v1/cases/{cid}/evidence", headers=nh, data={"kind": "other"},
                         files={"file": ("acuse-burofax.pdf", io.BytesIO(PDF), "application/pdf")})).json()
    r = await c.post(f"/api/v1/documents/{doc['id']}/delivered", json={"delivered_on": delivered.isoformat(), "certificate_id": cert["id"]},
                     headers=nh)
    assert r.status_code == 201, r.text
    assert (await Case.select(Case.demanded_on).where(Case.id == cid).first())["demanded_on"] == delivered
    # 8 days from the day after the delivery to today, on 3,650.00 at the legal rate of the year: 3,650 x rate x 8 / 365
    rate = Decimal("3.25")
    expected = (Decimal("3650.00") * rate / 100 * 8 / 365).quantize(Decimal("0.01"))
    assert Decimal((await c.get(f"/api/v1/cases/{cid}/ledger", headers=nh)).json()["balances"]["interest"]) == expected == Decimal("2.60")
    # limitation: five years from the delivery, not from the sending
    lim = (await c.get(f"/api/v1/cases/{cid}/limitation", headers=ch)).json()["limitation"]
    assert lim["date"] == add_years(delivered, 5).isoformat()
    # the settlement offer's 30 days run from the receipt (the demand carries the offer)
    open_deadlines = await Deadline.select(Deadline.starts_on).where(
        (Deadline.case == cid) & (Deadline.rule == "settlement_answer") & (Deadline.status == "open"))
    assert [d["starts_on"] for d in open_deadlines] == [delivered]
    assert (await Case.select(Case.settlement_offer_on).where(Case.id == cid).first())["settlement_offer_on"] == delivered
    # the creditor sees the delivery on the timeline
    events = (await c.get(f"/api/v1/cases/{cid}", headers=ch)).json()["events"]
    assert any(e["kind"] == "delivered" for e in events)
    # once per sending
    again = await c.post(f"/api/v1/documents/{doc['id']}/delivered", json={"delivered_on": delivered.isoformat()}, headers=nh)
    assert again.status_code == 409


async def test_bad_deliveries_are_refused_and_write_nothing(make_client):
    c, ch, nh, cid, _ev = await _consumer_case(make_client)
    doc = (await c.post(f"/api/v1/cases/{cid}/documents", json={"template": "payment_demand"}, headers=nh)).json()
    url = f"/api/v1/documents/{doc['id']}/delivered"
    r = await c.post(url, json={"delivered_on": TODAY.isoformat()}, headers=nh)
    assert r.status_code == 409 and ("sending" in r.json()["detail"].lower() or "envío" in r.json()["detail"].lower())
    url = f"/api/v1/documents/{(await _burofax(c, nh, cid))['id']}/delivered"
    before_sent = await c.post(url, json={"delivered_on": (TODAY - timedelta(days=11)).isoformat()}, headers=nh)
    assert before_sent.status_code == 400 and (TODAY - timedelta(days=10)).isoformat() in before_sent.json()["detail"]
    assert (await c.post(url, json={"delivered_on": (TODAY + timedelta(days=1)).isoformat()}, headers=nh)).status_code == 400
    assert (await c.post(url, json={"delivered_on": "2026-02-31"}, headers=nh)).status_code == 400
    # a certificate from another organisation's case
    _o, c2, ch2, _nh2 = await _people(make_client)
    other = (await c2.post("/api/v1/claims", json=claim_body(), headers=ch2)).json()
    foreign = (await c2.post(f"/api/v1/cases/{other['id']}/evidence", headers=ch2, files={"file": ("x.pdf", io.BytesIO(PDF), "application/pdf")})).json()
    r = await c.post(url, json={"delivered_on": TODAY.isoformat(), "certificate_id": foreign["id"]}, headers=nh)
    assert r.status_code == 400
    for impossible in (0, -3, 99_999_999_999):  # no row can have it (on PostgreSQL the last overflowed the driver: a 500)
        assert (await c.post(url, json={"delivered_on": TODAY.isoformat(), "certificate_id": impossible}, headers=nh)).status_code == 400
    assert await CaseEvent.count().where((CaseEvent.case == cid) & (CaseEvent.kind == "delivered")) == 0
    assert (await Case.select(Case.demanded_on).where(Case.id == cid).first())["demanded_on"] is None
    # creditors do not record deliveries; a stranger's case is not found
    assert (await c.post(url, json={"delivered_on": TODAY.isoformat()}, headers=ch)).status_code == 403
    stranger = await api_token(c, (await create_user("creditor", await create_org()))["email"])
    assert (await c.post(url, json={"delivered_on": TODAY.isoformat()}, headers=stranger)).status_code == 403
    assert await Evidence.count().where(Evidence.case == cid) == 1


async def test_a_burofax_logged_as_a_contact_counts_from_its_delivery(make_client):
    c, ch, nh, cid, _ev = await _consumer_case(make_client)
    r = await c.post(f"/api/v1/cases/{cid}/activities", json={"kind": "burofax", "body": "Requerimiento de pago por burofax"}, headers=nh)
    assert r.status_code == 201, r.text
    event_id = r.json()["id"]
    assert (await Case.select(Case.demanded_on).where(Case.id == cid).first())["demanded_on"] is None
    url = f"/api/v1/cases/{cid}/activities/{event_id}/delivered"
    assert (await c.post(url, json={"delivered_on": (TODAY - timedelta(days=1)).isoformat()}, headers=nh)).status_code == 400  # before it was sent
    r = await c.post(url, json={"delivered_on": TODAY.isoformat()}, headers=nh)
    assert r.status_code == 201, r.text
    assert (await Case.select(Case.demanded_on).where(Case.id == cid).first())["demanded_on"] == TODAY
    lim = (await c.get(f"/api/v1/cases/{cid}/limitation", headers=ch)).json()["limitation"]
    assert lim["date"] == add_years(TODAY, 5).isoformat()
    # a contact that was not a certified demand cannot be "delivered"
    note = (await c.post(f"/api/v1/cases/{cid}/activities", json={"kind": "call", "body": "No contesta"}, headers=nh)).json()
    assert (await c.post(f"/api/v1/cases/{cid}/activities/{note['id']}/delivered", json={"delivered_on": TODAY.isoformat()},
                         headers=nh)).status_code == 404
    # nor another case's burofax through this case
    _o, c2, ch2, nh2 = await _people(make_client)
    assert (await c.post(f"/api/v1/cases/{cid}/activities/999999/delivered", json={"delivered_on": TODAY.isoformat()},
                         headers=nh)).status_code == 404


async def test_the_case_page_says_why_a_consumer_owes_no_interest_yet(make_client):
    from tests.factories import case_page, signed_in

    c, ch, nh, cid, _ev = await _consumer_case(make_client)
    page, _user = await signed_in(make_client, "negotiator")
    html = (await case_page(page, cid)).text
    assert 'id="interest-awaiting-demand"' in html and "1100" in html
    doc = await _burofax(c, nh, cid)
    html = (await case_page(page, cid)).text
    assert f'action="/cases/{cid}/legal/documents/{doc["id"]}/delivered"' in html  # the form to record the delivery


async def test_a_demand_received_the_day_it_was_sent_keeps_one_deadline(make_client):
    """(A helper found two settlement deadlines, one shown as dealt with, after a burofax delivered the day it went.)"""
    c, ch, nh, cid, _ev = await _consumer_case(make_client)
    doc = (await c.post(f"/api/v1/cases/{cid}/documents", json={"template": "payment_demand"}, headers=nh)).json()
    assert (await c.post(f"/api/v1/documents/{doc['id']}/sent", json={"sent_on": TODAY.isoformat(), "channel": "burofax"},
                         headers=nh)).status_code == 201
    assert (await c.post(f"/api/v1/documents/{doc['id']}/delivered", json={"delivered_on": TODAY.isoformat()}, headers=nh)).status_code == 201
    rows = await Deadline.select(Deadline.status, Deadline.starts_on).where((Deadline.case == cid) & (Deadline.rule == "settlement_answer"))
    assert rows == [{"status": "open", "starts_on": TODAY}]
