"""Enforcement on both databases: the decree's LEC 576 interest on the ledger, the debtor's assets (staff only), what
attachments yield booked once per Idempotency-Key, and the enforcement request and costs claim read back from Word."""
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

from agency import clock
from cases.tables import CaseEvent, LedgerEntry
from legal.tables import Filing, FilingStep
from tests.factories import api_token, case_page, create_org, create_user, post_form, signed_in
from tests.http.cases.test_money import _people
from tests.http.cases.test_negotiation import _accepted_case
from tests.http.legal.test_legal import _es_money, _in_court, docx_text

TODAY = clock.today()
DECREE = TODAY - timedelta(days=40)


async def _decree(p) -> int:
    """A filed monitorio and its decree 40 days ago, as the court's steps record them (filing_steps)."""
    c, cid = p["c"], p["id"]
    r = await c.post(f"/api/v1/cases/{cid}/filings", json={"procedure": "monitorio", "court": "Tribunal de Instancia de Bilbao, Sección Civil",
                                                           "status": "filed", "filed_on": TODAY.isoformat(), "court_case_number": "312/2026"},
                     headers=p["lh"])
    assert r.status_code == 201, r.text
    await FilingStep.insert(FilingStep(filing=r.json()["id"], case=cid, step="decree", on=DECREE, note="Decreto firme"))
    return r.json()["id"]


async def test_the_decree_switches_the_interest_and_the_enforcement_request_prints_it(make_client):
    p = await _in_court(make_client)
    c, lh, nh, cid = p["c"], p["lh"], p["nh"], p["id"]
    # without a decree: no enforcement request, and the ledger has no post-judgment interest
    r = await c.post(f"/api/v1/cases/{cid}/documents", json={"template": "enforcement_request"}, headers=lh)
    assert r.status_code == 422 and r.json()["missing"] == ["enforcement"], r.text
    before = (await c.get(f"/api/v1/cases/{cid}/ledger", headers=lh)).json()
    assert before["judgment_on"] is None and before["balances"]["judgment_interest"] == "0.00"
    assert before["allocation_order"][0] == "interest"

    await _decree(p)
    ledger = (await c.get(f"/api/v1/cases/{cid}/ledger", headers=lh)).json()
    assert ledger["judgment_on"] == DECREE.isoformat()
    assert ledger["allocation_order"][:2] == ["judgment_interest", "interest"]  # from the decree, LEC 576 interest is paid first
    judgment = Decimal(ledger["balances"]["judgment_interest"])
    assert judgment > 0
    # the ordinary interest stopped at the decree: less than it would have come to by today
    assert Decimal(ledger["balances"]["interest"]) < Decimal(before["balances"]["interest"])
    detail = (await c.get(f"/api/v1/cases/{cid}", headers=p["ch"])).json()
    assert detail["balance"]["judgment_on"] == DECREE.isoformat() and Decimal(detail["balance"]["judgment_interest"]) == judgment
    page = await case_page(c, cid, headers=lh)
    assert 'data-figure="judgment-interest"' in page.text and "art. 576 LEC" in page.text

    # the debtor's assets
    r = await c.post(f"/api/v1/cases/{cid}/assets", json={"kind": "bank_account", "description": "Cuenta corriente en Kutxabank",
                                                          "identifier": "ES91 2100 0418 4502 0005 1332", "found_on": TODAY.isoformat()},
                     headers=nh)
    assert r.status_code == 201, r.text
    asset = r.json()
    assert asset["kind"] == "bank_account" and asset["identifier"] == "ES91 2100 0418 4502 0005 1332"
    r = await c.post(f"/api/v1/cases/{cid}/assets", json={"kind": "yacht", "description": "Velero"}, headers=nh)
    assert r.status_code == 400 and "bank_account" in r.text
    r = await c.post(f"/api/v1/cases/{cid}/assets", json={"kind": "vehicle", "description": "  "}, headers=nh)
    assert r.status_code == 400 and "Describa el bien" in r.text  # (in the reader's language: Spanish unless asked otherwise)
    r = await c.post(f"/api/v1/cases/{cid}/assets", json={"kind": "vehicle", "description": "Furgoneta", "found_on": (TODAY + timedelta(days=1)).isoformat()},
                     headers=nh)
    assert r.status_code == 400
    items = (await c.get(f"/api/v1/cases/{cid}/assets", headers=lh)).json()["items"]
    assert [a["id"] for a in items] == [asset["id"]]
    assert await CaseEvent.exists().where((CaseEvent.case == cid) & (CaseEvent.kind == "asset"))

    # the request: the ledger's figures, 30 % on top (LEC 575.1), the asset designated
    r = await c.post(f"/api/v1/cases/{cid}/documents", json={"template": "enforcement_request"}, headers=lh)
    assert r.status_code == 201, r.text
    text = docx_text((await c.get(r.json()["download_url"], headers=lh)).content)
    claimed = sum((Decimal(i["outstanding"]) for i in ledger["invoices"]), Decimal("0.00"))
    provisional = (claimed * Decimal("0.30")).quantize(Decimal("0.01"), ROUND_HALF_UP)
    principal = sum((Decimal(i["principal_outstanding"]) for i in ledger["invoices"]), Decimal("0.00"))
    assert "DEMANDA DE EJECUCIÓN" in text and "Talleres Norte" in text and "TRIBUNAL DE INSTANCIA DE BILBAO" in text
    assert "312/2026" in text and "ES91 2100 0418 4502 0005 1332" in text and "Cuenta corriente en Kutxabank" in text
    for amount in (claimed, provisional, claimed + provisional, principal, judgment):
        assert _es_money(str(amount)) in text, amount
    assert "576" in text and "{{" not in text and "{%" not in text


