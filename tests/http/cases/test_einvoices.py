"""E-invoices in (issue 22): a creditor uploads Facturae files one by one or as a ZIP, reviews them on the import's
preview, commits, and gets claims with the buyer as debtor, the invoices, and each XML kept as evidence with its
SHA-256; what cannot be read is a 400 naming the file and the reason, with nothing written; another creditor sees
nothing of it."""
import hashlib
import io
import zipfile
from datetime import date
from decimal import Decimal

from agency import i18n
from cases.imports.service import import_for_cli
from cases.tables import Case, Debtor, Evidence, ImportJob, Invoice
from tests.einvoices import Buyer, Inv, facturae, past, ubl, zipped
from tests.factories import api_token, create_org, create_user, post_form, signed_in

PERSON = Buyer(tax_id="12345678Z", name="Ana García", person_type="F", address="Calle Mayor 1", postcode="28013", town="Madrid",
               province="Madrid")


def three_files(prefix: str) -> dict[str, bytes]:
    """A batch of two invoices (3.2.2) and one invoice (3.2.1) to the same company, one (3.2) to a person."""
    return {
        f"{prefix}-lote.xml": facturae("3.2.2", [Inv("0001", Decimal("1000.00"), series=f"{prefix}A"),
                                                 Inv("0002", Decimal("250.50"), series=f"{prefix}A", due=past(40))]),
        f"{prefix}-una.xml": facturae("3.2.1", [Inv(f"{prefix}B-7", Decimal("80.00"), withheld=Decimal("12.00"))]),
        f"{prefix}-persona.xml": facturae("3.2", [Inv(f"{prefix}C-1", Decimal("100.00"))], PERSON),
    }


async def _upload(client, headers, name: str, data: bytes):
    return await client.post("/api/v1/imports", headers=headers, files={"file": (name, io.BytesIO(data), "application/octet-stream")})


async def _cases_of(org: int) -> list[dict]:
    return await Case.select(Case.id, Case.debtor.tax_id.as_alias("tax_id")).where(Case.organisation == org).order_by(Case.id)


async def _counts(org: int) -> tuple[int, int, int]:
    return (await ImportJob.count().where(ImportJob.organisation == org), await Case.count().where(Case.organisation == org),
            await Evidence.count().where(Evidence.organisation == org))


async def test_three_facturae_one_by_one_then_as_a_zip_become_claims_with_their_xml_as_evidence(make_client):
    client = await make_client()
    org = await create_org()
    user = await create_user("creditor", org)
    h = await api_token(client, user["email"])
    files = three_files("X")
    opened = []
    for name, data in files.items():
        r = await _upload(client, h, name, data)
        assert r.status_code == 201, r.text
        job = r.json()
        assert job["status"] == "previewed" and job["errors"] == [] and job["cases"] == 1, job
        r = await client.post(f"/api/v1/imports/{job['id']}/commit", headers=h)
        assert r.status_code == 200, r.text
        opened.append(r.json())
    assert [o["invoices"] for o in opened] == [2, 1, 1]

    # The same creditor's next files as one ZIP: invoices of the same debtor go into one claim, as a CSV's rows do.
    zip_files = three_files("Z")
    r = await _upload(client, h, "facturas.zip", zipped(zip_files))
    assert r.status_code == 201, r.text
    job = r.json()
    assert job["status"] == "previewed" and job["rows"] == 4 and job["cases"] == 2 and job["total"] == "1718.91", job
    r = await client.post(f"/api/v1/imports/{job['id']}/commit", headers=h)
    assert r.status_code == 200 and r.json()["cases"] == 2 and r.json()["invoices"] == 4, r.text

    cases = await _cases_of(org)
    assert len(cases) == 5
    company = await Debtor.select().where((Debtor.organisation == org) & (Debtor.tax_id == "B46123451")).first()
    assert company["kind"] == "company" and company["name"] == "Talleres Norte S.L." and company["address_line1"] == "Calle del Sol 3"
    assert (company["city"], company["postal_code"], company["country"]) == ("Bilbao", "48001", "ES")
    person = await Debtor.select().where((Debtor.organisation == org) & (Debtor.tax_id == "12345678Z")).first()
    assert person["kind"] == "person" and person["name"] == "Ana García" and person["city"] == "Madrid"

    zip_case = [c for c in cases if c["tax_id"] == "B46123451"][-1]
    detail = (await client.get(f"/api/v1/cases/{zip_case['id']}", headers=h)).json()
    invoices = {i["number"]: i for i in detail["invoices"]}
    assert set(invoices) == {"ZA-0001", "ZA-0002", "ZB-7"}
    assert invoices["ZA-0001"]["amount"] == "1210.00" and invoices["ZA-0002"]["amount"] == "303.11"
    assert invoices["ZB-7"]["amount"] == "84.80"  # 80 + 16.80 VAT - 12 withheld (IRPF)
    assert invoices["ZA-0002"]["due_date"] == past(40).isoformat() and invoices["ZA-0001"]["issue_date"] == past(90).isoformat()
    evidence = {e["filename"]: e for e in detail["evidence"]}
    assert set(evidence) == {"Z-lote.xml", "Z-una.xml"}
    for name, e in evidence.items():
        assert e["kind"] == "invoice" and e["content_type"] == "application/xml"
        assert e["sha256"] == hashlib.sha256(zip_files[name]).hexdigest() and e["size"] == len(zip_files[name])
        download = await client.get(e["download_url"], headers=h)
        assert download.status_code == 200 and download.content == zip_files[name]
    assert any(ev["kind"] == "evidence_added" for ev in detail["events"])

    first = (await client.get(f"/api/v1/cases/{cases[0]['id']}", headers=h)).json()
    assert [e["sha256"] for e in first["evidence"]] == [hashlib.sha256(files["X-lote.xml"]).hexdigest()]
    assert sorted(i["number"] for i in first["invoices"]) == ["XA-0001", "XA-0002"]


