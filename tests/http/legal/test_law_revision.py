"""The law as LEGAL.md states it since its revision of 6 December 2026, through the API: Portuguese cases are
negotiated by lawyers only (Lei 49/2004), no cost of amicable recovery is charged to a French debtor (CPCE
L111-8), a Portuguese business claim from 2019 is alive (20 years), and a court is asked for one amount."""
import io
import json
from datetime import date, timedelta
from decimal import Decimal

import docx

from agency import clock, i18n
from agency.tables import User
from cases.tables import Case, CaseEvent, LedgerEntry
from tests.factories import api_token, create_user
from tests.http.cases.test_claims import PDF, claim_body
from tests.http.cases.test_money import _people

TODAY = clock.today()


def _debtor(country: str, **over) -> dict:
    addresses = {"PT": {"line1": "Rua Augusta 10", "city": "Lisboa", "postal_code": "1100-053", "country": "PT"},
                 "FR": {"line1": "3 rue de la Paix", "city": "Paris", "postal_code": "75002", "country": "FR"}}
    tax = {"PT": "503504564", "FR": "552100554"}
    return {"kind": "company", "name": f"Cliente {country} Lda", "tax_id": tax[country], "email": "contas@cliente.test",
            "address": addresses[country], **over}


async def _case(c, ch, country: str, due: date, amount: str = "1000.00") -> dict:
    body = claim_body(debtor=_debtor(country), invoices=[{"number": f"{country}-{due.isoformat()}", "issue_date": (due - timedelta(days=30)).isoformat(),
                                                         "due_date": due.isoformat(), "amount": amount}])
    r = await c.post("/api/v1/claims", json=body, headers=ch)
    assert r.status_code == 201, r.text
    case = r.json()
    await c.post(f"/api/v1/cases/{case['id']}/evidence", headers=ch, files={"file": ("factura.pdf", io.BytesIO(PDF), "application/pdf")})
    return case


async def test_a_portuguese_case_is_negotiated_by_a_lawyer(make_client):
    org, c, ch, nh = await _people(make_client)
    lh = await api_token(c, (await create_user("lawyer"))["email"])
    case = await _case(c, ch, "PT", TODAY - timedelta(days=40))
    cid = case["id"]
    # a negotiator may not accept it into the amicable stage, nor contact the debtor, nor agree a promise or a plan
    r = await c.post(f"/api/v1/cases/{cid}/transitions", json={"to": "amicable"}, headers=nh)
    assert r.status_code == 409 and [x["code"] for x in r.json()["refusals"]] == ["lawyers_only"], r.text
    assert "Lei 49/2004" in r.json()["detail"]
    assert (await c.post(f"/api/v1/cases/{cid}/transitions", json={"to": "amicable"}, headers=lh)).status_code == 200  # a lawyer may
    r = await c.post(f"/api/v1/cases/{cid}/activities", json={"kind": "call", "body": "Chamada"}, headers=nh)
    assert r.status_code == 403 and "Lei 49/2004" in r.json()["detail"]
    promised = {"promised_on": (TODAY + timedelta(days=5)).isoformat(), "amount": "100.00"}
    assert (await c.post(f"/api/v1/cases/{cid}/promises", json=promised, headers=nh)).status_code == 403
    plan = {"instalments": 3, "first_due_on": (TODAY + timedelta(days=5)).isoformat()}
    assert (await c.post(f"/api/v1/cases/{cid}/plans", json=plan, headers=nh)).status_code == 403
    assert await CaseEvent.count().where((CaseEvent.case == cid) & CaseEvent.kind.is_in(["contact", "promise", "plan"])) == 0
    # the lawyer does the negotiating
    assert (await c.post(f"/api/v1/cases/{cid}/activities", json={"kind": "call", "body": "Chamada"}, headers=lh)).status_code == 201
    assert (await c.post(f"/api/v1/cases/{cid}/promises", json=promised, headers=lh)).status_code == 201
    # the queue does not offer it to a negotiator
    queue = (await c.get("/api/v1/queue/", headers=nh)).json()
    items = queue["items"] if isinstance(queue, dict) else queue
    assert cid not in [i["id"] for i in items]


async def test_a_portuguese_business_claim_from_2019_is_alive(make_client):
    org, c, ch, nh = await _people(make_client)
    case = await _case(c, ch, "PT", date(2019, 3, 15))
    assert case["limitation_date"] == "2039-03-15"  # 20 years (Código Civil 309), not 5


