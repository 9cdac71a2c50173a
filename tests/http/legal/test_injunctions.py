"""The injunção batches and the injonction de payer request through the API and the lawyers' page, on both databases:
a file for many Portuguese cases (stored with its SHA-256, each case told, a case in one file only), bad input refused
whole naming each case and what to fix, tenancy; the French request's Cerfa data."""
import hashlib
import secrets
import xml.etree.ElementTree as ET
from datetime import timedelta
from decimal import Decimal

from agency import clock
from agency.storage import storage
from agency.tables import Organisation
from cases.tables import Case, CaseEvent, Debtor
from legal.tables import InjuncaoBatch, InjuncaoRequest
from tests.factories import api_token, by_hand, create_org, create_user, csrf_token, login
from tests.http.cases.test_claims import claim_body
from tests.http.cases.test_money import _people
from tests.http.legal.test_law_revision import _case, _debtor
from tests.http.legal.test_legal import docx_text

TODAY = clock.today()
NS = "{urn:agency:injuncao-lote:1}"


def pt_nif() -> str:
    """A fresh Portuguese company NIF with its check digit (mod 11)."""
    digits = [5] + [secrets.randbelow(10) for _ in range(7)]
    rest = sum(d * (9 - i) for i, d in enumerate(digits)) % 11
    return "".join(map(str, digits)) + str(0 if rest < 2 else 11 - rest)


async def _portuguese_creditor(org: int) -> str:
    nif = pt_nif()
    await Organisation.update({Organisation.country: "PT", Organisation.tax_id: nif, Organisation.address_line1: "Rua da Fábrica, 12",
                               Organisation.postal_code: "4760-000", Organisation.city: "Famalicão"}).where(Organisation.id == org)
    return nif


async def _in_court(case_id: int, lawyer: int) -> None:
    """The court stage's own guards are tested with the hand-off (test_legal.py); here the case is simply there."""
    await Case.update({Case.stage: "court", Case.lawyer: lawyer}).where(Case.id == case_id)
    await by_hand()  # (set up by hand: the report totals follow)


async def _setting(make_client):
    org, c, ch, nh = await _people(make_client)
    nif = await _portuguese_creditor(org)
    lawyer = await create_user("lawyer", language="en")  # the refusals read in English here
    lh = await api_token(c, lawyer["email"])
    return nif, c, ch, nh, lawyer, lh


async def test_a_file_for_many_portuguese_cases(make_client):
    nif, c, ch, nh, lawyer, lh = await _setting(make_client)
    one = await _case(c, ch, "PT", TODAY - timedelta(days=40), amount="1000.00")
    two = await _case(c, ch, "PT", TODAY - timedelta(days=70), amount="2500.50")
    for case in (one, two):
        await _in_court(case["id"], lawyer["id"])

    ready = (await c.get("/api/v1/injuncao-batches/ready", headers=lh)).json()
    assert {r["id"]: r["problems"] for r in ready} == {one["id"]: [], two["id"]: []}  # the lawyer's own cases

    r = await c.post("/api/v1/injuncao-batches", json={"case_ids": [one["id"], two["id"]]}, headers=lh)
    assert r.status_code == 201, r.text
    batch = r.json()
    assert batch["count"] == 2 and batch["layout"] == "agency-bni/1" and batch["reference"].startswith("BNI-")
    assert [x["id"] for x in batch["cases"]] == [one["id"], two["id"]]

    # the download is the file whose SHA-256 was recorded, and it says what the cases say
    f = await c.get(batch["download_url"], headers=lh)
    assert f.status_code == 200 and hashlib.sha256(f.content).hexdigest() == batch["sha256"] == f.headers["x-content-sha256"]
    root = ET.fromstring(f.content)
    assert root.get("referencia") == batch["reference"] and root.get("requerimentos") == "2" and root.get("confirmado") == "nao"
    reqs = root.findall(f"{NS}Requerimento")
    assert [q.get("referencia") for q in reqs] == [one["reference"], two["reference"]]
    first = reqs[0]
    assert first.find(f"{NS}Requerido/{NS}NIF").text == "503504564" and first.find(f"{NS}Requerente/{NS}NIF").text == nif
    capital = Decimal(first.find(f"{NS}Pedido/{NS}Capital").text)
    total = Decimal(first.find(f"{NS}Pedido/{NS}Total").text)
    assert capital == Decimal("1000.00") and total == capital + Decimal(first.find(f"{NS}Pedido/{NS}JurosVencidos").text) + Decimal("40.00")
    assert sum(Decimal(x["amount"]) for x in batch["cases"]) == Decimal(batch["total"]) == Decimal(root.get("valorTotal"))

    # each case told, in one batch only: twice is refused and nothing more is written
    assert await CaseEvent.count().where((CaseEvent.kind == "injuncao_batch") & CaseEvent.case.is_in([one["id"], two["id"]])) == 2
    r = await c.post("/api/v1/injuncao-batches", json={"case_ids": [two["id"]]}, headers=lh)
    assert r.status_code == 409 and two["reference"] in r.json()["detail"] and batch["reference"] in r.json()["detail"], r.text
    assert await InjuncaoRequest.count().where(InjuncaoRequest.case.is_in([one["id"], two["id"]])) == 2
    assert await InjuncaoBatch.count().where(InjuncaoBatch.id > batch["id"]) == 0
    assert (await c.get("/api/v1/injuncao-batches/ready", headers=lh)).json() == []
    listed = (await c.get("/api/v1/injuncao-batches", headers=lh)).json()
    assert listed[0]["id"] == batch["id"] and listed[0]["sha256"] == batch["sha256"]


