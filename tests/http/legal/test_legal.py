"""The legal hand-off end to end on both databases: the creditor's authorisation with the estimate,
the lawyer taking the case, the court guards, generated documents (stored with their hash, a new
version each time, refused with what is missing), filings with their checks, deadlines, limitation,
mediation, template versions, and tenancy on every document route."""
import hashlib
import io
import re
from datetime import date, timedelta

import docx
import pytest

from agency import clock
from agency.storage import S3Storage
from agency.tables import User
from cases.tables import Case, CaseEvent, LedgerEntry, PaymentPlan
from legal.tables import Deadline, Document, LegalAction, Mediation
from tests.factories import api_token, case_page, create_org, create_user, signed_in
from tests.http.cases.test_money import _people
from tests.http.cases.test_negotiation import _accepted_case

TODAY = clock.today()


def docx_text(data: bytes) -> str:
    d = docx.Document(io.BytesIO(data))
    parts = [p.text for p in d.paragraphs]
    for table in d.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return "\n".join(parts)


def _es_money(amount: str) -> str:
    from decimal import Decimal

    from agency import i18n

    previous = i18n.get_language()
    i18n.set_language("es")
    try:
        return i18n.format_money(Decimal(amount))
    finally:
        i18n.set_language(previous)


async def _legal_case(make_client):
    """A creditor, a negotiator and a lawyer, and an accepted case against Talleres Norte S.L."""
    org, c, ch, nh = await _people(make_client)
    lawyer = await create_user("lawyer")
    lh = await api_token(c, lawyer["email"])
    case = await _accepted_case(c, ch, nh)
    return {"org": org, "c": c, "ch": ch, "nh": nh, "lh": lh, "lawyer": lawyer, "id": case["id"], "case": case}