async def test_no_amicable_cost_is_charged_to_a_french_debtor(make_client):
    org, c, ch, nh = await _people(make_client)
    case = await _case(c, ch, "FR", TODAY - timedelta(days=40))
    cid = case["id"]
    assert (await c.post(f"/api/v1/cases/{cid}/transitions", json={"to": "amicable"}, headers=nh)).status_code == 200
    expense = {"kind": "burofax", "amount": "25.90", "spent_on": TODAY.isoformat()}
    r = await c.post(f"/api/v1/cases/{cid}/expenses", json=expense, headers=nh)
    assert r.status_code == 400 and "L111-8" in r.json()["detail"]
    assert await LedgerEntry.count().where((LedgerEntry.case == cid) & LedgerEntry.kind.is_in(["cost", "expense"])) == 0
    r = await c.post(f"/api/v1/cases/{cid}/expenses", json={**expense, "recoverable": False}, headers=nh)
    assert r.status_code == 201, r.text  # the creditor's or the agency's, never the debtor's
    assert await LedgerEntry.count().where((LedgerEntry.case == cid) & (LedgerEntry.kind == "cost")) == 0


async def test_the_monitorio_asks_for_one_amount_without_the_agencys_costs(make_client):
    """LEGAL.md "Courts": the amount claimed is one figure for the chooser, the thresholds, the fee and the writ:
    principal + interest + compensation. A 1,940.00 EUR invoice due yesterday owes about 1,980.54 with a day's interest
    and the 40.00 compensation; with a 35.00 EUR burofax booked to the debtor it would pass 2,000 and lose the court
    fee's exemption. It is claimed without the burofax, exempt, and the petition says the same figure."""
    org, c, ch, nh = await _people(make_client)
    lawyer = await create_user("lawyer")
    lh = await api_token(c, lawyer["email"])
    body = claim_body(invoices=[{"number": "F-1990", "issue_date": (TODAY - timedelta(days=31)).isoformat(),
                                 "due_date": (TODAY - timedelta(days=1)).isoformat(), "amount": "1940.00"}])  # Talleres Norte, Bilbao
    case = (await c.post("/api/v1/claims", json=body, headers=ch)).json()
    cid = case["id"]
    await c.post(f"/api/v1/cases/{cid}/evidence", headers=ch, files={"file": ("factura.pdf", io.BytesIO(PDF), "application/pdf")})
    await c.post(f"/api/v1/cases/{cid}/transitions", json={"to": "amicable"}, headers=lh)
    r = await c.post(f"/api/v1/cases/{cid}/expenses", json={"kind": "burofax", "amount": "35.00", "spent_on": TODAY.isoformat()}, headers=lh)
    assert r.status_code == 201, r.text
    balances = (await c.get(f"/api/v1/cases/{cid}/ledger", headers=lh)).json()["balances"]
    claimed = Decimal(balances["outstanding"]) - Decimal("35.00")
    await Case.update({Case.lawyer: lawyer["id"]}).where(Case.id == cid)
    doc = (await c.post(f"/api/v1/cases/{cid}/documents", json={"template": "monitorio_petition"}, headers=lh)).json()
    got = await c.get(doc["download_url"], headers=lh)
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(got.content)).paragraphs)
    i18n.set_language("es")
    claimed_text = i18n.format_money(claimed)
    assert f"en reclamación de la cantidad de {claimed_text}" in text
    assert f"por la cantidad de {claimed_text}" in text
    assert i18n.format_money(Decimal(balances["outstanding"])) not in text.split("SUPLICO")[1]
    assert "TRIBUNAL DE INSTANCIA DE BILBAO, SECCIÓN CIVIL" in text.upper() and "Juzgado de Primera Instancia" not in text
    assert Decimal("1980") < claimed <= Decimal("2000") < claimed + Decimal("35.00")
    procedure = (await c.get(f"/api/v1/cases/{cid}/procedure", headers=lh)).json()
    assert procedure["procedure"] == "monitorio" and procedure["court_fee_detail"]["exempt"]  # 2,000 or less: exempt, as filed