async def test_bad_input_is_refused_whole_naming_each_case(make_client):
    _nif, c, ch, nh, lawyer, lh = await _setting(make_client)
    good = await _case(c, ch, "PT", TODAY - timedelta(days=40))
    other_debtor = claim_body(debtor=_debtor("PT", name="Outra Cliente Lda", tax_id=pt_nif()),
                              invoices=[{"number": "PT-NONIF", "issue_date": (TODAY - timedelta(days=60)).isoformat(),
                                         "due_date": (TODAY - timedelta(days=30)).isoformat(), "amount": "700.00"}])
    no_nif = (await c.post("/api/v1/claims", json=other_debtor, headers=ch)).json()
    spanish_body = claim_body(invoices=[{"number": "ES-1", "issue_date": (TODAY - timedelta(days=60)).isoformat(),
                                         "due_date": (TODAY - timedelta(days=30)).isoformat(), "amount": "500.00"}])
    spanish = (await c.post("/api/v1/claims", json=spanish_body, headers=ch)).json()
    person = claim_body(debtor=_debtor("PT", kind="person", name="João Pires", tax_id="123456789"),
                        invoices=[{"number": "PT-BIG", "issue_date": (TODAY - timedelta(days=60)).isoformat(),
                                   "due_date": (TODAY - timedelta(days=30)).isoformat(), "amount": "15500.00"}])
    too_big = (await c.post("/api/v1/claims", json=person, headers=ch)).json()
    not_in_court = await _case(c, ch, "PT", TODAY - timedelta(days=42))
    for case in (good, no_nif, spanish, too_big):
        await _in_court(case["id"], lawyer["id"])
    debtor = (await Case.select(Case.debtor).where(Case.id == no_nif["id"]).first())["debtor"]
    await Debtor.update({Debtor.tax_id: ""}).where(Debtor.id == debtor)

    batches_before = await InjuncaoBatch.count()
    r = await c.post("/api/v1/injuncao-batches", json={"case_ids": [good["id"], no_nif["id"], spanish["id"], too_big["id"], not_in_court["id"]]},
                     headers=lh)
    assert r.status_code == 422, r.text
    detail = r.json()["detail"]
    for case in (no_nif, spanish, too_big, not_in_court):
        assert case["reference"] in detail
    assert good["reference"] not in detail
    assert "no NIF" in detail and "not a Portuguese case" in detail and "not in the court stage" in detail and "15000.00" in detail
    chosen = [good["id"], no_nif["id"], spanish["id"], too_big["id"], not_in_court["id"]]
    assert await InjuncaoBatch.count() == batches_before and await InjuncaoRequest.count().where(InjuncaoRequest.case.is_in(chosen)) == 0
    assert await CaseEvent.count().where((CaseEvent.kind == "injuncao_batch") & CaseEvent.case.is_in(chosen)) == 0
    # an empty choice, an unknown case
    assert (await c.post("/api/v1/injuncao-batches", json={"case_ids": []}, headers=lh)).status_code == 400
    assert (await c.post("/api/v1/injuncao-batches", json={"case_ids": [987654]}, headers=lh)).status_code == 404
    # the good one alone goes
    assert (await c.post("/api/v1/injuncao-batches", json={"case_ids": [good["id"]]}, headers=lh)).status_code == 201


