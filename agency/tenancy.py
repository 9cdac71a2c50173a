"""Tenancy: the one function through which every read of organisation-owned data passes.

Staff (admins, negotiators, lawyers) work for the agency and see every organisation's data.
A creditor sees only rows owned by their own organisation; anything else does not exist for
them, so lookups answer 404, never 403 (which would confirm the thing exists).
A debtor (no account: a proven visit through their signed link) sees only the rows of their one case."""
from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

from litestar.exceptions import NotFoundException
from piccolo.columns import Column
from piccolo.query.base import Query

from agency.auth import CurrentUser
from agency.i18n import gettext as _

Q = TypeVar("Q", bound=Query)


@dataclass(frozen=True)
class DebtorVisitor:
    """A debtor who proved who they are through a link to their case (cases.portal): one case, nothing else."""
    case_id: int
    session_id: int
    language: str | None = None  # the language on file for the debtor, read with the session (None: not read)
    is_staff = False


def scoped(query: Q, user: CurrentUser | DebtorVisitor, owner: Column, case: Column | None = None) -> Q:
    """Restrict ``query`` to what ``user`` may see.

    ``owner`` is the column that names the owning organisation, reached by joins if need be:
    ``Case.organisation``, ``Evidence.case.organisation``, ``Organisation.id``. ``case``: the column that names the
    case (``Case.id``, ``Invoice.case``): a debtor sees only their case's rows, and nothing where it is not given."""
    if isinstance(user, DebtorVisitor):
        if case is None:
            return query.where(owner.is_null() & owner.is_not_null())
        return query.where(case == user.case_id)
    if user.is_staff:
        return query
    if user.organisation_id is None:  # a creditor without an organisation sees nothing
        return query.where(owner.is_null() & owner.is_not_null())
    return query.where(owner == user.organisation_id)


def scoped_sql(user: CurrentUser | DebtorVisitor, owner: str) -> tuple[str, tuple]:
    """The same restriction as ``scoped``, for fixed SQL written with "{}" placeholders (agency.db.fetch_records): a
    condition to AND into the query's WHERE (``owner``: the SQL expression naming the owning organisation, such as
    ``c.organisation``) and its arguments. A debtor sees nothing through it (their fixed SQL names their case:
    debtor_case)."""
    if isinstance(user, DebtorVisitor):
        return "FALSE", ()
    if user.is_staff:
        return "TRUE", ()
    if user.organisation_id is None:  # a creditor without an organisation sees nothing
        return "FALSE", ()
    return f"{owner} = {{}}", (user.organisation_id,)


def debtor_case(user: CurrentUser | DebtorVisitor) -> int:
    """The one case a debtor may read: the filter of the portal's fixed SQL (cases.portal: each of its queries names
    this case, as scoped restricts a DebtorVisitor). Anyone else is refused here, so fixed SQL written for debtors
    cannot serve another caller by mistake."""
    if not isinstance(user, DebtorVisitor):
        raise NotFoundException(detail=_("Not found."))
    return user.case_id


async def get_visible(query: Query, user: CurrentUser | DebtorVisitor, owner: Column, case: Column | None = None):
    """The first row of ``query`` that ``user`` may see, or 404."""
    row = await scoped(query, user, owner, case).first()
    if row is None:
        raise NotFoundException(detail=_("Not found."))
    return row