async def test_the_petition_states_the_settlement_attempt_with_its_dates_and_proof(make_client):
    """LO 1/2025 (and Bilbao's clerks): the petition says what was offered, by which channel, when it was sent and
    received, where the certificate is among the documents, and the silence of 30 days from receipt; the lawyer's
    bar number signs it."""
    from legal.tables import Document
    from tests.factories import post_form, signed_in

    org, c, ch, nh = await _people(make_client)
    page, lawyer = await signed_in(make_client, "lawyer")
    assert (await post_form(page, "/account/bar-number", {"bar_number": "12.345 (ICAB)"})).status_code in {302, 303}
    lh = await api_token(c, lawyer["email"])
    body = claim_body(invoices=[{"number": "F-M1", "issue_date": (TODAY - timedelta(days=120)).isoformat(),
                                 "due_date": (TODAY - timedelta(days=90)).isoformat(), "amount": "5000.00"}])
    cid = (await c.post("/api/v1/claims", json=body, headers=ch)).json()["id"]
    await c.post(f"/api/v1/cases/{cid}/evidence", headers=ch, files={"file": ("factura.pdf", io.BytesIO(PDF), "application/pdf")})
    assert (await c.post(f"/api/v1/cases/{cid}/transitions", json={"to": "amicable"}, headers=nh)).status_code == 200
    demand = (await c.post(f"/api/v1/cases/{cid}/documents", json={"template": "payment_demand"}, headers=nh)).json()
    await Document.update({Document.data_date: TODAY - timedelta(days=60)}).where(Document.id == demand["id"])
    sent, received = TODAY - timedelta(days=50), TODAY - timedelta(days=47)
    assert (await c.post(f"/api/v1/documents/{demand['id']}/sent", json={"sent_on": sent.isoformat(), "channel": "burofax"},
                         headers=nh)).status_code == 201
    cert = (await c.post(f"/api/v1/cases/{cid}/evidence", headers=nh,
                         files={"file": ("acuse.pdf", io.BytesIO(PDF + b"\n%acuse de recibo\n"), "application/pdf")})).json()
    assert (await c.post(f"/api/v1/documents/{demand['id']}/delivered", json={"delivered_on": received.isoformat(), "certificate_id": cert["id"]},
                         headers=nh)).status_code == 201
    await Case.update({Case.lawyer: lawyer["id"]}).where(Case.id == cid)
    doc = (await c.post(f"/api/v1/cases/{cid}/documents", json={"template": "monitorio_petition"}, headers=lh)).json()
    text = "\n".join(p.text for p in docx.Document(io.BytesIO((await c.get(doc["download_url"], headers=lh)).content)).paragraphs)
    from babel.dates import format_date

    day = lambda d: format_date(d, format="long", locale="es_ES")  # noqa: E731  (as the documents write dates)
    assert "por burofax con certificación de contenido y acuse de recibo" in text
    assert f"enviado el {day(sent)} y recibido por el deudor el {day(received)}" in text
    assert "se acompaña como documento n.º 2" in text  # the certificate, second among the documents listed
    assert f"no respondió en los 30 días naturales siguientes a su recepción, que vencieron el {day(received + timedelta(days=30))}" in text
    assert "Colegiación n.º 12.345 (ICAB)" in "\n".join(cell.text for t in docx.Document(io.BytesIO(
        (await c.get(doc["download_url"], headers=lh)).content)).tables for row in t.rows for cell in row.cells)
    # the per-invoice interest breakdown (LEGAL.md "How to compute"): due 90 days ago, one slice of 90 days, whose
    # amount is the ledger's interest (nothing paid); and the order payments are applied in (CC 1172-1174)
    tables = docx.Document(io.BytesIO((await c.get(doc["download_url"], headers=lh)).content)).tables
    rows = [[cell.text for cell in row.cells] for t in tables for row in t.rows]
    interest = (await c.get(f"/api/v1/cases/{cid}/ledger", headers=lh)).json()["balances"]["interest"]
    i18n.set_language("es")
    (slice_row,) = [r for r in rows if r[0] == "F-M1" and len(r) == 7]
    assert slice_row[3] == "90" and slice_row[4].endswith("%") and slice_row[6] == i18n.format_money(Decimal(interest))
    assert "días naturales sobre 365" in text and "artículos 1173 y 1174 del Código Civil" in text


def _text(content: bytes) -> str:
    d = docx.Document(io.BytesIO(content))
    return "\n".join([p.text for p in d.paragraphs] + [c.text for t in d.tables for r in t.rows for c in r.cells])


