"""Account use-cases: sign-in with throttling and the second factor, organisations, users, password links, API tokens.

The only code that writes the workspace's tables (with mail.queue_email for the outbox)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from agency import identifiers, second_factor
from agency.auth import CurrentUser, current_from_row, forget_users
from agency.db import atomic, utcnow
from agency.http_utils import parse_id
from agency.i18n import LANGUAGES
from agency.i18n import gettext as _
from agency.mail import queue_email
from agency.roles import STAFF, Role
from agency.security import derive_key, hash_password, needs_rehash, new_token, password_problem, token_hash, verify_password
from agency.settings import get_settings
from agency.tables import ApiToken, LoginAttempt, Organisation, PasswordToken, RecoveryCode, SecurityPolicy, Tariff, User
from agency.throttle import EMAIL_WINDOW, WINDOW, Attempt, wait_before_login

PASSWORD_LINK_VALID = timedelta(days=7)


class FormErrors(Exception):
    """Input refused: field name -> what to fix. Nothing was written."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


class LoginRefused(Exception):
    def __init__(self, message: str, status: int, retry_after: int | None = None):
        super().__init__(message)
        self.message, self.status, self.retry_after = message, status, retry_after


class SecondFactorNeeded(LoginRefused):
    """The password was right, but the account has a second factor (``setup`` False: its code is wanted) or is staff's
    where an administrator requires one and has none yet (``setup`` True: it must be set up first). No session and no
    token until then."""

    def __init__(self, user: CurrentUser, setup: bool):
        if setup:
            super().__init__(_("An administrator requires a second factor for staff: sign in on the web and set it up "
                               "first."), status=403)
        else:
            super().__init__(_("This account has a second factor: send the 6-digit code of your authenticator app "
                               "(or one of your recovery codes) as otp."), status=401)
        self.user, self.setup = user, setup


class MfaStateError(FormErrors):
    """The second factor is not in the state the request needs (already on, not on, nothing being set up, or required)."""


def _clean(data: dict, *names: str) -> dict[str, str]:
    return {n: str(data.get(n) or "").strip() for n in names}


# --- sign-in -------------------------------------------------------------------------------------

async def _open_attempt(email: str, ip: str) -> int:
    """Records a sign-in attempt (a password or a second-factor code) as failed before judging it, and refuses it
    (429) while the email or the address must wait. The caller marks it succeeded (_attempt_succeeded)."""
    now = utcnow()
    since = now - WINDOW
    # The attempt is on record before it is judged, so parallel guesses count each other: each one
    # is weighed against the attempts recorded before it.
    attempt = (await LoginAttempt.insert(LoginAttempt(email=email[:254], ip=ip[:64], succeeded=False, at=now)).returning(
        LoginAttempt.id))[0]["id"]
    earlier = LoginAttempt.id < attempt
    by_email = await LoginAttempt.select(LoginAttempt.at, LoginAttempt.succeeded, LoginAttempt.ip).where(
        (LoginAttempt.email == email) & (LoginAttempt.at >= now - EMAIL_WINDOW) & earlier
    )
    by_ip = await LoginAttempt.select(LoginAttempt.at, LoginAttempt.succeeded).where(
        (LoginAttempt.ip == ip) & (LoginAttempt.at >= since) & (LoginAttempt.succeeded == False) & earlier  # noqa: E712
    )
    wait = wait_before_login([Attempt(**r) for r in by_email], [Attempt(**r) for r in by_ip], now, ip[:64])
    if wait is not None:
        minutes = max(1, round(wait.total_seconds() / 60))
        raise LoginRefused(
            _("Too many failed attempts. Try again in %(minutes)s minutes.") % {"minutes": minutes},
            status=429,
            retry_after=int(wait.total_seconds()) + 1,
        )
    return attempt


async def _attempt_succeeded(attempt: int) -> None:
    await LoginAttempt.update({LoginAttempt.succeeded: True}).where(LoginAttempt.id == attempt)