async def test_who_may_see_and_write_the_files(make_client):
    _nif, c, ch, nh, lawyer, lh = await _setting(make_client)
    case = await _case(c, ch, "PT", TODAY - timedelta(days=40))
    await _in_court(case["id"], lawyer["id"])
    other = await api_token(c, (await create_user("lawyer", language="en"))["email"])
    # creditors and negotiators: no
    for headers in (ch, nh):
        assert (await c.post("/api/v1/injuncao-batches", json={"case_ids": [case["id"]]}, headers=headers)).status_code == 403
        assert (await c.get("/api/v1/injuncao-batches", headers=headers)).status_code == 403
    # another lawyer: not their case
    r = await c.post("/api/v1/injuncao-batches", json={"case_ids": [case["id"]]}, headers=other)
    assert r.status_code == 422 and "another lawyer" in r.json()["detail"]
    assert case["id"] not in [x["id"] for x in (await c.get("/api/v1/injuncao-batches/ready", headers=other)).json()]
    batch = (await c.post("/api/v1/injuncao-batches", json={"case_ids": [case["id"]]}, headers=lh)).json()
    for headers in (ch, nh):
        assert (await c.get(batch["download_url"], headers=headers)).status_code == 403
    assert (await c.get("/api/v1/injuncao-batches/987654/file", headers=lh)).status_code == 404


async def test_the_lawyers_page(make_client):
    _nif, c, ch, nh, lawyer, lh = await _setting(make_client)
    case = await _case(c, ch, "PT", TODAY - timedelta(days=40))
    await _in_court(case["id"], lawyer["id"])
    page_client = await make_client()
    await login(page_client, lawyer["email"])
    page = await page_client.get("/legal/injuncao/")
    assert page.status_code == 200 and case["reference"] in page.text and 'name="case_ids"' in page.text
    r = await page_client.post("/legal/injuncao/", data={"case_ids": str(case["id"]), "_csrf_token": csrf_token(page_client)})
    assert r.status_code == 303
    page = await page_client.get("/legal/injuncao/")
    batch = await InjuncaoBatch.select().order_by(InjuncaoBatch.id, ascending=False).first()
    assert batch["reference"] in page.text and f"/legal/injuncao/{batch['id']}/file" in page.text
    f = await page_client.get(f"/legal/injuncao/{batch['id']}/file")
    assert hashlib.sha256(f.content).hexdigest() == batch["sha256"]
    # the case's legal panel names the file it went in
    panel = await page_client.get(f"/cases/{case['id']}/legal/")
    assert panel.status_code == 200 and batch["reference"] in panel.text
    creditor_client = await make_client()
    await login(creditor_client, (await create_user("creditor", await create_org()))["email"])
    assert (await creditor_client.get("/legal/injuncao/")).status_code in (403, 303)


