"""The workspace's JSON API: tokens, the caller, their second factor, health."""
from __future__ import annotations

from datetime import datetime

import msgspec
from litestar import Controller, Request, Response
from litestar.exceptions import HTTPException
from litestar.response import Redirect
from litestar.status_codes import HTTP_200_OK, HTTP_409_CONFLICT, HTTP_503_SERVICE_UNAVAILABLE

from agency import accounts
from agency.auth import anyone_signed_in, bearer_token, user_of_connection
from agency.db import engine, migrations
from agency.http_utils import client_ip
from agency.i18n import gettext as _
from agency.routing import delete, get, post
from agency.storage import storage


class TokenRequest(msgspec.Struct):
    email: str
    password: str
    name: str = "api"
    otp: str | None = None  # a current code of the second factor, or a recovery code, when the account has one on


class MfaSetupResponse(msgspec.Struct):
    secret: str
    otpauth_url: str


class MfaCode(msgspec.Struct):
    code: str


class MfaOnResponse(msgspec.Struct):
    on: bool
    recovery_codes: list[str]


class MfaStatus(msgspec.Struct):
    on: bool
    on_since: datetime | None
    recovery_codes_left: int
    required: bool


class TokenResponse(msgspec.Struct):
    token: str


class Me(msgspec.Struct):
    id: int
    email: str
    name: str
    role: str
    organisation_id: int | None
    language: str


class AuthApi(Controller):
    path = "/api/v1/auth"
    tags = ["auth"]

    @post(
        "/token",
        status_code=HTTP_200_OK,
        summary="Exchange email and password for a bearer token",
        opt={"exclude_from_csrf": True},  # no cookie is involved: nothing for a forged request to ride on
    )
    async def token(self, request: Request, data: TokenRequest) -> TokenResponse:
        try:
            user = await accounts.authenticate(data.email, data.password, client_ip(request.scope), otp=data.otp)
        except accounts.LoginRefused as refused:
            raise _refused(refused) from None
        issued = await accounts.issue_token(user, data.name)
        return TokenResponse(token=issued.token)

    @delete("/token", guards=[anyone_signed_in], summary="Revoke the token this request is made with")
    async def revoke(self, request: Request) -> None:
        token = bearer_token(request.scope)
        if token is None:
            raise HTTPException(status_code=400, detail="Send the token to revoke as 'Authorization: Bearer <token>'.")
        await accounts.revoke_token(user_of_connection(request), token=token)

    @get("/me", guards=[anyone_signed_in], summary="Who the caller is")
    async def me(self, request: Request) -> Me:
        u = user_of_connection(request)
        return Me(id=u.id, email=u.email, name=u.name, role=u.role.value, organisation_id=u.organisation_id, language=u.language)


def _refused(refused: accounts.LoginRefused) -> HTTPException:
    headers = {"Retry-After": str(refused.retry_after)} if refused.retry_after else None
    return HTTPException(status_code=refused.status, detail=refused.message, headers=headers)


def _conflict(exc: accounts.MfaStateError) -> HTTPException:
    return HTTPException(status_code=HTTP_409_CONFLICT, detail="; ".join(exc.errors.values()), extra={"errors": exc.errors})


class AccountApi(Controller):
    """The caller's own second factor (TOTP): set up, confirm, read, turn off."""

    path = "/api/v1/account"
    tags = ["account"]
    guards = [anyone_signed_in]

    @get("/mfa", summary="Whether the caller's second factor is on, and how many recovery codes are left")
    async def mfa(self, request: Request) -> MfaStatus:
        user = user_of_connection(request)
        status = await accounts.mfa_status(user.id)
        on_since = status["on_since"]
        return MfaStatus(on=on_since is not None, on_since=on_since,
                         recovery_codes_left=status["recovery_codes_left"],
                         required=user.is_staff and await accounts.staff_mfa_required())

    @post("/mfa", status_code=HTTP_200_OK, summary="A new TOTP secret to set up (not on until confirmed)")
    async def start_mfa(self, request: Request) -> MfaSetupResponse:
        try:
            setup = await accounts.start_mfa_setup(user_of_connection(request).id)
        except accounts.MfaStateError as exc:
            raise _conflict(exc) from None
        return MfaSetupResponse(secret=setup.secret, otpauth_url=setup.otpauth_url)

    @post("/mfa/confirm", status_code=HTTP_200_OK, summary="A code of the new secret turns the second factor on; "
                                                           "the recovery codes, shown once")
    async def confirm_mfa(self, request: Request, data: MfaCode) -> MfaOnResponse:
        try:
            on = await accounts.confirm_mfa(user_of_connection(request).id, data.code)
        except accounts.MfaStateError as exc:
            raise _conflict(exc) from None
        return MfaOnResponse(on=True, recovery_codes=on.recovery_codes)

    @delete("/mfa", summary="Turn the second factor off, with a current code or a recovery code")
    async def turn_off_mfa(self, request: Request, data: MfaCode) -> None:
        try:
            await accounts.turn_off_mfa(user_of_connection(request), data.code, client_ip(request.scope))
        except accounts.MfaStateError as exc:
            raise _conflict(exc) from None
        except accounts.LoginRefused as refused:
            raise _refused(refused) from None


@get("/favicon.ico", include_in_schema=False)
async def favicon() -> Redirect:
    """Browsers ask for it whatever the page's <link rel="icon"> says."""
    return Redirect("/static/favicon.svg", status_code=301)


@get("/health", tags=["operations"], summary="Database migrated and reachable, storage reachable")
async def health() -> Response:
    problems = {}
    detail = ""
    try:
        await engine().run_ddl("SELECT 1")
    except Exception as exc:  # noqa: BLE001 - health reports, it does not crash
        problems["database"] = type(exc).__name__
    else:
        try:
            missing = await migrations.missing()
        except Exception as exc:  # noqa: BLE001
            problems["migrations"] = type(exc).__name__
        else:
            if missing:
                problems["migrations"] = f"{len(missing)} not applied, from {missing[0]}"
                detail = _("The database lacks %(n)s of this version's migrations: run agency migrate.") % {"n": len(missing)}
    try:
        await storage().check()
    except Exception as exc:  # noqa: BLE001
        problems["storage"] = type(exc).__name__
    if problems:
        body = {"status": "unavailable", "problems": problems, **({"detail": detail} if detail else {})}
        return Response(body, status_code=HTTP_503_SERVICE_UNAVAILABLE)
    return Response({"status": "ok"})
