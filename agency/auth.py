"""Who is calling: session cookie or bearer token, the role guards, and the CSRF exemption for tokens.

A request carrying ``Authorization: Bearer`` is judged by that token alone (cookies are ignored),
which is why it needs no CSRF token: a browser never attaches such a header cross-site."""
from __future__ import annotations

import re
import time
from dataclasses import dataclass
from hmac import compare_digest
from typing import Any

from litestar.connection import ASGIConnection, Request
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware.csrf import CSRF_SECRET_LENGTH, CSRFMiddleware, generate_csrf_hash
from litestar.types import ASGIApp, Message, Receive, Scope, Send
from litestar.utils.scope.state import ScopeState
from piccolo.querystring import QueryString

from agency import access, i18n
from agency.db import engine
from agency.i18n import gettext as _
from agency.roles import STAFF, Role
from agency.security import token_hash

SESSION_USER = "uid"
SESSION_EPOCH = "epoch"
LANGUAGE_COOKIE = "lang"
CSRF_COOKIE = "agency_csrf"


@dataclass(frozen=True)
class CurrentUser:
    id: int
    email: str
    name: str
    role: Role
    organisation_id: int | None
    language: str
    via_token: bool = False

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF

    @property
    def is_creditor(self) -> bool:
        return self.role == Role.creditor


# Every request looks its caller up: plain SQL, built once (Piccolo's join building cost more than the query).
_TOKEN_SQL = (
    'SELECT u.id, u.email, u.name, u.role, u.organisation, u.language, u.active FROM api_tokens t JOIN users u ON u.id = t."user" '
    "WHERE t.token_hash = {} AND t.revoked_at IS NULL"
)
_SESSION_SQL = "SELECT id, email, name, role, organisation, language, session_epoch FROM users WHERE id = {} AND active = {}"


def current_from_row(row: dict[str, Any], via_token: bool) -> CurrentUser:
    return CurrentUser(
        id=row["id"],
        email=row["email"],
        name=row["name"],
        role=Role(row["role"]),
        organisation_id=row["organisation"],
        language=row["language"],
        via_token=via_token,
    )


async def _one(sql: str, *args) -> dict[str, Any] | None:
    rows = await engine().run_querystring(QueryString(sql, *args))
    return dict(rows[0]) if rows else None


# Who a token or session is, remembered for a few seconds per process: a negotiator's page loads and
# htmx requests come in bursts, and the lookup was a query on every one of them. This process forgets at
# once when it changes a user or a token (forget_users); another worker process notices within this time.
USER_CACHE_SECONDS = 5.0
_recent: dict[tuple, tuple[float, CurrentUser | None]] = {}


def forget_users() -> None:
    _recent.clear()


def _remembered(key: tuple) -> tuple[bool, CurrentUser | None]:
    hit = _recent.get(key)
    if hit is not None and hit[0] > time.monotonic():
        return True, hit[1]
    return False, None


def _remember(key: tuple, user: CurrentUser | None) -> CurrentUser | None:
    if len(_recent) > 10_000:
        _recent.clear()
    _recent[key] = (time.monotonic() + USER_CACHE_SECONDS, user)
    return user


async def user_for_token(token: str) -> CurrentUser | None:
    key = ("token", token_hash(token))
    known, user = _remembered(key)
    if known:
        return user
    row = await _one(_TOKEN_SQL, key[1])
    return _remember(key, None if row is None or not row["active"] else current_from_row(row, via_token=True))


async def user_for_session(session: dict[str, Any]) -> CurrentUser | None:
    uid = session.get(SESSION_USER)
    if not isinstance(uid, int) or not 0 < uid < 2**31:
        return None
    key = ("session", uid, session.get(SESSION_EPOCH))
    known, user = _remembered(key)
    if known:
        return user
    row = await _one(_SESSION_SQL, uid, True)
    return _remember(key, None if row is None or row["session_epoch"] != key[2] else current_from_row(row, via_token=False))


