"""Claims and evidence through the API and the pages, with the bad input of the issue."""
import asyncio
import io
import re
import secrets
from datetime import date, timedelta

import pytest

from agency import clock
from agency.tables import OutboxMessage
from cases.tables import Case, CaseEvent, Evidence, Invoice
from tests.factories import api_token, create_org, create_user, post_form, signed_in

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
YESTERDAY = (clock.today() - timedelta(days=1)).isoformat()


def claim_body(**over):
    body = {
        "creditor_reference": "REF-1",
        "debtor": {"kind": "company", "name": "Talleres Norte S.L.", "tax_id": "B46123451", "email": "pagos@norte.test",
                   "address": {"line1": "C/ Sol 3", "city": "Bilbao", "postal_code": "48001", "country": "ES"}},
        "invoices": [{"number": f"F-{secrets.token_hex(3)}", "issue_date": "2026-01-10", "due_date": YESTERDAY, "amount": "1210.50"},
                     {"number": f"F-{secrets.token_hex(3)}", "issue_date": "2026-02-10", "due_date": YESTERDAY, "amount": "89.50"}],
    }
    body.update(over)
    return body


@pytest.fixture
async def creditor(make_client):
    org = await create_org()
    user = await create_user("creditor", org)
    client = await make_client()
    headers = await api_token(client, user["email"])
    return {"org": org, "user": user, "client": client, "headers": headers}


async def test_api_claim_creates_an_intake_case_with_event_and_email(creditor):
    c, h = creditor["client"], creditor["headers"]
    r = await c.post("/api/v1/claims", json=claim_body(), headers=h)
    assert r.status_code == 201, r.text
    case = r.json()
    assert case["stage"] == "intake" and re.fullmatch(r"EXP-\d{4}-\d{6}", case["reference"])
    assert case["balance"]["principal"] == "1300.00" and len(case["invoices"]) == 2
    assert case["invoices"][0]["amount"] in {"1210.50", "89.50"}
    assert [e["kind"] for e in case["events"]] == ["claim_opened"]
    assert await Invoice.count().where(Invoice.case == case["id"]) == 2
    mail = await OutboxMessage.select().where(OutboxMessage.to_address == creditor["user"]["email"]).first()
    assert mail and case["reference"] in mail["subject"]


@pytest.mark.parametrize("mutate,field", [
    (lambda b: b["invoices"][0].update(amount="-5"), "invoices.0.amount"),
    (lambda b: b["invoices"][0].update(amount="0"), "invoices.0.amount"),
    (lambda b: b["invoices"][0].update(amount="12.345"), "invoices.0.amount"),
    (lambda b: b["invoices"][0].update(amount="doce"), "invoices.0.amount"),
    (lambda b: b["invoices"][0].update(due_date=(clock.today() + timedelta(days=3)).isoformat()), "invoices.0.due_date"),
    (lambda b: b["invoices"][0].update(issue_date="2026-12-31", due_date="2026-01-01"), "invoices.0.issue_date"),
    (lambda b: b["debtor"].update(tax_id="B46123452"), "debtor.tax_id"),
    (lambda b: b["debtor"].update(name=""), "debtor.name"),
    (lambda b: b["debtor"]["address"].update(line1=""), "debtor.address_line1"),
    (lambda b: b.update(invoices=[]), "invoices"),
])
async def test_api_claim_bad_input_is_400_and_writes_nothing(creditor, mutate, field):
    body = claim_body()
    mutate(body)
    before = await Case.count()
    r = await creditor["client"].post("/api/v1/claims", json=body, headers=creditor["headers"])
    assert r.status_code == 400, r.text
    assert field in r.json()["errors"] and r.json()["detail"]
    assert await Case.count() == before


async def test_duplicate_invoice_of_an_open_case_is_refused_with_the_case(creditor):
    body = claim_body()
    first = (await creditor["client"].post("/api/v1/claims", json=body, headers=creditor["headers"])).json()
    r = await creditor["client"].post("/api/v1/claims", json=body, headers=creditor["headers"])
    assert r.status_code == 409
    assert set(r.json()["duplicates"].values()) == {first["reference"]}


