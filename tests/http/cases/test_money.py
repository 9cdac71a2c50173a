"""Money through the API and the pages: fees booked once, reversals, the contract before the first
claim, tariffs, statements and their downloads, remittances with the SEPA file, reports, rates."""
import asyncio
import contextvars
import hashlib
import io
import re
import secrets
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

from docx import Document
from openpyxl import load_workbook

from agency import accounts, clock
from agency.tables import ContractAcceptance, Organisation, Tariff
from cases.billing import service as billing
from cases.money import to_cents
from cases.tables import Case, CaseEvent, LedgerEntry, Remittance, RemittanceExport
from legal.rules import jurisdictions
from legal.tables import InterestRate
from tests.factories import api_token, by_hand, case_page, create_org, create_user, post_form, signed_in
from tests.http.cases.test_claims import claim_body
from tests.http.cases.test_negotiation import _accepted_case

TODAY = clock.today()


async def _people(make_client, org=None):
    org = org or await create_org()
    creditor = await create_user("creditor", org)
    client = await make_client()
    return org, client, await api_token(client, creditor["email"]), await api_token(client, (await create_user("negotiator"))["email"])


async def _refused_on_the_page(client, url: str, data: dict) -> str:
    """An admin's refused action on /admin/remittances: back to the page, the reason as its message."""
    r = await post_form(client, url, data)
    assert r.status_code == 303 and r.headers["location"] == "/admin/remittances", (url, r.status_code, r.text[:200])
    page = await client.get("/admin/remittances")
    message = re.search(r'class="flash flash-error"[^>]*>(.*?)<', page.text, re.S)
    assert message, page.text[:500]
    return message.group(1)


async def _pay(c, cid, amount, h, **extra):
    return await c.post(f"/api/v1/cases/{cid}/payments", json={"amount": amount, "received_on": TODAY.isoformat(), "method": "transfer",
                                                             **extra}, headers=h)


async def test_fees_are_booked_once_per_event_and_a_reversal_undoes_a_payment(make_client):
    org, c, ch, nh = await _people(make_client)
    cid = (await _accepted_case(c, ch, nh))["id"]
    fees = await LedgerEntry.select(LedgerEntry.amount_cents).where((LedgerEntry.case == cid) & (LedgerEntry.kind == "fee"))
    assert [f["amount_cents"] for f in fees] == [60_00]  # 1,300.00 of principal: the 300.01-3,000 band
    await billing.book_flat_fee(cid, TODAY, None)  # a job running again books nothing
    assert await LedgerEntry.count().where((LedgerEntry.case == cid) & (LedgerEntry.kind == "fee")) == 1

    r = await _pay(c, cid, "200.00", nh)
    assert r.status_code == 201
    payment_id = r.json()["id"]
    ledger = (await c.get(f"/api/v1/cases/{cid}/ledger", headers=ch)).json()
    b = ledger["balances"]
    assert b["fees"] == "90.00"  # 60 flat + 15 % of 200 collected in the amicable stage
    assert b["collected_by_agency"] == "200.00" and b["net_to_creditor"] == "110.00"
    owed_after_payment = Decimal(b["outstanding"])

    assert (await c.post(f"/api/v1/cases/{cid}/payments/{payment_id}/reversal", json={"reason": "x"}, headers=ch)).status_code == 403
    assert (await c.post(f"/api/v1/cases/{cid}/payments/{payment_id}/reversal", json={"reason": " "}, headers=nh)).status_code == 400
    assert (await c.post(f"/api/v1/cases/{cid}/payments/999999/reversal", json={"reason": "x"}, headers=nh)).status_code == 404
    r = await c.post(f"/api/v1/cases/{cid}/payments/{payment_id}/reversal", json={"reason": "Devolución del banco"}, headers=nh)
    assert r.status_code == 201
    again = await c.post(f"/api/v1/cases/{cid}/payments/{payment_id}/reversal", json={"reason": "again"}, headers=nh)
    assert again.status_code == 409 and again.json()["detail"]
    b = (await c.get(f"/api/v1/cases/{cid}/ledger", headers=ch)).json()["balances"]
    assert b["paid"] == "0.00" and b["fees"] == "60.00" and b["net_to_creditor"] == "-60.00"
    assert Decimal(b["outstanding"]) == owed_after_payment + Decimal("200.00")
    view = (await c.get(f"/api/v1/cases/{cid}", headers=ch)).json()
    assert "payment_reversed" in [e["kind"] for e in view["events"]]
    # nothing was edited: the payment is still there, undone by a new entry naming it
    kinds = [e["kind"] for e in await LedgerEntry.select(LedgerEntry.kind).where(LedgerEntry.case == cid).order_by(LedgerEntry.id)]
    assert kinds == ["fee", "payment", "fee", "reversal", "fee"]