def _wrong_code() -> str:
    return _("The code is not right. Type the 6-digit code your authenticator app shows now, or one of your recovery codes.")


async def authenticate(email: str, password: str, ip: str, otp: str | None = None) -> CurrentUser:
    """The user whose email and password these are, with ``otp`` (a code of the second factor) when theirs is on.

    A right password without the code wanted raises SecondFactorNeeded, and its attempt counts neither way: a success
    would clear the failures of the codes tried before it, so a code could be guessed between right passwords."""
    email = (email or "").strip().lower()
    attempt = await _open_attempt(email, ip)
    row = await User.select().where(User.email == email).first()
    ok = verify_password(row["password_hash"] if row else None, password or "") and bool(row and row["active"])
    if not ok or row is None:
        raise LoginRefused(_("Wrong email or password."), status=401)
    if needs_rehash(row["password_hash"]):
        await User.update({User.password_hash: hash_password(password)}).where(User.id == row["id"])
        forget_users()  # who this user is changed: no request of this process may use the old answer
    user = current_from_row(row, via_token=False)
    if row["mfa_on_since"] is not None:
        if not second_factor.cleaned(otp or ""):
            await LoginAttempt.delete().where(LoginAttempt.id == attempt)
            raise SecondFactorNeeded(user, setup=False)
        if not await _second_factor_passes(row, otp or ""):
            raise LoginRefused(_wrong_code(), status=401)
    elif user.is_staff and await staff_mfa_required():
        await LoginAttempt.delete().where(LoginAttempt.id == attempt)
        raise SecondFactorNeeded(user, setup=True)
    await _attempt_succeeded(attempt)
    return user


async def complete_sign_in(user_id: int, epoch: int, code: str, ip: str) -> tuple[CurrentUser, str]:
    """The second step of a sign-in whose password was right (at ``epoch``): the user, and how the code was given
    (``app`` or ``recovery``). A wrong code counts as a wrong password does."""
    row = await User.select().where(User.id == user_id).first()
    if row is None or not row["active"] or row["session_epoch"] != epoch or row["mfa_on_since"] is None:
        raise LoginRefused(_("Your sign-in has expired: enter your email and password again."), status=401)
    if not second_factor.cleaned(code):
        raise LoginRefused(_("Type the 6-digit code your authenticator app shows, or one of your recovery codes."), status=400)
    attempt = await _open_attempt(row["email"], ip)
    how = await _second_factor_passes(row, code)
    if how is None:
        raise LoginRefused(_wrong_code(), status=401)
    await _attempt_succeeded(attempt)
    return current_from_row(row, via_token=False), how


async def still_signing_in(user_id: int, epoch: int) -> bool:
    """A sign-in waiting for its second step is still good: the user is active and signed out nowhere since."""
    row = await User.select(User.active, User.session_epoch).where(User.id == user_id).first()
    return bool(row and row["active"] and row["session_epoch"] == epoch)


async def user_by_id(user_id: int) -> CurrentUser | None:
    row = await User.select().where(User.id == user_id).first()
    return current_from_row(row, via_token=False) if row else None


async def session_epoch(user_id: int) -> int:
    row = await User.select(User.session_epoch).where(User.id == user_id).first()
    return row["session_epoch"] if row else -1


# --- organisations -------------------------------------------------------------------------------

ORGANISATION_FIELDS = ("legal_name", "country", "tax_id", "address_line1", "city", "postal_code", "iban", "email")


