"""SEPA direct debits over HTTP (DESIGN.md "Money that arrives by itself"): a debtor's mandate signed on their page, the
admin's pain.008 file (valid against the schema, each instalment in one file only, even two admins at once), the
debtor told beforehand, the payment booked on the collection day, and a return that reverses it with its fee and
says what follows."""
from __future__ import annotations

import asyncio
import os
import secrets
from datetime import timedelta

import sepaxml
import xmlschema
from lxml import etree

from agency import clock
from agency.tables import OutboxMessage
from cases.bank.debits import collect_due, send_notices
from cases.tables import DirectDebit, Instalment, LedgerEntry, PaymentPlan
from tests.factories import api_token, create_user, signed_in
from tests.http.cases.test_portal import _session, debtor  # noqa: F401 - the fixture

SCHEMA = xmlschema.XMLSchema(os.path.join(os.path.dirname(sepaxml.__file__), "schemas", "pain.008.001.02.xsd"))
NS = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.008.001.02"}


async def _sepa_plan(debtor, days: int = 3) -> tuple[dict, str]:
    """The debtor chooses 3 monthly instalments by direct debit, the first in ``days`` days: (the plan, its first due day)."""
    c, h = debtor["c"], await _session(debtor["c"], debtor["token"])
    first = (clock.today() + timedelta(days=days)).isoformat()
    r = await c.post("/api/v1/portal/plans", json={"instalments": 3, "first_due_on": first, "method": "sepa_direct_debit",
                                                   "iban": "ES91 2100 0418 4502 0005 1332", "account_holder": "Talleres Norte S.L.",
                                                   "accept": True}, headers=h)
    assert r.status_code == 201, r.text
    return r.json(), first


async def _admin(debtor) -> dict:
    return await api_token(debtor["c"], (await create_user("admin"))["email"])


async def test_a_mandate_becomes_a_valid_file_the_debtor_is_told_and_the_payment_is_booked_on_its_day(debtor):
    c, cid = debtor["c"], debtor["case"]["id"]
    plan, first = await _sepa_plan(debtor)
    ah = await _admin(debtor)
    assert (await c.post("/api/v1/direct-debits/batches", json={"collect_on": clock.today().isoformat()}, headers=ah)).status_code == 400
    r = await c.post("/api/v1/direct-debits/batches", json={"collect_on": first}, headers=ah)
    assert r.status_code == 201, r.text
    batch = r.json()
    assert batch["count"] >= 1 and batch["sha256"]
    data = (await c.get(batch["download_url"], headers=ah)).content
    SCHEMA.validate(data.decode())  # pain.008.001.02, as the bank reads it
    root = etree.fromstring(data)
    mine = [t for t in root.iterfind(".//p:DrctDbtTxInf", NS) if t.findtext("p:DrctDbtTx/p:MndtRltdInf/p:MndtId", namespaces=NS)
            == plan["mandate_reference"]]
    assert len(mine) == 1
    tx = mine[0]
    block = tx.getparent()
    assert block.findtext("p:PmtTpInf/p:SeqTp", namespaces=NS) == "FRST"
    assert block.findtext("p:PmtTpInf/p:LclInstrm/p:Cd", namespaces=NS) == "B2B"  # a company's debit
    assert tx.findtext("p:InstdAmt", namespaces=NS) == plan["instalments"][0]["amount"]
    assert tx.findtext("p:DbtrAcct/p:Id/p:IBAN", namespaces=NS) == "ES9121000418450200051332"
    # the debtor is told the amount and the day, once (the worker's round)
    assert await send_notices(clock.today()) >= 1
    assert await send_notices(clock.today()) == 0
    notice = await OutboxMessage.select(OutboxMessage.subject, OutboxMessage.body_text).where(
        (OutboxMessage.case_id == cid) & OutboxMessage.kind.like("%direct_debit_notice")).first()
    assert notice and plan["mandate_reference"] in notice["body_text"] and "ES81ZZZB00000000" in notice["body_text"]
    # the same instalment never goes into a second file
    r = await c.post("/api/v1/direct-debits/batches", json={"collect_on": first}, headers=ah)
    assert r.status_code == 422 or plan["mandate_reference"] not in (await c.get(r.json()["download_url"], headers=ah)).text
    # on the collection day it is booked as a payment, once
    day = clock.today() + timedelta(days=3)
    assert await collect_due(day) >= 1
    assert await collect_due(day) == 0
    paid = await LedgerEntry.select(LedgerEntry.amount_cents, LedgerEntry.method).where(
        (LedgerEntry.case == cid) & (LedgerEntry.kind == "payment"))
    assert paid == [{"amount_cents": int(plan["instalments"][0]["amount"].replace(".", "")), "method": "direct_debit"}]
    # a creditor or a negotiator never reaches any of it
    for headers in (debtor["ch"], debtor["nh"]):
        assert (await c.post("/api/v1/direct-debits/batches", json={"collect_on": first}, headers=headers)).status_code == 403


