"""A negotiator works five cases from the queue with the keyboard only (issue 23): "n" takes the next case, "c"
reaches the contact form, Tab walks its fields, the date is typed, Enter saves; "m" records a payment; "?" lists the
page's keys; "/" reaches the search box. At 1280 px and again at 390 px."""
import re
from datetime import timedelta

import pytest
from stdnum.es import cif

from agency import clock
from tests.e2e.conftest import push_other_cases_aside, shot, sign_in
from tests.e2e.test_portal_journey import new_case

pytestmark = pytest.mark.e2e


def cif_of(base: str) -> str:
    return base + cif.calc_check_digits(base)[0]


def tab_to(page, selector: str, limit: int = 40) -> None:
    """Tab until the focus is on ``selector`` (what a keyboard user does), failing if it never gets there."""
    for _ in range(limit):
        if page.evaluate("(s) => document.activeElement && document.activeElement.matches(s)", selector):
            return
        page.keyboard.press("Tab")
    pytest.fail(f"Tab never reached {selector}")


def type_date(page, day) -> None:
    """Type a date into the focused date field, in the order the browser shows its parts (month first in this
    Chromium's own locale, day first in others), as a person reads the field."""
    for order in ("%m%d%Y", "%d%m%Y", "%Y%m%d"):
        page.keyboard.type(day.strftime(order))
        if page.evaluate("document.activeElement.value") == day.isoformat():
            return
        for _ in range(3):  # clear the three parts and try the next order
            page.keyboard.press("Backspace")
            page.keyboard.press("Shift+Tab")
        page.keyboard.press("Tab")
    pytest.fail("the date field took no order of the date's parts")


def work_cases(page, label: str, count: int) -> list[str]:
    page.goto("/queue")
    page.keyboard.press("j")  # the first row's case is reachable from the keyboard
    assert page.evaluate("document.activeElement.closest('tbody[data-key-rows]') !== null")
    page.keyboard.press("?")
    help_box = page.locator("#keys-help")
    assert help_box.is_visible() and "n" in help_box.locator("dl.keys").inner_text()
    page.keyboard.press("Escape")
    assert not help_box.is_visible()

    worked = []
    later = clock.today() + timedelta(days=20)
    n = 0
    for _attempt in range(count + 30):
        if n == count:
            break
        before = page.url
        page.wait_for_load_state("networkidle")
        page.keyboard.press("n")
        page.wait_for_url(lambda url: re.search(r"/cases/\d+$", url) is not None and url != before)
        reference = page.locator("h1").inner_text().strip()
        if "Teclado" not in page.locator(".case-header").inner_text():
            # a case another journey left in the queue (its debtor may be one the demo negotiator may not call): its next
            # action a month off, as a negotiator would, so "take next" moves on to the cases made for this journey
            token = next(c["value"] for c in page.context.cookies() if c["name"] == "agency_csrf")
            case_id = re.search(r"/cases/(\d+)$", page.url).group(1)
            r = page.request.post(f"/api/v1/cases/{case_id}/activities", headers={"x-csrftoken": token}, data={
                "kind": "note", "body": "Para otro recorrido", "next_action_on": (clock.today() + timedelta(days=30)).isoformat()})
            assert r.status == 201, r.text()
            continue
        if page.viewport_size["width"] < 600:  # the case page fits a phone: its tables are cards, nothing scrolls sideways
            assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"] + 1
        assert reference not in worked  # a case worked with a next action does not come back
        if n == 0:  # a payment first (it sets the case's next action), reached with its key
            page.keyboard.press("m")
            assert page.evaluate("document.activeElement.name") == "amount"
            page.keyboard.type("1,00")
            page.keyboard.press("Enter")
            page.wait_for_selector("#timeline >> text=1,00")
        page.keyboard.press("c")
        assert page.evaluate("document.activeElement.id") == "c-kind"
        tab_to(page, "#c-next")
        type_date(page, later)
        tab_to(page, "#c-body")
        page.keyboard.type(f"Llamada {n + 1} sin respuesta ({label}).")
        tab_to(page, "#log-contact button[type=submit]")
        page.keyboard.press("Enter")
        page.wait_for_selector(f"#timeline >> text=Llamada {n + 1} sin respuesta ({label}).")
        assert page.locator("#live").count() == 1
        worked.append(reference)
        n += 1
    assert n == count, worked
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "topbar-q" or page.viewport_size["width"] < 600
    return worked


def test_a_negotiator_works_five_cases_with_the_keyboard(page, browser, live_server):
    # seven cases due now, whatever the journeys before this one left in the queue
    fresh = [new_case(browser, live_server, f"Teclado {n} S.L.", cif_of(f"B7{n:06d}"), f"teclado{n}@journey.test", "300.00") for n in range(1, 8)]
    sign_in(page, "negotiator@demo.test")
    token = next(c["value"] for c in page.context.cookies() if c["name"] == "agency_csrf")
    for case_id in fresh:
        assert page.request.post(f"/api/v1/cases/{case_id}/transitions", headers={"x-csrftoken": token}, data={"to": "amicable"}).status == 200
    push_other_cases_aside()  # (the cases other suites left due, for other creditors: a month off)
    worked = work_cases(page, "1280", 5)
    shot(page, "keyboard-case")
    assert len(set(worked)) == 5

    phone = browser.new_context(base_url=live_server, locale="es-ES", viewport={"width": 390, "height": 844}, is_mobile=True)
    small = phone.new_page()
    small.set_default_timeout(15000)
    sign_in(small, "negotiator@demo.test")
    assert small.evaluate("document.documentElement.scrollWidth") <= 390 + 1  # no sideways scrolling on the queue
    more = work_cases(small, "390", 2)
    assert not set(more) & set(worked)
    shot(small, "keyboard-case-390")
    phone.close()


def test_the_top_bar_fits_one_line_at_1366_px(browser, live_server):
    from tests.e2e.conftest import DEMO_CREDITORS

    for email in (DEMO_CREDITORS["Distribuciones Levante S.L."], "admin@demo.test", "negotiator@demo.test", "lawyer@demo.test"):
        context = browser.new_context(base_url=live_server, locale="es-ES", viewport={"width": 1366, "height": 800})
        page = context.new_page()
        sign_in(page, email)
        for language in ("es", "en"):
            if language == "en":
                page.select_option("#lang-select", "en")
                page.wait_for_selector("html[lang=en]", state="attached")
            tops = page.evaluate("[...document.querySelectorAll('header.topbar > a.brand, header.topbar > nav, header.topbar > .topbar-end')]"
                                 ".map(e => e.getBoundingClientRect()).map(r => [Math.round(r.top), Math.round(r.bottom)])")
            assert max(bottom for _top, bottom in tops) - min(top for top, _bottom in tops) < 56, (email, language, tops)
        page.select_option("#lang-select", "es")  # the demo users stay in Spanish for the journeys after this one
        page.wait_for_selector("html[lang=es]", state="attached")
        context.close()