def validate_organisation(data: dict) -> dict[str, str]:
    values = _clean(data, *ORGANISATION_FIELDS)
    values["country"] = values["country"].upper() or "ES"
    errors: dict[str, str] = {}
    for name in ("legal_name", "address_line1", "city", "postal_code"):
        if not values[name]:
            errors[name] = _("This field is required.")
    try:
        values["tax_id"] = identifiers.normalise_tax_id(values["country"], values["tax_id"])
    except identifiers.InvalidIdentifier as exc:
        errors["tax_id"] = str(exc)
    try:
        values["iban"] = identifiers.normalise_iban(values["iban"])
    except identifiers.InvalidIdentifier as exc:
        errors["iban"] = str(exc)
    if values["email"] and "@" not in values["email"]:
        errors["email"] = _("Enter a valid email address.")
    if errors:
        raise FormErrors(errors)
    return values


async def save_organisation(data: dict, organisation_id: int | None = None) -> int:
    values = validate_organisation(data)
    async with atomic():
        clash = Organisation.select(Organisation.id).where(Organisation.tax_id == values["tax_id"])
        if organisation_id is not None:
            clash = clash.where(Organisation.id != organisation_id)
        if await clash.first():
            raise FormErrors({"tax_id": _("Another organisation already has this tax id.")})
        if organisation_id is None:
            rows = await Organisation.insert(Organisation(**values)).returning(Organisation.id)
            return rows[0]["id"]
        await Organisation.update({getattr(Organisation, k): v for k, v in values.items()}).where(
            Organisation.id == organisation_id
        )
        return organisation_id


# --- users ---------------------------------------------------------------------------------------

async def create_user(data: dict, invited_by: CurrentUser | None, password: str | None = None) -> int:
    """A new user; a set-password link goes out through the outbox, unless the password is given (``agency user add
    --password``: the person who ran it hands it over, and no link that could set another one is left in the outbox)."""
    values = _clean(data, "email", "name", "role", "organisation_id", "language")
    values["email"] = values["email"].lower()
    errors: dict[str, str] = {}
    if "@" not in values["email"] or len(values["email"]) > 254:
        errors["email"] = _("Enter a valid email address.")
    if not values["name"]:
        errors["name"] = _("This field is required.")
    if values["role"] not in {r.value for r in Role}:
        errors["role"] = _("Choose a role.")
    if values["language"] not in LANGUAGES:
        values["language"] = "es"
    organisation_id: int | None = None
    if values["role"] == Role.creditor.value:
        organisation_id = parse_id(values["organisation_id"])
        if organisation_id is None:
            errors["organisation_id"] = _("A creditor user belongs to an organisation: choose one.")
        else:
            if not await Organisation.exists().where(Organisation.id == organisation_id):
                errors["organisation_id"] = _("That organisation does not exist.")
    if errors:
        raise FormErrors(errors)
    async with atomic():
        if await User.exists().where(User.email == values["email"]):
            raise FormErrors({"email": _("A user with this email already exists.")})
        rows = await User.insert(
            User(
                email=values["email"],
                name=values["name"],
                role=values["role"],
                organisation=organisation_id,
                language=values["language"],
            )
        ).returning(User.id)
        user_id = rows[0]["id"]
        if password is None:
            await _send_password_link(user_id, values["email"], values["name"], values["language"], "welcome", invited_by)
        else:
            await User.update({User.password_hash: hash_password(password)}).where(User.id == user_id)
    return user_id


async def _send_password_link(
    user_id: int, email: str, name: str, language: str, template: str, invited_by: CurrentUser | None
) -> None:
    token = new_token("pw")
    await _spend_links(user_id)  # a newer link replaces the ones sent before
    await PasswordToken.insert(
        PasswordToken(user=user_id, token_hash=token_hash(token), expires_at=utcnow() + PASSWORD_LINK_VALID)
    )
    await queue_email(
        email,
        template,
        kind="password_link",
        language=language,
        name=name,
        link=f"{get_settings().base_url}/set-password/{token}",
        invited_by=invited_by.name if invited_by else None,
        days=PASSWORD_LINK_VALID.days,
    )


async def send_password_reset(user_id: int, requested_by: CurrentUser | None) -> None:
    row = await User.select().where(User.id == user_id).first()
    if row is None:
        raise FormErrors({"user": _("That user does not exist.")})
    async with atomic():
        await _send_password_link(row["id"], row["email"], row["name"], row["language"], "password_reset", requested_by)


