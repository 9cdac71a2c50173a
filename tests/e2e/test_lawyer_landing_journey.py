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