async def test_a_creditor_accepts_the_contract_before_the_first_claim(make_client):
    org = await create_org(contract=False)
    creditor = await create_user("creditor", org)
    c = await make_client()
    ch = await api_token(c, creditor["email"])
    r = await c.post("/api/v1/claims", json=claim_body(), headers=ch)
    assert r.status_code == 409 and "/contract" in r.json()["detail"]
    assert await Case.count().where(Case.organisation == org) == 0
    from tests.factories import login

    assert (await login(c, creditor["email"])).status_code == 303
    page = await c.get("/contract")
    assert page.status_code == 200 and billing.CONTRACT_VERSION in page.text and "60,00" in page.text
    assert (await post_form(c, "/contract", {})).status_code in {302, 303}
    assert not await billing.contract_accepted(org)
    assert (await post_form(c, "/contract", {"accept": "yes"})).status_code in {302, 303}
    row = await ContractAcceptance.select().where(ContractAcceptance.organisation == org).first()
    assert row["version"] == billing.CONTRACT_VERSION and row["ip"] and row["user"] == creditor["id"]
    assert (await c.post("/api/v1/claims", json=claim_body(), headers=ch)).status_code == 201
    assert row["tariff"] == await billing.snapshot_for(org)  # the tariff accepted is kept with the acceptance
    # the agency puts the creditor on another tariff: accepted again before the next claim, the first case keeps its own
    from dataclasses import replace

    from cases.billing.fees import DEFAULT_TARIFF, to_json

    premium = (await Tariff.insert(Tariff(name=f"Premium {org}", rules=to_json(replace(DEFAULT_TARIFF, name=f"Premium {org}",
                                                                                       minimum_fee=Decimal("150.00"))))
                                   ).returning(Tariff.id))[0]["id"]
    await Organisation.update({Organisation.tariff: premium}).where(Organisation.id == org)
    r = await c.post("/api/v1/claims", json=claim_body(), headers=ch)
    assert r.status_code == 409 and await Case.count().where(Case.organisation == org) == 1
    for form in ("/claims/new", "/imports/new"):  # the pages send the creditor to the contract before any typing
        r = await c.get(form)
        assert r.status_code == 303 and r.headers["location"] == "/contract", form
    page = await c.get("/contract")
    assert "ha cambiado" in page.text and "150,00" in page.text
    assert (await post_form(c, "/contract", {"accept": "yes"})).status_code in {302, 303}
    assert (await c.post("/api/v1/claims", json=claim_body(), headers=ch)).status_code == 201
    assert await ContractAcceptance.count().where(ContractAcceptance.organisation == org) == 2


async def test_tariffs_are_checked_and_each_case_keeps_the_one_it_opened_under(make_client):
    admin_client, _admin = await signed_in(make_client, "admin")
    name = f"Tarifa {secrets.token_hex(3)}"
    form = {"name": name, "bands": "0 1000 10.00\n1000.02 - 20.00", "success_amicable": "10", "success_mediation": "12",
            "success_credit_bureau": "10", "success_court": "15", "minimum_fee": "5", "legal_percent": "5", "legal_minimum": "100"}
    r = await post_form(admin_client, "/admin/tariffs/new", form)
    assert r.status_code == 400 and "deja un hueco" in r.text and not await Tariff.exists().where(Tariff.name == name)
    r = await post_form(admin_client, "/admin/tariffs/new", {**form, "bands": "0 1000 10.00\n900 - 20.00"})
    assert r.status_code == 400 and not await Tariff.exists().where(Tariff.name == name)
    r = await post_form(admin_client, "/admin/tariffs/new", {**form, "success_court": "140"})
    assert r.status_code == 400
    r = await post_form(admin_client, "/admin/tariffs/new", {**form, "bands": "0 1000 10.00\n1000.01 - 20.00"})
    assert r.status_code in {302, 303}
    tariff = await Tariff.select().where(Tariff.name == name).first()
    listing = (await admin_client.get("/admin/tariffs")).text
    assert not tariff["is_default"] and name in listing and f"Tarifa creada: {name}." in listing  # not "Tarifa Tarifa ..."

    org = await create_org()
    await accounts.assign_tariff(org, tariff["id"])
    _org, c, ch, nh = await _people(make_client, org)
    cid = (await _accepted_case(c, ch, nh))["id"]
    fee = await LedgerEntry.select(LedgerEntry.amount_cents).where((LedgerEntry.case == cid) & (LedgerEntry.kind == "fee")).first()
    assert fee["amount_cents"] == 20_00  # 1,300.00 falls in the tariff's second band
    # editing the tariff changes new cases only
    r = await post_form(admin_client, f"/admin/tariffs/{tariff['id']}", {**form, "bands": "0 - 99.00", "success_amicable": "50"})
    assert r.status_code in {302, 303}
    assert (await _pay(c, cid, "100.00", nh)).status_code == 201
    b = (await c.get(f"/api/v1/cases/{cid}/ledger", headers=ch)).json()["balances"]
    assert b["fees"] == "30.00"  # 20 flat + 10 % of 100 under the snapshot, not 99 + 50 %