async def password_link_user(token: str) -> dict | None:
    return (
        await PasswordToken.select(PasswordToken.id, PasswordToken.user, PasswordToken.user.email.as_alias("email"),
                                   PasswordToken.user.language.as_alias("language"))
        .where(
            (PasswordToken.token_hash == token_hash(token))
            & PasswordToken.used_at.is_null()
            & (PasswordToken.expires_at > utcnow())
        )
        .first()
    )


async def set_password_with_link(token: str, password: str, confirm: str) -> CurrentUser:
    link = await password_link_user(token)
    if link is None:
        raise FormErrors({"token": _("This link has expired or was already used. Ask the agency for a new one.")})
    _check_new_password(password, confirm, link["email"])
    async with atomic():
        used = await PasswordToken.update({PasswordToken.used_at: utcnow()}).where(
            (PasswordToken.id == link["id"]) & PasswordToken.used_at.is_null()
        ).returning(PasswordToken.id)
        if not used:
            raise FormErrors({"token": _("This link has expired or was already used. Ask the agency for a new one.")})
        await User.update({User.password_hash: hash_password(password)}).where(User.id == link["user"])
        await _password_changed(link["user"])
    row = await User.select().where(User.id == link["user"]).first()
    return current_from_row(row, via_token=False)


def _check_new_password(password: str, confirm: str, email: str) -> None:
    problem = password_problem(password or "", email)
    if problem:
        raise FormErrors({"password": str(problem)})
    if password != confirm:
        raise FormErrors({"confirm": _("The two passwords do not match.")})


async def change_password(user: CurrentUser, current: str, new: str, confirm: str) -> int:
    """Returns the new session epoch: every other session of this user ends."""
    row = await User.select(User.password_hash).where(User.id == user.id).first()
    if not verify_password(row["password_hash"] if row else None, current or ""):
        raise FormErrors({"current": _("The current password is not right.")})
    _check_new_password(new, confirm, user.email)
    async with atomic():
        await User.update({User.password_hash: hash_password(new)}).where(User.id == user.id)
        await _password_changed(user.id)
    return await session_epoch(user.id)


async def _spend_links(user_id: int) -> None:
    await PasswordToken.update({PasswordToken.used_at: utcnow()}).where((PasswordToken.user == user_id) & PasswordToken.used_at.is_null())


async def _password_changed(user_id: int) -> None:
    """Inside the change's transaction: whoever held the old password, or a link to set one, holds nothing now. Every
    session ends (the epoch moves), every API token is revoked, every set-password link not yet used is spent."""
    await User.update({User.session_epoch: User.session_epoch + 1}).where(User.id == user_id)
    await ApiToken.update({ApiToken.revoked_at: utcnow()}).where((ApiToken.user == user_id) & ApiToken.revoked_at.is_null())
    await _spend_links(user_id)
    forget_users()  # who this user is changed: no request of this process may use the old answer


async def end_sessions(user_id: int) -> None:
    """Signing out ends the session on the server, not only in the browser that asked: a copy of its cookie taken
    before is worth nothing after (the user's other browser sessions end with it; API tokens are revoked apart)."""
    await User.update({User.session_epoch: User.session_epoch + 1}).where(User.id == user_id)
    forget_users()


async def set_language(user: CurrentUser, language: str) -> None:
    if language in LANGUAGES:
        await User.update({User.language: language}).where(User.id == user.id)
        forget_users()  # who this user is changed: no request of this process may use the old answer


async def set_senior(user_id: int, senior: bool) -> None:
    """A negotiator is senior or no longer (the cases of vulnerable debtors go to a senior one); another role is refused."""
    row = await User.select(User.role).where(User.id == user_id).first()
    if row is None or row["role"] != Role.negotiator.value:
        raise FormErrors({"senior": _("Only a negotiator can be a senior negotiator.")})
    await User.update({User.senior: senior}).where(User.id == user_id)