async def test_from_hand_off_to_filing(make_client):
    p = await _legal_case(make_client)
    c, ch, nh, lh, cid = p["c"], p["ch"], p["nh"], p["lh"], p["id"]

    proc = (await c.get(f"/api/v1/cases/{cid}/procedure", headers=ch)).json()
    assert proc["procedure"] == "monitorio" and proc["reasons"]
    assert proc["lawyer_required"] is False and proc["court_fee"] is not None

    r = await c.post(f"/api/v1/cases/{cid}/transitions", json={"to": "court"}, headers=lh)
    assert r.status_code == 409
    assert {x["code"] for x in r.json()["refusals"]} == {"court_not_authorised", "court_no_lawyer", "court_no_settlement_attempt"}

    # a court document before a lawyer is assigned: refused, naming what is missing, nothing stored
    r = await c.post(f"/api/v1/cases/{cid}/documents", json={"template": "monitorio_petition"}, headers=nh)
    assert r.status_code == 422 and "lawyer.name" in r.json()["missing"], r.text
    assert "assigned lawyer" in r.json()["detail"] or "abogado asignado" in r.json()["detail"]
    assert await Document.count().where(Document.case == cid) == 0
    assert (await c.post(f"/api/v1/cases/{cid}/documents", json={"template": "nope"}, headers=nh)).status_code == 400
    for key, what in (("debt_acknowledgement", "plan"), ("mediation_agreement", "mediation")):
        r = await c.post(f"/api/v1/cases/{cid}/documents", json={"template": key}, headers=nh)
        assert r.status_code == 422 and r.json()["missing"] == [what], r.text
    assert (await c.post(f"/api/v1/cases/{cid}/documents", json={"template": "payment_demand"}, headers=ch)).status_code == 403

    # the payment demand: generated, stored with its hash, sent by burofax
    r = await c.post(f"/api/v1/cases/{cid}/documents", json={"template": "payment_demand"}, headers=nh)
    assert r.status_code == 201, r.text
    doc = r.json()
    assert doc["version"] == 1 and doc["template_version"] == 1
    got = await c.get(doc["download_url"], headers=ch)  # meant for the creditor too
    assert got.status_code == 200 and hashlib.sha256(got.content).hexdigest() == doc["sha256"] == got.headers["x-content-sha256"]
    text = docx_text(got.content)
    ledger = (await c.get(f"/api/v1/cases/{cid}/ledger", headers=nh)).json()["balances"]
    assert "Talleres Norte S.L." in text
    for figure in ("principal", "interest", "compensation", "outstanding"):  # the document's figures are the ledger's
        assert _es_money(ledger[figure]) in text, (figure, ledger[figure])
    for number in [i["number"] for i in p["case"]["invoices"]]:
        assert number in text
    again = (await c.post(f"/api/v1/cases/{cid}/documents", json={"template": "payment_demand"}, headers=nh)).json()
    assert again["version"] == 2 and again["id"] != doc["id"]
    assert await CaseEvent.count().where((CaseEvent.case == cid) & (CaseEvent.kind == "document")) == 2

    r = await c.post(f"/api/v1/documents/{doc['id']}/sent", json={"sent_on": (TODAY + timedelta(days=1)).isoformat(), "channel": "burofax"},
                     headers=nh)
    assert r.status_code == 400
    r = await c.post(f"/api/v1/documents/{doc['id']}/sent", json={"sent_on": TODAY.isoformat(), "channel": "burofax"}, headers=nh)
    assert r.status_code == 201, r.text
    lim = (await c.get(f"/api/v1/cases/{cid}/limitation", headers=ch)).json()["limitation"]
    assert lim["date"] == TODAY.replace(year=TODAY.year + 5).isoformat()  # the certified demand starts the five years again
    assert (await Case.select(Case.limitation_date).where(Case.id == cid).first())["limitation_date"].isoformat() == lim["date"]
    moved = await CaseEvent.select(CaseEvent.payload, CaseEvent.visible_to_creditor).where(
        (CaseEvent.case == cid) & (CaseEvent.kind == "limitation")).first()
    assert moved and moved["visible_to_creditor"] and lim["date"] in str(moved["payload"])  # the change is on the timeline
    assert await Deadline.count().where((Deadline.case == cid) & (Deadline.rule == "settlement_answer")) == 1
    r = await c.post(f"/api/v1/cases/{cid}/settlement-answer", json={"on": TODAY.isoformat(), "note": "Rechaza la oferta"}, headers=nh)
    assert r.status_code == 201
    assert (await Deadline.select(Deadline.status).where((Deadline.case == cid) & (Deadline.rule == "settlement_answer")).first())["status"] == "done"

    # hand-off: proposed with an estimate, authorised by the creditor only, taken by a lawyer once
    r = await c.post(f"/api/v1/cases/{cid}/legal/proposal", json={"note": "Sin respuesta al requerimiento"}, headers=nh)
    assert r.status_code == 201 and r.json()["procedure"] == "monitorio" and r.json()["legal_fee"]
    assert (await c.post(f"/api/v1/cases/{cid}/legal/proposal", json={}, headers=nh)).status_code == 409
    assert (await c.post(f"/api/v1/cases/{cid}/legal/take", headers=lh)).status_code == 409  # not authorised yet
    assert (await c.post(f"/api/v1/cases/{cid}/legal/authorisation", json={"authorise": True}, headers=nh)).status_code == 403
    stranger = await api_token(c, (await create_user("creditor", await create_org()))["email"])
    assert (await c.post(f"/api/v1/cases/{cid}/legal/authorisation", json={"authorise": True}, headers=stranger)).status_code == 404
    r = await c.post(f"/api/v1/cases/{cid}/legal/authorisation", json={"authorise": True}, headers=ch)
    assert r.status_code == 201 and r.json()["status"] == "authorised"
    assert (await c.post(f"/api/v1/cases/{cid}/legal/take", headers=nh)).status_code == 403
    assert (await c.post(f"/api/v1/cases/{cid}/legal/take", headers=lh)).status_code == 201
    other_lawyer = await api_token(c, (await create_user("lawyer"))["email"])
    assert (await c.post(f"/api/v1/cases/{cid}/legal/take", headers=other_lawyer)).status_code == 409
    r = await c.post(f"/api/v1/cases/{cid}/transitions", json={"to": "court"}, headers=lh)
    assert r.status_code == 200, r.text
    fee = await LedgerEntry.select().where((LedgerEntry.case == cid) & (LedgerEntry.kind == "fee") & LedgerEntry.idempotency_key.like("fee:legal:%")).first()
    assert fee is not None

    # the monitorio petition, with the lawyer and the evidence's hash in it
    r = await c.post(f"/api/v1/cases/{cid}/documents", json={"template": "monitorio_petition"}, headers=lh)
    assert r.status_code == 201, r.text
    petition = docx_text((await c.get(r.json()["download_url"], headers=lh)).content)
    evidence = (await c.get(f"/api/v1/cases/{cid}", headers=lh)).json()["evidence"][0]
    lawyer_name = (await User.select(User.name).where(User.id == p["lawyer"]["id"]).first())["name"]
    assert evidence["sha256"] in petition and lawyer_name in petition
    assert "Bilbao" in petition

    # filings: the checks, then filed and served, and the deadline service creates (once)
    bad = [({"filed_on": (TODAY + timedelta(days=1)).isoformat(), "status": "filed"}, "future"),
           ({"court_case_number": "123/2026", "status": "prepared"}, "number without filing"),
           ({"status": "filed"}, "filed without date")]
    for extra, why in bad:
        r = await c.post(f"/api/v1/cases/{cid}/filings", json={"procedure": "monitorio", "court": "Juzgado de Primera Instancia de Bilbao", **extra},
                         headers=lh)
        assert r.status_code == 400, why
    assert (await c.post(f"/api/v1/cases/{cid}/filings", json={"procedure": "monitorio", "court": "Juzgado de Bilbao", "status": "filed",
                                                               "filed_on": TODAY.isoformat()}, headers=other_lawyer)).status_code == 403
    r = await c.post(f"/api/v1/cases/{cid}/filings", json={"procedure": "monitorio", "court": "Juzgado de Primera Instancia de Bilbao",
                                                          "status": "filed", "filed_on": TODAY.isoformat(), "court_case_number": "512/2026"},
                     headers=lh)
    assert r.status_code == 201, r.text
    fid = r.json()["id"]
    r = await c.post(f"/api/v1/filings/{fid}/hearings", json={"at": f"{(TODAY - timedelta(days=1)).isoformat()}T10:00"}, headers=lh)
    assert r.status_code == 400
    r = await c.post(f"/api/v1/filings/{fid}/hearings", json={"at": f"{(TODAY + timedelta(days=40)).isoformat()}T10:00", "place": "Sala 3"},
                     headers=lh)
    assert r.status_code == 201
    for _ in range(2):
        r = await c.post(f"/api/v1/filings/{fid}", json={"status": "served", "filed_on": TODAY.isoformat(), "court_case_number": "512/2026",
                                                        "served_on": TODAY.isoformat()}, headers=lh)
        assert r.status_code == 200, r.text
    deadlines = (await c.get(f"/api/v1/cases/{cid}/deadlines", headers=lh)).json()
    assert [d["rule"] for d in deadlines].count("monitorio_answer") == 1
    agenda = (await c.get("/api/v1/agenda", headers=lh)).json()
    assert any(d["case"] == cid and d["rule"] == "monitorio_answer" for d in agenda["deadlines"]) and agenda["hearings"]
    cost = {"kind": "court_fee", "amount": "140.00", "booked_on": TODAY.isoformat()}
    r = await c.post(f"/api/v1/cases/{cid}/court-costs", json=cost, headers={**lh, "Idempotency-Key": f"tasa-{cid}"})
    assert r.status_code == 201
    again = await c.post(f"/api/v1/cases/{cid}/court-costs", json=cost, headers={**lh, "Idempotency-Key": f"tasa-{cid}"})
    assert again.status_code == 200 and again.json() == {"entries": r.json()["entries"], "created": False}  # a retry books nothing
    ledger = (await c.get(f"/api/v1/cases/{cid}/ledger", headers=ch)).json()
    assert ledger["balances"]["costs"] == "140.00"
    view = (await c.get(f"/api/v1/cases/{cid}", headers=ch)).json()
    assert {"legal_proposed", "legal_authorised", "lawyer_assigned", "filing", "hearing", "document"} <= {e["kind"] for e in view["events"]}

    # tenancy: another creditor sees none of it; the creditor does not see the agency's letters
    assert (await c.get(doc["download_url"], headers=stranger)).status_code == 404
    assert (await c.get(f"/api/v1/cases/{cid}/documents", headers=stranger)).status_code == 404
    assert (await c.get(f"/api/v1/cases/{cid}/procedure", headers=stranger)).status_code == 404
    letter = (await c.post(f"/api/v1/cases/{cid}/documents", json={"template": "reminder_letter"}, headers=lh)).json()
    assert (await c.get(letter["download_url"], headers=ch)).status_code == 404
    assert letter["id"] not in [d["id"] for d in (await c.get(f"/api/v1/cases/{cid}/documents", headers=ch)).json()]

    page = await case_page((await signed_in(make_client, "admin"))[0], cid)
    assert page.status_code == 200 and "512/2026" in page.text and 'id="deadlines"' in page.text
    assert re.search(rf'action="/cases/{cid}/legal/costs"[^>]*>.*?name="idempotency_key" value="[0-9a-f]{{24}}-court-cost"', page.text, re.S)


