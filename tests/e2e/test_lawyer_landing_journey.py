"""A lawyer opens a case and is on its Legal part at once (issue 23): the page lands there by itself, with the filing and
the buttons of its next steps in view, at 1280 px and at 390 px (the legal journey then records the steps)."""
import re

import pytest

from tests.e2e.conftest import shot, sign_in

pytestmark = pytest.mark.e2e

IN_VIEW = "(el) => { const r = el.getBoundingClientRect(); return r.top >= 0 && r.top < window.innerHeight && r.bottom > 0; }"


def until(page, expression: str, seconds: float = 10) -> None:
    """Wait until ``expression`` holds in the page (evaluated from outside: the page's CSP refuses the eval that
    wait_for_function would run inside it)."""
    for _ in range(int(seconds * 10)):
        if page.evaluate(expression):
            return
        page.wait_for_timeout(100)
    pytest.fail(f"never true: {expression}")


def land_on_legal(page) -> None:
    page.goto("/legal")
    page.locator("#mine tr", has_text="Distribuciones Castilla").locator("a").first.click()
    page.wait_for_url(re.compile(r"/cases/\d+$"))
    steps = page.locator("#legal form[action*='/steps']").first
    steps.wait_for()
    until(page, "document.getElementById('part-legal').getBoundingClientRect().top < window.innerHeight / 2")
    assert page.evaluate("window.scrollY") > 0  # the page moved to Legal by itself
    until(page, "(() => { const r = document.getElementById('legal-court').getBoundingClientRect(); "
                "return r.top >= 0 && r.top < window.innerHeight / 2; })()")  # on the court block, the case being in court
    assert page.locator("#legal form[action*='/steps'] button").first.evaluate(IN_VIEW), "the next step's button is in view"


@pytest.mark.parametrize("width,height", [(1280, 860), (390, 844)])
def test_a_lawyer_lands_on_legal_and_sees_the_filing_without_scrolling(browser, live_server, width, height):
    context = browser.new_context(base_url=live_server, locale="es-ES", viewport={"width": width, "height": height}, is_mobile=width < 600)
    page = context.new_page()
    page.set_default_timeout(15000)
    sign_in(page, "lawyer@demo.test")
    land_on_legal(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= width + 1
    shot(page, f"lawyer-lands-on-legal-{width}")
    context.close()


def test_a_lawyer_stays_on_legal_while_the_parts_above_it_load(browser, live_server):
    """A case not in court (the outside tester's finding): the Work part above Legal, in view for a moment at the top, loaded
    after the page had landed and pushed Legal down out of sight. The page lands again after each fragment."""
    context = browser.new_context(base_url=live_server, locale="en-GB", viewport={"width": 1366, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15000)
    sign_in(page, "lawyer@demo.test")
    page.goto("/cases?stage=amicable")
    page.locator("table a[href^='/cases/']").first.click()
    page.wait_for_url(re.compile(r"/cases/\d+$"))
    page.locator("#legal").wait_for()
    until(page, "!document.querySelector('#part-work[data-lazy-part]')")  # Work (above Legal) has loaded too
    page.wait_for_timeout(800)  # (its own fragments: the phone scripts, the bureau's panel)
    top = page.evaluate("document.getElementById('part-legal').getBoundingClientRect().top")
    assert 0 <= top < 900 / 2, f"Legal is at {top} px"
    shot(page, "lawyer-stays-on-legal")
    context.close()
