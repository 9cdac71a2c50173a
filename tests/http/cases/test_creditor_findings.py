"""A new creditor's findings (issue 22 item 7), each kept fixed: statements count remittances once paid, the Word
statement is readable, a company is greeted as one, impossible dates are named, the CSV template's header, the quote
states every fee, and a case just filed does not alarm."""
import io
import re
import zipfile

from agency import clock, i18n
from cases.claims.rules import ClaimErrors, ClaimInput, DebtorInput, InvoiceInput, validate_claim
from cases.messages.rules import greeting
from cases.tables import Remittance
from tests.factories import case_page, create_org, post_form, signed_in
from tests.http.cases.test_claims import PDF, claim_body
from tests.http.cases.test_money import _pay, _people
from tests.http.cases.test_negotiation import _accepted_case

TODAY = clock.today()


async def test_a_statement_counts_a_remittance_only_once_it_is_paid(make_client):
    org, c, ch, nh = await _people(make_client)
    cid = (await _accepted_case(c, ch, nh))["id"]
    assert (await _pay(c, cid, "300.00", nh)).status_code == 201
    admin_client, _ = await signed_in(make_client, "admin")
    r = await post_form(admin_client, "/admin/remittances", {"organisation_id": str(org), "period_end": TODAY.isoformat()})
    assert r.status_code in {302, 303}
    rem = await Remittance.select().where(Remittance.organisation == org).first()
    assert rem["status"] == "pending"
    s = (await c.get("/api/v1/statements", headers=ch)).json()
    # created, not sent: nothing transferred yet, and the agency still owes it
    assert s["totals"]["remitted"] == "0.00" and s["owed_to_creditor"] == "195.00" and s["lines"][0]["remitted"] == "0.00"
    creditor_client, _ = await signed_in(make_client, "creditor", org)
    page = (await creditor_client.get("/statements")).text
    assert re.search(r'data-figure="owed">195,00', page)
    assert (await post_form(admin_client, f"/admin/remittances/{rem['id']}/paid", {"transfer_reference": "TRF-1"})).status_code in {302, 303}
    s = (await c.get("/api/v1/statements", headers=ch)).json()
    assert s["totals"]["remitted"] == "195.00" and s["owed_to_creditor"] == "0.00" and s["totals"]["net_to_creditor"] == "0.00"
    # a period that ended before the remittance was paid does not show it
    yesterday = TODAY.fromordinal(TODAY.toordinal() - 1)
    s = (await c.get("/api/v1/statements", params={"start": yesterday.replace(day=1).isoformat(), "end": yesterday.isoformat()},
                     headers=ch)).json()
    assert s["totals"]["remitted"] == "0.00" and not s["totals"]["remitted"].startswith("-")


async def test_the_word_statement_is_a4_landscape_with_stage_names(make_client):
    org, c, ch, nh = await _people(make_client)
    cid = (await _accepted_case(c, ch, nh))["id"]
    assert (await _pay(c, cid, "300.00", nh)).status_code == 201
    stage = (await c.get(f"/api/v1/cases/{cid}", headers=ch)).json()["stage"]
    creditor_client, _ = await signed_in(make_client, "creditor", org)
    docx = await creditor_client.get("/statements.docx")
    assert docx.status_code == 200
    xml = zipfile.ZipFile(io.BytesIO(docx.content)).read("word/document.xml").decode()
    sect = re.search(r"<w:sectPr.*?</w:sectPr>", xml, re.S).group(0)
    size = re.search(r"<w:pgSz ([^>]*)/>", sect).group(1)
    attrs = dict(re.findall(r'w:(\w+)="([^"]*)"', size))
    assert attrs["orient"] == "landscape"
    assert abs(int(attrs["w"]) - 16838) <= 2 and abs(int(attrs["h"]) - 11906) <= 2  # A4 in twentieths of a point, wide
    text = " ".join(re.findall(r"<w:t[^>]*>([^<]*)</w:t>", xml))
    assert stage == "amicable" and "Fase amistosa" in text and "amicable" not in text
    assert "300,00" in text


