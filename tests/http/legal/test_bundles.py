"""A petition's filing bundle on both databases: the ZIP's files named and numbered as the petition lists them, each
a PDF pypdf reads, the index and the form 696 sheet, a file that cannot be converted named as not included; 422
naming the documents missing; only lawyers and admins; the legal panel's form."""
import hashlib
import io
import json
import re
import zipfile
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal
from urllib.parse import unquote

import docx
from PIL import Image
from pypdf import PdfReader

from agency.settings import get_settings
from cases.tables import CaseEvent, Evidence
from legal.documents import bundles
from legal.documents.bundles import fee_figures
from legal.documents.rules import fee_sheet
from legal.handoff.service import procedure_facts
from legal.personal_data import on_case_event, stored_files
from legal.tables import Bundle, Filing
from tests.factories import api_token, create_org, create_user, login, post_form
from tests.http.cases.test_claims import claim_body
from tests.http.cases.test_money import _people
from tests.http.legal.test_deliveries import _burofax
from tests.http.legal.test_legal import TODAY, _in_court

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def pdf_bytes(text: str = "x") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (200, 120), "white").save(out, "PDF")
    return out.getvalue() + f"\n%{text}\n".encode()  # a comment after %%EOF: a different file each time


def jpeg_bytes(seed: int = 0, size=(640, 480)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (seed % 256, 80, 160)).save(out, "JPEG")
    return out.getvalue()


def docx_bytes(text: str) -> bytes:
    d = docx.Document()
    d.add_paragraph(text)
    out = io.BytesIO()
    d.save(out)
    return out.getvalue()