async def test_the_injonction_de_payer_request(make_client):
    org, c, ch, nh = await _people(make_client)
    await Organisation.update({Organisation.country: "FR", Organisation.tax_id: "732829320", Organisation.city: "Lille"}).where(Organisation.id == org)
    case = await _case(c, ch, "FR", TODAY - timedelta(days=40), amount="1000.00")
    r = await c.get(f"/api/v1/cases/{case['id']}/injonction", headers=ch)
    assert r.status_code == 200, r.text
    cerfa = r.json()
    assert cerfa["form"] == "12946*02" and cerfa["court"]["name"] == "Tribunal de commerce de Paris"
    assert cerfa["debtor"]["identifier"] == "552100554" and cerfa["creditor"]["identifier"] == "732829320"
    amounts = {k: Decimal(v) for k, v in cerfa["amounts"].items() if k in ("principal", "interest", "compensation", "costs", "total")}
    assert amounts["principal"] == Decimal("1000.00") and amounts["compensation"] == Decimal("40.00") and amounts["costs"] == 0
    assert amounts["total"] == amounts["principal"] + amounts["interest"] + amounts["compensation"] and amounts["interest"] > 0
    assert "L111-8" in cerfa["amounts"]["costs_note"] and cerfa["documents"] == ["factura.pdf"]
    # the same data as a French document, generated like any other (a negotiator makes it; the creditor signs it)
    r = await c.post(f"/api/v1/cases/{case['id']}/documents", json={"template": "injonction_de_payer_request"}, headers=nh)
    assert r.status_code == 201, r.text
    text = docx_text((await c.get(r.json()["download_url"], headers=nh)).content).replace("\u00a0", " ").replace("\u202f", " ")
    assert "Cerfa n° 12946*02" in text and "Tribunal de commerce de Paris" in text and "552100554" in text
    assert "1 000,00 €" in text and "40,00 €" in text and "L111-8" in text and "factura.pdf" in text
    # another organisation's creditor: not found; a Portuguese case: its procedure is not the injonction
    other = await api_token(c, (await create_user("creditor", await create_org()))["email"])
    assert (await c.get(f"/api/v1/cases/{case['id']}/injonction", headers=other)).status_code == 404
    pt = await _case(c, ch, "PT", TODAY - timedelta(days=43))
    r = await c.get(f"/api/v1/cases/{pt['id']}/injonction", headers=ch)
    assert r.status_code == 409 and ("procedure" in r.json()["detail"] or "procedimiento" in r.json()["detail"])
    r = await c.post(f"/api/v1/cases/{pt['id']}/documents", json={"template": "injonction_de_payer_request"}, headers=nh)
    assert r.status_code == 422


async def test_two_files_at_once_take_a_case_once(make_client, monkeypatch):
    """Another lawyer's file takes the case between the checks and the writing: this one is refused (409), its file
    deleted from storage, nothing of it written."""
    _nif, c, ch, nh, lawyer, lh = await _setting(make_client)
    case = await _case(c, ch, "PT", TODAY - timedelta(days=44))
    await _in_court(case["id"], lawyer["id"])
    stored: list[str] = []
    real_put = storage().put_bytes

    async def put_bytes(key, data, content_type):
        stored.append(key)
        await real_put(key, data, content_type)
        # meanwhile, another file takes the case
        other = (await InjuncaoBatch.insert(InjuncaoBatch(reference=f"BNI-OTHER-{secrets.token_hex(3)}", layout="agency-bni/1", requests=1,
                                                          total_cents=1, sha256="0" * 64, storage_key=f"other/{secrets.token_hex(8)}")
                                            ).returning(InjuncaoBatch.id))[0]["id"]
        await InjuncaoRequest.insert(InjuncaoRequest(batch=other, case=case["id"], amount_cents=1))

    monkeypatch.setattr(storage(), "put_bytes", put_bytes)
    before = await InjuncaoBatch.count()
    r = await c.post("/api/v1/injuncao-batches", json={"case_ids": [case["id"]]}, headers=lh)
    assert r.status_code == 409, r.text
    assert await InjuncaoBatch.count() == before + 1  # the other file only
    assert await CaseEvent.count().where((CaseEvent.kind == "injuncao_batch") & (CaseEvent.case == case["id"])) == 0
    assert len(stored) == 1
    try:
        await storage().read(stored[0])
        raise AssertionError("the refused file is still stored")
    except (FileNotFoundError, OSError, KeyError):
        pass
