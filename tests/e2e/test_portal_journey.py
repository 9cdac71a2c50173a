"""The debtor's door in a real browser: a negotiator sends the reminder email; the debtor opens the link from the
email the SMTP server received, on a phone, proves who they are, pays 100 EUR by card through the loopback Redsys
double, and sees it; the negotiator sees the payment on the case."""
import os
import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from agency import clock
from tests.e2e.conftest import open_part, shot, sign_in

pytestmark = pytest.mark.e2e


def new_case(browser, live_server, name: str, tax_id: str, email: str, amount: str) -> int:
    """A fresh claim of a demo creditor, accepted into the amicable stage (no other journey touches it): its id."""
    from tests.e2e.conftest import DEMO_CREDITORS
    from tests.http.cases.test_stages import PDF

    context = browser.new_context(base_url=live_server, locale="es-ES")
    cp = context.new_page()
    sign_in(cp, DEMO_CREDITORS["Distribuciones Levante S.L."])
    token = next(c["value"] for c in cp.context.cookies() if c["name"] == "agency_csrf")
    due = (clock.today() - timedelta(days=40)).isoformat()
    claim = cp.request.post("/api/v1/claims", headers={"x-csrftoken": token}, data={
        "creditor_reference": f"E2E-{tax_id}", "debtor": {"kind": "company", "name": name, "tax_id": tax_id, "email": email,
                                                         "address": {"line1": "C/ Sol 3", "city": "Valencia", "postal_code": "46001", "country": "ES"}},
        "invoices": [{"number": f"E2E-{tax_id}-{clock.today().isoformat()}", "issue_date": due, "due_date": due, "amount": amount}]})
    assert claim.status == 201, claim.text()
    case_id = claim.json()["id"]
    r = cp.request.post(f"/api/v1/cases/{case_id}/evidence", headers={"x-csrftoken": token},
                        multipart={"file": {"name": "factura.pdf", "mimeType": "application/pdf", "buffer": PDF}})
    assert r.status == 201, r.text()
    context.close()
    return case_id


def accept_case(page, case_id: int) -> str:
    """As the signed-in negotiator, move the case into the amicable stage and open it: the CSRF token."""
    token = next(c["value"] for c in page.context.cookies() if c["name"] == "agency_csrf")
    r = page.request.post(f"/api/v1/cases/{case_id}/transitions", headers={"x-csrftoken": token}, data={"to": "amicable"})
    assert r.status == 200, r.text()
    page.goto(f"/cases/{case_id}")
    return token


def test_a_debtor_pays_from_the_reminder_email_on_a_phone(page, browser, live_server, smtp_server):
    case_id = new_case(browser, live_server, "Pago Journey S.L.", "B9876543A", "pago@journey.test", "640.00")
    sign_in(page, "negotiator@demo.test")
    accept_case(page, case_id)
    case_url = page.url
    debtor = page.request.get(f"/api/v1/cases/{case_id}").json()["debtor"]
    verifier = debtor["tax_id"]
    # the reminder, sent from the case page, goes out through the worker to the SMTP server
    page.locator("#msg").select_option("overdue")  # a reminder no other test edits (test_messages rewrites "reminder")
    page.locator("form[action$='/messages'] button").click()
    page.wait_for_selector(".flash-success, .flash-info")
    env = dict(os.environ, AGENCY_SMTP_URL=smtp_server["url"])
    # (a round sends a hundred messages, oldest first: the journeys before this one may have left more waiting)
    for _round in range(10):
        subprocess.run([str(Path(sys.executable).parent / "agency"), "worker", "--once"], check=True, env=env, capture_output=True, timeout=120)
        mail = next((m for m in smtp_server["received"] if m["To"] == debtor["email"]), None)
        if mail is not None:
            break
    assert mail is not None, f"no message reached {debtor['email']}"
    body = mail.get_payload(decode=True).decode()
    link = re.search(r"(http://127\.0\.0\.1:\d+/p/[\w-]+)", body).group(1)

    phone = browser.new_context(locale="es-ES", viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True)
    debtor_page = phone.new_page()
    debtor_page.set_default_timeout(15000)
    debtor_page.goto(link)
    assert debtor["name"] not in debtor_page.content()  # nothing personal before the proof
    debtor_page.locator("#verifier").fill("WRONG1234")
    debtor_page.locator("form button[type=submit]").click()
    debtor_page.wait_for_selector("#verify-error")
    debtor_page.locator("#verifier").fill(verifier)
    debtor_page.locator("form button[type=submit]").click()
    debtor_page.wait_for_selector("#outstanding")
    assert debtor_page.evaluate("document.documentElement.scrollWidth") <= 360  # no sideways scrolling on a small phone
    shot(debtor_page, "portal-phone")
    debtor_page.locator("input[name=amount][value=custom]").check()
    debtor_page.locator("#custom_amount").fill("100")
    debtor_page.locator("#pay button[type=submit]").click()
    debtor_page.wait_for_selector("#amount >> text=100.00 EUR")  # Redsys's (the double's) page
    debtor_page.locator("#pay").click()
    debtor_page.wait_for_selector("#payment-status >> text=100,00")
    assert "hemos recibido" in debtor_page.locator("#payment-status").inner_text()
    shot(debtor_page, "portal-paid")
    phone.close()

    page.goto(case_url)
    open_part(page, "money")
    page.locator("#ledger > summary").click()
    assert page.locator("#ledger tr", has_text="100,00").count() >= 1


def test_a_debtor_chooses_a_plan_and_the_creditor_sees_it(page, browser, live_server):
    """The negotiator hands the debtor a link (with its QR code); the debtor chooses 3 instalments on an English phone and
    accepts the acknowledgement; the creditor sees the plan on the case."""
    from tests.e2e.conftest import DEMO_CREDITORS

    case_id = new_case(browser, live_server, "Plan Journey S.L.", "B98765431", "plan@journey.test", "1500.00")
    sign_in(page, "negotiator@demo.test")
    accept_case(page, case_id)
    page.locator("#debtor-link > summary").click()
    page.locator("#debtor-link form[action$='/debtor-link'] button").click()
    link = page.locator("#dl-url").input_value()
    assert "/p/" in link and page.locator("#link-result svg").count() == 1  # the QR code to hand over

    phone = browser.new_context(locale="en-GB", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    dp = phone.new_page()
    dp.set_default_timeout(15000)
    dp.goto(link)
    dp.locator("#verifier").fill("B98765431")
    dp.locator("form button[type=submit]").click()
    dp.wait_for_selector("#choose-plan")
    dp.locator("#plan-n").select_option("3")
    dp.locator("#choose-plan button[type=submit]").click()
    dp.wait_for_selector("#acknowledgement")
    assert "Plan Journey S.L." in dp.locator("#acknowledgement").inner_text()
    dp.locator("input[name=accept]").check()
    dp.locator("#plan-review form button[type=submit]").click()
    dp.wait_for_selector("#plan")
    assert dp.locator("#plan li").count() == 3
    assert dp.evaluate("document.documentElement.scrollWidth") <= 390
    shot(dp, "portal-plan")
    phone.close()

    other = browser.new_context(base_url=live_server, locale="es-ES")
    cp = other.new_page()
    sign_in(cp, DEMO_CREDITORS["Distribuciones Levante S.L."])
    cp.goto(f"/cases/{case_id}")
    open_part(cp, "timeline")
    assert cp.locator("body", has_text="Plan de pagos: 3 plazos").count() == 1
    other.close()