async def test_statement_downloads_and_remittance_with_a_sepa_file(make_client):
    org, c, ch, nh = await _people(make_client)
    cid = (await _accepted_case(c, ch, nh))["id"]
    assert (await _pay(c, cid, "300.00", nh)).status_code == 201
    other_org = await create_org()
    r = await c.get("/api/v1/statements", headers=ch)
    assert r.status_code == 200
    s = r.json()
    assert s["organisation"]["id"] == org and s["totals"]["collected"] == "300.00" and s["totals"]["fees"] == "105.00"
    assert s["totals"]["net_to_creditor"] == "195.00" and s["owed_to_creditor"] == "195.00"
    assert (await c.get(f"/api/v1/statements?organisation_id={other_org}", headers=ch)).status_code == 404
    assert (await c.get("/api/v1/statements", headers=nh)).status_code == 403

    creditor_client, _ = await signed_in(make_client, "creditor", org)
    page = await creditor_client.get("/statements")
    assert page.status_code == 200 and "195,00" in page.text
    xlsx = await creditor_client.get("/statements.xlsx")
    assert xlsx.status_code == 200
    ws = load_workbook(io.BytesIO(xlsx.content)).active
    values = [row for row in ws.iter_rows(values_only=True) if row and row[0] == "Total"]
    assert values and Decimal(str(values[0][3])) == Decimal("300.00") and Decimal(str(values[0][8])) == Decimal("195.00")
    docx = await creditor_client.get("/statements.docx")
    text = "\n".join(cell.text for t in Document(io.BytesIO(docx.content)).tables for row in t.rows for cell in row.cells)
    assert "195,00" in text
    assert (await creditor_client.get(f"/statements.xlsx?organisation_id={other_org}")).status_code == 404

    admin_client, _ = await signed_in(make_client, "admin")
    r = await post_form(admin_client, "/admin/remittances", {"organisation_id": str(org), "period_end": TODAY.isoformat()})
    assert r.status_code in {302, 303}
    rem = await Remittance.select().where(Remittance.organisation == org).first()
    assert rem["amount_cents"] == 195_00 and rem["status"] == "pending"
    b = (await c.get(f"/api/v1/cases/{cid}/ledger", headers=ch)).json()["balances"]
    assert b["remitted"] == "195.00" and b["net_to_creditor"] == "0.00"
    assert await _refused_on_the_page(admin_client, "/admin/remittances", {"organisation_id": str(org), "period_end": TODAY.isoformat()})
    assert await Remittance.count().where(Remittance.organisation == org) == 1  # nothing more owed

    sepa = await post_form(admin_client, "/admin/remittances/sepa", {"ids": str(rem["id"]), "execution_date": TODAY.isoformat()})
    assert sepa.status_code == 200 and b"pain.001.001.03" in sepa.content and b"<InstdAmt Ccy=\"EUR\">195.00</InstdAmt>" in sepa.content
    assert b"ES9121000418450200051332" in sepa.content
    # a second file for the same remittance would pay the creditor twice: refused, unless the bank refused the first
    assert f"REM-{rem['id']}" in await _refused_on_the_page(admin_client, "/admin/remittances/sepa",
                                                             {"ids": str(rem["id"]), "execution_date": TODAY.isoformat()})
    again = await post_form(admin_client, "/admin/remittances/sepa", {"ids": str(rem["id"]), "execution_date": TODAY.isoformat(), "again": "yes"})
    assert again.status_code == 200 and b"pain.001.001.03" in again.content and f"<EndToEndId>REM-{rem['id']}</EndToEndId>".encode() in again.content
    exports = await RemittanceExport.select().where(RemittanceExport.remittance == rem["id"])
    assert len(exports) == 2 and exports[0]["file_sha256"] == hashlib.sha256(sepa.content).hexdigest()
    assert "en 2 ficheros de transferencia" in (await admin_client.get("/admin/remittances")).text
    assert await _refused_on_the_page(admin_client, f"/admin/remittances/{rem['id']}/paid", {"transfer_reference": " "})
    assert (await post_form(admin_client, f"/admin/remittances/{rem['id']}/paid", {"transfer_reference": "TRF-77"})).status_code in {302, 303}
    assert await _refused_on_the_page(admin_client, f"/admin/remittances/{rem['id']}/paid", {"transfer_reference": "TRF-78"})
    assert (await Remittance.select(Remittance.transfer_reference).where(Remittance.id == rem["id"]).first())["transfer_reference"] == "TRF-77"
    assert await _refused_on_the_page(admin_client, "/admin/remittances/sepa", {"ids": str(rem["id"])})  # paid already


async def test_a_statement_is_one_snapshot_while_payments_go_on(make_client, monkeypatch):
    """A payment booked while the statement is being read, between two of its chunks, is in no part of it (its case's line,
    the totals, what is owed): the statement is read in one snapshot. The next statement has it."""
    from cases.billing import statements

    org, c, ch, nh = await _people(make_client)
    first, second = (await _accepted_case(c, ch, nh))["id"], (await _accepted_case(c, ch, nh))["id"]
    for cid in (first, second):
        assert (await _pay(c, cid, "100.00", nh)).status_code == 201
    monkeypatch.setattr(statements, "CASES_AT_A_TIME", 1)  # a chunk per case: the payment falls between them
    run = await statements.statement_run(org, TODAY - timedelta(days=30), TODAY)
    lines = []
    async for chunk in run.chunks():
        if not lines:  # the first case's line is out: a payment on the second case now, by another request (its own
            # context, as the server gives each request: in this task's, it would join the statement's transaction)
            paid = await asyncio.create_task(_pay(c, second, "50.00", nh), context=contextvars.Context())
            assert paid.status_code == 201, paid.text
        lines += chunk
    assert [line.case_id for line in lines] == [first, second]
    assert [line.cents["collected"] for line in lines] == [100_00, 100_00]
    assert run.totals["collected"] == 200_00 == sum(line.cents["collected"] for line in lines)
    assert run.owed_cents == sum(line.cents["net_to_creditor"] for line in lines)
    again = (await c.get("/api/v1/statements", headers=ch)).json()
    assert again["totals"]["collected"] == "250.00"


