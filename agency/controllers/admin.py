"""The agency's administration: organisations, users, outbox (admins only; the dashboard's figures of cases are
cases.reports.web's)."""
from __future__ import annotations

from litestar import Controller, Request, Response
from litestar.exceptions import NotFoundException
from litestar.response import Template

from agency import access, accounts, mail
from agency.auth import admin_only
from agency.http_utils import parse_id
from agency.i18n import LANGUAGES
from agency.i18n import gettext as _
from agency.roles import Role
from agency.routing import get, post
from agency.settings import get_settings
from agency.tables import Organisation, OutboxMessage, Tariff, User
from agency.web import form_data, notify, page, redirect, user_of

PAGE_SIZE = 50


async def _tariff_options() -> list[tuple[str, str]]:
    rows = await Tariff.select(Tariff.id, Tariff.name, Tariff.is_default).order_by(Tariff.name)
    return [("", _("The default tariff"))] + [(str(r["id"]), r["name"]) for r in rows]


async def _tariff_choice(data: dict) -> int | None:
    """The tariff chosen on the organisation form, checked before anything is saved."""

    raw = str(data.get("tariff_id", "") or "")
    if not raw:
        return None
    tariff_id = parse_id(raw)
    if tariff_id is None or not await Tariff.exists().where(Tariff.id == tariff_id):
        raise accounts.FormErrors({"tariff_id": _("That tariff does not exist.")})
    return tariff_id


async def _save_tariff_choice(org_id: int, data: dict) -> None:
    await accounts.assign_tariff(org_id, await _tariff_choice(data))


async def _organisation_choices() -> list[dict]:
    return await Organisation.select(Organisation.id, Organisation.legal_name).order_by(Organisation.legal_name)


