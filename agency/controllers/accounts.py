"""Sign-in (with its second step), sign-out, set-password links, the user's own account, its second factor, language and
API tokens (pages)."""
from __future__ import annotations

import time

from litestar import Controller, Request, Response
from litestar.response import Template

from agency import accounts
from agency.auth import LANGUAGE_COOKIE, SESSION_EPOCH, SESSION_USER, anyone_signed_in, current_user
from agency.http_utils import client_ip
from agency.i18n import LANGUAGES, set_language
from agency.i18n import gettext as _
from agency.roles import Role
from agency.routing import get, post
from agency.tables import ApiToken, User
from agency.web import form_data, notify, page, redirect, safe_next, user_of

LANDING = {Role.admin: "/admin", Role.negotiator: "/queue", Role.lawyer: "/legal", Role.creditor: "/home"}


def start_session(request: Request, user_id: int, epoch: int) -> None:
    request.clear_session()
    request.set_session({SESSION_USER: user_id, SESSION_EPOCH: epoch})


# A sign-in whose password was right and whose second factor is wanted (its code, or its setup where staff must have
# one): kept in the session cookie (encrypted and authenticated, agency.sessions), which signs nobody in until then.
PENDING = "second_step"
PENDING_SECONDS = 600


def _hold_sign_in(request: Request, needed: accounts.SecondFactorNeeded, epoch: int, next_path: str) -> Response:
    request.clear_session()
    request.set_session({PENDING: {"user": needed.user.id, "epoch": epoch, "setup": needed.setup, "next": next_path,
                                   "until": int(time.time()) + PENDING_SECONDS}})
    return redirect("/login/setup" if needed.setup else "/login/code")


async def _held_sign_in(request: Request, setup: bool) -> dict | None:
    """The sign-in waiting for this step, if it has not expired and nothing signed the user out since."""
    session = request.scope.get("session")
    held = session.get(PENDING) if isinstance(session, dict) else None
    if (not isinstance(held, dict) or not isinstance(held.get("user"), int) or held.get("setup") is not setup
            or not isinstance(held.get("until"), int) or held["until"] < time.time()
            or not await accounts.still_signing_in(held["user"], held.get("epoch"))):
        return None
    return held


def _sign_in_again(request: Request) -> Response:
    request.clear_session()
    notify(request, _("Your sign-in has expired: enter your email and password again."), "error")
    return redirect("/login")


async def _begin_session(request: Request, user) -> None:
    """A signed-in session, in the language last chosen in this browser (the sign-in page's, say), which becomes the
    account's: signing in on an English page does not turn Spanish; else the account's own."""
    start_session(request, user.id, await accounts.session_epoch(user.id))
    language = user.language
    chosen = request.cookies.get(LANGUAGE_COOKIE)
    if chosen in LANGUAGES and chosen != language:
        await accounts.set_language(user, chosen)
        language = chosen
    set_language(language)