async def test_reports_are_scoped_and_export_csv(make_client):
    org, c, ch, nh = await _people(make_client)
    cid = (await _accepted_case(c, ch, nh))["id"]
    assert (await _pay(c, cid, "100.00", nh)).status_code == 201
    mine = (await c.get("/api/v1/reports", headers=ch)).json()
    assert {s["stage"]: s["cases"] for s in mine["stages"]} == {"amicable": 1}
    assert mine["stages"][0]["collected"] == "100.00" and mine["negotiators"] == []
    assert sum(Decimal(m["collected"]) for m in mine["monthly"]) == Decimal("100.00")
    assert sum(a["invoices"] for a in mine["ageing"]) == 2
    everyone = (await c.get("/api/v1/reports", headers=nh)).status_code
    assert everyone == 403
    admin_client, _ = await signed_in(make_client, "admin")
    page = await admin_client.get("/reports")
    assert page.status_code == 200 and "<svg" in page.text
    csv = await admin_client.get("/reports.csv?table=ageing")
    assert csv.status_code == 200 and "bucket,invoices,amount" in csv.text
    assert csv.headers["content-type"] == "text/csv; charset=utf-8"  # once (it was "; charset=utf-8; charset=utf-8")
    assert (await admin_client.get("/reports.csv?table=nope")).status_code == 400


async def test_rates_admins_add_end_the_provisional_figure(make_client):
    admin_client, admin = await signed_in(make_client, "admin")
    start = jurisdictions.half_year_start(TODAY)
    page = await admin_client.get("/admin/rates")
    assert page.status_code == 200
    r = await post_form(admin_client, "/admin/rates", {"starts_on": f"{TODAY.year}-03-01", "rate": "10.15"})
    assert r.status_code == 400 and "1 de enero o el 1 de julio" in r.text
    r = await post_form(admin_client, "/admin/rates", {"starts_on": start.isoformat(), "rate": "10.123"})
    assert r.status_code == 400
    if not await InterestRate.exists().where((InterestRate.country == "ES") & (InterestRate.starts_on == start)):
        r = await post_form(admin_client, "/admin/rates", {"starts_on": start.isoformat(), "rate": "10.15", "source": "BOE test"})
        assert r.status_code in {302, 303}
    from cases.billing.balances import published_rates

    assert not jurisdictions.rate_is_provisional("ES", start, await published_rates())
    r = await post_form(admin_client, "/admin/rates", {"starts_on": start.isoformat(), "rate": "11"})
    assert r.status_code == 400 and "ya tiene un tipo" in r.text


def test_a_half_year_before_the_table_is_named_not_zero():
    import pytest

    with pytest.raises(jurisdictions.MissingRate, match="2015-07-01"):
        jurisdictions.late_payment_rate("ES", date(2015, 7, 1))
    latest = max(jurisdictions.ES_LATE_PAYMENT_HALF_YEARS)
    after = date(latest.year + 1, latest.month, 1)
    assert jurisdictions.late_payment_rate("ES", after) == jurisdictions.ES_LATE_PAYMENT_HALF_YEARS[latest]
    assert jurisdictions.rate_is_provisional("ES", after)


async def test_a_hundred_identical_payment_requests_make_one_payment_and_one_fee(make_client):
    import asyncio

    org, c, ch, nh = await _people(make_client)
    cid = (await _accepted_case(c, ch, nh))["id"]
    body = {"amount": "50.00", "received_on": TODAY.isoformat(), "method": "transfer", "reference": "TR-100"}
    results = await asyncio.gather(*[c.post(f"/api/v1/cases/{cid}/payments", json=body, headers={**nh, "Idempotency-Key": f"hundred-{cid}"})
                                     for _ in range(100)])
    assert sorted({r.status_code for r in results}) == [200, 201], {r.status_code for r in results}
    assert [r.status_code for r in results].count(201) == 1 and len({r.json()["id"] for r in results}) == 1
    assert await LedgerEntry.count().where((LedgerEntry.case == cid) & (LedgerEntry.kind == "payment")) == 1
    assert await LedgerEntry.count().where((LedgerEntry.case == cid) & (LedgerEntry.kind == "fee")) == 2  # flat + one success fee


