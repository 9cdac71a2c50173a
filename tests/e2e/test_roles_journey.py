"""First journey: every demo role signs in and lands on a page made for that role."""
import re

import pytest

from tests.e2e.conftest import shot, sign_in

pytestmark = pytest.mark.e2e

ROLES = [
    ("admin@demo.test", "/admin", "Panel"),
    ("negotiator@demo.test", "/queue", "Mi cola de trabajo"),
    ("lawyer@demo.test", "/legal", "Cola judicial"),
    ("creditor@demo.test", "/home", "Inicio"),
    ("creditor2@demo.test", "/home", "Inicio"),
]


@pytest.mark.parametrize("email,landing,heading", ROLES)
def test_demo_role_lands_on_its_page(page, email, landing, heading):
    sign_in(page, email)
    assert re.search(re.escape(landing) + "$", page.url), page.url
    assert page.locator("h1").first.inner_text().strip() == heading
    assert page.locator("header nav").is_visible()
    shot(page, f"landing-{email.split('@')[0]}")
    # sign out returns to the login page
    page.get_by_role("button", name="Cerrar sesión").click()
    page.wait_for_url(re.compile(r"/login$"))


def test_login_page_and_wrong_password(page):
    page.goto("/")
    assert page.url.endswith("/login")
    shot(page, "login")
    sign_in(page, "admin@demo.test", "wrong-password")
    assert page.get_by_role("alert").first.is_visible()
    assert "/login" in page.url


def test_language_switch_to_english(page):
    sign_in(page, "creditor@demo.test")
    with page.expect_navigation():
        page.select_option("#lang-select", "en")
    assert page.locator("h1").first.inner_text().strip() == "Home"
    shot(page, "creditor-english")
    page.goto("/cases?q=Peris")
    with page.expect_navigation():
        page.select_option("#lang-select", "es")
    assert page.locator("h1").first.inner_text().strip() == "Mis expedientes"
    assert page.url.endswith("/cases?q=Peris"), "the search is kept across the switch"


def test_narrow_screen_is_usable(browser, live_server):
    context = browser.new_context(base_url=live_server, locale="es-ES", viewport={"width": 320, "height": 700})
    pg = context.new_page()
    sign_in(pg, "admin@demo.test")
    assert pg.locator("h1").first.is_visible()
    width = pg.evaluate("document.documentElement.scrollWidth")
    assert width <= 330, f"horizontal scroll at 320px: {width}"
    shot(pg, "admin-320px")
    context.close()


def test_search_box_on_a_narrow_screen(browser, live_server):
    """The top bar's box, on a phone: it fits without a horizontal scroll and finds the demo's debtor by name, without
    the accent's case, and by phone in another format."""
    context = browser.new_context(base_url=live_server, locale="es-ES", viewport={"width": 320, "height": 700})
    pg = context.new_page()
    sign_in(pg, "negotiator@demo.test")
    assert pg.evaluate("document.documentElement.scrollWidth") <= 330
    pg.fill("#topbar-q", "hermanos PERIS")
    with pg.expect_navigation():
        pg.press("#topbar-q", "Enter")
    assert "/search?q=" in pg.url
    assert "Talleres Hermanos Peris S.L." in pg.locator("main").inner_text()
    assert pg.evaluate("document.documentElement.scrollWidth") <= 330, "the results scroll sideways at 320px"
    shot(pg, "search-320px")
    pg.goto("/search?q=962%2000%2003%2003")
    assert "Talleres Hermanos Peris S.L." in pg.locator("main").inner_text()
    context.close()