async def test_every_template_renders_a_real_case(make_client):
    """Each shipped template against a case with a plan, a mediation and a concurso: the debtor, the amounts and the invoices are in it."""
    p = await _legal_case(make_client)
    c, nh, cid = p["c"], p["nh"], p["id"]
    r = await c.post(f"/api/v1/cases/{cid}/mediations", json={"mediator": "Centro de Mediación de Bilbao", "requested_on": TODAY.isoformat(),
                                                              "received_on": TODAY.isoformat()}, headers=nh)
    assert r.status_code == 201, r.text
    mid = r.json()["id"]
    assert r.json()["document"]["template"] == "mediation_request"  # the request itself, ready to send
    assert (await Case.select(Case.stage).where(Case.id == cid).first())["stage"] == "mediation"
    lim = (await c.get(f"/api/v1/cases/{cid}/limitation", headers=nh)).json()["limitation"]
    assert lim["suspended"] is True and lim["date"] is None
    assert (await c.post(f"/api/v1/mediations/{mid}/sessions", json={"held_on": TODAY.isoformat(), "notes": "Primera reunión"},
                         headers=nh)).status_code == 201
    r = await c.post(f"/api/v1/mediations/{mid}/outcome", json={"outcome": "agreed", "ended_on": TODAY.isoformat(), "agreement": "Pago en tres plazos mensuales",
                                                               "instalments": 3, "first_due_on": (TODAY + timedelta(days=10)).isoformat()}, headers=nh)
    assert r.status_code == 201, r.text
    assert r.json()["document"]["template"] == "mediation_agreement"
    assert await PaymentPlan.exists().where((PaymentPlan.case == cid) & (PaymentPlan.status == "active"))
    lim = (await c.get(f"/api/v1/cases/{cid}/limitation", headers=nh)).json()["limitation"]
    assert lim["suspended"] is False and lim["date"]
    await c.post(f"/api/v1/cases/{cid}/legal/proposal", json={}, headers=nh)
    await c.post(f"/api/v1/cases/{cid}/legal/authorisation", json={"authorise": True}, headers=p["ch"])
    assert (await c.post(f"/api/v1/cases/{cid}/legal/take", headers=p["lh"])).status_code == 201
    invoices = [i["number"] for i in p["case"]["invoices"]]
    # and a concurso, for the communication to the administrator (insolvency_claim)
    debtor = (await Case.select(Case.debtor).where(Case.id == cid).first())["debtor"]
    assert (await c.post(f"/api/v1/debtors/{debtor}/insolvency", json={"court": "Juzgado de lo Mercantil n.º 1 de Bilbao",
                                                                       "published_on": TODAY.isoformat()}, headers=p["lh"])).status_code == 201
    templates = (await c.get("/api/v1/document-templates", params={"jurisdiction": "ES"}, headers=nh)).json()
    assert {t["key"] for t in templates} >= {"payment_demand", "monitorio_petition", "european_order_for_payment", "creditor_statement"}
    for t in templates:
        r = await c.post(f"/api/v1/cases/{cid}/documents", json={"template": t["key"]}, headers=nh)
        if t["key"] == "ordinario_claim":  # made of an opposed monitorio, which this case has not (tests/http/legal/test_filing_steps.py)
            assert r.status_code == 422 and r.json()["missing"] == ["opposition"], r.text
            continue
        elif t["key"] in ("enforcement_request", "costs_claim"):  # need a decree and court costs (tests/http/legal/test_enforcement.py)
            assert r.status_code == 422 and r.json()["missing"] in (["enforcement"], ["costs_claim.by_kind", "costs_claim.lines"]), (t["key"], r.text)
            continue
        assert r.status_code == 201, (t["key"], r.text)
        text = docx_text((await c.get(r.json()["download_url"], headers=nh)).content)
        assert "Talleres Norte" in text, t["key"]
        assert "€" in text, t["key"]
        if t["key"] not in ("mediation_request",):
            assert all(n in text for n in invoices) or t["key"] in ("debt_acknowledgement", "mediation_agreement", "bureau_notice"), t["key"]
        assert "{{" not in text and "{%" not in text, t["key"]