async def test_the_debt_acknowledgement_names_the_signatory_and_keeps_a_consumers_rights(make_client):
    """LEGAL.md "Debt acknowledgement": it names who signs, their id and capacity; with a consumer it waives no
    defence (TRLGDCU art. 86); it says whether interest runs during the plan, and that only a notarial deed makes it
    enforceable (LEC 517). Letters to individuals carry the GDPR art. 14 information."""
    org, c, ch, nh = await _people(make_client)
    # a company: the signatory typed when the document is made
    company = (await c.post("/api/v1/claims", json=claim_body(), headers=ch)).json()
    await c.post(f"/api/v1/cases/{company['id']}/evidence", headers=ch, files={"file": ("f.pdf", io.BytesIO(PDF), "application/pdf")})
    await c.post(f"/api/v1/cases/{company['id']}/transitions", json={"to": "amicable"}, headers=nh)
    plan = {"instalments": 3, "first_due_on": (TODAY + timedelta(days=10)).isoformat()}
    assert (await c.post(f"/api/v1/cases/{company['id']}/plans", json=plan, headers=nh)).status_code == 201
    doc = await c.post(f"/api/v1/cases/{company['id']}/documents", json={
        "template": "debt_acknowledgement", "signatory_name": "Ana Ruiz Gil", "signatory_id": "12345678z",
        "signatory_capacity": "administradora única"}, headers=nh)
    assert doc.status_code == 201, doc.text
    text = _text((await c.get(doc.json()["download_url"], headers=nh)).content)
    assert "representada en este acto por D./D.ª Ana Ruiz Gil, con documento de identidad 12345678Z, en su calidad de administradora única" in text
    assert "no se devengarán nuevos intereses" in text and "no es título ejecutivo" in text and "notario" in text
    assert "Información sobre protección de datos" not in text  # a company: no art. 14 block
    too_long = await c.post(f"/api/v1/cases/{company['id']}/documents", json={"template": "debt_acknowledgement", "signatory_name": "x" * 101},
                            headers=nh)
    assert too_long.status_code == 400

    # a consumer, on a plan that lets interest run: signs for themself, keeps their rights
    body = claim_body(debtor={"kind": "person", "name": "Lucía Pérez Gil", "tax_id": "12345678Z", "email": "lucia@correo.test",
                              "address": {"line1": "C/ Mayor 1", "city": "Valladolid", "postal_code": "47001", "country": "ES"}})
    person = (await c.post("/api/v1/claims", json=body, headers=ch)).json()
    await c.post(f"/api/v1/cases/{person['id']}/evidence", headers=ch, files={"file": ("f.pdf", io.BytesIO(PDF), "application/pdf")})
    await c.post(f"/api/v1/cases/{person['id']}/transitions", json={"to": "amicable"}, headers=nh)
    assert (await c.post(f"/api/v1/cases/{person['id']}/plans", json={**plan, "interest_runs": True}, headers=nh)).status_code == 201
    doc = (await c.post(f"/api/v1/cases/{person['id']}/documents", json={"template": "debt_acknowledgement"}, headers=nh)).json()
    text = _text((await c.get(doc["download_url"], headers=nh)).content)
    assert "con documento de identidad 12345678Z, que actúa en su propio nombre y derecho" in text
    assert "renuncia a formular" not in text and "excepción" not in text.split("PRIMERA")[1].split("SEGUNDA")[0]
    assert "no supone renuncia a los derechos que la ley reconoce al Deudor como consumidor" in text
    assert "Los intereses siguen devengándose" in text
    demand = (await c.post(f"/api/v1/cases/{person['id']}/documents", json={"template": "payment_demand"}, headers=nh)).json()
    text = _text((await c.get(demand["download_url"], headers=nh)).content)
    assert "Información sobre protección de datos" in text and "artículo 28 del RGPD" in text and "Agencia Española de Protección de Datos" in text
    assert "solo incurre en mora desde que se le reclama el pago" in text  # no interest claimed before the demand