async def test_expenses_and_payments_made_to_the_creditor(make_client):
    org, c, ch, nh = await _people(make_client)
    cid = (await _accepted_case(c, ch, nh))["id"]
    before = Decimal((await c.get(f"/api/v1/cases/{cid}/ledger", headers=ch)).json()["balances"]["outstanding"])
    r = await c.post(f"/api/v1/cases/{cid}/expenses", json={"kind": "burofax", "amount": "25.90", "spent_on": TODAY.isoformat(),
                                                          "description": "Burofax 123"}, headers=nh)
    assert r.status_code == 201 and len(r.json()["entries"]) == 2  # owed by the debtor, and passed on to the creditor
    assert (await c.post(f"/api/v1/cases/{cid}/expenses", json={"kind": "lunch", "amount": "5", "spent_on": TODAY.isoformat()},
                         headers=nh)).status_code == 400
    assert (await c.post(f"/api/v1/cases/{cid}/expenses", json={"kind": "burofax", "amount": "5", "spent_on": TODAY.isoformat()},
                         headers=ch)).status_code == 403
    b = (await c.get(f"/api/v1/cases/{cid}/ledger", headers=ch)).json()["balances"]
    assert Decimal(b["outstanding"]) == before + Decimal("25.90") and b["costs"] == "25.90" and b["expenses_to_creditor"] == "25.90"
    # the debtor paid the creditor: the creditor reports it; it lowers the debt, the agency's fee is due on it
    r = await c.post(f"/api/v1/cases/{cid}/direct-payments", json={"amount": "100.00", "received_on": TODAY.isoformat()}, headers=ch)
    assert r.status_code == 201
    assert (await c.post(f"/api/v1/cases/{cid}/direct-payments", json={"amount": "1", "received_on": TODAY.isoformat()},
                         headers=nh)).status_code == 403
    b = (await c.get(f"/api/v1/cases/{cid}/ledger", headers=ch)).json()["balances"]
    assert b["paid"] == "100.00" and b["collected_by_agency"] == "0.00" and b["paid_to_creditor"] == "100.00"
    assert b["fees"] == "75.00" and b["net_to_creditor"] == "-100.90"  # 60 + 15 % of 100, and the burofax
    s = (await c.get("/api/v1/statements", headers=ch)).json()
    assert s["totals"]["expenses"] == "25.90" and s["totals"]["paid_to_creditor"] == "100.00"


async def test_review_findings_stay_fixed(make_client):
    """A client's Idempotency-Key cannot take a fee's key; remittances never pay twice; the SEPA and
    tariff forms refuse bad input with a 400."""
    org, c, ch, nh = await _people(make_client)
    from tests.http.cases.test_stages import _case

    cid = (await _case(c, ch))["id"]
    r = await c.post(f"/api/v1/cases/{cid}/direct-payments", json={"amount": "0.01", "received_on": TODAY.isoformat()},
                     headers={**ch, "Idempotency-Key": f"fee:flat:{cid}"})
    assert r.status_code == 201
    assert (await c.post(f"/api/v1/cases/{cid}/transitions", json={"to": "amicable"}, headers=nh)).status_code == 200
    assert await LedgerEntry.exists().where(LedgerEntry.idempotency_key == f"fee:flat:{cid}")
    assert (await _pay(c, cid, "100.00", nh)).status_code == 201

    admin_client, _ = await signed_in(make_client, "admin")
    yesterday = (TODAY - timedelta(days=1)).isoformat()
    assert (await post_form(admin_client, "/admin/remittances", {"organisation_id": str(org), "period_end": TODAY.isoformat()})).status_code in {302, 303}
    for day in (TODAY.isoformat(), yesterday):  # the same period again, or an earlier one: nothing is paid twice
        assert await _refused_on_the_page(admin_client, "/admin/remittances", {"organisation_id": str(org), "period_end": day})
    assert await Remittance.count().where(Remittance.organisation == org) == 1
    from cases.tables import CaseEvent

    assert await CaseEvent.exists().where((CaseEvent.case == cid) & (CaseEvent.kind == "remittance"))
    assert await _refused_on_the_page(admin_client, "/admin/remittances/sepa", {"execution_date": TODAY.isoformat()})
    rem = await Remittance.select(Remittance.id).where(Remittance.organisation == org).first()
    for bad in ("not-a-date", (TODAY - timedelta(days=3)).isoformat()):
        assert await _refused_on_the_page(admin_client, "/admin/remittances/sepa", {"ids": str(rem["id"]), "execution_date": bad})
    form = {"name": f"T {secrets.token_hex(3)}", "bands": "0 - NaN", "success_amicable": "inf", "minimum_fee": "1e40"}
    assert (await post_form(admin_client, "/admin/tariffs/new", form)).status_code == 400


async def test_a_cost_the_agency_bears_comes_back_to_it_as_the_ledger_pays_it(make_client):
    """Costs come after principal (Código Civil 1173-1174): a part payment does not pay the agency's cost, and the
    creditor is not charged it; the payment of everything does, and those 10.00 are the agency's."""
    org, c, ch, nh = await _people(make_client)
    cid = (await _accepted_case(c, ch, nh))["id"]
    r = await c.post(f"/api/v1/cases/{cid}/expenses", json={"kind": "other", "amount": "10.00", "spent_on": TODAY.isoformat(),
                                                          "description": "Registro mercantil"}, headers=nh)
    assert r.status_code == 201 and len(r.json()["entries"]) == 1  # the default tariff does not pass "other" on
    b = (await c.get(f"/api/v1/cases/{cid}/ledger", headers=ch)).json()["balances"]
    assert b["costs"] == "10.00" and b["expenses_to_creditor"] == "0.00"  # nothing recovered yet
    assert (await _pay(c, cid, "100.00", nh)).status_code == 201
    b = (await c.get(f"/api/v1/cases/{cid}/ledger", headers=ch)).json()["balances"]
    assert b["expenses_to_creditor"] == "0.00"  # the part payment went to interest and principal, not the cost
    assert (await _pay(c, cid, b["outstanding"], nh)).status_code == 201
    b = (await c.get(f"/api/v1/cases/{cid}/ledger", headers=ch)).json()["balances"]
    assert b["outstanding"] == "0.00" and b["expenses_to_creditor"] == "10.00"
    assert b["net_to_creditor"] == str(Decimal(b["collected_by_agency"]) - Decimal(b["fees"]) - Decimal("10.00"))


