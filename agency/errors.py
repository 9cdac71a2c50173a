"""Errors: JSON with a ``detail`` for the API, a friendly page for the browser, never a leaked trace."""
from __future__ import annotations

import logging
from urllib.parse import quote, urlsplit

from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, NotAuthorizedException, ValidationException
from litestar.exceptions.http_exceptions import RequestEntityTooLarge
from litestar.response import Template
from litestar.status_codes import HTTP_303_SEE_OTHER, HTTP_500_INTERNAL_SERVER_ERROR
from markupsafe import escape

from agency.accounts import FormErrors
from agency import i18n
from agency.auth import LANGUAGE_COOKIE, bearer_token, current_user
from agency.i18n import gettext as _

log = logging.getLogger("agency.errors")
LOGIN_PATH = "/login"
INVALID_TOKEN = "The API token is invalid or was revoked."  # agency.auth's refusal of a bearer token, in English


def wants_json(request: Request) -> bool:
    if request.url.path.startswith("/api/") or request.url.path in {"/health", "/schema"}:
        return True
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


def _validation_detail(exc: ValidationException) -> str:
    parts = []
    for item in exc.extra or []:
        if isinstance(item, dict) and item.get("key") == "data" and item.get("message") == "'data'":  # no body at all
            parts.append(_("The request has no JSON body: send one with the fields this route takes (see /schema)."))
        elif isinstance(item, dict):
            key = item.get("key") or item.get("source") or ""
            parts.append(f"{key}: {item.get('message')}" if key else str(item.get("message")))
    return "; ".join(parts) or (exc.detail or _("The request is not valid."))


def error_json(status: int, detail: str, headers: dict[str, str] | None = None, **extra) -> Response:
    """An error as the API sends every one, in the shape the OpenAPI document declares for errors: ``status_code`` and
    ``detail`` (what to fix), then any machine-readable details (the fields refused, the guards' codes)."""
    body = {"status_code": status, "detail": detail, **{k: v for k, v in extra.items() if k not in ("status_code", "detail")}}
    return Response(body, status_code=status, media_type=MediaType.JSON, headers=headers or None)


def _size(n: int) -> str:
    return f"{n // (1024 * 1024)} MB" if n >= 1024 * 1024 else f"{n // 1024} KB"


def _too_large_detail(request: Request) -> str:
    """Litestar's own 413 (a body over the route's limit, refused before or while it is read) says how much is allowed."""
    handler = request.scope.get("route_handler")
    limit = handler.resolve_request_max_body_size() if handler is not None else None
    if not limit:
        return _("The request is too large.")
    return _("The request is larger than %(size)s, the most this address accepts: send less.") % {"size": _size(limit)}


def _reader_language(request: Request) -> None:
    """An address no route has (a 404 before any route's middleware ran) is answered in the language the browser asked
    for, by the language cookie or its Accept-Language, as agency.auth picks it for every other page."""
    if "user" not in request.scope:
        i18n.set_language(i18n.pick_language(None, request.cookies.get(LANGUAGE_COOKIE), request.headers.get("accept-language")))


def _from_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


def _error_page(request: Request, status: int, message: str, headers: dict[str, str] | None = None, title: str | None = None) -> Response:
    titles = {
        400: _("The request could not be understood"),
        401: _("You are not signed in"),
        403: _("You do not have access to this page"),
        404: _("Page not found"),
        405: _("This action is not allowed here"),
        413: _("The file is too large"),
        429: _("Too many attempts"),
    }
    title = title or titles.get(status, _("Something went wrong"))
    if _from_htmx(request) and 400 <= status < 500:
        # A part of a page asked (a form sent by htmx): the reason goes at the top of that form and what was typed stays
        # (static/app.js, as for agency.web.refuse); a whole error page used to be drawn inside the part.
        return Response(content=f'<p class="error">{escape(str(message or title))}</p>', status_code=status, media_type=MediaType.HTML,
                        headers={**(headers or {}), "X-Form-Error": "1", "HX-Retarget": "#flash", "HX-Reswap": "innerHTML"})
    return Template(
        template_name="error.html",
        context={"user": current_user(request), "status": status, "title": title, "message": message},
        status_code=status,
        headers=headers or None,
    )