async def test_template_versions_are_checked_before_they_are_used(make_client, tmp_path):
    from legal.documents.service import SHIPPED

    admin, _ = await signed_in(make_client, "admin")
    p = await _legal_case(make_client)
    c, nh, cid = p["c"], p["nh"], p["id"]
    ah = await api_token(c, (await create_user("admin"))["email"])

    async def upload(data: bytes, name="t.docx"):
        return await c.post("/api/v1/document-templates/reminder_letter", headers=ah,
                            files={"file": (name, io.BytesIO(data), "application/octet-stream")})

    assert (await upload(b"not a word file")).status_code == 400
    d = docx.Document(str(SHIPPED / "reminder_letter.docx"))
    d.add_paragraph("Firma: {{ debtor.shoe_size }}")
    bad = io.BytesIO()
    d.save(bad)
    r = await upload(bad.getvalue())
    assert r.status_code == 400 and "debtor.shoe_size" in r.json()["detail"]
    assert (await c.post("/api/v1/document-templates/reminder_letter", headers=nh, files={"file": ("t.docx", io.BytesIO(b"x"))})).status_code == 403
    versions = {t["key"]: t["version"] for t in (await c.get("/api/v1/document-templates", headers=nh)).json()}
    d = docx.Document(str(SHIPPED / "reminder_letter.docx"))
    d.add_paragraph("Nuevo pie de página para {{ debtor.name }}.")
    good = io.BytesIO()
    d.save(good)
    r = await upload(good.getvalue())
    assert r.status_code == 201, r.text
    assert r.json()["version"] == versions["reminder_letter"] + 1
    doc = (await c.post(f"/api/v1/cases/{cid}/documents", json={"template": "reminder_letter"}, headers=nh)).json()
    assert doc["template_version"] == r.json()["version"]
    assert "Nuevo pie de página para Talleres Norte S.L." in docx_text((await c.get(doc["download_url"], headers=nh)).content)
    page = await admin.get("/admin/document-templates/")
    assert page.status_code == 200 and "reminder_letter" in page.text