async def set_active(user_id: int, active: bool) -> None:
    """Deactivating also ends the user's sessions and revokes their API tokens."""
    async with atomic():
        await User.update({User.active: active, User.session_epoch: User.session_epoch + 1}).where(User.id == user_id)
        if not active:
            await ApiToken.update({ApiToken.revoked_at: utcnow()}).where(
                (ApiToken.user == user_id) & ApiToken.revoked_at.is_null()
            )
    forget_users()  # who this user is changed: no request of this process may use the old answer


# --- the second factor ---------------------------------------------------------------------------

def _mfa_key() -> bytes:
    return derive_key(get_settings().secret_key, "second-factor")


@dataclass(frozen=True)
class MfaSetup:
    """A secret issued to set up an authenticator app, not on until a code of it is confirmed."""

    secret: str
    otpauth_url: str

    @property
    def grouped(self) -> str:
        return second_factor.grouped(self.secret)

    @property
    def qr_svg(self) -> str:
        return second_factor.qr_svg(self.otpauth_url)


@dataclass(frozen=True)
class MfaOn:
    recovery_codes: list[str]  # shown once
    epoch: int  # the user's new session epoch: every other session ended


def _setup(secret: str, email: str) -> MfaSetup:
    return MfaSetup(secret=secret, otpauth_url=second_factor.otpauth_url(secret, email, get_settings().agency_name))


async def _second_factor_passes(row: dict, code: str) -> str | None:
    """``app`` or ``recovery`` when ``code`` is a current code of the user's app (not used before) or one of their
    recovery codes not used yet (used now); None otherwise."""
    code = second_factor.cleaned(code)
    if second_factor.is_totp_shaped(code):
        secret = second_factor.unseal(row["mfa_secret"], _mfa_key()) if row["mfa_secret"] else None
        step = second_factor.matching_step(secret, code, utcnow().timestamp(), row["mfa_last_step"]) if secret else None
        if step is None:
            return None
        taken = await User.update({User.mfa_last_step: step}).where(
            (User.id == row["id"]) & (User.mfa_last_step < step)
        ).returning(User.id)  # two requests with one code: one of them takes its step
        return "app" if taken else None
    if second_factor.is_recovery_shaped(code):
        used = await RecoveryCode.update({RecoveryCode.used_at: utcnow()}).where(
            (RecoveryCode.user == row["id"]) & (RecoveryCode.code_hash == token_hash(code)) & RecoveryCode.used_at.is_null()
        ).returning(RecoveryCode.id)
        return "recovery" if used else None
    return None


async def staff_mfa_required() -> bool:
    row = await SecurityPolicy.select(SecurityPolicy.staff_mfa_required).order_by(SecurityPolicy.id, ascending=False).first()
    return bool(row and row["staff_mfa_required"])


async def mfa_status(user_id: int) -> dict:
    """``on_since`` (None when off) and ``recovery_codes_left``."""
    row = await User.select(User.mfa_on_since).where(User.id == user_id).first()
    left = await RecoveryCode.count().where((RecoveryCode.user == user_id) & RecoveryCode.used_at.is_null())
    return {"on_since": row["mfa_on_since"] if row else None, "recovery_codes_left": left}


async def start_mfa_setup(user_id: int) -> MfaSetup:
    """A new secret to scan; the one issued before, if any, is forgotten. Not on until confirm_mfa."""
    row = await User.select(User.email, User.mfa_on_since).where(User.id == user_id).first()
    if row["mfa_on_since"] is not None:
        raise MfaStateError({"code": _("The second factor is already on. To move it to another phone, turn it off "
                                       "first (with a current code), then on again.")})
    secret = second_factor.new_secret()
    await User.update({User.mfa_pending_secret: second_factor.seal(secret, _mfa_key())}).where(User.id == user_id)
    return _setup(secret, row["email"])


