"""``agency user add`` and ``agency user senior``: the same use-cases as the admin page, from the shell."""
from __future__ import annotations

from agency import accounts
from agency.security import password_problem
from agency.tables import Organisation, User


async def add_user(email: str, name: str, role: str, organisation: str | None, language: str, password: str | None) -> str:
    organisation_id = None
    if organisation:
        row = await Organisation.select(Organisation.id).where(
            (Organisation.tax_id == organisation.upper()) | (Organisation.id == (int(organisation) if organisation.isdigit() else -1))
        ).first()
        if row is None:
            raise ValueError(f"no organisation with tax id or id {organisation!r}")
        organisation_id = row["id"]
    if password is not None and (problem := password_problem(password, email)):
        raise ValueError(str(problem))
    try:
        await accounts.create_user(
            {"email": email, "name": name, "role": role, "organisation_id": str(organisation_id or ""), "language": language},
            invited_by=None, password=password,
        )
    except accounts.FormErrors as exc:
        raise ValueError("; ".join(f"{k}: {v}" for k, v in exc.errors.items())) from None
    if password is not None:
        return f"user {email} created with the given password"
    return f"user {email} created; a set-password link is in the outbox (admin > Outbox)"


async def set_senior(email: str, senior: bool) -> str:
    """A negotiator made senior (the cases of vulnerable debtors go to one) or no longer."""
    row = await User.select(User.id).where(User.email == email.strip().lower()).first()
    if row is None:
        raise ValueError(f"no user with email {email!r}")
    try:
        await accounts.set_senior(row["id"], senior)
    except accounts.FormErrors as exc:
        raise ValueError("; ".join(f"{k}: {v}" for k, v in exc.errors.items())) from None
    return f"user {email} is {'now' if senior else 'no longer'} a senior negotiator"
