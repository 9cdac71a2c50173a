"""What the legal pages and routes share: the case check, dates and moments, a discount, the limitation as JSON,
a stored file streamed, and who may act (lawyers, negotiators)."""
from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal, InvalidOperation

from litestar import Request, Response
from litestar.exceptions import ClientException
from litestar.response import Stream

from agency import clock
from agency.auth import roles
from agency.http_utils import content_disposition
from agency.i18n import DISPLAY_TZ
from agency.i18n import gettext as _
from agency.roles import Role
from agency.storage import storage
from agency.tenancy import get_visible
from agency.web import user_of
from cases.forms import date_field
from cases.tables import Case

lawyers = roles(Role.lawyer, Role.admin)
negotiators = roles(Role.negotiator, Role.admin)


async def visible_case(request: Request, case_id: int) -> None:
    """404 unless the caller may see the case (agency.tenancy, like every case read)."""

    await get_visible(Case.select(Case.id).where(Case.id == case_id), user_of(request), Case.organisation)


def optional_date(raw, field: str) -> date | None:
    return date_field(raw, field) if raw not in (None, "") else None


def moment(raw, field: str) -> datetime:
    """A date and time within reach of a court's calendar (this year's start to five years ahead), in UTC.
    Without an offset it is the time as the pages show it (Europe/Madrid): a hearing typed as 10:00 is 10:00."""
    try:
        value = datetime.fromisoformat(str(raw))
        value = (value if value.tzinfo else value.replace(tzinfo=DISPLAY_TZ)).astimezone(timezone.utc)
    except (ValueError, OverflowError):
        raise ClientException(detail=_("%(field)s: enter the date and time as YYYY-MM-DDTHH:MM.") % {"field": field}) from None
    today = clock.today()
    if not date(today.year - 1, 1, 1) <= value.date() <= date(today.year + 5, 12, 31):
        raise ClientException(detail=_("%(field)s: a date between last year and five years from now.") % {"field": field})
    return value


def discount_percent(raw) -> Decimal | None:
    if raw in (None, ""):
        return None
    try:
        value = Decimal(str(raw).replace(",", "."))
    except InvalidOperation:
        value = Decimal(-1)
    if not value.is_finite() or not 0 <= value < 100 or value != value.quantize(Decimal("0.01")):
        raise ClientException(detail=_("The discount is a percentage from 0 to 99, with at most two decimals."))
    return value


def limitation_json(lim) -> dict | None:
    if lim is None:
        return None
    return {"date": lim.date.isoformat() if lim.date else None, "starts_on": lim.starts_on.isoformat(), "suspended": lim.suspended,
            "prescribed": lim.prescribed, "warn": lim.warn, "days_left": lim.days_left, "basis": str(lim.basis)}


def stream_file(key: str, filename: str, media_type: str, sha256: str | None, size: int | None = None) -> Response:
    headers = {"Content-Disposition": content_disposition(filename), "X-Content-Type-Options": "nosniff", "Cache-Control": "private, no-store"}
    if sha256:
        headers["X-Content-SHA256"] = sha256
    if size is not None:
        headers["Content-Length"] = str(size)
    return Stream(storage().stream(key), media_type=media_type, headers=headers)