async def test_a_return_reverses_the_payment_and_its_fee_then_retries_once_or_stops(debtor):
    c, cid = debtor["c"], debtor["case"]["id"]
    plan, first = await _sepa_plan(debtor)
    ah = await _admin(debtor)
    batch = (await c.post("/api/v1/direct-debits/batches", json={"collect_on": first}, headers=ah)).json()
    await collect_due(clock.today() + timedelta(days=3))
    debit = next(d for d in (await c.get(f"/api/v1/direct-debits/batches/{batch['id']}", headers=ah)).json()["debits"]
                 if d["case_reference"] == debtor["case"]["reference"])
    assert debit["status"] == "collected"
    assert (await c.post(f"/api/v1/direct-debits/{debit['id']}/return", json={"reason_code": "AM4"}, headers=ah)).status_code == 400
    for day in (clock.today() + timedelta(days=1), clock.today() - timedelta(days=1)):  # after today; before it was collected
        r = await c.post(f"/api/v1/direct-debits/{debit['id']}/return", json={"reason_code": "AM04", "returned_on": day.isoformat()}, headers=ah)
        assert r.status_code == 400 and "returned_on" not in r.text, r.text
    assert (await c.post(f"/api/v1/direct-debits/{debit['id']}/return", json={"reason_code": "AM04", "returned_on": "7/12"},
                         headers=ah)).status_code == 400
    r = await c.post(f"/api/v1/direct-debits/{debit['id']}/return", json={"reason_code": "AM04"}, headers=ah)
    assert r.status_code == 200 and r.json()["then"] == "retry", r.text
    assert (await c.post(f"/api/v1/direct-debits/{debit['id']}/return", json={"reason_code": "AM04"}, headers=ah)).status_code == 409
    entries = await LedgerEntry.select(LedgerEntry.kind, LedgerEntry.amount_cents, LedgerEntry.idempotency_key).where(LedgerEntry.case == cid)
    assert sum(e["amount_cents"] for e in entries if e["kind"] in ("payment", "reversal")) == 0  # the payment undone
    fees = [e["amount_cents"] for e in entries if (e["idempotency_key"] or "").startswith(("fee:success:", "fee:reversal:"))]
    assert fees and sum(fees) == 0  # and its success fee
    # presented once more, again as a first collection (none went through yet), then stopped by the second return
    again = (await c.post("/api/v1/direct-debits/batches", json={"collect_on": first}, headers=ah)).json()
    second = next(d for d in (await c.get(f"/api/v1/direct-debits/batches/{again['id']}", headers=ah)).json()["debits"]
                  if d["case_reference"] == debtor["case"]["reference"])
    assert second["sequence"] == "FRST" and second["end_to_end_id"].endswith("-A2")
    r = await c.post(f"/api/v1/direct-debits/{second['id']}/return", json={"reason_code": "MD01"}, headers=ah)
    assert r.json()["then"] == "stop"
    assert (await PaymentPlan.select(PaymentPlan.mandate_stopped).where(PaymentPlan.id == plan["plan"]).first())["mandate_stopped"] == "MD01"
    events = (await c.get(f"/api/v1/cases/{cid}", headers=debtor["ch"])).json()["events"]
    assert [e for e in events if e["kind"] == "direct_debit_returned"]  # the creditor sees it
    later = await c.post("/api/v1/direct-debits/batches", json={"collect_on": (clock.today() + timedelta(days=40)).isoformat()}, headers=ah)
    assert later.status_code == 422 or debtor["case"]["reference"] not in str((await c.get(
        f"/api/v1/direct-debits/batches/{later.json()['id']}", headers=ah)).json())


async def test_two_admins_writing_a_file_at_once_put_each_instalment_in_one(debtor):
    c = debtor["c"]
    plan, first = await _sepa_plan(debtor)
    ah, ah2 = await _admin(debtor), await _admin(debtor)
    results = await asyncio.gather(*[c.post("/api/v1/direct-debits/batches", json={"collect_on": first}, headers=h) for h in (ah, ah2, ah)])
    assert sorted(r.status_code for r in results)[0] == 201 and all(r.status_code in (201, 409, 422) for r in results), [r.text for r in results]
    first_instalment = await Instalment.select(Instalment.id).where(Instalment.plan == plan["plan"]).order_by(Instalment.number).first()
    assert await DirectDebit.count().where(DirectDebit.instalment == first_instalment["id"]) == 1


