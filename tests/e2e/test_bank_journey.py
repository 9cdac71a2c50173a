"""The bank in a real browser: an admin uploads the account's Norma 43 statement; the two transfers that name their
case are booked by themselves, the one that names nothing is booked by hand from the statement's page; the creditor's
statement (liquidación) shows the three payments."""
import re
import secrets
from decimal import Decimal

import pytest
from stdnum.es import cif

from agency import clock
from tests.e2e.conftest import DEMO_CREDITORS, shot, sign_in
from tests.e2e.test_portal_journey import new_case
from tests.unit.cases.test_bank_statements import n43, r11, r22, r23, r33, r88

pytestmark = pytest.mark.e2e


def _cif() -> str:
    body = f"B{secrets.randbelow(10**7):07d}"
    return body + cif.calc_check_digits(body)[-1]  # (a company's CIF: its control character is a letter)


def _euros(text: str) -> Decimal:
    return Decimal(re.sub(r"[^\d,-]", "", text).replace(",", "."))


def test_an_admin_uploads_a_statement_and_books_the_line_that_named_nothing(page, browser, live_server, tmp_path):
    suffix = secrets.token_hex(2).upper()
    ids = [new_case(browser, live_server, f"Banco {n} {suffix} S.L.", _cif(), f"banco{n}@journey.test", "500.00") for n in range(3)]
    sign_in(page, "admin@demo.test")
    token = next(c["value"] for c in page.context.cookies() if c["name"] == "agency_csrf")
    references = []
    for case_id in ids:
        r = page.request.post(f"/api/v1/cases/{case_id}/transitions", headers={"x-csrftoken": token}, data={"to": "amicable"})
        assert r.status == 200, r.text()
        references.append(page.request.get(f"/api/v1/cases/{case_id}").json()["reference"])
    day = clock.today().strftime("%y%m%d")
    account = f"{secrets.randbelow(10**10):010d}"
    records = [r11(account, day, day, "2", 100000, name="AGENCIA DEMO"),
               r22(day, day, "02", "099", "2", 12000, "1"), r23("01", "TRANSFERENCIA BANCO 0", f"PAGO {references[0].replace('-', ' ')}"),
               r22(day, day, "02", "099", "2", 8050, "2"), r23("01", "TRANSFERENCIA BANCO 1", references[1].lower().replace("-", "")),
               r22(day, day, "02", "099", "2", 4500, "3"), r23("01", f"BANCO 2 {suffix} SL", "PAGO FACTURA")]
    records += [r33(account, 0, 0, 3, 24550, "2", 124550), r88(len(records) + 1)]
    statement = tmp_path / "extracto.n43"
    statement.write_bytes(n43(records))

    page.goto("/admin/bank/")
    page.locator("#f-file").set_input_files(str(statement))
    page.locator("form[action='/admin/bank/'] button[type=submit]").click()
    page.wait_for_selector(".flash")
    assert re.search(r"3\D+2\D+1", page.locator(".flash").first.inner_text())  # 3 lines read: 2 booked, 1 waiting
    shot(page, "bank-statement")
    waiting = page.locator("tr", has=page.locator("form[action*='/lines/']"))
    assert waiting.count() == 1
    field = waiting.locator("input[name=case_reference]")
    if field.count():  # no candidate found by itself: the reference typed as a person would
        field.fill(references[2].replace("-", " "))
    else:
        waiting.locator(f"label:has-text('{references[2]}') input[type=radio]").check()
    waiting.locator("button[value=book]").click()
    page.wait_for_selector(".flash-success")
    assert page.locator("form[action*='/lines/']").count() == 0
    page.goto(page.url.split("#")[0] + "/money")
    assert page.locator("svg.chart").count() == 1
    shot(page, "bank-money-view")

    creditor = browser.new_context(base_url=live_server, locale="es-ES")
    cp = creditor.new_page()
    sign_in(cp, DEMO_CREDITORS["Distribuciones Levante S.L."])
    cp.goto("/statements")
    for reference, amount in zip(references, ("120,00", "80,50", "45,00")):
        row = cp.locator("tbody tr", has_text=reference)
        cells = [c.inner_text() for c in row.locator("td").all()]
        assert _euros(cells[3]) == _euros(amount), (reference, cells)
    shot(cp, "bank-creditor-statement")
    creditor.close()
