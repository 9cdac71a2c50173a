"""Security headers on every answer, pages and API alike: a Content-Security-Policy that runs no inline script and
loads nothing from elsewhere, no framing, no MIME sniffing, a referrer only within the site (none from the debtor's
pages, whose addresses carry signed tokens), and nothing of a debtor kept in a cache: ``Cache-Control: no-store`` on
every answer but the static files, unless a route set its own.

Added outside Litestar's error handling (agency.logs.RequestLogMiddleware), so error pages and redirects carry them
too. A page that needs a script has it in static/; htmx runs without eval (``allowEval: false`` in the pages). The API's
documentation pages (/schema) have a policy of their own (DOCS_POLICY)."""
from __future__ import annotations

from urllib.parse import urlsplit

STATIC = "/static/"
DEBTOR_PATHS = ("/p/", "/portal/", "/api/v1/portal/", "/payments/")
# The API's documentation pages (Litestar's Redoc, Swagger UI, Scalar, Elements, RapiDoc) are scripts from their CDNs
# started by an inline script: their own policy lets those run. They show the API's description, nothing of a debtor.
DOCS = "/schema"
DOCS_SOURCES = "https://cdn.jsdelivr.net https://cdn.redoc.ly https://unpkg.com"
DOCS_POLICY = "; ".join((
    "default-src 'self'",
    f"script-src 'self' 'unsafe-inline' {DOCS_SOURCES}",
    f"style-src 'self' 'unsafe-inline' {DOCS_SOURCES} https://fonts.googleapis.com",
    f"font-src 'self' data: {DOCS_SOURCES} https://fonts.gstatic.com",
    f"img-src 'self' data: {DOCS_SOURCES}",
    "worker-src 'self' blob:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
))


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def content_security_policy(form_targets: tuple[str, ...] = ()) -> str:
    """``form_targets``: the origins a page's form may post to besides this site (Redsys's payment page)."""
    return "; ".join((
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'none'",
        " ".join(("form-action 'self'", *form_targets)),
        "frame-ancestors 'none'",
    ))


class SecurityHeaders:
    """The headers added to every answer's start (by agency.logs.RequestLogMiddleware, the one wrapper around the whole
    application, which also writes the access line)."""

    def __init__(self, form_targets: tuple[str, ...] = ()):
        common = [(b"content-security-policy", content_security_policy(form_targets).encode()), (b"x-frame-options", b"DENY"),
                  (b"x-content-type-options", b"nosniff")]
        self._staff = [*common, (b"referrer-policy", b"same-origin")]
        self._debtor = [*common, (b"referrer-policy", b"no-referrer")]
        self._docs = [(b"content-security-policy", DOCS_POLICY.encode()), *common[1:], (b"referrer-policy", b"same-origin")]

    def add(self, path: str, headers: list) -> None:
        """Add to ``headers`` (an answer's, for ``path``) those it does not set itself."""
        extra = self._debtor if path.startswith(DEBTOR_PATHS) else self._docs if path.startswith(DOCS) else self._staff
        present = {bytes(name).lower() for name, _ in headers}
        headers.extend(header for header in extra if header[0] not in present)
        if not path.startswith(STATIC) and b"cache-control" not in present:
            headers.append((b"cache-control", b"no-store"))