def http_exception_handler(request: Request, exc: HTTPException) -> Response:
    status = exc.status_code
    title = None
    if isinstance(exc, ValidationException):
        detail = _validation_detail(exc)
    elif status == 403 and "CSRF" in (exc.detail or ""):
        detail = _("The form expired or was sent from elsewhere. Reload the page and try again.")
        title = _("The form expired")  # (not "no access": the person may do it; the page they sent it from was old)
    elif status == 404 and (exc.detail or "") in {"", "Not Found"}:
        _reader_language(request)
        detail = _("Not found.")
    elif status == 413 and (exc.detail or "") in {"", RequestEntityTooLarge.detail}:
        detail = _too_large_detail(request)
    else:
        detail = exc.detail or ""
    headers = dict(exc.headers or {})
    if isinstance(exc, NotAuthorizedException):
        if detail == INVALID_TOKEN:
            detail = _("The API token is invalid or was revoked.")
        headers.setdefault("WWW-Authenticate", "Bearer")
    if wants_json(request):
        # machine-readable details, e.g. the stage guards' refusal codes
        return error_json(status, detail, headers, **(exc.extra if isinstance(exc.extra, dict) else {}))
    if isinstance(exc, NotAuthorizedException):
        # The sign-in page sends a person with no session there. A bearer token is no session: a wrong one on a page is
        # a 401 (sent to sign in, the same header would be refused again there, and again). The sign-in page itself
        # never sends anyone to itself.
        if bearer_token(request.scope) is None and request.url.path != LOGIN_PATH:
            if _from_htmx(request):  # a part of a page, its session gone: the whole page goes to sign in, and back to that page
                page = urlsplit(request.headers.get("hx-current-url", ""))
                target = (page.path or "/") + (f"?{page.query}" if page.query else "")
                return Response(content=b"", status_code=401, media_type=MediaType.HTML, headers={"HX-Redirect": f"{LOGIN_PATH}?next={quote(target)}"})
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return Response(content=b"", status_code=HTTP_303_SEE_OTHER, media_type=MediaType.HTML,  # (no body: None was JSON's null)
                            headers={"Location": f"{LOGIN_PATH}?next={quote(target)}"})
    return _error_page(request, status, detail, headers, title)


def form_errors_handler(request: Request, exc: FormErrors) -> Response:
    """Services refuse input with FormErrors; pages catch it themselves, the API lands here."""
    detail = "; ".join(f"{field}: {message}" for field, message in exc.errors.items())
    if wants_json(request):
        return error_json(400, detail, errors=exc.errors)
    return _error_page(request, 400, detail)


# PostgreSQL refuses text with a NUL character (SQLSTATE 22021; 22P05 for \u0000 in JSON): input the checks at the
# door (agency.web.AgencyRequest, the address, the streamed forms) did not catch, and the client's to fix. Its
# transaction is rolled back: nothing was written.
NUL_SQLSTATES = {"22021", "22P05"}


def internal_error_handler(request: Request, exc: Exception) -> Response:
    if getattr(exc, "sqlstate", None) in NUL_SQLSTATES:
        message = _("The request contains a NUL character (U+0000): remove it and send it again.")
        if wants_json(request):
            return error_json(400, message)
        return _error_page(request, 400, message)
    log.error("unhandled error", exc_info=exc, extra={"method": request.method, "path": request.url.path})
    message = _("Something went wrong on our side. It has been logged; please try again.")
    if wants_json(request):
        return error_json(HTTP_500_INTERNAL_SERVER_ERROR, message)
    return _error_page(request, 500, message)


def missing_rate_handler(request: Request, exc: Exception) -> Response:
    """Interest that cannot be computed for lack of a statutory rate: say which one, never a silent zero."""
    message = _("Interest cannot be computed: %(what)s") % {"what": str(exc)}
    if wants_json(request):
        return error_json(422, message)
    return _error_page(request, 422, message)


def field_errors_handler(request: Request, exc) -> Response:
    """A domain error that names its fields (``exc.errors``: field -> reason), such as an instalment plan the
    rules refuse: what to fix, as for any form."""
    return form_errors_handler(request, FormErrors({k: str(v) for k, v in exc.errors.items()}))


# The domain's own errors (a missing statutory rate, a refused plan) are added by the shell (agency.app), which
# maps them to missing_rate_handler and field_errors_handler: the foundation imports no case and no law.
EXCEPTION_HANDLERS = {
    HTTPException: http_exception_handler,
    FormErrors: form_errors_handler,
    Exception: internal_error_handler,
}