async def pending_mfa_setup(user_id: int) -> MfaSetup | None:
    """The secret issued to set up and not confirmed yet, if any."""
    row = await User.select(User.email, User.mfa_pending_secret, User.mfa_on_since).where(User.id == user_id).first()
    if row is None or row["mfa_on_since"] is not None or not row["mfa_pending_secret"]:
        return None
    secret = second_factor.unseal(row["mfa_pending_secret"], _mfa_key())
    return _setup(secret, row["email"]) if secret else None


async def confirm_mfa(user_id: int, code: str) -> MfaOn:
    """A code of the secret being set up turns the second factor on: ten recovery codes are made (shown once) and
    every session of the user ends. A wrong code here proves nothing against anyone and is not counted."""
    code = second_factor.cleaned(code)
    if not second_factor.is_totp_shaped(code):
        raise FormErrors({"code": _("Type the 6-digit code your authenticator app shows for this account.")})
    row = await User.select(User.mfa_pending_secret, User.mfa_on_since).where(User.id == user_id).first()
    if row["mfa_on_since"] is not None:
        raise MfaStateError({"code": _("The second factor is already on.")})
    secret = second_factor.unseal(row["mfa_pending_secret"], _mfa_key()) if row["mfa_pending_secret"] else None
    if secret is None:
        raise MfaStateError({"code": _("No second factor is being set up: start again to get a secret and its QR code.")})
    step = second_factor.matching_step(secret, code, utcnow().timestamp(), 0)
    if step is None:
        raise FormErrors({"code": _("The code is not right. Check that the app shows this account and that the phone "
                                    "sets its time automatically, then type the code it shows now.")})
    codes = second_factor.new_recovery_codes()
    async with atomic():
        turned = await User.update({
            User.mfa_secret: row["mfa_pending_secret"], User.mfa_pending_secret: "", User.mfa_on_since: utcnow(),
            User.mfa_last_step: step, User.session_epoch: User.session_epoch + 1,
        }).where((User.id == user_id) & User.mfa_on_since.is_null()).returning(User.id)
        if not turned:
            raise MfaStateError({"code": _("The second factor is already on.")})
        await RecoveryCode.delete().where(RecoveryCode.user == user_id)
        await RecoveryCode.insert(*[RecoveryCode(user=user_id, code_hash=token_hash(second_factor.cleaned(c))) for c in codes])
    forget_users()  # who this user is changed: no request of this process may use the old answer
    return MfaOn(recovery_codes=codes, epoch=await session_epoch(user_id))


async def _mfa_off(user_id: int) -> None:
    async with atomic():
        await User.update({
            User.mfa_secret: "", User.mfa_pending_secret: "", User.mfa_on_since: None, User.mfa_last_step: 0,
            User.session_epoch: User.session_epoch + 1,
        }).where(User.id == user_id)
        await RecoveryCode.delete().where(RecoveryCode.user == user_id)
    forget_users()  # who this user is changed: no request of this process may use the old answer


async def turn_off_mfa(user: CurrentUser, code: str, ip: str) -> int:
    """With a current code (or a recovery code), counted as a sign-in's code is; not for staff while an administrator
    requires it. Every session of the user ends: returns the new session epoch."""
    if not second_factor.cleaned(code):
        raise FormErrors({"code": _("Type a current code of your authenticator app, or one of your recovery codes.")})
    if user.is_staff and await staff_mfa_required():
        raise MfaStateError({"code": _("An administrator requires a second factor for staff: it cannot be turned off.")})
    row = await User.select().where(User.id == user.id).first()
    if row["mfa_on_since"] is None:
        raise MfaStateError({"code": _("The second factor is not on.")})
    attempt = await _open_attempt(row["email"], ip)
    if await _second_factor_passes(row, code) is None:
        raise FormErrors({"code": _wrong_code()})
    await _attempt_succeeded(attempt)
    await _mfa_off(user.id)
    return await session_epoch(user.id)