async def test_ubl_peppol_invoice_is_read_like_a_facturae(make_client):
    client = await make_client()
    org = await create_org()
    h = await api_token(client, (await create_user("creditor", org))["email"])
    r = await _upload(client, h, "peppol.xml", ubl(Inv("U-77", Decimal("500.00")), due_in="PaymentMeans"))
    assert r.status_code == 201 and r.json()["status"] == "previewed" and r.json()["total"] == "605.00", r.text
    assert (await client.post(f"/api/v1/imports/{r.json()['id']}/commit", headers=h)).status_code == 200
    assert await Invoice.count().where((Invoice.number == "U-77") & (Invoice.case.organisation == org)) == 1


def _bomb() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("factura.xml", b"<" + b" " * (80 * 1024 * 1024))  # 80 MB of spaces, about 80 KB compressed
    return buf.getvalue()


async def test_what_cannot_be_read_is_a_400_naming_the_file_and_why_and_nothing_is_written(make_client):
    client = await make_client()
    org = await create_org()
    h = await api_token(client, (await create_user("creditor", org, language="en"))["email"])  # the reasons read in English
    wrong_total = facturae(invoices=[Inv("T-1", Decimal("100.00"), total_shift=Decimal("0.01"))])
    cases = {
        ("roto.xml", b"<fe:Facturae xmlns:fe='http://www.facturae.es/Facturae/2009/v3.2/Facturae'><FileHeader>"): "well-formed",
        ("sin-nif.xml", ubl(buyer_vat="")): "tax id",
        ("total.xml", wrong_total): "does not add up",
        ("dolares.xml", ubl(Inv("D-1", Decimal("10.00"), currency="USD"))): "USD",
        ("otra.xml", b"<?xml version='1.0'?><pedido><linea/></pedido>"): "Facturae",
        ("bomba.zip", _bomb()): "bomba.zip: factura.xml",
        ("dentro.zip", zipped({"a.xml": facturae(), "b.zip": zipped({"c.xml": facturae()})})): "dentro.zip: b.zip",
        ("mezcla.zip", zipped({"bien.xml": facturae(), "mal.xml": wrong_total})): "mezcla.zip: mal.xml",
        ("xxe.xml", b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>'): "DOCTYPE",
    }
    for (name, data), says in cases.items():
        r = await _upload(client, h, name, data)
        assert r.status_code == 400, (name, r.text)
        detail = r.json()["detail"]
        assert name in detail and says in detail, (name, detail)
    assert await _counts(org) == (0, 0, 0)


async def test_an_invoice_not_yet_due_is_a_row_of_the_preview_and_the_import_is_refused(make_client):
    client = await make_client()
    org = await create_org()
    h = await api_token(client, (await create_user("creditor", org))["email"])
    data = facturae(invoices=[Inv("P-1", Decimal("10.00")), Inv("P-2", Decimal("10.00"), due=past(-10))])
    job = (await _upload(client, h, "pronto.xml", data)).json()
    assert job["status"] == "refused" and job["rows"] == 2
    assert [(e["row"], e["column"]) for e in job["errors"]] == [(2, "pronto.xml · P-2")], job["errors"]
    assert (await client.post(f"/api/v1/imports/{job['id']}/commit", headers=h)).status_code == 400
    assert (await _counts(org))[1:] == (0, 0)


async def test_another_creditor_sees_nothing_of_the_import_or_its_evidence(make_client):
    client = await make_client()
    org = await create_org()
    h = await api_token(client, (await create_user("creditor", org))["email"])
    job = (await _upload(client, h, "f.xml", facturae())).json()
    other = await api_token(client, (await create_user("creditor", await create_org()))["email"])
    assert (await client.get(f"/api/v1/imports/{job['id']}", headers=other)).status_code == 404
    assert (await client.post(f"/api/v1/imports/{job['id']}/commit", headers=other)).status_code == 404
    assert (await client.post(f"/api/v1/imports/{job['id']}/commit", headers=h)).status_code == 200
    evidence = await Evidence.select(Evidence.id).where(Evidence.organisation == org).first()
    assert (await client.get(f"/api/v1/evidence/{evidence['id']}/download", headers=other)).status_code == 404
    assert (await client.get(f"/api/v1/evidence/{evidence['id']}/download", headers=h)).status_code == 200


async def test_the_import_page_takes_e_invoices(make_client):
    org = await create_org()
    client, _ = await signed_in(make_client, "creditor", org)
    page = await client.get("/imports/new")
    assert page.status_code == 200 and "Facturae" in page.text and ".zip" in page.text and "O sus facturas electrónicas" in page.text
    r = await post_form(client, "/imports/", {}, files={"file": ("f.xml", facturae(), "application/xml")})
    assert r.status_code == 303, r.text
    preview = await client.get(r.headers["location"])
    assert preview.status_code == 200 and ("1.210,00" in preview.text or "1,210.00" in preview.text)
    bad = await post_form(client, "/imports/", {}, files={"file": ("sin-nif.xml", ubl(buyer_vat=""), "application/xml")})
    assert bad.status_code == 400 and "sin-nif.xml" in bad.text and "No se ha importado nada" in bad.text and 'name="file"' in bad.text
    assert await ImportJob.count().where(ImportJob.organisation == org) == 1
    soon = facturae(invoices=[Inv("P-1", Decimal("10.00"), due=past(-10))])
    r = await post_form(client, "/imports/", {}, files={"file": ("pronto.xml", soon, "application/xml")})
    preview = await client.get(r.headers["location"])
    assert "Cada fila es una factura" in preview.text and "pronto.xml · P-1" in preview.text


async def test_agency_import_takes_e_invoices_too(tmp_path):
    org = await create_org()
    good, bad = tmp_path / "lote.zip", tmp_path / "total.xml"
    good.write_bytes(zipped(three_files("C")))
    bad.write_bytes(facturae(invoices=[Inv("T-9", Decimal("1.00"), total_shift=Decimal("0.10"))]))
    previous = i18n.get_language()
    i18n.set_language("en")
    try:
        job, result = await import_for_cli(org, str(bad), date.today())
    finally:
        i18n.set_language(previous)
    assert result is None and "total.xml" in job["errors"][0]["message"] and "does not add up" in job["errors"][0]["message"]
    job, result = await import_for_cli(org, str(good), date.today())
    assert result is not None and result.case_count == 2 and result.invoice_count == 4
    assert await Evidence.count().where((Evidence.organisation == org) & (Evidence.kind == "invoice")) == 3


async def test_the_einvoices_route_gives_claims_to_file_with_their_xml_as_evidence(make_client):
    """POST /api/v1/einvoices (DESIGN.md's contract): the claims the files make, in POST /api/v1/claims's shape, each with
    the ids of its XML files kept as staged evidence, which the claim attaches when it is filed."""
    client = await make_client()
    org = await create_org()
    h = await api_token(client, (await create_user("creditor", org))["email"])
    files = three_files("E")
    files["E-pronto.xml"] = facturae(invoices=[Inv("E-9", Decimal("5.00"), due=past(-3))], buyer=Buyer(tax_id="A58818501", name="Otra S.A."))
    r = await client.post("/api/v1/einvoices", headers=h, files={"file": ("e.zip", io.BytesIO(zipped(files)), "application/zip")})
    assert r.status_code == 201, r.text
    body = r.json()
    assert [(e["row"], e["column"]) for e in body["errors"]] == [(5, "e.zip: E-pronto.xml · E-9")]
    company, person = body["items"]
    assert company["debtor"] == {"kind": "company", "name": "Talleres Norte S.L.", "tax_id": "B46123451",
                                 "address": {"line1": "Calle del Sol 3", "city": "Bilbao", "postal_code": "48001", "country": "ES"}}
    assert [(i["number"], i["amount"]) for i in company["invoices"]] == [("EA-0001", "1210.00"), ("EA-0002", "303.11"), ("EB-7", "84.80")]
    assert person["debtor"]["kind"] == "person" and len(company["evidence_ids"]) == 2 and len(person["evidence_ids"]) == 1
    assert await Case.count().where(Case.organisation == org) == 0

    other = await api_token(client, (await create_user("creditor", await create_org()))["email"])
    r = await client.post("/api/v1/claims", headers=other, json={**person, "invoices": [{**person["invoices"][0], "number": "OTRA-1"}]})
    assert r.status_code == 201 and r.json()["evidence"] == [], r.text  # another creditor's files are not theirs to attach
    r = await client.post("/api/v1/claims", headers=h, json=company)
    assert r.status_code == 201, r.text
    evidence = r.json()["evidence"]
    assert sorted(e["sha256"] for e in evidence) == sorted(hashlib.sha256(files[n]).hexdigest() for n in ("E-lote.xml", "E-una.xml"))
    assert {e["kind"] for e in evidence} == {"invoice"}

    r = await client.post("/api/v1/einvoices", headers=h, files={"file": ("sin-nif.xml", io.BytesIO(ubl(buyer_vat="")), "application/xml")})
    assert r.status_code == 400 and "sin-nif.xml" in r.json()["detail"]
    assert await Evidence.count().where(Evidence.organisation == org) == 3
