"""Account use-cases: sign-in with throttling, organisations, users, password links, API tokens.

The only code that writes the workspace's tables (with mail.queue_email for the outbox)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from agency import identifiers
from agency.auth import CurrentUser, current_from_row, forget_users
from agency.db import atomic, utcnow
from agency.http_utils import parse_id
from agency.i18n import LANGUAGES
from agency.i18n import gettext as _
from agency.mail import queue_email
from agency.roles import Role
from agency.security import hash_password, needs_rehash, new_token, password_problem, token_hash, verify_password
from agency.settings import get_settings
from agency.tables import ApiToken, LoginAttempt, Organisation, PasswordToken, Tariff, User
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


def _clean(data: dict, *names: str) -> dict[str, str]:
    return {n: str(data.get(n) or "").strip() for n in names}


# --- sign-in -------------------------------------------------------------------------------------

async def authenticate(email: str, password: str, ip: str) -> CurrentUser:
    email = (email or "").strip().lower()
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
    row = await User.select().where(User.email == email).first()
    ok = verify_password(row["password_hash"] if row else None, password or "") and bool(row and row["active"])
    if not ok or row is None:
        raise LoginRefused(_("Wrong email or password."), status=401)
    await LoginAttempt.update({LoginAttempt.succeeded: True}).where(LoginAttempt.id == attempt)
    if needs_rehash(row["password_hash"]):
        await User.update({User.password_hash: hash_password(password)}).where(User.id == row["id"])
        forget_users()  # who this user is changed: no request of this process may use the old answer
    return current_from_row(row, via_token=False)


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

async def create_user(data: dict, invited_by: CurrentUser | None) -> int:
    """A new user without a password; a set-password link goes out through the outbox."""
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
        await _send_password_link(user_id, values["email"], values["name"], values["language"], "welcome", invited_by)
    return user_id


async def _send_password_link(
    user_id: int, email: str, name: str, language: str, template: str, invited_by: CurrentUser | None
) -> None:
    token = new_token("pw")
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
        await User.update(
            {User.password_hash: hash_password(password), User.session_epoch: User.session_epoch + 1}
        ).where(User.id == link["user"])
        forget_users()  # who this user is changed: no request of this process may use the old answer
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
        await User.update({User.password_hash: hash_password(new), User.session_epoch: User.session_epoch + 1}).where(
            User.id == user.id
        )
        forget_users()  # who this user is changed: no request of this process may use the old answer
    return await session_epoch(user.id)


async def set_language(user: CurrentUser, language: str) -> None:
    if language in LANGUAGES:
        await User.update({User.language: language}).where(User.id == user.id)
        forget_users()  # who this user is changed: no request of this process may use the old answer


async def set_active(user_id: int, active: bool) -> None:
    """Deactivating also ends the user's sessions and revokes their API tokens."""
    async with atomic():
        await User.update({User.active: active, User.session_epoch: User.session_epoch + 1}).where(User.id == user_id)
        if not active:
            await ApiToken.update({ApiToken.revoked_at: utcnow()}).where(
                (ApiToken.user == user_id) & ApiToken.revoked_at.is_null()
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