async def test_references_are_unique_when_many_claims_arrive_at_once(creditor):
    async def one():
        return await creditor["client"].post("/api/v1/claims", json=claim_body(), headers=creditor["headers"])

    results = await asyncio.gather(*[one() for _ in range(10)])
    refs = [r.json()["reference"] for r in results if r.status_code == 201]
    assert len(refs) == 10 and len(set(refs)) == 10


async def _upload(client, headers, case_id, data, name, kind="invoice"):
    return await client.post(f"/api/v1/cases/{case_id}/evidence", headers=headers,
                             files={"file": (name, io.BytesIO(data), "application/octet-stream")}, data={"kind": kind})


async def test_evidence_upload_download_and_tenancy(creditor, make_client):
    c, h = creditor["client"], creditor["headers"]
    case = (await c.post("/api/v1/claims", json=claim_body(), headers=h)).json()
    r = await _upload(c, h, case["id"], PDF, "../../Factura 1\x07.pdf")
    assert r.status_code == 201, r.text
    ev = r.json()
    assert ev["content_type"] == "application/pdf" and ev["filename"] == "Factura 1.pdf"
    import hashlib

    assert ev["sha256"] == hashlib.sha256(PDF).hexdigest() and ev["size"] == len(PDF)
    row = await Evidence.select().where(Evidence.id == ev["id"]).first()
    assert "Factura" not in row["storage_key"] and ".." not in row["storage_key"]
    assert await CaseEvent.exists().where((CaseEvent.case == case["id"]) & (CaseEvent.kind == "evidence_added"))
    d = await c.get(f"/api/v1/evidence/{ev['id']}/download", headers=h)
    assert d.status_code == 200 and d.content == PDF
    assert d.headers["content-disposition"].startswith('attachment; filename="Factura 1.pdf"')
    # the same file again (another name, a retry): the case keeps one copy, and the answer says which
    again = await _upload(c, h, case["id"], PDF, "copia.pdf")
    assert again.status_code == 200 and again.json()["id"] == ev["id"] and again.json()["already_attached"] is True
    assert again.json()["filename"] == "Factura 1.pdf" and ev["already_attached"] is False
    assert await Evidence.count().where(Evidence.case == case["id"]) == 1
    assert await CaseEvent.count().where((CaseEvent.case == case["id"]) & (CaseEvent.kind == "evidence_added")) == 1

    other = await create_user("creditor", await create_org())
    oh = await api_token(await make_client(), other["email"])
    assert (await c.get(f"/api/v1/evidence/{ev['id']}/download", headers=oh)).status_code == 404
    assert (await c.get(f"/api/v1/cases/{case['id']}", headers=oh)).status_code == 404
    assert (await _upload(c, oh, case["id"], PDF, "x.pdf")).status_code == 404


@pytest.mark.parametrize("data,name,status", [
    (b"MZ\x90\x00" + b"\0" * 64, "factura.pdf", 400),
    (b"<html><body>x</body></html>", "factura.html", 400),
    (b'<svg xmlns="http://www.w3.org/2000/svg"></svg>', "logo.svg", 400),
    (b"", "vacio.pdf", 400),
])
async def test_bad_files_are_refused_and_nothing_is_kept(creditor, data, name, status):
    c, h = creditor["client"], creditor["headers"]
    case = (await c.post("/api/v1/claims", json=claim_body(), headers=h)).json()
    r = await _upload(c, h, case["id"], data, name)
    assert r.status_code == status and r.json()["detail"]
    assert await Evidence.count().where(Evidence.case == case["id"]) == 0


async def test_file_over_the_limit_is_413(creditor, monkeypatch):
    import dataclasses

    from agency import settings as settings_module

    c, h = creditor["client"], creditor["headers"]
    case = (await c.post("/api/v1/claims", json=claim_body(), headers=h)).json()
    small = dataclasses.replace(settings_module.get_settings(), max_upload_bytes=1024)
    monkeypatch.setattr("cases.claims.web.get_settings", lambda: small)
    monkeypatch.setattr("cases.claims.service.get_settings", lambda: small)
    r = await _upload(c, h, case["id"], PDF + b"0" * 2048, "grande.pdf")
    assert r.status_code == 413 and r.json()["detail"]


