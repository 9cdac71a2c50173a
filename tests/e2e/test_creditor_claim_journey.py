"""A creditor files a claim with two invoices and a PDF, watches the upload, reviews, sends,
finds the case in the list and opens it. Then imports a CSV of invoices."""
import re
from datetime import timedelta

import pytest

from agency import clock
from agency.demo.cases import tiny_pdf
from tests.e2e.conftest import open_part, shot, sign_in

pytestmark = pytest.mark.e2e


def test_creditor_files_a_claim_with_evidence(page, tmp_path):
    pdf = tmp_path / "factura-E2E-1.pdf"
    pdf.write_bytes(tiny_pdf("Factura E2E-1") + b"%" + b"0" * 400_000)  # big enough for the bar to move
    due = (clock.today() - timedelta(days=20)).isoformat()
    issue = (clock.today() - timedelta(days=50)).isoformat()
    number = f"E2E-{clock.today():%j}-{page.context.browser.version[:3]}"

    sign_in(page, "creditor@demo.test")
    page.get_by_role("link", name="Nueva reclamación").first.click()
    page.locator("#f-debtor_name").fill("Panadería La Espiga S.L.")
    page.locator("#f-debtor_tax_id").fill("B46123451")
    page.locator("#f-debtor_address_line1").fill("Calle del Horno 4")
    page.locator("#f-debtor_postal_code").fill("46001")
    page.locator("#f-debtor_city").fill("Valencia")
    page.locator("#f-debtor_email").fill("cuentas@espiga.test")
    rows = page.locator("fieldset.invoice-row")
    rows.nth(0).locator("input[name=invoice_number]").fill(number + "-A")
    rows.nth(0).locator("input[name=invoice_issue_date]").fill(issue)
    rows.nth(0).locator("input[name=invoice_due_date]").fill(due)
    rows.nth(0).locator("input[name=invoice_amount]").fill("1.250,40")
    page.get_by_role("button", name=re.compile("Añadir otra factura")).click()
    expect_rows = page.locator("fieldset.invoice-row")
    expect_rows.nth(1).wait_for()
    expect_rows.nth(1).locator("input[name=invoice_number]").fill(number + "-B")
    expect_rows.nth(1).locator("input[name=invoice_issue_date]").fill(issue)
    expect_rows.nth(1).locator("input[name=invoice_due_date]").fill(due)
    expect_rows.nth(1).locator("input[name=invoice_amount]").fill("300")

    page.locator("#f-files").set_input_files(str(pdf))
    upload = page.locator("#uploads li").first
    upload.locator("progress, input[name=evidence_id]").first.wait_for(state="attached")
    page.wait_for_selector("#uploads li.done input[name=evidence_id]", state="attached")
    assert "factura-E2E-1.pdf" in upload.inner_text()
    shot(page, "claim-form-uploaded")

    page.get_by_role("button", name="Revisar la reclamación").click()
    page.wait_for_selector("text=Total reclamado")
    assert "1.550,40" in page.content()
    shot(page, "claim-review")
    page.get_by_role("button", name="Enviar la reclamación").click()
    page.wait_for_url(re.compile(r"/cases/\d+$"))
    assert page.locator(".badge.stage-intake").first.is_visible()
    open_part(page, "documents")  # (the evidence is in the case's documents, loaded when opened)
    assert "factura-E2E-1.pdf" in page.locator("#evidence").inner_text()
    reference = page.locator("h1").inner_text().strip()
    shot(page, "case-page")

    page.get_by_role("link", name="Mis expedientes").click()
    page.locator("#q").fill("Espiga")
    page.wait_for_selector(f"text={reference}")
    page.get_by_role("link", name=reference).click()
    page.wait_for_url(re.compile(r"/cases/\d+$"))
    assert "Panadería La Espiga" in page.content()


def test_creditor_imports_a_csv(page, tmp_path):
    due = (clock.today() - timedelta(days=15)).strftime("%d/%m/%Y")
    csv = tmp_path / "facturas.csv"
    csv.write_text(
        "nombre_deudor;nif_deudor;direccion_deudor;ciudad_deudor;cp_deudor;numero_factura;fecha_emision;fecha_vencimiento;importe\n"
        f"Imprenta Gráfica S.L.;A28123453;C/ Tinta 2;Murcia;30001;IMP-{clock.today():%j}-1;01/01/2026;{due};99,90\n"
        f"Imprenta Gráfica S.L.;A28123453;C/ Tinta 2;Murcia;30001;IMP-{clock.today():%j}-2;01/01/2026;{due};100,10\n",
        encoding="latin-1",
    )
    sign_in(page, "creditor2@demo.test")
    page.goto("/imports/new")
    page.locator("#f-file").set_input_files(str(csv))
    page.get_by_role("button", name="Comprobar el fichero").click()
    page.wait_for_url(re.compile(r"/imports/\d+$"))
    assert "200,00" in page.content()
    shot(page, "import-preview")
    page.get_by_role("button", name=re.compile("Importar 1")).click()
    page.wait_for_url(re.compile(r"/cases\?stage=intake"))
    assert "Imprenta Gráfica" in page.content()
