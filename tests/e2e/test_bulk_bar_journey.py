"""The case list's bulk bar with no case ticked: it says so where the button is, and nothing is sent (an outside tester's
finding: "Apply" with nothing selected went to a page of its own saying so)."""
import pytest

from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.e2e


def test_apply_with_nothing_ticked_says_so_in_place_and_sends_nothing(page):
    sign_in(page, "admin@demo.test")
    page.goto("/cases")
    sent = []
    page.on("request", lambda request: sent.append(request.url) if request.method == "POST" else None)
    page.locator("#bulk-form button[type=submit]").click()
    status = page.locator("#bulk-form [data-busy-status]")
    status.wait_for()
    assert status.inner_text() == "Seleccione al menos un expediente."
    assert page.url.endswith("/cases") and not sent
    # with one ticked, what was said goes, and the bar sends it (the summary page follows)
    page.locator("input[name=ids]").first.check()
    assert status.inner_text() == ""
    page.locator("#bulk-form button[type=submit]").click()
    page.wait_for_url("**/cases/bulk")