async def test_claim_form_review_then_confirm_with_a_staged_upload(make_client):
    org = await create_org()
    client, user = await signed_in(make_client, "creditor", org)
    form = await client.get("/claims/new")
    # the tax id says when it is required (a company's), tied to its field for a screen reader
    assert form.status_code == 200 and 'aria-describedby="h-debtor_tax_id"' in form.text
    assert "Obligatorio para una empresa; opcional para un particular." in form.text
    row = await client.get("/claims/new/invoice-row", headers={"hx-request": "true"})
    assert row.status_code == 200 and "<html" not in row.text and 'name="invoice_number"' in row.text
    up = await client.post("/claims/uploads", params={"filename": "factura.pdf", "kind": "invoice"}, content=PDF,
                           headers={"x-csrftoken": client.cookies.get("agency_csrf"), "content-type": "application/pdf"})
    assert up.status_code == 201, up.text
    number = f"F-{secrets.token_hex(3)}"
    fields = {
        "debtor_kind": "company", "debtor_name": "Bar Pepe S.L.", "debtor_tax_id": "B46123451", "debtor_country": "ES",
        "debtor_address_line1": "C/ Mar 1", "debtor_city": "Cádiz", "debtor_postal_code": "11001", "debtor_email": "",
        "debtor_phone": "", "debtor_language": "es", "invoice_number": number, "invoice_issue_date": "2026-01-01",
        "invoice_due_date": YESTERDAY, "invoice_amount": "1.234,56", "invoice_currency": "EUR", "evidence_id": str(up.json()["id"]),
    }
    before = await Case.count()
    review = await post_form(client, "/claims/new", {**fields, "action": "review"}, files={"files": ("", b"", "application/octet-stream")})
    assert review.status_code == 200, review.text[-2000:]
    assert "1.234,56" in review.text and await Case.count() == before
    assert 'id="fees"' in review.text and "60,00" in review.text  # the tariff band of 1,234.56
    assert 'id="time-barred"' not in review.text
    # a French consumer's invoice due three years ago: the review warns that it looks time-barred (2 years, L218-2)
    old_due = (clock.today() - timedelta(days=3 * 366)).isoformat()
    consumer = {**fields, "debtor_kind": "person", "debtor_tax_id": "", "debtor_country": "FR", "debtor_postal_code": "75002",
                "invoice_issue_date": old_due, "invoice_due_date": old_due}
    barred = await post_form(client, "/claims/new", {**consumer, "action": "review"}, files={"files": ("", b"", "application/octet-stream")})
    assert barred.status_code == 200 and 'id="time-barred"' in barred.text and number in barred.text.split('id="time-barred"')[1][:600]
    bad = await post_form(client, "/claims/new", {**fields, "invoice_amount": "-3", "action": "review"}, files={"files": ("", b"", "application/octet-stream")})
    assert bad.status_code == 400 and 'aria-invalid="true"' in bad.text
    done = await post_form(client, "/claims/new", {**fields, "action": "confirm"}, files={"files": ("", b"", "application/octet-stream")})
    assert done.status_code == 303, done.text[-2000:]
    case_id = int(done.headers["location"].rsplit("/", 1)[1])
    assert await Evidence.count().where(Evidence.case == case_id) == 1
    page = await client.get(f"/cases/{case_id}/part/documents")  # (the page with its Documents part: a link without JavaScript)
    assert "factura.pdf" in page.text and "Bar Pepe" in page.text
    page = await client.get(f"/cases/{case_id}/part/timeline")
    assert "Reclamación recibida: 1 factura, 1.234,56\xa0€." in page.text  # the timeline speaks the reader's money