async def test_the_csv_template_names_its_charset_once(make_client):
    client, _ = await signed_in(make_client, "creditor", await create_org())
    r = await client.get("/imports/template.csv")
    assert r.status_code == 200 and r.headers["content-type"].lower().replace(" ", "") == "text/csv;charset=utf-8"
    assert r.content.startswith("\ufeff".encode()) and b";" in r.content.splitlines()[0]


async def test_the_quote_states_every_fee_the_tariff_can_charge(make_client):
    client = await make_client()
    page = (await client.get("/quote", params={"amounts": "1210,50"})).text
    fees = re.search(r'<dl class="fees" id="quote-fees">(.*?)</dl>', page, re.S).group(1)
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", fees)).replace("&nbsp;", " ")
    assert "10 %" in text and "300,00" in text and "juicio" in text.lower()  # the court-stage fee, win or lose
    assert "mediación 18 %" in text and "fase amistosa 15 %" in text and "30,00" in text  # every stage's rate and the minimum
    assert "Burofax" in text
    assert "solo la tarifa por expediente" not in page  # the old understatement
    r = await client.post("/api/v1/quote", json={"amounts": ["1210.50"]})
    fees = r.json()["fees"]
    assert fees["court_stage_percent"] == "10" and fees["court_stage_minimum"] == "300.00" and fees["success_percent_by_stage"]["mediation"] == "18"


async def test_a_date_that_does_not_exist_is_named_so(make_client):
    org, c, ch, nh = await _people(make_client)
    body = claim_body()
    body["invoices"][0]["due_date"] = "31/02/2026"
    r = await c.post("/api/v1/claims", json=body, headers=ch)
    assert r.status_code in {400, 422} and "31/02/2026 no existe" in r.text and "como 31/03/2026" not in r.text
    # the same in an import file (the same rule), and a wrong shape is still a wrong shape
    assert "no existe" in str(validate_errors("2026-02-30")) and "como 31/03/2026" not in str(validate_errors("2026-02-30"))
    assert "como 31/03/2026 o 2026-03-31" in str(validate_errors("mañana"))
    # a date in a page's query string: refused in the reader's language, never the framework's English
    creditor_client, _ = await signed_in(make_client, "creditor", org)
    for url in ("/statements?start=2026-02-31", "/statements.docx?end=2026-02-31", "/statements.xlsx?start=yesterday"):
        r = await creditor_client.get(url)
        assert r.status_code == 400 and "RFC3339" not in r.text and ("no existe" in r.text or "AAAA-MM-DD" in r.text), (url, r.text[:300])
    r = await c.get("/api/v1/statements", params={"start": "31/02/2026"}, headers=ch)
    assert r.status_code == 400 and r.json()["detail"] == "Desde: 31/02/2026 no existe en el calendario: revise el día y el mes."
    assert (await c.get("/api/v1/statements", params={"start": "2026-12-01"}, headers=ch)).status_code in {200, 400}


def validate_errors(day: str) -> dict:
    before = i18n.get_language()
    i18n.set_language("es")
    try:
        validate_claim(ClaimInput(debtor=DebtorInput(name="X S.L.", tax_id="B46123451", address_line1="C/ 1", city="Madrid", postal_code="28001"),
                                  invoices=(InvoiceInput(number="F-1", issue_date=day, due_date="01/03/2026", amount="100"),)), TODAY)
    except ClaimErrors as exc:
        return {k: str(v) for k, v in exc.errors.items()}
    finally:
        i18n.set_language(before)
    return {}


