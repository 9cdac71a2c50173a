"""The case page's bar at 1366 x 900 (an outside tester): it lists the parts in the page's order, and marks the part
under the sticky header, not one showing a few pixels behind it or an earlier one in its order."""
import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import first_case_at

pytestmark = pytest.mark.e2e


def current(page) -> list[str]:
    return page.locator("nav.case-parts a[aria-current=true]").evaluate_all("links => links.map((a) => a.getAttribute('href'))")


def test_the_bar_follows_the_page_and_marks_the_part_being_read(browser, live_server):
    page = first_case_at(browser, live_server, 1366, 900)
    bar = page.locator("nav.case-parts a").evaluate_all("links => links.map((a) => a.getAttribute('href').slice(1))")
    parts = page.locator(".case-part").evaluate_all("parts => parts.map((p) => p.id)")
    assert bar == parts, (bar, parts)
    for name in ("documents", "money", "timeline", "legal"):
        link = page.locator(f"nav.case-parts a[href='#part-{name}']")
        link.click()
        expect(link).to_have_attribute("aria-current", "true")
        assert current(page) == [f"#part-{name}"]
    # scrolled by the reader, the mark follows what is under the bar
    page.mouse.move(600, 600)
    page.mouse.wheel(0, -100000)
    expect(page.locator("nav.case-parts a").first).to_have_attribute("aria-current", "true")
    page.keyboard.press("2")  # the page's key for Money
    expect(page.locator("nav.case-parts a[href='#part-money']")).to_have_attribute("aria-current", "true")