async def test_a_creditor_reports_a_direct_payment_from_the_case_page(make_client):
    org, c, ch, nh = await _people(make_client)
    cid = (await _accepted_case(c, ch, nh))["id"]
    creditor_client, _ = await signed_in(make_client, "creditor", org)
    page = await creditor_client.get(f"/cases/{cid}")
    assert page.status_code == 200 and "direct-payment" in page.text
    r = await post_form(creditor_client, f"/cases/{cid}/direct-payment", {"amount": "40,00", "received_on": TODAY.isoformat()})
    assert r.status_code in {302, 303}
    paid = await LedgerEntry.select(LedgerEntry.amount_cents, LedgerEntry.method).where(
        (LedgerEntry.case == cid) & (LedgerEntry.kind == "payment")).first()
    assert paid == {"amount_cents": 40_00, "method": "to_creditor"}
    r = await post_form(creditor_client, f"/cases/{cid}/direct-payment", {"amount": "abc", "received_on": TODAY.isoformat()})
    assert r.status_code in {302, 303} and await LedgerEntry.count().where((LedgerEntry.case == cid) & (LedgerEntry.kind == "payment")) == 1
    stranger, _ = await signed_in(make_client, "creditor", await create_org())
    assert (await post_form(stranger, f"/cases/{cid}/direct-payment", {"amount": "1", "received_on": TODAY.isoformat()})).status_code == 404


async def test_the_claim_review_quotes_the_creditors_own_tariff(make_client):
    org = await create_org()
    name = f"Tarifa propia {secrets.token_hex(3)}"
    tid = await billing.save_tariff({"name": name, "bands": "0 - 77.00", "success_amicable": "10"})
    await accounts.assign_tariff(org, tid)
    client, _ = await signed_in(make_client, "creditor", org)
    fields = {
        "debtor_kind": "company", "debtor_name": "Bar Pepe S.L.", "debtor_tax_id": "B46123451", "debtor_country": "ES",
        "debtor_address_line1": "C/ Mar 1", "debtor_city": "Cádiz", "debtor_postal_code": "11001", "debtor_language": "es",
        "invoice_number": f"F-{secrets.token_hex(3)}", "invoice_issue_date": "2026-01-01",
        "invoice_due_date": (TODAY - timedelta(days=1)).isoformat(), "invoice_amount": "1.234,56", "invoice_currency": "EUR",
    }
    review = await post_form(client, "/claims/new", {**fields, "action": "review"}, files={"files": ("", b"", "application/octet-stream")})
    assert 'id="fees"' in review.text and "77,00" in review.text, review.text[-1500:]


async def test_a_statement_charges_a_cost_in_the_period_a_payment_recovered_it(make_client):
    """Per period, a creditor is charged the agency's cost when a payment paid it back as the debtor's ledger applied
    it: not in the period of a payment made before the cost was incurred; in the period of the payment of everything;
    and not at all once a reversal of an earlier payment leaves that one short of the cost (costs come last)."""
    from cases.billing.balances import balance_of
    from cases.billing.statements import statement

    org, c, ch, nh = await _people(make_client)
    cid = (await _accepted_case(c, ch, nh))["id"]

    def entry(kind, cents, days_ago, **extra):
        return LedgerEntry(case=cid, kind=kind, amount_cents=cents, booked_on=TODAY - timedelta(days=days_ago), **extra)

    first = (await LedgerEntry.insert(entry("payment", 100_00, 50, method="transfer")).returning(LedgerEntry.id))[0]["id"]
    await LedgerEntry.insert(entry("cost", 10_00, 40, method="agency:other"))  # incurred after that payment
    everything = to_cents((await balance_of(cid, TODAY - timedelta(days=10))).outstanding)
    await LedgerEntry.insert(entry("payment", everything, 10, method="transfer"))
    earlier = await statement(org, TODAY - timedelta(days=60), TODAY - timedelta(days=31))
    later = await statement(org, TODAY - timedelta(days=30), TODAY)
    assert earlier.totals["collected"] == 100_00 and earlier.totals["expenses"] == 0
    assert later.totals["collected"] == everything and later.totals["expenses"] == 10_00
    assert later.owed_cents == earlier.totals["net_to_creditor"] + later.totals["net_to_creditor"]
    await LedgerEntry.insert(entry("reversal", -100_00, 5, reverses=first))  # the first payment bounces
    await by_hand()  # (set up by hand: the report totals follow)
    later = await statement(org, TODAY - timedelta(days=30), TODAY)
    assert later.totals["collected"] == everything - 100_00 and later.totals["expenses"] == 0


