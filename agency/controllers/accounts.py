"""Sign-in, sign-out, set-password links, the user's own account, language and API tokens (pages)."""
from __future__ import annotations

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

LANDING = {Role.admin: "/admin", Role.negotiator: "/queue", Role.lawyer: "/legal", Role.creditor: "/cases"}


def start_session(request: Request, user_id: int, epoch: int) -> None:
    request.clear_session()
    request.set_session({SESSION_USER: user_id, SESSION_EPOCH: epoch})


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
        start_session(request, user.id, await accounts.session_epoch(user.id))
        set_language(user.language)
        notify(request, _("Welcome, %(name)s.") % {"name": user.name})
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
        start_session(request, user.id, await accounts.session_epoch(user.id))
        set_language(user.language)
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