async def test_existing_portuguese_cases_are_reckoned_again_by_their_migration(make_client):
    """A case opened before the revision kept 5 years: the migration moves a business debt to 20 and a consumer's to
    2 (unless acknowledged), with the change on the timeline."""
    import importlib

    org, c, ch, nh = await _people(make_client)
    business = await _case(c, ch, "PT", date(2024, 3, 15))
    person_body = claim_body(debtor=_debtor("PT", kind="person", name="João Silva", tax_id="123456789"),
                             invoices=[{"number": "PT-P1", "issue_date": "2025-01-15", "due_date": "2025-03-15", "amount": "100.00"}])
    person = (await c.post("/api/v1/claims", json=person_body, headers=ch)).json()
    for cid in (business["id"], person["id"]):  # as they were reckoned before: 5 years
        await Case.update({Case.limitation_date: {business["id"]: date(2029, 3, 15), person["id"]: date(2030, 3, 15)}[cid]}).where(Case.id == cid)
    migration = importlib.import_module("legal.piccolo_migrations.legal_2026_12_06t21_55_00_000000")
    for step in (await migration.forwards()).raw:
        await step()
    assert (await Case.select(Case.limitation_date).where(Case.id == business["id"]).first())["limitation_date"] == date(2044, 3, 15)
    assert (await Case.select(Case.limitation_date).where(Case.id == person["id"]).first())["limitation_date"] == date(2027, 3, 15)
    events = (await c.get(f"/api/v1/cases/{person['id']}", headers=ch)).json()["events"]
    assert any(e["kind"] == "limitation" and "317" in e["summary"] for e in events)


async def test_the_french_letter_carries_the_mentions_of_r124_4(make_client):
    """CPCE R124-4: the agency's name and address and that it does amicable recovery, the creditor's name and address,
    the basis and the amount split into principal, interest and other sums, the request to pay and how, and L111-8
    paragraphs 3 and 4 reproduced; in French, with French dates and amounts."""
    org, c, ch, nh = await _people(make_client)
    case = await _case(c, ch, "FR", TODAY - timedelta(days=40), amount="1234.56")
    cid = case["id"]
    await c.post(f"/api/v1/cases/{cid}/transitions", json={"to": "amicable"}, headers=nh)
    templates = [t["key"] for t in (await c.get("/api/v1/document-templates", headers=nh)).json()]
    assert "lettre_recouvrement_amiable" in templates
    doc = await c.post(f"/api/v1/cases/{cid}/documents", json={"template": "lettre_recouvrement_amiable"}, headers=nh)
    assert doc.status_code == 201, doc.text
    text = _text((await c.get(doc.json()["download_url"], headers=nh)).content)
    assert "recouvrement amiable de créances pour le compte d'autrui" in text and "votre créancier" in text
    assert "Principal" in text and "Intérêts" in text and "Autres sommes" in text
    assert "1\u202f234,56\u00a0€" in text or "1 234,56 €" in text.replace("\u202f", " ").replace("\u00a0", " ")
    assert "Les frais de recouvrement entrepris sans titre exécutoire restent à la charge du créancier" in text
    assert "Cependant, le créancier qui justifie du caractère nécessaire" in text
    assert "IBAN" in text and case["reference"] in text
    from babel.dates import format_date

    assert format_date(TODAY, format="long", locale="fr_FR") in text  # dated in French


