"""A negotiator records a partial payment; the creditor sees what was collected, the agency's fees
and the net on their statement, and the XLSX they download says the same."""
import io
import re
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from tests.e2e.conftest import DEMO_CREDITORS, open_part, shot, sign_in, take_demo_case

pytestmark = pytest.mark.e2e


def _euros(text: str) -> Decimal:
    return Decimal(re.sub(r"[^\d,-]", "", text).replace(",", "."))


def test_partial_payment_reaches_the_creditors_statement(page, browser, live_server):
    sign_in(page, "negotiator@demo.test")
    creditor = take_demo_case(page)
    reference = page.locator("h1").inner_text().strip()
    case_url = page.url
    page.locator("#money-actions summary", has_text="Pago recibido").click()
    page.locator("#ya").fill("50,00")
    page.locator("#yr").fill("TR-E2E")
    page.locator("form[action$='/payments'] button").click()
    page.wait_for_selector(".flash >> text=Pago registrado")
    open_part(page, "money")
    fees = _euros(page.locator("[data-figure=fees]").inner_text())
    assert fees >= Decimal("7.50")  # at least 15 % of 50 in the amicable stage, plus the flat fee booked at acceptance
    shot(page, "negotiator-payment")

    other = browser.new_context(base_url=live_server, locale="es-ES", accept_downloads=True)
    cp = other.new_page()
    sign_in(cp, DEMO_CREDITORS[creditor])
    cp.goto(case_url)
    assert _euros(cp.locator("[data-figure=fees]").inner_text()) == fees
    cp.goto("/statements")
    row = cp.locator("tbody tr", has_text=reference)
    cells = [c.inner_text() for c in row.locator("td").all()]
    collected, case_fees, net = _euros(cells[3]), _euros(cells[5]), _euros(cells[8])
    assert collected >= Decimal("50.00") and case_fees == fees and net == collected - case_fees - _euros(cells[6])
    total_net = _euros(cp.locator("[data-figure=net_to_creditor]").inner_text())
    shot(cp, "creditor-statement")
    with cp.expect_download() as download:
        cp.locator("a", has_text="Descargar XLSX").click()
    ws = load_workbook(io.BytesIO(open(download.value.path(), "rb").read())).active
    rows = {r[0]: r for r in ws.iter_rows(values_only=True) if r and r[0]}
    assert Decimal(str(rows[reference][3])) == collected and Decimal(str(rows[reference][8])) == net
    assert Decimal(str(rows["Total"][8])) == total_net
    other.close()
