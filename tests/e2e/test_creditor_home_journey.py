"""The creditor's side (issue 22) in the browser, at 1366 px and at 390 px: the demo creditor lands on their home and sees
the decision waiting for them (legal action on Construcciones Turia), authorises it, writes to the agency on the case, gets
the agency's answer as a notification under the bell, and files three claims from three Facturae files."""
import re
import zipfile
from decimal import Decimal

import pytest

from tests.e2e.conftest import DEMO_CREDITORS, open_part, shot, sign_in
from tests.einvoices import Buyer, Inv, facturae

pytestmark = pytest.mark.e2e


def no_sideways_scroll(page) -> None:
    width = page.viewport_size["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= width + 1, page.url


def test_a_creditor_decides_talks_to_the_agency_and_files_claims_from_facturae(browser, live_server, tmp_path):
    creditor = DEMO_CREDITORS["Distribuciones Levante S.L."]
    phone = browser.new_context(base_url=live_server, locale="es-ES", viewport={"width": 390, "height": 844}, is_mobile=True).new_page()
    phone.set_default_timeout(15000)
    sign_in(phone, creditor)
    assert phone.url.endswith("/home")
    phone.locator("#notification-bell").wait_for()  # the bell, loaded into the top bar
    card = phone.locator("main li, main article", has_text="Construcciones Turia").first
    card.wait_for()
    no_sideways_scroll(phone)
    shot(phone, "creditor-home-390")

    page = browser.new_context(base_url=live_server, locale="es-ES", viewport={"width": 1366, "height": 900}).new_page()
    page.set_default_timeout(15000)
    sign_in(page, creditor)
    assert page.url.endswith("/home")
    decision = page.locator("main li, main article", has_text="Construcciones Turia").first
    assert "Construcciones Turia" in decision.inner_text()
    shot(page, "creditor-home-1366")
    decision.locator("a.button").first.click()
    page.wait_for_selector("#legal-estimate")
    page.locator("form[action$='/legal/answer'] button[value=authorise]").click()
    page.wait_for_selector(".flash-success")
    case_url = re.sub(r"/legal/.*$", "", page.url.split("#")[0])
    case_id = int(re.search(r"/cases/(\d+)", case_url).group(1))

    # decided: it no longer waits on the home
    page.goto("/home")
    assert "Construcciones Turia" not in page.locator("main").inner_text().split(page.locator("#money-title").inner_text())[0]

    # a question to the agency, on the case
    page.goto(f"/cases/{case_id}")
    page.locator("#conversation-body").fill("¿Han podido hablar con el gerente de Construcciones Turia?")
    page.locator("#conversation form button[type=submit]").click()
    page.wait_for_selector("#conversation >> text=¿Han podido hablar con el gerente")

    # the agency answers (the case's negotiator, from their side)
    agency = browser.new_context(base_url=live_server, locale="es-ES").new_page()
    agency.set_default_timeout(15000)
    sign_in(agency, "negotiator@demo.test")
    agency.goto(f"/cases/{case_id}")
    open_part(agency, "money")  # (the conversation is in Money; a negotiator lands on Work)
    agency.locator("#conversation-body").fill("Sí: pagará la primera factura el viernes.")
    agency.locator("#conversation form button[type=submit]").click()
    agency.wait_for_selector("#conversation >> text=pagará la primera factura")
    agency.context.close()

    # ... and the creditor is told: the bell counts it, the list says it
    page.goto("/home")
    page.locator("#notification-bell .bell-count").wait_for()
    page.locator("#notification-bell").click()
    page.wait_for_url(re.compile(r"/notifications$"))
    assert "pagará la primera factura el viernes" in page.locator("main").inner_text()
    shot(page, "creditor-notifications")

    # three Facturae files, three claims
    files = {f"factura-{n}.xml": facturae("3.2.2", [Inv(f"FE-{n}", Decimal("800.00") + n)],
                                         Buyer(tax_id=tax_id, name=name))
             for n, (tax_id, name) in enumerate([("B46000014", "Ferretería Alboraya S.L."), ("B46000022", "Cerámicas Manises S.L."),
                                                 ("B46000030", "Muebles Paterna S.L.")], start=1)}
    bundle = tmp_path / "facturas.zip"
    with zipfile.ZipFile(bundle, "w") as z:
        for name, data in files.items():
            z.writestr(name, data)
    page.goto("/imports/new")
    page.locator("#f-file").set_input_files(str(bundle))
    page.locator("form[action='/imports/'] button[type=submit]").click()
    page.wait_for_url(re.compile(r"/imports/\d+$"))
    commit = page.locator("form[action$='/commit'] button")
    assert "3" in commit.inner_text(), page.locator("main").inner_text()[:800]
    commit.click()
    page.wait_for_selector("text=Muebles Paterna", timeout=30000)
    page.goto("/cases")
    listed = page.locator("main").inner_text()
    assert all(name in listed for name in ("Ferretería Alboraya", "Cerámicas Manises", "Muebles Paterna"))
    shot(page, "creditor-einvoice-claims")
    page.context.close()
    phone.context.close()
