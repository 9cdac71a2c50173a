"""The case page at 1366 x 900: only the parts' bar stays stuck at the top, and once the header has scrolled away the
bar names the case and what is outstanding (the header and the bar stuck together took 284 px of the window: a tester)."""
import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import first_case_at

pytestmark = pytest.mark.e2e


def test_scrolled_the_bar_alone_stays_and_names_the_case(browser, live_server):
    page = first_case_at(browser, live_server, 1366, 900)
    reference = page.locator(".case-header h1").inner_text().strip()
    named = page.locator("nav.case-parts .case-parts-id")
    assert not named.is_visible()  # the header says it
    page.mouse.move(600, 600)
    page.mouse.wheel(0, 1500)
    expect(named).to_be_visible()
    assert reference in named.inner_text() and "Pendiente" in named.inner_text()
    bar = page.locator("nav.case-parts").bounding_box()
    assert bar["y"] <= 1 and bar["height"] < 70  # stuck at the top, one line
    assert page.locator(".case-header").bounding_box()["y"] < 0  # the header scrolled away