async def test_streamed_form_without_csrf_token_is_403_and_keeps_nothing(make_client):
    org = await create_org()
    client, _ = await signed_in(make_client, "creditor", org)
    case = (await client.post("/api/v1/claims", json=claim_body(), headers={"x-csrftoken": client.cookies.get("agency_csrf")})).json()
    r = await client.post(f"/cases/{case['id']}/evidence", data={"kind": "invoice"}, files={"files": ("f.pdf", PDF, "application/pdf")})
    assert r.status_code == 403
    r = await client.post(f"/cases/{case['id']}/evidence", data={"kind": "invoice", "_csrf_token": "forged" * 30},
                          files={"files": ("f.pdf", PDF, "application/pdf")})
    assert r.status_code == 403
    assert await Evidence.count().where(Evidence.case == case["id"]) == 0
    r = await post_form(client, f"/cases/{case['id']}/evidence", {"kind": "invoice"}, files={"files": ("f.pdf", PDF, "application/pdf")})
    assert r.status_code == 303 and await Evidence.count().where(Evidence.case == case["id"]) == 1
    r = await post_form(client, f"/cases/{case['id']}/evidence", {"kind": "invoice"}, files={"files": ("g.pdf", PDF, "application/pdf")})
    assert r.status_code == 303 and await Evidence.count().where(Evidence.case == case["id"]) == 1
    assert "g.pdf ya está adjunto a este expediente (como f.pdf)." in (await client.get(r.headers["location"])).text


async def test_pages_answering_a_streamed_form_carry_a_csrf_token(make_client):
    client, _ = await signed_in(make_client, "creditor", await create_org())
    r = await post_form(client, "/claims/new", {"action": "review", "debtor_name": ""}, files={"files": ("", b"", "application/octet-stream")})
    assert r.status_code == 400
    assert f'name="_csrf_token" value="{client.cookies.get("agency_csrf")}"' in r.text


async def test_malformed_json_claims_are_400_never_500(creditor):
    c, h = creditor["client"], creditor["headers"]
    for body in ({"debtor": "string", "invoices": "nope"}, {"debtor": {"address": "str"}, "invoices": [1, "x", None]}, {}):
        r = await c.post("/api/v1/claims", json=body, headers=h)
        assert r.status_code == 400 and r.json()["detail"], (body, r.text)


async def test_impossible_ids_and_pages_are_404_or_clamped(creditor, make_client):
    c, h = creditor["client"], creditor["headers"]
    huge = "9" * 25
    for url in (f"/api/v1/cases/{huge}", f"/api/v1/evidence/{huge}/download", f"/api/v1/imports/{huge}", "/api/v1/cases/2147483648"):
        assert (await c.get(url, headers=h)).status_code == 404, url
    assert (await c.get("/api/v1/cases", params={"page": huge}, headers=h)).status_code == 200
    await c.post("/api/v1/claims", json=claim_body(), headers=h)
    assert (await c.get("/api/v1/cases", headers=h)).json()["total"] == 1
    for wildcard in ("%", "_", "%%"):
        assert (await c.get("/api/v1/cases", params={"q": wildcard}, headers=h)).json()["total"] == 0
    admin = await create_user("admin")
    ah = await api_token(c, admin["email"])
    r = await c.post("/api/v1/claims", json={**claim_body(), "organisation_id": int(huge)}, headers=ah)
    assert r.status_code == 400


async def test_a_later_claim_never_rewrites_an_earlier_debtor(creditor):
    c, h = creditor["client"], creditor["headers"]
    first = (await c.post("/api/v1/claims", json=claim_body(), headers=h)).json()
    other = claim_body()
    other["debtor"] = {**other["debtor"], "name": "Otro Nombre S.L.", "email": ""}
    second = (await c.post("/api/v1/claims", json=other, headers=h)).json()
    again = (await c.get(f"/api/v1/cases/{first['id']}", headers=h)).json()
    assert again["debtor"]["name"] == "Talleres Norte S.L." and again["debtor"]["email"] == "pagos@norte.test"
    assert second["debtor"]["name"] == "Otro Nombre S.L."


