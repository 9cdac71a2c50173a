"""What every page controller needs: render a page or its htmx fragment, flash, redirect, read forms."""
from __future__ import annotations

import secrets
from typing import Any

from litestar import MediaType, Request, Response
from litestar.exceptions import ClientException
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER
from litestar.utils.scope.state import ScopeState
from markupsafe import Markup, escape

from agency.auth import current_user
from agency.auth import user_of_connection as user_of  # noqa: F401  (re-exported: what every page controller uses)
from agency.i18n import get_language
from agency.i18n import gettext as _
from agency.templating import TOKEN, environment

MAX_JSON_DEPTH = 32  # the deepest body this API takes is a claim: object, invoices, invoice (3)


def nul_refusal() -> ClientException:
    return ClientException(detail=_("The request contains a NUL character (U+0000): remove it and send it again."))


def refuse_unusable(value: Any) -> None:
    """Decoded JSON no handler can take, refused with what to fix: nested deeper than MAX_JSON_DEPTH (validating it
    would exhaust the stack), or text holding a NUL character (PostgreSQL stores none; SQLite would keep it)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item
        if depth > MAX_JSON_DEPTH:
            raise ClientException(detail=_("The JSON is nested more than %(n)s levels deep.") % {"n": MAX_JSON_DEPTH})
        if isinstance(item, dict) and any("\x00" in key for key in item):
            raise nul_refusal()
        for child in children:
            if isinstance(child, (dict, list)):
                stack.append((child, depth + 1))
            elif isinstance(child, str) and "\x00" in child:
                raise nul_refusal()


class AgencyRequest(Request):
    """Litestar's request (the app's ``request_class``), with bodies no handler can take refused as a 400 before any
    handler sees them: JSON nested a thousand deep (a RecursionError in the decoder, a 500 before), and text with a
    NUL character in JSON or a form."""

    async def json(self) -> Any:
        try:
            value = await super().json()
        except RecursionError:
            raise ClientException(detail=_("The JSON is nested more than %(n)s levels deep.") % {"n": MAX_JSON_DEPTH}) from None
        if isinstance(value, str):
            if "\x00" in value:
                raise nul_refusal()
        elif isinstance(value, (dict, list)):
            refuse_unusable(value)
        return value

    async def form(self):  # type: ignore[override]
        form = await super().form()
        if any("\x00" in k or (isinstance(v, str) and "\x00" in v) for k, v in form.multi_items()):
            raise nul_refusal()
        return form


def page(request: Request, template: str, *, status_code: int = 200, fragment: str | None = None, **context: Any) -> Template:
    """The full page to a browser; the fragment template to htmx when one is named and htmx asks."""
    name = fragment if (fragment and request.headers.get("hx-request") == "true") else template
    return Template(template_name=name, context=_context(request, context), status_code=status_code)


def _context(request: Request, context: dict[str, Any]) -> dict[str, Any]:
    """What every page template is given besides its own values (Litestar adds the request)."""
    return {"errors": {}, "form": {}, "user": current_user(request), **context, "request": request}


_SLOT = Markup("\ue000slot\ue000")  # a private-use character: nothing a template writes contains it
_SHELLS: dict[tuple, tuple[list[str], list[str]]] = {}
SHELLS_KEPT = 512  # a shell holds the filter form (every creditor): tens of KB with a thousand creditors


def page_around(request: Request, template: str, *, slot: str, slot_html: Markup, fragment: str | None = None,
                **context: Any) -> Response | Template:
    """A page whose only part that changes from one load to the next is one slot (the queue's rows,
    themselves kept rendered per row): everything around it is rendered once per template, reader,
    language, path and the other context values, and kept, the reader's CSRF token put in on the way
    out. The context values must carry all the page shows of the request besides those (the queue's
    filter form carries its query), and be hashable. A page with a message to show, an empty slot and
    htmx's fragments are rendered whole by page(). The queue is reloaded all day long, and rendering
    around its rows was a quarter of its time (tests/bench/test_queue_speed.py)."""
    session = request.scope.get("session")
    if not slot_html or (isinstance(session, dict) and session.get(FLASH_KEY)) or request.headers.get("hx-request") == "true":
        return page(request, template, fragment=fragment, **{slot: slot_html}, **context)

    user = current_user(request)
    key = (template, get_language(), user and (user.id, user.name, user.role), request.scope["path"], tuple(sorted(context.items())))
    shell = _SHELLS.get(key)
    state = ScopeState.from_scope(request.scope)
    token = state.csrf_token
    if shell is None:
        state.csrf_token = TOKEN
        try:
            html = environment().get_template(template).render(_context(request, {**context, slot: _SLOT}))
        finally:
            state.csrf_token = token
        before, found, after = html.partition(_SLOT)
        if not found or _SLOT in after:
            return page(request, template, fragment=fragment, **{slot: slot_html}, **context)
        if len(_SHELLS) >= SHELLS_KEPT:
            del _SHELLS[next(iter(_SHELLS))]
        shell = _SHELLS[key] = (before.split(TOKEN), after.split(TOKEN))
    token = str(escape(token if isinstance(token, str) else ""))
    return Response(content="".join((token.join(shell[0]), str(slot_html), token.join(shell[1]))), media_type=MediaType.HTML)


_PAGES: dict[tuple, list[str]] = {}
PAGES_KEPT = 512  # a debtor's page is some 20 KB: the pages of the debtors looking at theirs now


def page_kept(request: Request, template: str, *, key: tuple, fresh: tuple[str, ...] = (), **context: Any) -> Response | Template:
    """A page rendered once per template, language, reader, address and ``key`` (which must name all the page shows
    besides those: the debtor's page gives its whole view, what is owed to the cent and the day), and kept, the
    reader's CSRF token put in on the way out. A page with a message to show, and htmx's fragments, are rendered whole
    by page(). The debtor's page is the landing of every message of a mass mailing, and rendering it was most of its
    time (tests/bench/test_portal_speed.py). ``fresh``: names of context values made anew for every response (a form's
    idempotency key), given to the template as a mark each response replaces with a new random value."""
    session = request.scope.get("session")
    if (isinstance(session, dict) and session.get(FLASH_KEY)) or request.headers.get("hx-request") == "true":
        return page(request, template, **context, **{name: secrets.token_hex(12) for name in fresh})
    user = current_user(request)
    full = (template, get_language(), user and (user.id, user.name, user.role), request.scope["path"], request.scope.get("query_string", b""),
            key)
    state = ScopeState.from_scope(request.scope)
    token = state.csrf_token
    parts = _PAGES.get(full)
    if parts is None:
        state.csrf_token = TOKEN
        try:
            html = environment().get_template(template).render(_context(request, {**context, **{name: _fresh_mark(name) for name in fresh}}))
        finally:
            state.csrf_token = token
        if len(_PAGES) >= PAGES_KEPT:
            del _PAGES[next(iter(_PAGES))]
        parts = _PAGES[full] = html.split(TOKEN)
    token = str(escape(token if isinstance(token, str) else ""))
    html = token.join(parts)
    for name in fresh:
        html = html.replace(_fresh_mark(name), secrets.token_hex(12))
    return Response(content=html, media_type=MediaType.HTML)


def _fresh_mark(name: str) -> str:
    return f"\ue002{name}\ue002"  # a private-use character: nothing a template writes contains it


def redirect(path: str, request: Request | None = None) -> Response:
    """303 to ``path``; to htmx, an HX-Redirect so the whole page moves rather than a fragment."""
    if request is not None and request.headers.get("hx-request") == "true":
        # Without the #fragment: a location that differs from the page only by its fragment would
        # scroll instead of reloading, and the page would not show what changed (nor the message).
        return Response(content=b"", status_code=200, headers={"HX-Redirect": path.split("#", 1)[0]})
    return Redirect(path=path, status_code=HTTP_303_SEE_OTHER)


def refuse(request: Request, messages: list[str], back: str) -> Response:
    """A form's input refused. To htmx: a 400 with the reasons, which static/app.js shows at the top of
    the form that was sent, so what was typed stays where it was. Without JavaScript: the reasons as
    messages on the page the form came from."""
    if request.headers.get("hx-request") == "true":
        body = "".join(f'<p class="error">{escape(str(m))}</p>' for m in messages)
        # HX-Retarget: should the script not run, htmx puts the reasons in the page's message area, not over the form.
        return Response(content=body, status_code=400, media_type=MediaType.HTML,
                        headers={"X-Form-Error": "1", "HX-Retarget": "#flash", "HX-Reswap": "innerHTML"})
    for message in messages:
        notify(request, str(message), "error")
    return redirect(back, request)


FLASH_KEY = "_messages"


def notify(request: Request, message: str, category: str = "success") -> None:
    """A message for the next page the person sees (kept in the session cookie)."""
    session = request.scope.get("session")
    if not isinstance(session, dict):
        request.set_session({})
        session = request.scope["session"]
    session.setdefault(FLASH_KEY, []).append({"message": str(message), "category": category})


def pop_flashes(context: dict) -> list[dict]:
    """Template callable: the messages waiting for this page (none when there is no session)."""
    request = context.get("request")
    session = request.scope.get("session") if request is not None else None
    return session.pop(FLASH_KEY, []) if isinstance(session, dict) else []


async def form_data(request: Request) -> dict[str, Any]:
    form = await request.form()
    return {k: v for k, v in form.items() if k != "_csrf_token"}


def safe_next(target: str | None, default: str = "/") -> str:
    """Only local paths: never an open redirect."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return default
