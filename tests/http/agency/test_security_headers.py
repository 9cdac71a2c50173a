"""Every answer says how a browser may use it: a Content-Security-Policy with no inline script, no framing, no MIME
sniffing, a referrer only within the site (none from the debtor's pages, whose addresses carry signed tokens), and no
copy of a page or an API answer kept in a cache; static files keep their caching. The templates hold nothing the
policy would block: a violation breaks htmx silently, so it is checked here and in the browser journeys."""
import re

from agency.settings import ROOT
from tests.factories import api_token, create_org, create_user, signed_in
from tests.http.cases.test_claims import claim_body


def assert_guarded(r, referrer: str = "same-origin", cached: bool = False):
    csp = r.headers.get("content-security-policy", "")
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["default-src"] == "'self'" and directives["script-src"] == "'self'" and directives["style-src"] == "'self'", csp
    assert directives["frame-ancestors"] == "'none'" and directives["object-src"] == "'none'" and directives["base-uri"] == "'none'"
    assert "unsafe" not in csp
    assert r.headers["x-frame-options"] == "DENY" and r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == referrer
    if not cached:
        assert "no-store" in r.headers["cache-control"], (r.url, r.headers.get("cache-control"))


async def test_pages_api_errors_and_redirects_carry_the_headers(client, make_client):
    assert_guarded(await client.get("/login"))
    assert_guarded(await client.get("/queue"))  # the redirect to sign in
    assert_guarded(await client.get("/no-such-page"))  # an error page made outside the routes
    user = await create_user("creditor", await create_org())
    headers = await api_token(client, user["email"])
    case = (await client.post("/api/v1/claims", json=claim_body(), headers=headers)).json()
    assert_guarded(await client.get(f"/api/v1/cases/{case['id']}", headers=headers))
    assert_guarded(await client.get("/api/v1/cases/999999", headers=headers))
    staff, _ = await signed_in(make_client, "negotiator")
    page = await staff.get(f"/cases/{case['id']}")
    assert page.status_code == 200
    assert_guarded(page)
    # Redsys's payment page is the one place outside this site a form may post to.
    assert "form-action 'self' http" in page.headers["content-security-policy"]


async def test_the_debtors_pages_send_no_referrer(client, make_client):
    user = await create_user("creditor", await create_org())
    headers = await api_token(client, user["email"])
    case = (await client.post("/api/v1/claims", json=claim_body(), headers=headers)).json()
    negotiator = await create_user("negotiator")
    staff = await api_token(client, negotiator["email"])
    url = (await client.post(f"/api/v1/cases/{case['id']}/debtor-link", headers=staff)).json()["url"]
    page = await client.get(url.removeprefix("http://testserver.local"))
    assert page.status_code == 200
    assert_guarded(page, referrer="no-referrer")
    assert_guarded(await client.post("/api/v1/portal/session", json={"token": "x", "verifier": "y"}), referrer="no-referrer")


async def test_static_files_keep_their_caching(client):
    r = await client.get("/static/app.css")
    assert r.status_code == 200 and "no-store" not in r.headers.get("cache-control", "")
    assert r.headers["x-content-type-options"] == "nosniff"


# What a Content-Security-Policy without 'unsafe-inline' and 'unsafe-eval' blocks, as it appears in a template.
BLOCKED = {
    "an inline script": re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I),
    "an inline event handler": re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.I),
    "a style attribute": re.compile(r"<[a-z][^>]*\sstyle\s*=", re.I),
    "a <style> element": re.compile(r"<style\b", re.I),
    "a javascript: address": re.compile(r"javascript:", re.I),
    "htmx's hx-on (eval)": re.compile(r"\shx-on", re.I),
    "htmx's js: values (eval)": re.compile(r"hx-va(?:ls|rs)\s*=\s*['\"]\s*(?:js|javascript):", re.I),
    "an htmx trigger filter (eval)": re.compile(r"hx-trigger\s*=\s*['\"][^'\"]*\[", re.I),
}


def test_no_template_holds_what_the_policy_blocks():
    found = []
    for path in sorted((ROOT / "templates").rglob("*.html")):
        text = path.read_text()
        for what, pattern in BLOCKED.items():
            for match in pattern.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                found.append(f"{path.relative_to(ROOT)}:{line}: {what}")
    assert not found, "\n".join(found)


async def test_the_api_documentation_pages_may_load_what_they_are_made_of(client):
    """Litestar's documentation pages are scripts and styles from their CDNs started inline: their policy lets exactly
    those in (they show the API's description, nothing of a debtor), and still no framing."""
    for path in ("/schema", "/schema/redoc", "/schema/swagger", "/schema/elements", "/schema/rapidoc"):
        r = await client.get(path)
        assert r.status_code == 200, path
        directives = dict(d.strip().split(" ", 1) for d in r.headers["content-security-policy"].split(";"))
        assert directives["frame-ancestors"] == "'none'" and r.headers["x-frame-options"] == "DENY"
        scripts = re.findall(r'<script[^>]*\bsrc="(https://[^/"]+)', r.text)
        styles = re.findall(r'<link[^>]*\bhref="(https://[^/"]+)', r.text)
        assert scripts, path
        for origin in scripts:
            assert origin in directives["script-src"].split(), (path, origin)
        for origin in styles:
            assert origin in directives["style-src"].split() or origin in directives["img-src"].split(), (path, origin)
        if re.search(r"<script(?![^>]*\bsrc=)[^>]*>", r.text):
            assert "'unsafe-inline'" in directives["script-src"].split()