def _camt(entries: list[tuple[str, str, str, str]], opening: int = 100000) -> bytes:
    """A camt.053.001.02 statement of today's entries (amount, CRDT|DBIT, end-to-end id, return reason or "")."""
    day = clock.today().isoformat()
    total = opening + sum(int(a.replace(".", "")) * (1 if d == "CRDT" else -1) for a, d, _e, _r in entries)
    body = "".join(
        f'<Ntry><Amt Ccy="EUR">{a}</Amt><CdtDbtInd>{d}</CdtDbtInd><Sts>BOOK</Sts><BookgDt><Dt>{day}</Dt></BookgDt>'
        f'<ValDt><Dt>{day}</Dt></ValDt><NtryDtls><TxDtls><Refs><EndToEndId>{e}</EndToEndId></Refs>'
        + (f"<RtrInf><Rsn><Cd>{r}</Cd></Rsn></RtrInf>" if r else "") + "</TxDtls></NtryDtls></Ntry>"
        for a, d, e, r in entries)
    return (f'<?xml version="1.0" encoding="UTF-8"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>'
            f"<GrpHdr><MsgId>M{secrets.token_hex(4)}</MsgId><CreDtTm>{day}T06:00:00</CreDtTm></GrpHdr><Stmt><Id>S1</Id>"
            f"<CreDtTm>{day}T06:00:00</CreDtTm><Acct><Id><IBAN>ES6000491500051234567892</IBAN></Id><Ccy>EUR</Ccy></Acct>"
            f'<Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">{opening / 100:.2f}</Amt><CdtDbtInd>CRDT</CdtDbtInd>'
            f"<Dt><Dt>{day}</Dt></Dt></Bal>"
            f'<Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">{total / 100:.2f}</Amt><CdtDbtInd>CRDT</CdtDbtInd>'
            f"<Dt><Dt>{day}</Dt></Dt></Bal>{body}</Stmt></BkToCstmrStmt></Document>").encode()


async def test_the_bank_statement_books_the_collection_once_and_its_return_reverses_it(debtor):
    c, cid = debtor["c"], debtor["case"]["id"]
    plan, first = await _sepa_plan(debtor)
    ah = await _admin(debtor)
    batch = (await c.post("/api/v1/direct-debits/batches", json={"collect_on": first}, headers=ah)).json()
    debit = next(d for d in (await c.get(f"/api/v1/direct-debits/batches/{batch['id']}", headers=ah)).json()["debits"]
                 if d["case_reference"] == debtor["case"]["reference"])
    amount = debit["amount"]  # (two decimals, as the API writes money)
    # the bank credits the collection (its end-to-end id): it is the direct debit's payment, booked once
    r = await c.post("/api/v1/bank-statements", files={"file": ("camt.xml", _camt([(amount, "CRDT", debit["end_to_end_id"], "")]), "text/xml")},
                     headers=ah)
    assert r.status_code == 201 and r.json()["matched"] == 1, r.text
    await collect_due(clock.today() + timedelta(days=3))  # (the collection day comes: nothing more)
    payments = await LedgerEntry.select(LedgerEntry.amount_cents).where((LedgerEntry.case == cid) & (LedgerEntry.kind == "payment"))
    assert len(payments) == 1
    # then it comes back, AM04: the statement's debit records the return and reverses the payment
    r = await c.post("/api/v1/bank-statements", files={"file": ("camt2.xml", _camt([(amount, "DBIT", debit["end_to_end_id"], "AM04")]),
                                                                "text/xml")}, headers=ah)
    assert r.status_code == 201, r.text
    returned = next(d for d in (await c.get(f"/api/v1/direct-debits/batches/{batch['id']}", headers=ah)).json()["debits"]
                    if d["id"] == debit["id"])
    assert returned["status"] == "returned" and returned["return_reason"] == "AM04"
    assert await LedgerEntry.count().where((LedgerEntry.case == cid) & (LedgerEntry.kind == "reversal")) == 1