async def test_an_expense_sent_twice_is_booked_once(make_client, backend):
    """An Idempotency-Key (API) or the form's own key (page) makes a retried or double-sent expense one
    booking; the same key for a different expense is a 409; ten simultaneous retries make one booking."""
    org, c, ch, nh = await _people(make_client)
    cid = (await _accepted_case(c, ch, nh))["id"]
    body = {"kind": "burofax", "amount": "25.90", "spent_on": TODAY.isoformat(), "description": "Burofax 123"}
    key = {**nh, "Idempotency-Key": f"exp-{cid}"}
    first = await c.post(f"/api/v1/cases/{cid}/expenses", json=body, headers=key)
    again = await c.post(f"/api/v1/cases/{cid}/expenses", json=body, headers=key)
    assert first.status_code == 201 and again.status_code == 200 and len(first.json()["entries"]) == 2
    assert again.json() == {"entries": first.json()["entries"], "created": False}
    other = await c.post(f"/api/v1/cases/{cid}/expenses", json={**body, "amount": "30.00"}, headers=key)
    assert other.status_code == 409 and "Idempotency-Key" in other.json()["detail"]
    other = await c.post(f"/api/v1/cases/{cid}/expenses", json={**body, "kind": "lawyer"}, headers=key)  # same amount, another expense
    assert other.status_code == 409
    # a client key that looks like the second entry's of another key books its own expense
    assert (await c.post(f"/api/v1/cases/{cid}/expenses", json=body, headers={**nh, "Idempotency-Key": f"exp-{cid}:2"})).status_code == 201
    if backend == "postgres":  # concurrent requests need a pool (SQLite serialises them anyway)
        burst = await asyncio.gather(*(c.post(f"/api/v1/cases/{cid}/expenses", json=body, headers={**nh, "Idempotency-Key": f"burst-{cid}"})
                                       for _ in range(10)))
        assert sorted(r.status_code for r in burst) == [200] * 9 + [201]
    # the case page's form, sent twice with its key: one booking, one event
    page, _user = await signed_in(make_client, "negotiator")
    html = (await case_page(page, cid)).text  # (every part opened)
    # the form carries a fresh key of its own page (the lawyers' court-cost form does the same)
    assert re.search(rf'action="/cases/{cid}/expenses"[^>]*>.*?name="idempotency_key" value="[0-9a-f]{{24}}-expense"', html, re.S)
    form = {"kind": "other", "amount": "7.00", "spent_on": TODAY.isoformat(), "recoverable": "on", "idempotency_key": "form-key-1"}
    for _ in range(2):
        assert (await post_form(page, f"/cases/{cid}/expenses", form)).status_code == 303
    assert "ya estaba anotado" in (await page.get(f"/cases/{cid}")).text  # the second sending says so, not "booked" again
    assert await LedgerEntry.count().where((LedgerEntry.case == cid) & (LedgerEntry.amount_cents == 7_00)) == 1
    expected = 4 if backend == "postgres" else 3  # the API's two bookings (and the burst's), and the form's one
    assert await CaseEvent.count().where((CaseEvent.case == cid) & (CaseEvent.kind == "expense")) == expected


async def test_a_payment_is_not_larger_than_what_was_owed_on_its_date(make_client):
    """A cost booked on the 10th is not owed on the 5th: a payment dated the 5th cannot pay it, so it may
    not exceed what was owed that day (else the excess would sit apart as overpaid beside a cost owed)."""
    org, c, ch, nh = await _people(make_client)
    cid = (await _accepted_case(c, ch, nh))["id"]
    await Case.update({Case.created_at: datetime.now(timezone.utc) - timedelta(days=20)}).where(Case.id == cid)
    paid_on, cost_on = TODAY - timedelta(days=10), TODAY - timedelta(days=5)
    assert (await c.post(f"/api/v1/cases/{cid}/expenses", json={"kind": "burofax", "amount": "50.00", "spent_on": cost_on.isoformat()},
                         headers=nh)).status_code == 201
    owed_today = Decimal((await c.get(f"/api/v1/cases/{cid}/ledger", headers=nh)).json()["balances"]["outstanding"])
    owed_then = Decimal((await c.get(f"/api/v1/cases/{cid}/ledger", params={"as_of": paid_on.isoformat()}, headers=nh)).json()["balances"]["outstanding"])
    assert owed_then <= owed_today - Decimal("50.00")
    r = await c.post(f"/api/v1/cases/{cid}/payments", json={"amount": str(owed_today), "received_on": paid_on.isoformat(), "method": "transfer"},
                     headers=nh)
    assert r.status_code == 400 and f"{paid_on:%d/%m/%Y}" in r.json()["detail"], "the day and the amount as the reader writes them"
    r = await c.post(f"/api/v1/cases/{cid}/payments", json={"amount": str(owed_then), "received_on": paid_on.isoformat(), "method": "transfer"},
                     headers=nh)
    assert r.status_code == 201, r.text
    b = (await c.get(f"/api/v1/cases/{cid}/ledger", headers=nh)).json()["balances"]
    assert b["overpaid"] == "0.00" and Decimal(b["outstanding"]) >= Decimal("50.00")