async def reset_mfa(user_id: int, admin: CurrentUser) -> None:
    """An administrator turns off another user's second factor (a lost phone and lost recovery codes); their sessions
    end. Staff set one up again at their next sign-in where it is required."""
    if user_id == admin.id:
        raise FormErrors({"user": _("Turn off your own second factor on My account, with a current code.")})
    if not await User.exists().where(User.id == user_id):
        raise FormErrors({"user": _("That user does not exist.")})
    await _mfa_off(user_id)


async def set_staff_mfa_required(admin: CurrentUser, required: bool) -> None:
    """Turning the requirement on signs out every member of staff without a second factor and revokes their API tokens
    (made with the password alone): at their next sign-in they set one up before anything else."""
    if required:
        me = await User.select(User.mfa_on_since).where(User.id == admin.id).first()
        if me is None or me["mfa_on_since"] is None:
            raise FormErrors({"staff_mfa_required": _("Turn on your own second factor first, on My account.")})
    staff = [r.value for r in STAFF]
    async with atomic():
        await SecurityPolicy.insert(SecurityPolicy(staff_mfa_required=required, changed_by=admin.id))
        if required:
            without = [r["id"] for r in await User.select(User.id).where(User.role.is_in(staff) & User.mfa_on_since.is_null())]
            if without:
                await User.update({User.session_epoch: User.session_epoch + 1}).where(User.id.is_in(without))
                await ApiToken.update({ApiToken.revoked_at: utcnow()}).where(
                    ApiToken.user.is_in(without) & ApiToken.revoked_at.is_null()
                )
    forget_users()  # who this user is changed: no request of this process may use the old answer


# --- API tokens ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class IssuedToken:
    id: int
    token: str


async def issue_token(user: CurrentUser, name: str) -> IssuedToken:
    token = new_token("agy")
    rows = await ApiToken.insert(ApiToken(user=user.id, name=(name or "").strip()[:100], token_hash=token_hash(token))).returning(
        ApiToken.id
    )
    return IssuedToken(id=rows[0]["id"], token=token)


async def revoke_token(user: CurrentUser, token_id: int | None = None, token: str | None = None) -> bool:
    """A user revokes their own tokens (by id, or the one they are calling with)."""
    where = (ApiToken.user == user.id) & ApiToken.revoked_at.is_null()
    where &= (ApiToken.id == token_id) if token_id is not None else (ApiToken.token_hash == token_hash(token or ""))
    done = await ApiToken.update({ApiToken.revoked_at: utcnow()}).where(where).returning(ApiToken.id)
    forget_users()  # who this user is changed: no request of this process may use the old answer
    return bool(done)


async def assign_tariff(organisation_id: int, tariff_id: int | None) -> None:
    if tariff_id is not None and not await Tariff.exists().where(Tariff.id == tariff_id):
        raise FormErrors({"tariff_id": _("That tariff does not exist.")})
    await Organisation.update({Organisation.tariff: tariff_id}).where(Organisation.id == organisation_id)


BAR_NUMBER_MAX = 40


async def set_bar_number(user: CurrentUser, raw: str) -> str:
    """A lawyer's bar membership as it is printed under their signature on court writs ("98.765 (ICAM)");
    empty clears it. Lawyers only; control characters refused."""
    if user.role != Role.lawyer:
        raise FormErrors({"bar_number": _("Only lawyers have a bar membership number.")})
    value = " ".join(str(raw or "").split())
    if len(value) > BAR_NUMBER_MAX or any(not ch.isprintable() for ch in value):
        raise FormErrors({"bar_number": _("Write the number and the bar as they appear on your card, e.g. 98.765 (ICAM): at most %(n)s characters.") % {"n": BAR_NUMBER_MAX}})
    await User.update({User.bar_number: value}).where(User.id == user.id)
    return value