async def test_documents_on_s3(make_client, s3_server, s3_bucket, monkeypatch):
    import legal.documents.service
    import legal.forms

    store = S3Storage(s3_bucket, "docs", s3_server)
    monkeypatch.setattr(legal.documents.service, "storage", lambda: store)
    monkeypatch.setattr(legal.forms, "storage", lambda: store)
    p = await _legal_case(make_client)
    r = await p["c"].post(f"/api/v1/cases/{p['id']}/documents", json={"template": "payment_demand"}, headers=p["nh"])
    assert r.status_code == 201, r.text
    row = await Document.select().where(Document.id == r.json()["id"]).first()
    data = await store.read(row["storage_key"])
    assert hashlib.sha256(data).hexdigest() == row["sha256"]
    got = await p["c"].get(r.json()["download_url"], headers=p["ch"])
    assert got.status_code == 200 and got.content == data


async def test_pdf_copy_says_clearly_when_libreoffice_is_missing(make_client, monkeypatch):
    import legal.documents.service

    monkeypatch.setattr(legal.documents.service, "soffice", lambda: None)
    p = await _legal_case(make_client)
    doc = (await p["c"].post(f"/api/v1/cases/{p['id']}/documents", json={"template": "payment_demand"}, headers=p["nh"])).json()
    r = await p["c"].get(doc["download_url"] + "?format=pdf", headers=p["nh"])
    assert r.status_code == 503 and "LibreOffice" in r.json()["detail"]


@pytest.mark.parametrize("who", ["creditor", "negotiator"])
async def test_roles_that_cannot_file(make_client, who):
    p = await _legal_case(make_client)
    h = p["ch"] if who == "creditor" else p["nh"]
    r = await p["c"].post(f"/api/v1/cases/{p['id']}/filings", json={"procedure": "monitorio", "court": "Juzgado"}, headers=h)
    assert r.status_code == 403