async def test_staff_record_a_paper_mandate_on_an_agreed_plan_and_it_is_collected(debtor, make_client):
    c, cid, nh = debtor["c"], debtor["case"]["id"], debtor["nh"]
    url = f"/api/v1/cases/{cid}/mandate"
    form = {"iban": "ES91 2100 0418 4502 0005 1332", "account_holder": "Talleres Norte S.L.", "signed_on": clock.today().isoformat()}
    assert (await c.post(url, json=form, headers=nh)).status_code == 409  # no plan yet
    first = (clock.today() + timedelta(days=4)).isoformat()
    r = await c.post(f"/api/v1/cases/{cid}/plans", json={"instalments": 2, "frequency": "monthly", "first_due_on": first}, headers=nh)
    assert r.status_code == 201, r.text
    assert (await c.post(url, json={**form, "iban": "ES91 2100 0418 4502 0005 1333"}, headers=nh)).status_code == 400
    assert (await c.post(url, json={**form, "signed_on": (clock.today() + timedelta(days=1)).isoformat()}, headers=nh)).status_code == 400
    assert (await c.post(url, json=form, headers=debtor["ch"])).status_code == 403  # a creditor does not
    r = await c.post(url, json=form, headers=nh)
    assert r.status_code == 201, r.text
    mandate = r.json()["mandate_reference"]
    staff, _me = await signed_in(make_client, "negotiator")
    page = await staff.get(f"/cases/{cid}")
    assert page.status_code == 200 and mandate in page.text and "1332" in page.text and 'action="/cases/' in page.text
    ah = await _admin(debtor)
    batch = (await c.post("/api/v1/direct-debits/batches", json={"collect_on": first}, headers=ah)).json()
    assert mandate in (await c.get(batch["download_url"], headers=ah)).text


async def test_a_collection_returned_by_hand_first_is_never_booked_as_a_transfer_by_the_statement(debtor):
    c, cid = debtor["c"], debtor["case"]["id"]
    plan, first = await _sepa_plan(debtor)
    ah = await _admin(debtor)
    batch = (await c.post("/api/v1/direct-debits/batches", json={"collect_on": first}, headers=ah)).json()
    debit = next(d for d in (await c.get(f"/api/v1/direct-debits/batches/{batch['id']}", headers=ah)).json()["debits"]
                 if d["case_reference"] == debtor["case"]["reference"])
    assert (await c.post(f"/api/v1/direct-debits/{debit['id']}/return", json={"reason_code": "MS02"}, headers=ah)).json()["then"] == "stop"
    r = await c.post("/api/v1/bank-statements", files={"file": ("camt.xml", _camt([(debit["amount"], "CRDT", debit["end_to_end_id"], "")]),
                                                                "text/xml")}, headers=ah)
    assert r.status_code == 201 and r.json()["matched"] == 0 and r.json()["unmatched"] == 1
    assert await LedgerEntry.count().where((LedgerEntry.case == cid) & (LedgerEntry.kind == "payment")) == 0


async def test_a_file_the_bank_refused_is_cancelled_and_its_instalments_go_into_the_next(debtor, make_client):
    c, cid = debtor["c"], debtor["case"]["id"]
    plan, first = await _sepa_plan(debtor)
    ah = await _admin(debtor)
    batch = (await c.post("/api/v1/direct-debits/batches", json={"collect_on": first}, headers=ah)).json()
    assert (await c.post(f"/api/v1/direct-debits/batches/{batch['id']}/cancel", headers=debtor["nh"])).status_code == 403
    r = await c.post(f"/api/v1/direct-debits/batches/{batch['id']}/cancel", headers=ah)
    assert r.status_code == 200 and r.json()["cancelled"] >= 1
    assert await collect_due(clock.today() + timedelta(days=3)) == 0 or not await LedgerEntry.exists().where(
        (LedgerEntry.case == cid) & (LedgerEntry.kind == "payment"))
    again = (await c.post("/api/v1/direct-debits/batches", json={"collect_on": first}, headers=ah)).json()
    mine = next(d for d in (await c.get(f"/api/v1/direct-debits/batches/{again['id']}", headers=ah)).json()["debits"]
                if d["case_reference"] == debtor["case"]["reference"])
    assert mine["sequence"] == "FRST" and mine["end_to_end_id"].endswith("-A2") and mine["status"] == "sent"
    await collect_due(clock.today() + timedelta(days=3))
    assert (await c.post(f"/api/v1/direct-debits/batches/{again['id']}/cancel", headers=ah)).status_code == 409  # booked: returns instead
    admin, _me = await signed_in(make_client, "admin")
    page = await admin.get(f"/admin/direct-debits/{batch['id']}")
    assert page.status_code == 200 and f'action="/admin/direct-debits/{batch["id"]}/cancel"' not in page.text  # nothing left to cancel