DEBTOR_API = "/api/v1/portal/"  # routes for debtors (no account), whose bearer tokens the portal checks itself


def _bearer_of(authorization: bytes) -> str | None:
    scheme, _, token = authorization.decode("latin-1").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else None


def bearer_token(scope: Scope) -> str | None:
    for name, value in scope.get("headers", ()):
        if name == b"authorization" and (token := _bearer_of(value)) is not None:
            return token
    return None


@dataclass(frozen=True)
class _Carried:
    """What a request carries that says who calls and in which language, read in one pass over its headers."""
    token: str | None  # a bearer token
    cookies: bool  # any cookie header
    language_cookie: str | None
    accept_language: str | None


def _carried(scope: Scope) -> _Carried:
    token = cookie_lang = accept = None
    cookies = False
    for name, value in scope.get("headers", ()):
        if name == b"authorization" and token is None:
            token = _bearer_of(value)
        elif name == b"cookie":
            cookies = True
            for part in value.decode("latin-1").split(";"):
                key, _, val = part.strip().partition("=")
                if key == LANGUAGE_COOKIE:
                    cookie_lang = val
        elif name == b"accept-language":
            accept = value.decode("latin-1")
    return _Carried(token, cookies, cookie_lang, accept)


class CallerMiddleware:
    """Who is calling, as one plain ASGI step on every route: the browser's session (Litestar's encrypted cookie, read by
    agency.sessions), the caller (``scope["user"]``: a CurrentUser or None, from the bearer token or else the session),
    the request's language, and the CSRF check for cookie-carried requests.

    Litestar's session middleware, an authentication middleware and the CSRF middleware did this as three layers, each
    with its own exclusion checks, connection object and send wrapper, on every request: a third of what the application
    added to a queue API call's own SQL (tests/bench/test_queue_speed.py). Here nothing is decoded that the request does
    not carry: a request without cookies opens no session and gets no wrapper; a bearer request skips the CSRF check (see
    module doc). Static files and the health check get none of it, as before."""

    def __init__(self, app: ASGIApp, session, csrf) -> None:
        self.app = app
        self.sessions = session._backend_class(config=session)
        # (the session's exclusions as Litestar's session middleware read them: path patterns, and a route option)
        self.no_session = re.compile("|".join(session.exclude)) if session.exclude else None
        self.no_session_key = session.exclude_opt_key
        self.checked = TokenAwareCSRFMiddleware(app, csrf)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith("/static/"):
            await self.app(scope, receive, send)
            return
        carried = _carried(scope)
        if not (self.no_session and self.no_session.search(scope["path"])) and not scope["route_handler"].opt.get(self.no_session_key):
            send = await self._open_session(scope, receive, send, carried.cookies)
        token = carried.token
        if token is not None and scope["path"].startswith(DEBTOR_API):
            user = None  # a debtor's portal token: the portal's own routes check it (a staff token is no use there)
        elif token is not None:
            user = await user_for_token(token)
            if user is None:
                raise NotAuthorizedException(detail="The API token is invalid or was revoked.")
        else:
            user = await user_for_session(scope.get("session") or {})
        scope["user"] = user
        client = scope.get("client")
        access.begin(client[0] if client else "", scope["path"])  # (where this request's reads are noted from)
        i18n.set_language(i18n.pick_language(user.language if user else None, carried.language_cookie, carried.accept_language))
        if token is not None:
            await self.app(scope, receive, send)
        else:
            await self.checked(scope, receive, send)

    async def _open_session(self, scope: Scope, receive: Receive, send: Send, cookies: bool) -> Send:
        """``scope["session"]`` from the cookie (Litestar's SessionMiddleware, as one step), and the send that writes it
        back when it changed: without cookies there is nothing to open, and nothing to write back unless the request
        made a session."""
        if not cookies:
            scope["session"] = {}

            async def send_new_session(message: Message) -> None:
                if message["type"] == "http.response.start" and scope.get("session"):
                    await self.sessions.store_in_message(scope["session"], message, ASGIConnection(scope, receive=receive, send=send))
                await send(message)

            return send_new_session
        connection: ASGIConnection = ASGIConnection(scope, receive=receive, send=send)
        scope["session"] = await self.sessions.load_from_connection(connection)

        async def send_session(message: Message) -> None:
            if message["type"] == "http.response.start":
                await self.sessions.store_in_message(scope.get("session"), message, connection)
            await send(message)

        return send_session