async def test_the_portuguese_letter_is_the_lawyers_in_portuguese_for_portuguese_cases_only(make_client):
    """Lei 49/2004: the lawyer in charge writes and signs it with their cédula profissional; DL 62/2013: commercial late
    interest and 40 EUR per invoice for a business; the request to pay and how, whom to ask to contest the debt; GDPR
    art. 14 in Portuguese for an individual; Portuguese dates and amounts; a demand when sent; offered and made for
    Portuguese cases only."""
    from babel.dates import format_date

    _org, c, ch, _nh = await _people(make_client)
    lawyer = await create_user("lawyer", name="Inês Carvalho Sousa")
    lh = await api_token(c, lawyer["email"])
    case = await _case(c, ch, "PT", TODAY - timedelta(days=40), amount="1234.56")
    cid = case["id"]
    assert (await c.post(f"/api/v1/cases/{cid}/transitions", json={"to": "amicable"}, headers=lh)).status_code == 200
    offered = {j: [t["key"] for t in (await c.get("/api/v1/document-templates", params={"jurisdiction": j}, headers=lh)).json()]
               for j in ("PT", "ES", "FR")}
    assert "carta_cobranca_amigavel" in offered["PT"] and "carta_cobranca_amigavel" not in offered["ES"] + offered["FR"]
    assert "payment_demand" in offered["PT"]
    # without a lawyer in charge, then without the lawyer's professional number, it is not made
    r = await c.post(f"/api/v1/cases/{cid}/documents", json={"template": "carta_cobranca_amigavel"}, headers=lh)
    assert r.status_code == 422 and "lawyer.name" in r.json()["missing"], r.text
    await Case.update({Case.lawyer: lawyer["id"]}).where(Case.id == cid)
    r = await c.post(f"/api/v1/cases/{cid}/documents", json={"template": "carta_cobranca_amigavel"}, headers=lh)
    assert r.status_code == 422 and r.json()["missing"] == ["lawyer.bar_number"], r.text
    await User.update({User.bar_number: "12345L"}).where(User.id == lawyer["id"])
    doc = await c.post(f"/api/v1/cases/{cid}/documents", json={"template": "carta_cobranca_amigavel"}, headers=lh)
    assert doc.status_code == 201, doc.text
    text = _text((await c.get(doc.json()["download_url"], headers=lh)).content).replace("\u00a0", " ").replace("\u202f", " ")
    assert "Inês Carvalho Sousa, advogado(a) com a cédula profissional n.º 12345L" in text
    assert "Advogado(a), cédula profissional n.º 12345L" in text and "Lei n.º 49/2004" in text
    assert "cobrança amigável de créditos por conta de terceiros" in text and "seu credor" in text
    assert f"PT-{(TODAY - timedelta(days=40)).isoformat()}" in text and "1 234,56 €" in text.replace("\u00a0", " ")  # the invoice, in Portuguese format
    assert "Capital" in text and "Juros de mora" in text and "Total em dívida" in text
    assert "Indemnização pelos custos de cobrança (artigo 7.º do Decreto-Lei n.º 62/2013)" in text and "40,00 €" in text
    assert "Juros de mora comerciais (Decreto-Lei n.º 62/2013" in text
    assert "IBAN" in text and case["reference"] in text and "no prazo de 10 dias" in text
    assert "Se não reconhecer esta dívida" in text and "pode contestá-la" in text
    assert format_date(TODAY, format="long", locale="pt_PT") in text  # dated in Portuguese
    assert "Proteção de dados" not in text  # a company: no art. 14 block
    # sent by burofax, it is a demand
    sent = await c.post(f"/api/v1/documents/{doc.json()['id']}/sent", json={"sent_on": TODAY.isoformat(), "channel": "burofax"}, headers=lh)
    assert sent.status_code == 201, sent.text
    event = await CaseEvent.select(CaseEvent.payload).where((CaseEvent.case == cid) & (CaseEvent.kind == "document_sent")).first()
    payload = event["payload"] if isinstance(event["payload"], dict) else json.loads(event["payload"])
    assert payload["template"] == "carta_cobranca_amigavel" and payload["demand"] is True

    # an individual: civil interest, no compensation, and the GDPR art. 14 information in Portuguese
    body = claim_body(debtor=_debtor("PT", kind="person", name="João Silva", tax_id="123456789"),
                      invoices=[{"number": "PT-P2", "issue_date": (TODAY - timedelta(days=70)).isoformat(),
                                 "due_date": (TODAY - timedelta(days=40)).isoformat(), "amount": "250.00"}])
    person = (await c.post("/api/v1/claims", json=body, headers=ch)).json()
    await c.post(f"/api/v1/cases/{person['id']}/evidence", headers=ch, files={"file": ("f.pdf", io.BytesIO(PDF), "application/pdf")})
    await c.post(f"/api/v1/cases/{person['id']}/transitions", json={"to": "amicable"}, headers=lh)
    await Case.update({Case.lawyer: lawyer["id"]}).where(Case.id == person["id"])
    doc = await c.post(f"/api/v1/cases/{person['id']}/documents", json={"template": "carta_cobranca_amigavel"}, headers=lh)
    assert doc.status_code == 201, doc.text
    text = _text((await c.get(doc.json()["download_url"], headers=lh)).content)
    assert "Exmo.(a) Senhor(a)," in text and "juros civis" in text and "Indemnização" not in text
    for mention in ("Responsável pelo tratamento:", "Subcontratante:", "Finalidade e fundamento:", "Dados e sua origem:",
                    "Destinatários:", "Prazo de conservação:", "Direitos:", "Comissão Nacional de Proteção de Dados"):
        assert mention in text, mention

    # a Spanish case: not made (nor offered, above)
    spanish = (await c.post("/api/v1/claims", json=claim_body(), headers=ch)).json()
    await Case.update({Case.lawyer: lawyer["id"]}).where(Case.id == spanish["id"])
    r = await c.post(f"/api/v1/cases/{spanish['id']}/documents", json={"template": "carta_cobranca_amigavel"}, headers=lh)
    assert r.status_code == 422 and "Portugal" in r.json()["detail"], r.text