class AdminPages(Controller):
    path = "/admin"
    guards = [admin_only]

    # --- organisations ---------------------------------------------------------------------------

    @get("/organisations")
    async def organisations(self, request: Request) -> Template:
        rows = await Organisation.select().order_by(Organisation.legal_name)
        return page(request, "agency/admin/organisations.html", organisations=rows)

    @get("/organisations/new")
    async def new_organisation(self, request: Request) -> Template:
        return page(request, "agency/admin/organisation_form.html", organisation=None, form={"country": "ES"}, tariffs=await _tariff_options())

    @post("/organisations/new")
    async def create_organisation(self, request: Request) -> Response:
        data = await form_data(request)
        try:
            await _tariff_choice(data)
            org_id = await accounts.save_organisation(data)
            await _save_tariff_choice(org_id, data)
        except accounts.FormErrors as exc:
            return page(request, "agency/admin/organisation_form.html", organisation=None, form=data, errors=exc.errors, status_code=400,
                        tariffs=await _tariff_options())
        notify(request, _("Organisation %(name)s created.") % {"name": data.get("legal_name", "")})
        return redirect("/admin/organisations")

    @get("/organisations/{org_id:int}")
    async def edit_organisation(self, request: Request, org_id: int) -> Template:
        row = await Organisation.select().where(Organisation.id == org_id).first()
        if row is None:
            raise NotFoundException(detail=_("Not found."))
        users = await User.select(User.id, User.email, User.name, User.active).where(User.organisation == org_id)
        form = {**row, "tariff_id": row["tariff"] or ""}
        return page(request, "agency/admin/organisation_form.html", organisation=row, form=form, users=users, tariffs=await _tariff_options())

    @post("/organisations/{org_id:int}")
    async def update_organisation(self, request: Request, org_id: int) -> Response:
        row = await Organisation.select().where(Organisation.id == org_id).first()
        if row is None:
            raise NotFoundException(detail=_("Not found."))
        data = await form_data(request)
        try:
            await _tariff_choice(data)  # checked first: a refused form saves nothing
            await accounts.save_organisation(data, org_id)
            await _save_tariff_choice(org_id, data)
        except accounts.FormErrors as exc:
            return page(request, "agency/admin/organisation_form.html", organisation=row, form=data, errors=exc.errors, status_code=400,
                        tariffs=await _tariff_options())
        notify(request, _("Changes saved."))
        return redirect("/admin/organisations")

    # --- users -----------------------------------------------------------------------------------

    @get("/users")
    async def users(self, request: Request) -> Template:
        return await self._users_page(request)

    async def _users_page(self, request: Request, status_code: int = 200, errors: dict | None = None) -> Template:
        rows = await User.select(
            User.id, User.email, User.name, User.role, User.active, User.language, User.senior,
            User.organisation.legal_name.as_alias("organisation_name"), User.password_hash, User.mfa_on_since,
        ).order_by(User.role, User.email)
        for row in rows:
            row["has_password"] = bool(row.pop("password_hash"))
        return page(request, "agency/admin/users.html", users=rows, staff_mfa_required=await accounts.staff_mfa_required(),
                    status_code=status_code, errors=errors or {})

    @post("/users/second-factor")
    async def second_factor_policy(self, request: Request) -> Response:
        data = await form_data(request)
        required = str(data.get("required", ""))
        if required not in ("0", "1"):
            return await self._users_page(request, 400, {"required": _("Send required=1 to require a second factor of "
                                                                       "staff, required=0 to stop requiring it.")})
        try:
            await accounts.set_staff_mfa_required(user_of(request), required == "1")
        except accounts.FormErrors as exc:
            return await self._users_page(request, 400, exc.errors)
        notify(request, _("Staff must now have a second factor. Those without one were signed out and set it up at their "
                          "next sign-in.") if required == "1" else _("Staff no longer need a second factor."))
        return redirect("/admin/users")

    @post("/users/{user_id:int}/second-factor/off")
    async def second_factor_off(self, request: Request, user_id: int) -> Response:
        try:
            await accounts.reset_mfa(user_id, user_of(request))
        except accounts.FormErrors as exc:
            return await self._users_page(request, 400 if user_id == user_of(request).id else 404, exc.errors)
        notify(request, _("The second factor was turned off and the user signed out."))
        return redirect("/admin/users")

    @get("/users/new")
    async def new_user(self, request: Request) -> Template:
        return page(
            request, "agency/admin/user_form.html", organisations=await _organisation_choices(), roles=list(Role),
            languages=LANGUAGES, form={"language": "es", "role": "creditor"},
        )

    @post("/users/new")
    async def create_user(self, request: Request) -> Response:
        data = await form_data(request)
        try:
            await accounts.create_user(data, invited_by=user_of(request))
        except accounts.FormErrors as exc:
            return page(
                request, "agency/admin/user_form.html", organisations=await _organisation_choices(), roles=list(Role),
                languages=LANGUAGES, form=data, errors=exc.errors, status_code=400,
            )
        notify(request, _("User created. The email with the link to set the password, for %(email)s, is in the outbox.") % {"email": data.get("email", "")})
        return redirect("/admin/users")

    @post("/users/{user_id:int}/active")
    async def toggle_active(self, request: Request, user_id: int) -> Response:
        data = await form_data(request)
        if user_id == user_of(request).id:
            notify(request, _("You cannot deactivate yourself."), "error")
            return redirect("/admin/users")
        await accounts.set_active(user_id, data.get("active") == "1")
        notify(request, _("Changes saved."))
        return redirect("/admin/users")

    @post("/users/{user_id:int}/senior")
    async def toggle_senior(self, request: Request, user_id: int) -> Response:
        data = await form_data(request)
        try:
            await accounts.set_senior(user_id, data.get("senior") == "1")
        except accounts.FormErrors as exc:
            return await self._users_page(request, 400, exc.errors)
        notify(request, _("Changes saved."))
        return redirect("/admin/users")

    @post("/users/{user_id:int}/password-link")
    async def password_link(self, request: Request, user_id: int) -> Response:
        await accounts.send_password_reset(user_id, requested_by=user_of(request))
        notify(request, _("A new link to set the password was put in the outbox."))
        return redirect("/admin/users")

    # --- who read what ----------------------------------------------------------------------------

    @get("/access-log")
    async def access_log(self, request: Request, user_id: str = "", case_id: str = "") -> Template:
        who, case = parse_id(user_id), parse_id(case_id)
        return page(request, "agency/admin/access_log.html", records=await access.recent(200, who, case), users=await access.users(),
                    user_id=who, case_id=case)

    # --- outbox ----------------------------------------------------------------------------------

    @get("/outbox")
    async def outbox(self, request: Request, page_number: int = 1) -> Template:
        rows = (
            await OutboxMessage.select()
            .order_by(OutboxMessage.id, ascending=False)
            .limit(PAGE_SIZE)
            .offset((max(page_number, 1) - 1) * PAGE_SIZE)
        )

        return page(request, "agency/admin/outbox.html", messages=rows, page_number=page_number, page_size=PAGE_SIZE,
                    delivery=await mail.delivery_status(get_settings()))

    @post("/outbox/{message_id:int}/retry")
    async def outbox_retry(self, request: Request, message_id: int) -> Response:
        if await mail.retry(message_id):
            notify(request, _("The message will be sent again at the worker's next round."))
        else:
            notify(request, _("That message was not given up on: nothing to do."), "error")
        return redirect("/admin/outbox")