async def test_acceptances_from_before_keep_the_tariff_in_force_at_the_upgrade(make_client):
    """The migration gives earlier acceptances (no tariff kept) the creditor's tariff at the upgrade, so a
    later change of tariff is accepted again, as for acceptances made since."""
    import importlib

    org = await create_org(contract=False)
    creditor = await create_user("creditor", org)
    await ContractAcceptance.insert(ContractAcceptance(organisation=org, user=creditor["id"], version=billing.CONTRACT_VERSION, ip="old"))
    await Organisation.update({Organisation.contract_version: billing.CONTRACT_VERSION}).where(Organisation.id == org)
    migration = importlib.import_module("agency.piccolo_migrations.agency_2026_12_01t19_10_00_000000")
    for keep in (await migration.forwards()).raw:
        await keep()
    assert (await ContractAcceptance.select(ContractAcceptance.tariff).where(ContractAcceptance.organisation == org).first())["tariff"] == \
        await billing.snapshot_for(org)
    assert await billing.contract_accepted(org)
    other = (await Tariff.insert(Tariff(name=f"Otra {org}", rules=(await billing.snapshot_for(org)).replace('"minimum_fee": "', '"minimum_fee": "1')
                                        )).returning(Tariff.id))[0]["id"]
    await Organisation.update({Organisation.tariff: other}).where(Organisation.id == org)
    assert not await billing.contract_accepted(org)


async def test_a_payment_names_the_invoices_it_pays(make_client):
    """Código Civil 1172 through the API and the page: the payment goes to the invoice named; naming an invoice of
    another case (or one that does not exist) is a 400 that says which, and nothing is written."""
    org, c, ch, nh = await _people(make_client)
    cid = (await _accepted_case(c, ch, nh))["id"]
    other = (await _accepted_case(c, ch, nh))["id"]
    mine = [i["number"] for i in (await c.get(f"/api/v1/cases/{cid}", headers=ch)).json()["invoices"]]
    theirs = (await c.get(f"/api/v1/cases/{other}", headers=ch)).json()["invoices"][0]["number"]
    assert len(mine) == 2
    before = await LedgerEntry.count().where(LedgerEntry.case == cid)
    for wrong in (theirs, "NO-SUCH"):
        r = await _pay(c, cid, "50.00", nh, invoices=[wrong])
        assert r.status_code == 400 and wrong in r.json()["detail"]
    assert await LedgerEntry.count().where(LedgerEntry.case == cid) == before
    r = await _pay(c, cid, "50.00", nh, invoices=[mine[1]])
    assert r.status_code == 201, r.text
    ledger = (await c.get(f"/api/v1/cases/{cid}/ledger", headers=ch)).json()
    (payment,) = [e for e in ledger["entries"] if e["kind"] == "payment"]
    assert payment["applied"]["basis"] == "named" and payment["applied"]["invoices_named"] == [mine[1]]
    assert {p["invoice"] for p in payment["applied"]["parts"]} == {mine[1]}  # nothing of it went to the other invoice
    outstanding = {i["number"]: Decimal(i["outstanding"]) for i in ledger["invoices"]}
    case = (await c.get(f"/api/v1/cases/{cid}", headers=ch)).json()
    assert {i["number"]: Decimal(i["outstanding"]) for i in case["invoices"]} == outstanding
    # the page: the invoices to choose from, and how the payment was applied
    client, _ = await signed_in(make_client, "negotiator")
    assert 'id="payment-invoices"' in (await client.get(f"/cases/{cid}")).text  # Work, where a negotiator lands
    page = await client.get(f"/cases/{cid}/part/money")
    assert 'id="allocation-rule"' in page.text
    assert re.search(r"\(art\. 1172\): \w", page.text)  # how the payment was applied, a space after the colon


async def test_a_plan_in_which_the_debtor_agrees_costs_come_first(make_client):
    """A plan may say the debtor agrees that payments pay the agency's costs first; then they do, from its signature."""
    org, c, ch, nh = await _people(make_client)
    cid = (await _accepted_case(c, ch, nh))["id"]
    await c.post(f"/api/v1/cases/{cid}/expenses", json={"kind": "other", "amount": "10.00", "spent_on": TODAY.isoformat()}, headers=nh)
    r = await c.post(f"/api/v1/cases/{cid}/plans", json={"instalments": 2, "first_due_on": (TODAY + timedelta(days=30)).isoformat(),
                                                        "costs_first": True}, headers=nh)
    assert r.status_code == 201, r.text
    assert (await _pay(c, cid, "25.00", nh)).status_code == 201
    ledger = (await c.get(f"/api/v1/cases/{cid}/ledger", headers=ch)).json()
    (payment,) = [e for e in ledger["entries"] if e["kind"] == "payment"]
    assert payment["applied"]["costs_first"] and payment["applied"]["parts"][0] == {"to": "costs", "invoice": None, "amount": "10.00"}
    assert ledger["balances"]["expenses_to_creditor"] == "10.00"  # the agency's cost, paid back first as agreed