async def test_a_french_consumer_debt_is_reckoned_at_two_years(creditor):
    """Code de la consommation L218-2: the case of a French consumer opens with 2 years, not 5; the cases
    opened before this rule are reckoned again by their migration, with the change on the timeline."""
    import importlib

    from legal.rules.limitation import add_years

    c, h = creditor["client"], creditor["headers"]
    body = claim_body()
    body["debtor"] = {"kind": "person", "name": "Camille Martin", "email": "camille@exemple.test",
                      "address": {"line1": "3 rue de la Paix", "city": "Paris", "postal_code": "75002", "country": "FR"}}
    r = await c.post("/api/v1/claims", json=body, headers=h)
    assert r.status_code == 201, r.text
    case = r.json()
    due = date.fromisoformat(YESTERDAY)
    assert case["limitation_date"] == add_years(due, 2).isoformat()
    company = (await c.post("/api/v1/claims", json={**claim_body(), "debtor": {**claim_body()["debtor"], "name": "Dupont SARL",
                                                                            "tax_id": "552100554", "address": body["debtor"]["address"]}},
                            headers=h)).json()
    assert company["limitation_date"] == add_years(due, 5).isoformat()

    await Case.update({Case.limitation_date: add_years(due, 5)}).where(Case.id == case["id"])  # as it was reckoned before
    migration = importlib.import_module("cases.piccolo_migrations.cases_2026_12_01t18_50_00_000000")
    for reckon in (await migration.forwards()).raw:
        await reckon()
    assert (await Case.select(Case.limitation_date).where(Case.id == case["id"]).first())["limitation_date"] == add_years(due, 2)
    assert (await Case.select(Case.limitation_date).where(Case.id == company["id"]).first())["limitation_date"] == add_years(due, 5)
    events = (await c.get(f"/api/v1/cases/{case['id']}", headers=h)).json()["events"]
    assert any(e["kind"] == "limitation" for e in events)  # the creditor sees why the date moved


async def test_a_rate_missing_for_an_old_debt_does_not_stop_the_migration(creditor):
    """A French consumer debt from before the legal-rate table: the claim is taken (the balance waits for
    the rate, named on the page) and the migration that reckons French consumer cases again goes on."""
    import importlib

    c, h = creditor["client"], creditor["headers"]
    body = claim_body()
    body["debtor"] = {"kind": "person", "name": "Louis Petit", "address": {"line1": "1 rue Haute", "city": "Lyon", "postal_code": "69001",
                                                                        "country": "FR"}}
    body["invoices"] = [{"number": f"F-{secrets.token_hex(3)}", "issue_date": "2019-02-01", "due_date": "2019-03-01", "amount": "80.00"}]
    r = await c.post("/api/v1/claims", json=body, headers=h)
    assert r.status_code == 201, r.text
    # (LEGAL.md rev.: a consumer owes interest from the demand; here one reached them on 1 April 2019, before the
    # French legal-rate table starts, so the interest needs a rate the table lacks)
    await Case.update({Case.demanded_on: date(2019, 4, 1)}).where(Case.id == r.json()["id"])
    assert (await c.get(f"/api/v1/cases/{r.json()['id']}", headers=h)).json()["balance"] == {}  # no figures rather than wrong ones
    page = await c.get(f"/cases/{r.json()['id']}", headers=h)
    assert page.status_code == 200 and "2019-01-01" in page.text  # the case page names the missing half-year
    staff = await api_token(c, (await create_user("admin"))["email"])
    assert (await c.get(f"/cases/{r.json()['id']}", headers=staff)).status_code == 200
    migration = importlib.import_module("cases.piccolo_migrations.cases_2026_12_01t18_50_00_000000")
    for reckon in (await migration.forwards()).raw:
        await reckon()  # no MissingRate escapes
    assert (await Case.select(Case.limitation_date).where(Case.id == r.json()["id"]).first())["limitation_date"] == date(2021, 3, 1)


async def test_the_same_file_sent_at_once_is_kept_once(creditor, backend):
    """Two identical uploads at the same moment (a double click): one evidence, one event, one stored object."""
    c, h = creditor["client"], creditor["headers"]
    case = (await c.post("/api/v1/claims", json=claim_body(), headers=h)).json()
    results = await asyncio.gather(*(_upload(c, h, case["id"], PDF, f"f{n}.pdf") for n in range(5)))
    assert sorted(r.status_code for r in results) == [200, 200, 200, 200, 201]
    assert len({r.json()["id"] for r in results}) == 1
    assert await Evidence.count().where(Evidence.case == case["id"]) == 1
    assert await CaseEvent.count().where((CaseEvent.case == case["id"]) & (CaseEvent.kind == "evidence_added")) == 1