class AccountPages(Controller):
    @get("/", sync_to_thread=False)
    def home(self, request: Request) -> Response:
        user = current_user(request)
        return redirect(LANDING[user.role] if user else "/login")

    @get("/login")
    async def login_form(self, request: Request, next: str | None = None) -> Response:
        if current_user(request):
            return redirect(safe_next(next))
        return page(request, "agency/login.html", next=safe_next(next, ""))

    @post("/login")
    async def login(self, request: Request) -> Response:
        data = await form_data(request)
        next_path = safe_next(data.get("next"), "")
        try:
            user = await accounts.authenticate(data.get("email", ""), data.get("password", ""), client_ip(request.scope))
        except accounts.SecondFactorNeeded as needed:
            return _hold_sign_in(request, needed, await accounts.session_epoch(needed.user.id), next_path)
        except accounts.LoginRefused as refused:
            headers = {"Retry-After": str(refused.retry_after)} if refused.retry_after else {}
            response = page(
                request,
                "agency/login.html",
                status_code=refused.status,
                next=next_path,
                form={"email": data.get("email", "")},
                login_error=refused.message,
            )
            response.headers.update(headers)
            return response
        return await self._signed_in(request, user, next_path)

    @get("/login/code")
    async def code_form(self, request: Request) -> Response:
        if await _held_sign_in(request, setup=False) is None:
            return _sign_in_again(request)
        return page(request, "agency/login_code.html")

    @post("/login/code")
    async def code(self, request: Request) -> Response:
        held = await _held_sign_in(request, setup=False)
        if held is None:
            return _sign_in_again(request)
        data = await form_data(request)
        try:
            user, how = await accounts.complete_sign_in(held["user"], held["epoch"], data.get("code", ""), client_ip(request.scope))
        except accounts.LoginRefused as refused:
            response = page(request, "agency/login_code.html", status_code=refused.status, errors={"code": refused.message})
            if refused.retry_after:
                response.headers["Retry-After"] = str(refused.retry_after)
            return response
        return await self._signed_in(request, user, held["next"], how)

    @get("/login/setup")
    async def setup_form(self, request: Request) -> Response:
        held = await _held_sign_in(request, setup=True)
        if held is None:
            return _sign_in_again(request)
        setup = await accounts.pending_mfa_setup(held["user"]) or await accounts.start_mfa_setup(held["user"])
        return page(request, "agency/login_setup.html", setup=setup)

    @post("/login/setup")
    async def setup(self, request: Request) -> Response:
        held = await _held_sign_in(request, setup=True)
        if held is None:
            return _sign_in_again(request)
        data = await form_data(request)
        try:
            on = await accounts.confirm_mfa(held["user"], data.get("code", ""))
        except accounts.FormErrors as exc:
            setup = await accounts.pending_mfa_setup(held["user"])
            if setup is None:
                return _sign_in_again(request)
            return page(request, "agency/login_setup.html", setup=setup, errors=exc.errors, status_code=400)
        user = await accounts.user_by_id(held["user"])
        start_session(request, user.id, on.epoch)
        set_language(user.language)
        notify(request, _("Your second factor is on. Welcome, %(name)s.") % {"name": user.name})
        return page(request, "agency/login_recovery_codes.html", recovery_codes=on.recovery_codes,
                    next=held["next"] or LANDING[user.role])

    async def _signed_in(self, request: Request, user, next_path: str, how: str = "") -> Response:
        await _begin_session(request, user)
        notify(request, _("Welcome, %(name)s.") % {"name": user.name})
        if how == "recovery":
            left = (await accounts.mfa_status(user.id))["recovery_codes_left"]
            notify(request, _("You signed in with a recovery code: %(n)s left. Each works once.") % {"n": left}, "info")
        return redirect(next_path or LANDING[user.role])

    @post("/logout")
    async def logout(self, request: Request) -> Response:
        user = current_user(request)
        if user is not None and not user.via_token:
            await accounts.end_sessions(user.id)
        request.set_session({})
        notify(request, _("You have signed out."))
        return redirect("/login")

    @get("/set-password/{token:str}")
    async def set_password_form(self, request: Request, token: str) -> Template:
        link = await accounts.password_link_user(token)
        if link:
            set_language(link["language"])  # the page speaks the account's language, as its email did
        return page(request, "agency/set_password.html", token=token, link=link, status_code=200 if link else 410)

    @post("/set-password/{token:str}")
    async def set_password(self, request: Request, token: str) -> Response:
        data = await form_data(request)
        try:
            user = await accounts.set_password_with_link(token, data.get("password", ""), data.get("confirm", ""))
        except accounts.FormErrors as exc:
            link = await accounts.password_link_user(token)
            return page(request, "agency/set_password.html", token=token, link=link, errors=exc.errors, status_code=400)
        await _begin_session(request, user)
        notify(request, _("Your password is set. Welcome."))
        return redirect(LANDING[user.role])

    @post("/language")
    async def choose_language(self, request: Request) -> Response:
        data = await form_data(request)
        language = data.get("language", "")
        response = redirect(safe_next(data.get("next"), "/"))
        if language in LANGUAGES:
            user = current_user(request)
            if user:
                await accounts.set_language(user, language)
            response.set_cookie(LANGUAGE_COOKIE, language, max_age=365 * 86400, httponly=True, samesite="lax")
        return response