async def test_attachments_are_booked_once_as_payments(make_client):
    p = await _in_court(make_client)
    c, lh, nh, cid = p["c"], p["lh"], p["nh"], p["id"]
    asset = (await c.post(f"/api/v1/cases/{cid}/assets", json={"kind": "salary", "description": "Nómina en Construcciones Sur"},
                          headers=lh)).json()
    body = {"amount": "150.25", "on": TODAY.isoformat(), "asset_id": asset["id"], "note": "Retención de marzo"}
    r = await c.post(f"/api/v1/cases/{cid}/attachments", json=body, headers={**lh, "Idempotency-Key": "embargo-1"})
    assert r.status_code == 201 and r.json()["created"] is True, r.text
    again = await c.post(f"/api/v1/cases/{cid}/attachments", json=body, headers={**lh, "Idempotency-Key": "embargo-1"})
    assert again.status_code == 200 and again.json() == {"id": r.json()["id"], "created": False}
    other = await c.post(f"/api/v1/cases/{cid}/attachments", json={**body, "amount": "99.00"}, headers={**lh, "Idempotency-Key": "embargo-1"})
    assert other.status_code == 409
    entries = await LedgerEntry.select().where((LedgerEntry.case == cid) & (LedgerEntry.method == "court_attachment"))
    assert [(e["kind"], e["amount_cents"]) for e in entries] == [("payment", 15025)]
    assert "Nómina en Construcciones Sur" in entries[0]["reference"]
    event = await CaseEvent.select(CaseEvent.payload).where((CaseEvent.case == cid) & (CaseEvent.kind == "payment")).first()
    assert '"attachment": true' in event["payload"] and f'"asset": {asset["id"]}' in event["payload"]
    # applied as any payment: the ledger shows what it paid
    ledger = (await c.get(f"/api/v1/cases/{cid}/ledger", headers=lh)).json()
    line = next(e for e in ledger["entries"] if e.get("id") == r.json()["id"])
    assert sum(Decimal(part["amount"]) for part in line["applied"]["parts"]) == Decimal("150.25")
    # what to fix, said
    r = await c.post(f"/api/v1/cases/{cid}/attachments", json={**body, "asset_id": 999999}, headers=lh)
    assert r.status_code == 400 and "no tiene el bien 999999" in r.text
    r = await c.post(f"/api/v1/cases/{cid}/attachments", json={**body, "amount": "-3"}, headers=lh)
    assert r.status_code == 400
    r = await c.post(f"/api/v1/cases/{cid}/attachments", json={**body, "amount": "99999999.00"}, headers=lh)
    assert r.status_code == 400 and "supera lo que se debe" in r.text
    r = await c.post(f"/api/v1/cases/{cid}/attachments", json=body, headers=nh)  # lawyers book what the court paid out
    assert r.status_code == 403
    assert len(await LedgerEntry.select().where((LedgerEntry.case == cid) & (LedgerEntry.method == "court_attachment"))) == 1


async def test_a_creditor_sees_no_assets_and_staff_of_no_case_get_404(make_client):
    p = await _in_court(make_client)
    c, ch, lh, cid = p["c"], p["ch"], p["lh"], p["id"]
    await c.post(f"/api/v1/cases/{cid}/assets", json={"kind": "vehicle", "description": "Furgoneta", "identifier": "4821 KLM"}, headers=lh)
    assert (await c.get(f"/api/v1/cases/{cid}/assets", headers=ch)).status_code == 403
    assert (await c.post(f"/api/v1/cases/{cid}/assets", json={"kind": "vehicle", "description": "Coche"}, headers=ch)).status_code == 403
    assert (await c.get("/api/v1/cases/99999999/assets", headers=lh)).status_code == 404
    # the creditor's view of the case page lists no asset; the lawyer's has the list and both forms
    creditor_page = await case_page(c, cid, headers=ch)
    assert "4821 KLM" not in creditor_page.text and 'id="new-asset"' not in creditor_page.text
    lawyer_page = await case_page(c, cid, headers=lh)
    assert "4821 KLM" in lawyer_page.text and 'id="new-asset"' in lawyer_page.text and 'id="new-attachment"' in lawyer_page.text
    # another organisation's creditor: not even the case
    other = await create_user("creditor", await create_org())
    oh = await api_token(c, other["email"])
    assert (await c.get(f"/api/v1/cases/{cid}/assets", headers=oh)).status_code == 403