CSRF_IN_STREAM = "csrf_in_stream"  # route opt: the token is read from the streamed multipart body
_CSRF_PENDING = "agency.csrf_pending"
_csrf_secret: list[str] = []


class TokenAwareCSRFMiddleware(CSRFMiddleware):
    """Litestar's double-submit CSRF check, skipped for bearer-token requests (see module doc).

    Upload routes (opt ``csrf_in_stream``) stream their multipart body instead of letting the
    middleware buffer it to find the token: for those, the check is left to ``agency.uploads``,
    which makes it before anything is kept."""

    def __init__(self, app: ASGIApp, config) -> None:
        super().__init__(app, config)
        _csrf_secret[:] = [config.secret]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and bearer_token(scope) is not None:
            await self.app(scope, receive, send)
            return
        if (
            scope["type"] == "http"
            and scope["method"] not in self.config.safe_methods
            and scope["route_handler"].opt.get(CSRF_IN_STREAM)
            and not dict(scope["headers"]).get(self.config.header_name.encode())
        ):
            scope.setdefault("state", {})[_CSRF_PENDING] = True
            # Pages rendered in answer (a refused form, the review step) still need the token.
            cookie = Request(scope).cookies.get(self.config.cookie_name)
            if cookie:
                ScopeState.from_scope(scope).csrf_token = cookie
            await self.app(scope, receive, send)
            return
        await super().__call__(scope, receive, send)


def csrf_pending(scope: Scope) -> bool:
    return bool(scope.get("state", {}).get(_CSRF_PENDING))


def check_streamed_csrf(scope: Scope, cookie_token: str | None, form_token: str | None) -> None:
    """The double-submit check for a token that came inside a streamed body."""

    def decode(token: str | None) -> str | None:
        if not token or len(token) < CSRF_SECRET_LENGTH + 1 or not _csrf_secret:
            return None
        secret_part, signature = token[:CSRF_SECRET_LENGTH], token[CSRF_SECRET_LENGTH:]
        return secret_part if compare_digest(signature, generate_csrf_hash(secret_part, _csrf_secret[0])) else None

    a, b = decode(form_token), decode(cookie_token)
    if a is None or b is None or not compare_digest(a, b):
        raise PermissionDeniedException(detail="CSRF token verification failed")


def current_user(connection: ASGIConnection) -> CurrentUser | None:
    return connection.scope.get("user")


async def login_required(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    if current_user(connection) is None:
        raise NotAuthorizedException(detail=_("Sign in to continue."))


def roles(*allowed: Role):
    """A guard: signed in, and with one of these roles (403 otherwise). Async on purpose: Litestar runs
    a plain function guard in a worker thread, a thread hop on every request for two comparisons."""

    async def guard(connection: ASGIConnection, _handler: BaseRouteHandler) -> None:
        user = current_user(connection)
        if user is None:
            raise NotAuthorizedException(detail=_("Sign in to continue."))
        if user.role not in allowed:
            raise PermissionDeniedException(detail=_("Your role does not give access to this page."))

    guard.__name__ = "roles_" + "_".join(r.value for r in allowed)
    return guard


admin_only = roles(Role.admin)
staff_only = roles(*STAFF)
anyone_signed_in = roles(*Role)


def user_of_connection(connection: ASGIConnection) -> CurrentUser:
    """The caller of a guarded route."""
    user = current_user(connection)
    if user is None:
        raise NotAuthorizedException(detail=_("Sign in to continue."))
    return user