async def test_pdf_copy_through_libreoffice(make_client):
    """A real conversion (CI installs LibreOffice; elsewhere the test says what is missing)."""
    import os

    from legal.documents.service import soffice

    if soffice() is None:
        if os.environ.get("CI"):
            pytest.fail("LibreOffice (soffice) is needed for the PDF copies: .ci/run installs libreoffice-writer-nogui")
        pytest.skip("LibreOffice (soffice) is not installed here")
    p = await _legal_case(make_client)
    doc = (await p["c"].post(f"/api/v1/cases/{p['id']}/documents", json={"template": "payment_demand"}, headers=p["nh"])).json()
    r = await p["c"].get(doc["download_url"] + "?format=pdf", headers=p["ch"])
    assert r.status_code == 200 and r.content.startswith(b"%PDF") and r.headers["content-type"] == "application/pdf"
    again = await p["c"].get(doc["download_url"] + "?format=pdf", headers=p["ch"])  # converted once, kept
    assert again.content == r.content
    stranger = await api_token(p["c"], (await create_user("creditor", await create_org()))["email"])
    assert (await p["c"].get(doc["download_url"] + "?format=pdf", headers=stranger)).status_code == 404


async def test_migrate_gives_older_cases_their_limitation_date(make_client):
    from legal.limitation.service import backfill_limitation_dates

    p = await _legal_case(make_client)
    due = min(date.fromisoformat(i["due_date"]) for i in p["case"]["invoices"])
    await Case.update({Case.limitation_date: None}).where(Case.id == p["id"])
    assert await backfill_limitation_dates() >= 1
    stored = (await Case.select(Case.limitation_date).where(Case.id == p["id"]).first())["limitation_date"]
    assert stored == due.replace(year=due.year + 5)


async def _in_court(make_client):
    """A case handed off, taken and moved to court (the settlement attempt answered)."""
    p = await _legal_case(make_client)
    c, cid = p["c"], p["id"]
    doc = (await c.post(f"/api/v1/cases/{cid}/documents", json={"template": "payment_demand"}, headers=p["nh"])).json()
    await c.post(f"/api/v1/documents/{doc['id']}/sent", json={"sent_on": TODAY.isoformat(), "channel": "letter"}, headers=p["nh"])
    await c.post(f"/api/v1/cases/{cid}/settlement-answer", json={"on": TODAY.isoformat()}, headers=p["nh"])
    assert (await c.post(f"/api/v1/cases/{cid}/legal/proposal", headers=p["nh"])).status_code == 201  # no body: the note is optional
    await c.post(f"/api/v1/cases/{cid}/legal/authorisation", json={"authorise": True}, headers=p["ch"])
    await c.post(f"/api/v1/cases/{cid}/legal/take", headers=p["lh"])
    assert (await c.post(f"/api/v1/cases/{cid}/transitions", json={"to": "court"}, headers=p["lh"])).status_code == 200
    return p


