"""The case list's bulk bar: it shows the fields of the action chosen, and with no case ticked it says so where the button
is and nothing is sent (an outside tester's findings: every field was shown whatever the action, and "Apply" with nothing
selected went to a page of its own saying so)."""
import pytest

from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.e2e


def test_the_bulk_bar_shows_its_action_s_fields_and_refuses_nothing_ticked_in_place(page):
    sign_in(page, "admin@demo.test")
    page.goto("/cases")
    assert page.locator("#bulk-to").is_visible() and page.locator("#bulk-reason").is_visible()  # moving: stage, outcome, reason
    assert not page.locator("#bulk-text").is_visible() and not page.locator("#bulk-negotiator").is_visible()
    page.select_option("#bulk-action", "note")
    assert page.locator("#bulk-text").is_visible() and not page.locator("#bulk-to").is_visible()
    page.fill("#bulk-text", "Revisado en bloque")
    sent = []
    page.on("request", lambda request: sent.append(request.url) if request.method == "POST" else None)
    page.locator("#bulk-form button[type=submit]").click()
    status = page.locator("#bulk-form [data-busy-status]")
    status.wait_for()
    assert status.inner_text() == "Seleccione al menos un expediente."
    assert page.url.endswith("/cases") and not sent
    # all ticked at once ("select all on this page") clears it too; untick them and it is said again
    page.locator("input[data-check-all]").check()
    assert status.inner_text() == ""
    page.locator("input[data-check-all]").uncheck()
    page.locator("#bulk-form button[type=submit]").click()
    assert status.inner_text() == "Seleccione al menos un expediente." and not sent
    # with one ticked, what was said goes, and the bar sends it (the summary page follows)
    page.locator("input[name=ids]").first.check()
    assert status.inner_text() == ""
    page.locator("#bulk-form button[type=submit]").click()
    page.wait_for_url("**/cases/bulk")
    assert "1" in page.locator("main").inner_text()