class MyAccountPages(Controller):
    path = "/account"
    guards = [anyone_signed_in]

    async def _render(self, request: Request, status_code: int = 200, **context) -> Template:
        user = user_of(request)
        tokens = (
            await ApiToken.select(ApiToken.id, ApiToken.name, ApiToken.created_at, ApiToken.revoked_at)
            .where(ApiToken.user == user.id)
            .order_by(ApiToken.id, ascending=False)
        )
        me = await User.select(User.bar_number).where(User.id == user.id).first()
        return page(request, "agency/account.html", tokens=tokens, status_code=status_code, bar_number=(me or {}).get("bar_number", ""),
                    mfa=await accounts.mfa_status(user.id), mfa_required=user.is_staff and await accounts.staff_mfa_required(),
                    **context)

    @get("/")
    async def show(self, request: Request) -> Template:
        return await self._render(request)

    @get("/password", sync_to_thread=False)
    def password_page(self) -> Response:
        return redirect("/account")  # a refreshed or bookmarked failed form lands on the account page

    @post("/password")
    async def change_password(self, request: Request) -> Response:
        data = await form_data(request)
        user = user_of(request)
        try:
            epoch = await accounts.change_password(user, data.get("current", ""), data.get("password", ""), data.get("confirm", ""))
        except accounts.FormErrors as exc:
            return await self._render(request, status_code=400, errors=exc.errors)
        start_session(request, user.id, epoch)
        notify(request, _("Your password was changed. Your other sessions and your API tokens were ended."))
        return redirect("/account")

    @get("/mfa", sync_to_thread=False)
    def mfa_page(self) -> Response:
        return redirect("/account#second-factor")

    @post("/mfa")
    async def start_mfa(self, request: Request) -> Template:
        try:
            setup = await accounts.start_mfa_setup(user_of(request).id)
        except accounts.FormErrors as exc:
            return await self._render(request, status_code=409, errors=exc.errors)
        return await self._render(request, mfa_setup=setup)

    @post("/mfa/confirm")
    async def confirm_mfa(self, request: Request) -> Response:
        data = await form_data(request)
        user = user_of(request)
        try:
            on = await accounts.confirm_mfa(user.id, data.get("code", ""))
        except accounts.FormErrors as exc:
            status = 409 if isinstance(exc, accounts.MfaStateError) else 400
            return await self._render(request, status_code=status, errors=exc.errors,
                                      mfa_setup=await accounts.pending_mfa_setup(user.id))
        start_session(request, user.id, on.epoch)
        notify(request, _("Your second factor is on. Other sessions were signed out."))
        return await self._render(request, recovery_codes=on.recovery_codes)

    @post("/mfa/off")
    async def turn_off_mfa(self, request: Request) -> Response:
        data = await form_data(request)
        user = user_of(request)
        try:
            epoch = await accounts.turn_off_mfa(user, data.get("code", ""), client_ip(request.scope))
        except accounts.LoginRefused as refused:
            return await self._render(request, status_code=refused.status, errors={"code": refused.message})
        except accounts.FormErrors as exc:
            status = 409 if isinstance(exc, accounts.MfaStateError) else 400
            return await self._render(request, status_code=status, errors=exc.errors)
        start_session(request, user.id, epoch)
        notify(request, _("Your second factor is off. Other sessions were signed out."))
        return redirect("/account")

    @post("/bar-number")
    async def bar_number(self, request: Request) -> Response:
        data = await form_data(request)
        try:
            await accounts.set_bar_number(user_of(request), data.get("bar_number", ""))
        except accounts.FormErrors as exc:
            return await self._render(request, status_code=400, errors=exc.errors)
        notify(request, _("Saved: court writs print it under your signature."))
        return redirect("/account")

    @post("/tokens")
    async def create_token(self, request: Request) -> Template:
        data = await form_data(request)
        issued = await accounts.issue_token(user_of(request), data.get("name", ""))
        return await self._render(request, new_token=issued.token)

    @post("/tokens/{token_id:int}/revoke")
    async def revoke_token(self, request: Request, token_id: int) -> Response:
        if await accounts.revoke_token(user_of(request), token_id=token_id):
            notify(request, _("The token was revoked."))
        return redirect("/account")