async def test_court_records_refuse_what_cannot_be_true(make_client):
    p = await _in_court(make_client)
    c, lh, cid = p["c"], p["lh"], p["id"]
    from datetime import datetime, timezone

    await Case.update({Case.created_at: datetime.now(timezone.utc) - timedelta(days=30)}).where(Case.id == cid)  # an older case
    yesterday = (TODAY - timedelta(days=1)).isoformat()
    r = await c.post(f"/api/v1/cases/{cid}/filings", json={"procedure": "monitorio", "court": "Juzgado de Bilbao", "status": "filed",
                                                          "filed_on": (TODAY - timedelta(days=40)).isoformat()}, headers=lh)
    assert r.status_code == 400  # before the case came to the agency
    fid = (await c.post(f"/api/v1/cases/{cid}/filings", json={"procedure": "monitorio", "court": "Juzgado de Bilbao", "status": "filed",
                                                             "filed_on": yesterday}, headers=lh)).json()["id"]
    for at in ("9999-12-31T23:30:00+00:00", "9999-12-31T23:59:59-23:59", "1999-01-01T10:00"):
        assert (await c.post(f"/api/v1/filings/{fid}/hearings", json={"at": at}, headers=lh)).status_code == 400, at
    assert (await c.get(f"/cases/{cid}", headers=lh)).status_code == 200
    served = {"status": "served", "filed_on": yesterday, "court_case_number": "9/2026"}
    assert (await c.post(f"/api/v1/filings/{fid}", json={**served, "served_on": TODAY.isoformat()}, headers=lh)).status_code == 200
    assert (await c.post(f"/api/v1/filings/{fid}", json={**served, "served_on": yesterday}, headers=lh)).status_code == 200  # a correction
    rows = await Deadline.select().where(Deadline.filing == fid).order_by(Deadline.id)
    assert [(r["starts_on"].isoformat() if hasattr(r["starts_on"], "isoformat") else r["starts_on"][:10], r["status"]) for r in rows] == [
        (TODAY.isoformat(), "cancelled"), (yesterday, "open")]
    assert (await c.post(f"/api/v1/filings/{fid}", json={**served, "served_on": None}, headers=lh)).status_code == 400
    r = await c.post(f"/api/v1/cases/{cid}/filings", json={"procedure": "monitorio", "court": "Juzgado de Bilbao", "status": "served",
                                                          "filed_on": yesterday}, headers=lh)
    assert r.status_code == 400  # served, but when? the answer period runs from that day
    assert (await c.post(f"/api/v1/filings/{fid}", json={**served, "status": "prepared", "served_on": yesterday}, headers=lh)).status_code == 400
    deadline = rows[-1]["id"]
    assert (await c.post(f"/api/v1/deadlines/{deadline}/done", headers=lh)).status_code == 200
    assert (await c.post(f"/api/v1/deadlines/{deadline}/done", headers=lh)).status_code == 409
    assert (await c.get("/api/v1/cases/999999/deadlines", headers=lh)).status_code == 404
    doc = (await c.post(f"/api/v1/cases/{cid}/documents", json={"template": "monitorio_petition"}, headers=lh)).json()
    assert doc["filename"].endswith("-peticion-de-proceso-monitorio-v1.docx")
    assert (await c.get(doc["download_url"] + "?format=xyz", headers=lh)).status_code == 400
    r = await c.post(f"/api/v1/documents/{doc['id']}/sent", json={"sent_on": TODAY.isoformat(), "channel": "burofax"}, headers=lh)
    assert r.status_code == 400  # a court writ is filed, not sent to the debtor
    next_action = (await Case.select(Case.next_action_at).where(Case.id == cid).first())["next_action_at"]
    assert next_action is not None  # the morning after the answer deadline


async def test_mediation_outcomes_are_checked_before_anything_is_written(make_client):
    p = await _legal_case(make_client)
    c, nh, cid = p["c"], p["nh"], p["id"]
    mid = (await c.post(f"/api/v1/cases/{cid}/mediations", json={"mediator": "Centro de Mediación", "requested_on": TODAY.isoformat(),
                                                                "received_on": TODAY.isoformat()}, headers=nh)).json()["id"]
    agreed = {"outcome": "agreed", "ended_on": TODAY.isoformat(), "agreement": "Pago en tres plazos mensuales"}
    r = await c.post(f"/api/v1/mediations/{mid}/outcome", json=agreed, headers=nh)
    assert r.status_code == 400 and "session" in r.json()["detail"].lower() or "sesion" in r.json()["detail"].lower()
    await c.post(f"/api/v1/mediations/{mid}/sessions", json={"held_on": TODAY.isoformat(), "notes": "Primera"}, headers=nh)
    for bad in ({"instalments": -1}, {"instalments": 1000}, {"instalments": 3, "first_due_on": (TODAY - timedelta(days=3)).isoformat()},
                {"instalments": 3, "first_due_on": (TODAY + timedelta(days=3)).isoformat(), "frequency": "yearly"}):
        r = await c.post(f"/api/v1/mediations/{mid}/outcome", json={**agreed, **bad}, headers=nh)
        assert r.status_code == 400, (bad, r.text)
    assert (await Mediation.select(Mediation.status).where(Mediation.id == mid).first())["status"] == "running"
    assert not await PaymentPlan.exists().where(PaymentPlan.case == cid)
    r = await c.post(f"/api/v1/cases/{cid}/mediations", json={"mediator": "Otro", "requested_on": TODAY.isoformat(),
                                                             "received_on": TODAY.isoformat()}, headers=nh)
    assert r.status_code == 409


