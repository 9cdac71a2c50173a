"""A negotiator takes the next case, logs a call with a promise, agrees a three-instalment plan;
the creditor then sees the stage and the promise on their timeline."""
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from agency import clock
from tests.e2e.conftest import DEMO_CREDITORS, open_part, shot, sign_in, take_demo_case

pytestmark = pytest.mark.e2e


def test_negotiator_works_a_case_and_the_creditor_sees_it(page, browser, live_server):
    sign_in(page, "negotiator@demo.test")
    assert page.url.endswith("/queue")
    creditor = take_demo_case(page)
    case_url = page.url
    reference = page.locator("h1").inner_text().strip()

    promised = (clock.today() + timedelta(days=5)).isoformat()
    contact = page.locator("#c-contact")  # the one on file for the channel (an email kept the phone number: a tester)
    page.select_option("#c-kind", "email")
    assert contact.input_value() == contact.get_attribute("data-email")
    page.select_option("#c-kind", "visit")
    assert contact.input_value() == contact.get_attribute("data-address") and contact.input_value()
    page.select_option("#c-kind", "call")
    assert contact.input_value() == contact.get_attribute("data-phone")
    assert not page.locator("#c-promised-on").is_visible()  # the promise's fields come with its outcome
    page.select_option("#c-outcome", "promise_to_pay")
    page.locator("#c-contact").fill("+34 600 123 456")
    page.locator("#c-body").fill("Dice que pagará 100 euros el viernes.")
    page.locator("#c-promised-on").fill(promised)
    page.locator("#c-promise-amount").fill("100,0x")  # a slip: refused on the form itself, and what was typed stays to be mended
    page.locator("#log-contact button[type=submit]").click()
    error = page.locator("#log-contact .form-error")
    error.wait_for()
    assert "importe" in error.inner_text() and page.locator("#c-promised-on").input_value() == promised
    assert "Dice que pagará" in page.locator("#c-body").input_value()
    shot(page, "negotiator-form-refused")
    page.locator("#c-promise-amount").fill("100,00")
    page.locator("#log-contact button[type=submit]").click()
    # the call and its promise, together: wait for the reloaded page
    page.wait_for_selector("#timeline .event-contact >> text=Dice que pagará 100 euros")
    page.wait_for_selector("#commitments")
    # what the action answered is where the page landed, not at the top of a long page (an outside tester saw nothing)
    expect(page.locator(".moved-flash .flash-success", has_text="Contacto registrado.")).to_be_in_viewport()

    page.locator("#money-actions details:nth-of-type(2) summary").click()
    page.locator("#pn").fill("3")
    page.locator("#p1").fill((clock.today() + timedelta(days=30)).isoformat())
    page.locator("form[action$='/plans'] button").click()
    page.wait_for_selector("#commitments table tbody tr:nth-child(3)")
    shot(page, "negotiator-case")

    # the creditor of that case sees the stage and the promise on their timeline
    creditor_email = DEMO_CREDITORS[creditor]
    other = browser.new_context(base_url=live_server, locale="es-ES")
    cp = other.new_page()
    sign_in(cp, creditor_email)
    cp.goto(case_url)
    open_part(cp, "timeline")
    timeline = cp.locator("#timeline").inner_text()
    assert "Fase amistosa" in timeline
    assert "100,00" in timeline
    assert "Dice que pagará" not in timeline  # the agency's call notes stay internal
    assert cp.locator("#commitments table tbody tr").count() == 3
    shot(cp, "creditor-sees-promise")
    other.close()
    assert reference.startswith("EXP-")