def corrupt_docx() -> bytes:
    """A zip with a word/ part (sniffed as a Word file) that no word processor can open."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", "<w:document><broken")
    return out.getvalue()


async def add(c, h, cid, name, data, kind="other", content_type="application/octet-stream"):
    r = await c.post(f"/api/v1/cases/{cid}/evidence", headers=h, data={"kind": kind}, files={"file": (name, io.BytesIO(data), content_type)})
    assert r.status_code == 201, r.text
    return r.json()


async def test_the_filing_bundle(make_client):
    p = await _in_court(make_client)
    c, lh, nh, ch, cid = p["c"], p["lh"], p["nh"], p["ch"], p["id"]
    await add(c, nh, cid, "FV-2026-0102.pdf", pdf_bytes("factura"), "invoice")
    await add(c, nh, cid, "albaran.jpg", jpeg_bytes(1), "delivery_note")
    await add(c, nh, cid, "contrato.docx", docx_bytes("Contrato de suministro"), "contract")
    await add(c, nh, cid, "roto.docx", corrupt_docx())
    # the settlement attempt by burofax, delivered: its certificate is among the documents the petition lists
    offer = await _burofax(c, nh, cid)
    cert = await add(c, nh, cid, "acuse-burofax.pdf", pdf_bytes("acuse"), "correspondence")
    r = await c.post(f"/api/v1/documents/{offer['id']}/delivered", json={"delivered_on": TODAY.isoformat(), "certificate_id": cert["id"]}, headers=nh)
    assert r.status_code == 201, r.text
    petition = (await c.post(f"/api/v1/cases/{cid}/documents", json={"template": "monitorio_petition"}, headers=lh)).json()
    listed = await Evidence.select(Evidence.original_name, Evidence.sha256).where(Evidence.case == cid).order_by(Evidence.id)
    assert len(listed) == 6  # the claim's own f.pdf first

    r = await c.get(f"/api/v1/documents/{petition['id']}/bundle", headers=lh)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/zip")
    assert r.headers["x-content-sha256"] == hashlib.sha256(r.content).hexdigest()
    zf = zipfile.ZipFile(io.BytesIO(r.content))
    names = zf.namelist()
    pdfs = [n for n in names if n.endswith(".pdf")]
    # the petition, the settlement attempt's letter, and the documents numbered as the petition lists them
    stem = petition["filename"].removesuffix(".docx")
    assert names[0] == "Índice.txt" and names[-1] == "Modelo 696 - datos.txt"
    assert f"Escrito - {stem}.pdf" in names and f"Escrito - {stem}.docx" in names
    assert f"Intento de negociación previa - {offer['filename'].removesuffix('.docx')}.pdf" in pdfs  # the burofax delivered
    assert "Documento 6 - Correspondencia acuse-burofax.pdf" in names
    petition_text = "\n".join(p.text for p in docx.Document(io.BytesIO(zf.read(f"Escrito - {stem}.docx"))).paragraphs)
    assert "certificado de entrega que se acompaña como documento n.º 6" in petition_text  # the petition's own number
    assert {"Documento 2 - Factura FV-2026-0102.pdf", "Documento 3 - Albarán albaran.pdf", "Documento 4 - contrato.pdf"} <= set(names)
    # the claim's f.pdf is no PDF pypdf can read and roto.docx cannot be converted: named, not included
    assert not any(n.startswith("Documento 1 ") or n.startswith("Documento 5 ") for n in names)
    assert len(pdfs) == 6 and r.headers["x-bundle-pdfs"] == "6" and r.headers["x-bundle-omitted"] == "2"
    assert unquote(r.headers["x-bundle-omitted-files"]) == "f.pdf; roto.docx"
    for n in pdfs:
        assert len(PdfReader(io.BytesIO(zf.read(n))).pages) >= 1, n
    # a PDF is kept byte for byte: its fingerprint is the one the petition prints
    assert hashlib.sha256(zf.read("Documento 2 - Factura FV-2026-0102.pdf")).hexdigest() == listed[1]["sha256"]
    index = zf.read("Índice.txt").decode()
    assert p["case"]["reference"] in index and "NO INCLUIDOS" in index
    assert "Documento n.º 6: acuse-burofax.pdf (certificado de entrega del intento de negociación previa)" in index
    assert re.search(r"- Documento n\.º 5: roto\.docx \(roto\.docx\): no se ha podido convertir", index)
    assert "Documento n.º 1: f.pdf" in index.split("NO INCLUIDOS")[1]
    assert "Poder de representación:" in index
    sheet = zf.read("Modelo 696 - datos.txt").decode()
    assert "Procedimiento: Proceso monitorio" in sheet and "Sujeto pasivo:" in sheet and "Total a ingresar:" in sheet

    # kept: the row with the ZIP's fingerprint, who and when; the timeline says it
    row = await Bundle.select().where(Bundle.document == petition["id"]).first()
    assert row["sha256"] == hashlib.sha256(r.content).hexdigest() and row["pdfs"] == 6 and row["created_by"] == p["lawyer"]["id"]
    assert [o["original"] for o in json.loads(row["omitted"])] == ["f.pdf", "roto.docx"]
    event = await CaseEvent.select(CaseEvent.summary, CaseEvent.visible_to_creditor).where(
        (CaseEvent.case == cid) & (CaseEvent.kind == "bundle")).first()
    assert event and not event["visible_to_creditor"] and "roto.docx" in event["summary"]

    # who may: lawyers and admins; not negotiators nor creditors (their own case or not)
    ah = await api_token(c, (await create_user("admin"))["email"])
    assert (await c.get(f"/api/v1/documents/{petition['id']}/bundle", headers=ah)).status_code == 200
    assert (await c.get(f"/api/v1/documents/{petition['id']}/bundle", headers=nh)).status_code == 403
    other_lawyer = await api_token(c, (await create_user("lawyer"))["email"])
    assert (await c.get(f"/api/v1/documents/{petition['id']}/bundle", headers=other_lawyer)).status_code == 403  # not the case's lawyer
    assert (await c.get(f"/api/v1/documents/{petition['id']}/bundle", headers=ch)).status_code == 403
    stranger = await api_token(c, (await create_user("creditor", await create_org()))["email"])
    assert (await c.get(f"/api/v1/documents/{petition['id']}/bundle", headers=stranger)).status_code == 403
    assert (await c.get("/api/v1/documents/999999/bundle", headers=lh)).status_code == 404

    # a letter is no petition
    letter = await Evidence.count().where(Evidence.case == cid)
    demand = (await c.post(f"/api/v1/cases/{cid}/documents", json={"template": "payment_demand"}, headers=nh)).json()
    r = await c.get(f"/api/v1/documents/{demand['id']}/bundle", headers=lh)
    assert r.status_code == 422 and ("petition" in r.json()["detail"] or "demanda" in r.json()["detail"]), r.text
    assert letter == await Evidence.count().where(Evidence.case == cid)

    # a document the petition lists is no longer on the case: 422 naming it, no bundle made
    made = await Bundle.count().where(Bundle.case == cid)
    await Evidence.delete().where((Evidence.case == cid) & (Evidence.original_name == "contrato.docx"))
    r = await c.get(f"/api/v1/documents/{petition['id']}/bundle", headers=lh)
    assert r.status_code == 422, r.text
    assert "contrato.docx" in r.json()["detail"] and "4" in r.json()["detail"]
    assert len(r.json()["missing"]) == 1 and "contrato.docx" in r.json()["missing"][0]
    assert await Bundle.count().where(Bundle.case == cid) == made


async def test_the_legal_panel_makes_the_bundle_and_says_what_to_fix(make_client):
    p = await _in_court(make_client)
    c, lh, nh, cid = p["c"], p["lh"], p["nh"], p["id"]
    await add(c, nh, cid, "FV-1.pdf", pdf_bytes("uno"), "invoice")
    petition = (await c.post(f"/api/v1/cases/{cid}/documents", json={"template": "monitorio_petition"}, headers=lh)).json()
    lawyer_page = await make_client()
    assert (await login(lawyer_page, p["lawyer"]["email"])).status_code == 303
    panel = await lawyer_page.get(f"/cases/{cid}/legal/", headers={"HX-Request": "true"})
    url = f"/cases/{cid}/legal/documents/{petition['id']}/bundle"
    assert f'hx-post="{url}"' in panel.text
    r = await post_form(lawyer_page, url, headers={"HX-Request": "true"})
    assert r.status_code == 200, r.text
    link = re.search(rf'href="(/cases/{cid}/legal/bundles/(\d+)/download)"', r.text)
    assert link and "f.pdf" in r.text  # the claim's unreadable f.pdf: named as not included
    download = await lawyer_page.get(link.group(1))
    assert download.status_code == 200 and zipfile.ZipFile(io.BytesIO(download.content)).namelist()[0] == "Índice.txt"
    assert download.headers["x-content-sha256"] == (await Bundle.select(Bundle.sha256).where(Bundle.id == int(link.group(2))).first())["sha256"]
    # a negotiator's panel has no such form, and the route refuses them
    negotiator_page = await make_client()
    negotiator = await create_user("negotiator")
    assert (await login(negotiator_page, negotiator["email"])).status_code == 303
    assert url not in (await negotiator_page.get(f"/cases/{cid}/legal/", headers={"HX-Request": "true"})).text
    assert (await post_form(negotiator_page, url, headers={"HX-Request": "true"})).status_code == 403
    assert (await negotiator_page.get(link.group(1))).status_code == 403
    # a listed document gone: the panel shows the 422's message
    await Evidence.delete().where((Evidence.case == cid) & (Evidence.original_name == "FV-1.pdf"))
    r = await post_form(lawyer_page, url, headers={"HX-Request": "true"})
    assert r.status_code == 200 and "FV-1.pdf" in r.text and 'role="alert"' in r.text and "/download" not in r.text
    # without JavaScript the form posts as a page: the same message, in a page of its own with the way back
    r = await post_form(lawyer_page, url)
    assert r.status_code == 200 and "<html" in r.text and "FV-1.pdf" in r.text and f'href="/cases/{cid}"' in r.text
    # the debtor's data erased: the bundle's file is among what goes, and its download says so
    bundle_id = int(link.group(2))
    key = (await Bundle.select(Bundle.storage_key).where(Bundle.id == bundle_id).first())["storage_key"]
    assert key in await stored_files([cid])
    await on_case_event(cid, "anonymised", {})
    assert key not in await stored_files([cid])
    assert (await lawyer_page.get(link.group(1))).status_code == 410


async def test_the_696_sheet_of_an_ordinario_after_a_monitorio(make_client, monkeypatch):
    """A verbal claim above 15,000 EUR pays as an ordinario, less the fee of the monitorio filed before it; with the
    setting, the online discount comes off the whole fee."""
    _org, c, ch, nh = await _people(make_client)
    due = (TODAY - timedelta(days=40)).isoformat()
    case = (await c.post("/api/v1/claims", json=claim_body(invoices=[{"number": "G-1", "issue_date": due, "due_date": due, "amount": "20000.00"}]),
                         headers=ch)).json()
    cid = case["id"]
    facts = await procedure_facts(cid, TODAY)
    assert facts.claim_amount > Decimal("15000") and facts.creditor_is_legal_person
    text, figures = await fee_figures(cid, "verbal_claim", TODAY)
    assert figures["procedure"] == "ordinario" and figures["deduction"] == Decimal("0.00")  # no monitorio before it
    assert figures["online_discount"] == Decimal("30.00") and "sobre la cuota fija" in text

    await Filing.insert(Filing(case=cid, procedure="monitorio", court="Tribunal de Instancia de Bilbao", status="opposed", filed_on=TODAY))
    monkeypatch.setattr(bundles, "get_settings", lambda: replace(get_settings(), court_fee_discount_on_whole=True))  # AGENCY_COURT_FEE_DISCOUNT_ON_WHOLE=1
    text, figures = await fee_figures(cid, "verbal_claim", TODAY)
    monitorio = fee_sheet("monitorio", facts.claim_amount, True, online_on_whole=True).total
    whole = fee_sheet("ordinario", facts.claim_amount, True, online_on_whole=True)
    assert figures["deduction"] == monitorio and figures["total"] == whole.total - monitorio
    assert figures["online_discount"] == whole.online_discount > Decimal("30.00")
    assert "sobre la cuota total" in text and "Deducción de la tasa del monitorio previo" in text and "Procedimiento: Juicio ordinario" in text
    assert "Talleres Norte" not in text.split("Sujeto pasivo:")[1].splitlines()[0]  # the payer is the creditor, not the debtor
