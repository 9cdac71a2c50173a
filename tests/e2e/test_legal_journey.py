"""The legal hand-off in the browser: a negotiator records the settlement attempt and proposes legal
action, the creditor authorises it after seeing the estimate, a lawyer takes the case, moves it to
court, generates the monitorio petition, downloads it and records the filing."""
import io
import re
import zipfile

import docx
import pytest

from agency import clock
from tests.e2e.conftest import DEMO_CREDITORS, open_part, shot, sign_in, take_demo_case

pytestmark = pytest.mark.e2e


def _open(page, action_suffix: str) -> None:
    """Open the <details> that holds the form posting to ``action_suffix``."""
    page.locator(f"#legal details:has(form[action$='{action_suffix}']) > summary").first.click()


def test_from_authorisation_to_filing(page, browser, live_server):
    today = clock.today().isoformat()
    sign_in(page, "negotiator@demo.test")
    creditor = take_demo_case(page)
    case_url = page.url
    debtor = page.locator(".case-header strong").first.inner_text().strip()
    open_part(page, "legal")  # (a negotiator lands on Work; an action in Legal brings them back to Legal)

    # the settlement attempt: a payment demand sent by burofax, refused by the debtor
    page.select_option("#dt", "payment_demand")
    assert page.locator("#dd").is_visible()  # the offer's discount: asked for a template that prints an offer
    page.select_option("#dt", "reminder_letter")
    assert not page.locator("#dd").is_visible()  # and only then
    page.select_option("#dt", "payment_demand")
    page.locator("#generate-document button").click()
    page.wait_for_selector("#documents tbody tr")
    page.locator("#documents form[action$='/sent'] button").first.click()
    page.wait_for_selector(".flash-success")
    _open(page, "/settlement-answer")
    page.fill("#sa", today)
    page.locator("form[action$='/settlement-answer'] button").click()
    page.wait_for_selector(".flash-success")
    _open(page, "/legal/propose")
    page.fill("#lp", "El deudor rechaza el acuerdo")
    page.locator("form[action$='/legal/propose'] button").click()
    page.wait_for_selector("#legal-estimate")

    cp = browser.new_context(base_url=live_server, locale="es-ES").new_page()
    sign_in(cp, DEMO_CREDITORS[creditor])
    cp.goto(case_url)
    open_part(cp, "legal")
    estimate = cp.locator("#legal-estimate").inner_text()
    assert "monitorio" in estimate.lower() and "€" in estimate
    shot(cp, "legal-estimate-creditor")
    cp.locator("form[action$='/legal/answer'] button[value=authorise]").click()
    cp.wait_for_selector(".flash-success")

    lawyer = browser.new_context(base_url=live_server, locale="es-ES", accept_downloads=True).new_page()
    lawyer.set_default_timeout(15000)
    sign_in(lawyer, "lawyer@demo.test")
    lawyer.goto("/legal")
    shot(lawyer, "legal-queue")
    row = lawyer.locator("#waiting tr", has=lawyer.locator(f"a[href='{case_url.split(live_server)[-1]}']"))
    row.locator("button").click()
    lawyer.wait_for_url(re.compile(r"/cases/\d+$"))
    lawyer.select_option("#move-to", "court")
    lawyer.locator("#move-stage button[type=submit]").click()
    lawyer.wait_for_selector(".stage-track li.current >> text=Judicial")

    lawyer.select_option("#dt", "monitorio_petition")
    assert not lawyer.locator("#dd").is_visible()
    lawyer.locator("#generate-document button").click()
    lawyer.wait_for_selector(".flash-success")
    with lawyer.expect_download() as download:
        lawyer.locator("#documents tbody tr").first.locator("a", has_text="Word").click()
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(open(download.value.path(), "rb").read())).paragraphs)
    assert debtor in text and "monitorio" in text.lower()

    lawyer.select_option("#nst", "filed")
    lawyer.fill("#nn", "777/2026")
    lawyer.locator("#new-filing button").click()  # filed, but no date: refused where the form is, and what was typed stays
    refusal = lawyer.locator("#new-filing .form-error")
    refusal.wait_for()
    assert refusal.is_visible() and lawyer.locator("#nn").input_value() == "777/2026"
    lawyer.fill("#nf", today)
    lawyer.locator("#new-filing button").click()
    lawyer.wait_for_selector(".filing >> text=777/2026")
    shot(lawyer, "legal-filing-recorded")

    cp.goto(case_url)
    open_part(cp, "timeline")
    assert "777/2026" in cp.locator("#timeline").inner_text() or "Juzgado" in cp.locator("#timeline").inner_text()


def test_service_and_opposition_on_the_demo_monitorio(browser, live_server):
    """The demo monitorio (Distribuciones Castilla S.A., 36,500 EUR: above the verbal's 15,000) is admitted: the lawyer records
    its service and the opposition in two clicks each, and the month to file the ordinario claim is in the agenda; first it
    downloads the petition's filing bundle (the numbered PDFs, the Word petition, the 696 data)."""
    lawyer = browser.new_context(base_url=live_server, locale="es-ES").new_page()
    lawyer.set_default_timeout(15000)
    sign_in(lawyer, "lawyer@demo.test")
    lawyer.goto("/legal")
    row = lawyer.locator("#mine tr", has_text="Distribuciones Castilla")
    reference = row.locator("a").first.inner_text().strip()
    row.locator("a").first.click()
    lawyer.wait_for_url(re.compile(r"/cases/\d+$"))
    # the filing bundle of its petition: one ZIP with the petition and each document it lists, numbered, and the 696 data
    made = lawyer.locator("#legal form[action*='/bundle']").first
    made.wait_for()
    made.locator("button").click()
    link = lawyer.locator("#legal .bundle-result a[download]").first
    link.wait_for()
    with lawyer.expect_download() as download:
        link.click()
    bundle = zipfile.ZipFile(download.value.path())
    names = bundle.namelist()
    assert any(n.startswith("Documento 1 - ") and n.endswith(".pdf") for n in names), names
    assert any(n.endswith(".docx") for n in names) and any("696" in n for n in names), names
    assert all(bundle.read(n)[:5] == b"%PDF-" for n in names if n.endswith(".pdf"))
    shot(lawyer, "legal-bundle")
    steps = lawyer.locator("#legal form[action*='/steps']").first
    steps.wait_for()
    steps.locator("button[value=served]").click()
    lawyer.wait_for_selector(".flash-success")
    lawyer.wait_for_selector("#deadlines")
    steps = lawyer.locator("#legal form[action*='/steps']").first
    steps.locator("input[name=note]").fill("Oposición notificada por LexNET")
    steps.locator("button[value=opposed]").click()
    lawyer.wait_for_selector(".flash-success")
    lawyer.wait_for_selector("#deadlines >> text=ordinario")
    assert "Oposición notificada por LexNET" in lawyer.locator("#legal .filing-steps").inner_text()
    offer = lawyer.locator("#legal [id^='ordinario-offer-']")
    assert "818.2" in offer.inner_text() and "€" in offer.inner_text()  # the month, and the fee less the monitorio's
    shot(lawyer, "legal-filing-opposed")
    offer.locator("button").click()  # the ordinario claim, generated from the case
    lawyer.wait_for_selector(".flash-success")
    assert "ordinario" in lawyer.locator("#documents").inner_text().lower()

    lawyer.goto("/legal")
    agenda = lawyer.locator("#agenda li", has_text=reference).all_inner_texts()
    assert any("ordinario" in item for item in agenda), agenda
    shot(lawyer, "legal-agenda-ordinario")
