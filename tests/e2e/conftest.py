"""Browser journeys: the real server (``agency serve``) in a subprocess on the suite's database,
driven by Playwright through Debian's chromium. Never ``playwright install``.

If chromium or the server cannot start, the journeys fail: they are never skipped."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from agency import clock
from agency.settings import ROOT
from tests.netutil import free_port, wait_until_up

CHROMIUM = os.environ.get("AGENCY_CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = ROOT / "var" / "screenshots"


@pytest.fixture(scope="session")
def redsys_double():
    """The loopback stand-in for Redsys's payment page (cases.portal.double), signing with the merchant's test key."""
    from cases.portal.double import PATH, serve

    port = free_port()
    server = serve(port, os.environ["AGENCY_REDSYS_SECRET_KEY"])
    yield f"http://127.0.0.1:{port}{PATH}"
    server.shutdown()


@pytest.fixture(scope="session")
def live_server(redsys_double):
    bin_dir = Path(sys.executable).parent
    env = dict(os.environ)
    env["AGENCY_REDSYS_URL"] = redsys_double
    subprocess.run([str(bin_dir / "agency"), "demo"], check=True, env=env, capture_output=True)
    port = free_port()
    env["AGENCY_BASE_URL"] = f"http://127.0.0.1:{port}"
    var = Path(os.environ["AGENCY_VAR_DIR"])
    var.mkdir(parents=True, exist_ok=True)
    log = open(var / "server.log", "wb")
    proc = subprocess.Popen([str(bin_dir / "agency"), "serve", "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    wait_until_up(url + "/health", proc, 30, f"the server did not start; see {log.name}")
    yield url
    proc.terminate()
    proc.wait(timeout=30)
    log.close()


# What the Content-Security-Policy blocked in any page of a journey: a blocked script or handler breaks htmx and the
# pages' scripts without a visible error, so every journey fails on one (see csp_violations).
CSP_VIOLATIONS: list[str] = []
_REPORT_VIOLATIONS = """document.addEventListener("securitypolicyviolation", (e) =>
  console.error("CSP violation: " + e.violatedDirective + " " + e.blockedURI + " " + e.sourceFile + ":" + e.lineNumber));"""


def _watched(new_context):
    def make(*args, **kwargs):
        context = new_context(*args, **kwargs)
        context.add_init_script(_REPORT_VIOLATIONS)
        context.on("console", lambda message: CSP_VIOLATIONS.append(f"{message.location.get('url')}: {message.text}")
                   if "Content Security Policy" in message.text or "CSP violation" in message.text else None)
        return context

    return make


@pytest.fixture(scope="module")
def browser():
    # Module scope: sync Playwright runs its own loop, which must be gone before async tests run.
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium)", pytrace=False)
    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        b.new_context = _watched(b.new_context)  # every context a journey opens, the fixtures' and its own
        yield b
        b.close()


@pytest.fixture(autouse=True)
def csp_violations():
    CSP_VIOLATIONS.clear()
    yield CSP_VIOLATIONS
    assert not CSP_VIOLATIONS, "the Content-Security-Policy blocked:\n" + "\n".join(CSP_VIOLATIONS)


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server, locale="es-ES", viewport={"width": 1280, "height": 860})
    pg = context.new_page()
    pg.set_default_timeout(15000)
    yield pg
    context.close()


def shot(page, name: str) -> Path:
    """Screenshots are kept under var/screenshots for a person to look at."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    backend = os.environ.get("AGENCY_TEST_DB", "sqlite")
    path = SCREENSHOTS / f"{backend}-{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def sign_in(page, email: str, password: str = "demo-password") -> None:
    page.goto("/login")
    page.locator("#f-email").fill(email)
    page.locator("#f-password").fill(password)
    page.locator("form[action='/login'] button[type=submit]").click()
    page.wait_for_load_state("networkidle")


def first_case_at(browser, live_server, width: int, height: int, email: str = "admin@demo.test"):
    """A page of its own at this window's size, signed in, on the case the list shows first."""
    page = browser.new_context(base_url=live_server, locale="es-ES", viewport={"width": width, "height": height}).new_page()
    page.set_default_timeout(15000)
    sign_in(page, email)
    page.goto("/cases")
    page.locator("#case-table td a.mono").first.click()
    page.wait_for_url("**/cases/*")
    return page


def open_part(page, name: str) -> None:
    """Open a part of the case page from its bar, as a reader does (issue 23: the parts besides the reader's own are
    fragments loaded when opened), and wait until it is in."""
    page.locator(f"nav.case-parts a[href='#part-{name}']").click()
    page.wait_for_selector("#legal" if name == "legal" else f"#part-{name}:not([data-lazy-part]):not([hx-get])", state="attached")


# The demo creditors' organisations and the user who signs in for each.
DEMO_CREDITORS = {"Distribuciones Levante S.L.": "creditor@demo.test", "Suministros Atlántico S.A.": "creditor2@demo.test"}


# The cases other suites left due in the queue, for creditors other than the demo's, have their next action set a month
# off (as take_demo_case does one by one for any it meets): the journeys work the demo's cases, and the other suites of a
# full run leave more due cases of their own than a journey can push aside one page at a time.
PUSH_OTHERS_ASIDE = """
import asyncio
from datetime import timedelta
from agency import db
from agency.tables import Organisation
from cases.negotiation.queue import QUEUE_STAGES
from cases.tables import Case

async def main():
    await db.start()
    try:
        now = db.utcnow()
        demo = Organisation.select(Organisation.id).where(Organisation.legal_name.is_in(%r))
        await Case.update({Case.next_action_at: now + timedelta(days=30)}).where(
            Case.stage.is_in(list(QUEUE_STAGES)) & Case.negotiator.is_null() & Case.organisation.not_in(demo)
            & (Case.next_action_at.is_null() | (Case.next_action_at <= now)))
    finally:
        await db.stop()

asyncio.run(main())
"""


def push_other_cases_aside() -> None:
    subprocess.run([sys.executable, "-c", PUSH_OTHERS_ASIDE % (list(DEMO_CREDITORS),)], check=True, env=dict(os.environ), capture_output=True,
                   timeout=120)


def take_demo_case(page) -> str:
    """As a signed-in negotiator, take cases from the queue until one belongs to a demo creditor
    (other suites leave cases of their own creditors in the shared database: pushed aside first); its creditor's name."""
    import re

    push_other_cases_aside()
    for _ in range(40):
        page.goto("/queue")
        page.locator("form[action='/queue/take'] button").click()
        page.wait_for_url(re.compile(r"/cases/\d+$"))
        creditor = page.locator(".case-header p", has_text="→").first.inner_text().split("→")[0].strip()
        handed_back = page.locator(".flash-info", has_text="urgente").count() > 0  # one of ours from an earlier journey
        if creditor in DEMO_CREDITORS and not handed_back:
            return creditor
        # Not one for this journey: set its next action a month off, as a negotiator would, or "take next"
        # hands it back (the caller's own due case at the top is the next thing to do).
        from datetime import timedelta

        case_id = re.search(r"/cases/(\d+)$", page.url).group(1)
        token = next(c["value"] for c in page.context.cookies() if c["name"] == "agency_csrf")
        r = page.request.post(f"/api/v1/cases/{case_id}/activities", headers={"x-csrftoken": token}, data={
            "kind": "note", "body": "Para otro recorrido", "next_action_on": (clock.today() + timedelta(days=30)).isoformat()})
        assert r.status == 201, r.text()
    pytest.fail("no demo creditor's case came up in the queue")