async def test_the_panel_forms_record_an_asset_and_an_attachment(make_client):
    p = await _in_court(make_client)
    cid = p["id"]
    browser, lawyer = await signed_in(make_client, "lawyer")
    r = await post_form(browser, f"/cases/{cid}/legal/assets", {"kind": "property", "description": "Local en Bilbao",
                                                                "identifier": "9872023VH5797S0001WX", "found_on": "", "note": ""})
    assert r.status_code == 303, r.text
    r = await post_form(browser, f"/cases/{cid}/legal/assets", {"kind": "nothing", "description": "?"})
    assert r.status_code == 303  # back to the case with what to fix
    lh = await api_token(p["c"], lawyer["email"])
    items = (await p["c"].get(f"/api/v1/cases/{cid}/assets", headers=lh)).json()["items"]
    assert [a["identifier"] for a in items] == ["9872023VH5797S0001WX"]
    data = {"amount": "20,00", "on": TODAY.isoformat(), "asset_id": str(items[0]["id"]), "note": "", "idempotency_key": "form-key-1"}
    assert (await post_form(browser, f"/cases/{cid}/legal/attachments", data)).status_code == 303
    assert (await post_form(browser, f"/cases/{cid}/legal/attachments", data)).status_code == 303  # sent twice: booked once
    entries = await LedgerEntry.select(LedgerEntry.amount_cents).where((LedgerEntry.case == cid) & (LedgerEntry.method == "court_attachment"))
    assert [e["amount_cents"] for e in entries] == [2000]


async def test_the_costs_claim_lists_the_court_costs_with_their_totals(make_client):
    p = await _in_court(make_client)
    c, lh, cid = p["c"], p["lh"], p["id"]
    r = await c.post(f"/api/v1/cases/{cid}/documents", json={"template": "costs_claim"}, headers=lh)
    assert r.status_code == 422, r.text  # no court cost booked yet
    for kind, amount, text in (("lawyer", "1200.00", "Minuta 2026/041"), ("procurador", "310.50", "Arancel"), ("court_fee", "100.00", "Modelo 696")):
        r = await c.post(f"/api/v1/cases/{cid}/court-costs", json={"kind": kind, "amount": amount, "booked_on": TODAY.isoformat(), "description": text},
                         headers=lh)
        assert r.status_code == 201, r.text
    await c.post(f"/api/v1/cases/{cid}/expenses", json={"kind": "burofax", "amount": "25.00", "spent_on": TODAY.isoformat()}, headers=p["nh"])
    await _decree(p)
    r = await c.post(f"/api/v1/cases/{cid}/documents", json={"template": "costs_claim"}, headers=lh)
    assert r.status_code == 201, r.text
    text = docx_text((await c.get(r.json()["download_url"], headers=lh)).content)
    assert "TASACIÓN DE COSTAS" in text and "decreto" in text and "312/2026" in text
    for label, amount in (("Honorarios de letrado", "1200.00"), ("Derechos y suplidos de procurador", "310.50"), ("Tasa judicial", "100.00"),
                          ("Total", "1610.50")):
        assert label in text and _es_money(amount) in text, (label, amount)
    assert _es_money("1635.50") not in text  # the burofax is the agency's cost of recovery, not a court cost
    assert "394.3" in text and "{{" not in text


async def test_the_decree_of_another_case_changes_nothing_here(make_client):
    org, c, ch, nh = await _people(make_client)
    mine = (await _accepted_case(c, ch, nh))["id"]
    theirs = (await _accepted_case(c, ch, nh))["id"]
    filing = await Filing.insert(Filing(case=theirs, procedure="monitorio", court="X", status="filed")).returning(Filing.id)
    await FilingStep.insert(FilingStep(filing=filing[0]["id"], case=theirs, step="judgment", on=DECREE))
    assert (await c.get(f"/api/v1/cases/{mine}/ledger", headers=nh)).json()["judgment_on"] is None
    assert (await c.get(f"/api/v1/cases/{theirs}/ledger", headers=nh)).json()["judgment_on"] == DECREE.isoformat()