async def test_one_open_proposal_even_when_asked_at_once(make_client):
    import asyncio

    p = await _legal_case(make_client)
    await p["c"].post(f"/api/v1/cases/{p['id']}/settlement-answer", json={"on": TODAY.isoformat()}, headers=p["nh"])
    answers = await asyncio.gather(*[p["c"].post(f"/api/v1/cases/{p['id']}/legal/proposal", json={}, headers=p["nh"]) for _ in range(5)])
    assert sorted(r.status_code for r in answers) == [201, 409, 409, 409, 409]
    assert await LegalAction.count().where(LegalAction.case == p["id"]) == 1


async def test_only_a_demand_by_burofax_restarts_limitation_and_a_paid_case_is_not_sued(make_client):
    p = await _legal_case(make_client)
    c, nh, cid = p["c"], p["nh"], p["id"]
    before = (await c.get(f"/api/v1/cases/{cid}/limitation", headers=nh)).json()["limitation"]["date"]
    statement = (await c.post(f"/api/v1/cases/{cid}/documents", json={"template": "creditor_statement"}, headers=nh)).json()
    await c.post(f"/api/v1/documents/{statement['id']}/sent", json={"sent_on": TODAY.isoformat(), "channel": "burofax"}, headers=nh)
    assert (await c.get(f"/api/v1/cases/{cid}/limitation", headers=nh)).json()["limitation"]["date"] == before
    owed = (await c.get(f"/api/v1/cases/{cid}", headers=nh)).json()["balance"]["outstanding"]
    await c.post(f"/api/v1/cases/{cid}/payments", json={"amount": owed, "received_on": TODAY.isoformat(), "method": "transfer"}, headers=nh)
    assert (await c.post(f"/api/v1/cases/{cid}/legal/proposal", json={}, headers=nh)).status_code == 409


async def test_a_hearing_keeps_the_time_typed_and_can_be_moved(make_client):
    """A hearing typed as 10:00 (the pages' time, Europe/Madrid) shows as 10:00; moved (postponed by the
    court), the case keeps where it was and why on the timeline the creditor sees."""
    p = await _in_court(make_client)
    c, lh, ch, cid = p["c"], p["lh"], p["ch"], p["id"]
    fid = (await c.post(f"/api/v1/cases/{cid}/filings", json={"procedure": "monitorio", "court": "Juzgado de Bilbao", "status": "filed",
                                                             "filed_on": TODAY.isoformat()}, headers=lh)).json()["id"]
    day = TODAY + timedelta(days=40)
    hid = (await c.post(f"/api/v1/filings/{fid}/hearings", json={"at": f"{day.isoformat()}T10:00", "place": "Sala 3"}, headers=lh)).json()["id"]
    page = (await case_page(c, cid, lh)).text
    assert re.search(r"10:00 · Sala 3", page), "the hearing shows at the time typed"
    later = day + timedelta(days=14)
    move = {"at": f"{later.isoformat()}T09:30", "place": "Sala 5", "reason": "Suspendida por el juzgado"}
    assert (await c.post(f"/api/v1/hearings/{hid}", json={**move, "reason": " "}, headers=lh)).status_code == 400
    assert (await c.post(f"/api/v1/hearings/{hid}", json={**move, "at": "1999-01-01T10:00"}, headers=lh)).status_code == 400
    assert (await c.post(f"/api/v1/hearings/{hid}", json=move, headers=ch)).status_code == 403
    assert (await c.post("/api/v1/hearings/999999", json=move, headers=lh)).status_code == 404
    assert (await c.post(f"/api/v1/hearings/{hid}", json=move, headers=lh)).status_code == 200
    page = (await case_page(c, cid, lh)).text
    assert "09:30 · Sala 5" in page and "10:00 · Sala 3" not in page
    events = (await c.get(f"/api/v1/cases/{cid}", headers=ch)).json()["events"]
    moved = [e for e in events if e["kind"] == "hearing_moved"]
    assert len(moved) == 1 and moved[0]["summary"] == "Suspendida por el juzgado"
    creditor_page = (await case_page(c, cid, ch)).text
    assert f"{day:%d/%m/%Y} 10:00" in creditor_page and f"{later:%d/%m/%Y} 09:30" in creditor_page, "in the reader's format"