async def test_a_company_is_greeted_as_a_company_and_a_person_by_name(make_client):
    org, c, ch, nh = await _people(make_client)
    case = await _accepted_case(c, ch, nh)  # Talleres Norte S.L., a company
    body = (await c.post(f"/api/v1/cases/{case['id']}/messages", json={"template": "first_contact"}, headers=nh)).json()["body"]
    assert body.startswith("Estimados señores de Talleres Norte S.L.:") and "Estimado/a" not in body
    # a template an installation loaded before the greeting existed (or an admin wrote so) still greets a company as one
    admin, _ = await signed_in(make_client, "admin")
    r = await post_form(admin, "/admin/templates/reminder/es", {"subject": "Recordatorio {{ reference }}",
                                                                   "body": "Estimado/a {{ debtor_name }}:\n\nDebe {{ outstanding }}.", "action": "save"})
    assert r.status_code == 303
    body = (await c.post(f"/api/v1/cases/{case['id']}/messages", json={"template": "reminder"}, headers=nh)).json()["body"]
    assert body.startswith("Estimados señores de Talleres Norte S.L.:")
    person = claim_body(debtor={"kind": "person", "name": "Lucía Pérez Gil", "tax_id": "12345678Z", "email": "lucia@correo.test",
                                "address": {"line1": "C/ Mayor 1", "city": "Valladolid", "postal_code": "47001", "country": "ES"}})
    pid = (await c.post("/api/v1/claims", json=person, headers=ch)).json()["id"]
    await c.post(f"/api/v1/cases/{pid}/evidence", headers=ch, files={"file": ("contrato.pdf", io.BytesIO(PDF), "application/pdf")})
    r = await c.post(f"/api/v1/cases/{pid}/transitions", json={"to": "amicable"}, headers=nh)
    assert r.status_code == 200, r.text
    r = await c.post(f"/api/v1/cases/{pid}/messages", json={"template": "reminder"}, headers=nh)
    assert r.status_code == 201 and r.json()["body"].startswith("Estimado/a Lucía Pérez Gil:"), r.text
    # the other languages: neutral for a company, by name for a person
    assert greeting("company", "Construcciones Turia S.L.", "en") == "Dear Sir or Madam,"
    assert greeting("person", "Ana Pérez", "en") == "Dear Ana Pérez,"
    assert greeting("company", "Dupont SARL", "fr") == "Madame, Monsieur," and greeting("company", "X Lda", "pt") == "Exmos. Senhores,"


async def test_a_case_just_filed_does_not_alarm_its_creditor(make_client):
    org, c, ch, nh = await _people(make_client)
    case = await _accepted_case(c, ch, nh)  # amicable, the fee per case booked, nothing recovered
    creditor_client, _ = await signed_in(make_client, "creditor", org)
    page = (await case_page(creditor_client, case["id"])).text  # (every part opened)
    bureau = re.search(r'<section class="card" id="bureau">(.*?)</section>', page, re.S).group(1)
    assert 'class="fail"' not in bureau and "✗" not in bureau and 'class="todo"' in bureau and 'data-bureau="later"' in bureau
    net = re.search(r'data-figure="net">([^<]*)<', page).group(1)
    assert "−" not in net and "-" not in net and "no se ha recuperado nada" in net
    assert 'data-explains="fees"' in page and "60,00" in page
    statement = (await creditor_client.get("/statements")).text
    assert "Debe a la agencia" not in statement and 'data-explains="owed"' in statement
    # once something is recovered the net is a figure again
    assert (await _pay(c, case["id"], "300.00", nh)).status_code == 201
    page = (await creditor_client.get(f"/cases/{case['id']}")).text
    assert re.search(r'data-figure="net">[^<]*\d,\d\d', page)


async def test_a_phone_gets_a_menu_button_and_tables_as_cards(make_client):
    org, c, ch, nh = await _people(make_client)
    case = await _accepted_case(c, ch, nh)
    assert (await _pay(c, case["id"], "300.00", nh)).status_code == 201
    creditor_client, _ = await signed_in(make_client, "creditor", org)
    page = (await creditor_client.get("/cases")).text
    assert re.search(r'<button type="button" class="menu-button" data-menu-toggle="main-nav" aria-controls="main-nav" aria-expanded="false">', page)
    assert 'id="main-nav"' in page and '<table class="table cards">' in page and 'data-label="Deudor"' in page
    statement = (await creditor_client.get("/statements")).text
    assert '<table class="table cards">' in statement and re.search(r'<td class="num" data-label="Cobrado por la agencia">300,00', statement)
    # behaviour in static/app.js (no inline script), the cards in the stylesheet under 600 px
    js = (await creditor_client.get("/static/app.js")).text
    css = (await creditor_client.get("/static/app.css")).text
    assert "[data-menu-toggle]" in js and "aria-expanded" in js
    phone = css[css.index("@media (max-width: 600px)"):]
    assert ".topbar nav.open" in phone and "content: attr(data-label)" in phone
