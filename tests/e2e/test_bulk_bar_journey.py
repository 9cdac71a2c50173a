"""The case list's bulk bar: it shows the fields of the action chosen, and with no case ticked it says so where the button
is and nothing is sent (an outside tester's findings: every field was shown whatever the action, and "Apply" with nothing
selected went to a page of its own saying so)."""
import pytest

from tests.e2e.conftest import shot, sign_in

pytestmark = pytest.mark.e2e


def test_the_bulk_bar_shows_its_action_s_fields_and_refuses_nothing_ticked_in_place(page):
    sign_in(page, "admin@demo.test")
    page.goto("/cases")
    assert page.locator("#bulk-to").is_visible() and page.locator("#bulk-reason").is_visible()  # moving: stage, reason
    assert not page.locator("#bulk-outcome").is_visible()  # and the outcome only for a move to Closed
    page.select_option("#bulk-to", "closed")
    assert page.locator("#bulk-outcome").is_visible()
    page.select_option("#bulk-to", "amicable")
    assert not page.locator("#bulk-outcome").is_visible()
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
    page.locator("thead input[data-check-all]").check()
    assert status.inner_text() == ""
    page.locator("thead input[data-check-all]").uncheck()
    page.locator("#bulk-form button[type=submit]").click()
    assert status.inner_text() == "Seleccione al menos un expediente." and not sent
    # with one ticked, what was said goes, and the bar sends it (the summary page follows)
    page.locator("input[name=ids]").first.check()
    assert status.inner_text() == ""
    page.locator("#bulk-form button[type=submit]").click()
    page.wait_for_url("**/cases/bulk")
    assert "1" in page.locator("main").inner_text()


def test_on_a_phone_the_bulk_bar_is_folded_and_selects_all_the_cards(browser, live_server):
    """On a phone the table is cards (no header and its "select all"), and the bar stood above every card (an outside
    tester): it is one line, which opens to the bar with a "select all" of its own and counts what is ticked."""
    phone = browser.new_context(base_url=live_server, locale="es-ES", viewport={"width": 390, "height": 844}, is_mobile=True).new_page()
    phone.set_default_timeout(15000)
    sign_in(phone, "admin@demo.test")
    phone.goto("/cases")
    assert phone.locator("#topbar-q").bounding_box()["width"] > 300  # the search box is the top bar's first line, all of it
    bar = phone.locator("details.bulk-box")
    assert not phone.locator("#bulk-action").is_visible()  # folded
    assert bar.locator("summary").bounding_box()["height"] < 60
    bar.locator("summary").click()
    everything = bar.locator("input[data-check-all]")
    assert phone.locator("#bulk-action").is_visible() and everything.is_visible()
    everything.check()
    cards = phone.locator('input[name="ids"][form="bulk-form"]')
    assert cards.count() > 1 and cards.evaluate_all("boxes => boxes.every((b) => b.checked)")
    assert bar.locator("[data-selected-count]").inner_text() == f"({cards.count()})"
    shot(phone, "bulk-bar-390")
    cards.first.uncheck()
    assert bar.locator("[data-selected-count]").inner_text() == f"({cards.count() - 1})"
    assert phone.evaluate("document.documentElement.scrollWidth") <= 391
    # the cards sort as the table's headings do (they are hidden on a phone)
    phone.locator(".sort-links a[data-sort=reference]").click()
    phone.wait_for_url("**sort=reference**")
    refs = phone.locator('td[data-label="Referencia"] a').all_inner_texts()
    assert len(refs) > 1 and refs == sorted(refs)
    # on a wide screen the bar is open, and its own "select all" is not shown (the table's header has one)
    page = browser.new_context(base_url=live_server, locale="es-ES", viewport={"width": 1280, "height": 860}).new_page()
    sign_in(page, "admin@demo.test")
    page.goto("/cases")
    assert page.locator("#bulk-action").is_visible() and not page.locator("details.bulk-box input[data-check-all]").is_visible()


def test_going_back_and_forth_over_a_filtered_list_raises_no_script_error(page):
    """htmx restores a page from its history with no swapped target: two listeners read the target's parent and threw
    (an outside tester, Back after filtering the list)."""
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(page, "admin@demo.test")
    page.goto("/cases")
    page.fill("#q", "Turia")
    page.wait_for_url("**q=Turia**")
    page.locator("#case-table").wait_for()
    page.go_back()
    page.wait_for_url("**/cases")
    assert page.locator("#q").input_value() == ""
    page.go_forward()
    page.wait_for_url("**q=Turia**")
    page.wait_for_timeout(300)
    assert not errors, errors
    assert page.locator("#q").input_value() == "Turia"  # the box says what the list is filtered by
