"""Reading claims from the page's form and from the API's JSON into the pure rule's inputs."""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from litestar import Request, Response
from litestar.exceptions import ClientException, HTTPException

from agency import clock, i18n
from agency.accounts import FormErrors
from agency.auth import CurrentUser
from agency.http_utils import parse_id
from agency.i18n import gettext as _
from agency.roles import Role
from agency.uploads import ReceivedForm
from agency.web import notify, redirect, refuse
from cases.claims.rules import ClaimInput, DebtorInput, InvoiceInput, NoSuchDate, parse_date
from cases.money import CENT, MAX_AMOUNT, AmountError, check_positive_amount, parse_amount
from cases.negotiation.rules import PlanError

DEBTOR_FIELDS = ("kind", "name", "tax_id", "email", "phone", "address_line1", "city", "postal_code", "country", "language")
INVOICE_FIELDS = ("number", "issue_date", "due_date", "amount", "currency")


def claim_from_form(form: ReceivedForm) -> ClaimInput:
    debtor = DebtorInput(**{f: form.get(f"debtor_{f}") for f in DEBTOR_FIELDS})
    columns = [form.getall(f"invoice_{f}") for f in INVOICE_FIELDS]
    rows = max((len(c) for c in columns), default=0)
    invoices = []
    for n in range(rows):
        values = {f: (columns[i][n] if n < len(columns[i]) else "") for i, f in enumerate(INVOICE_FIELDS)}
        if any(str(v).strip() for k, v in values.items() if k != "currency"):
            invoices.append(InvoiceInput(**values))
    return ClaimInput(debtor=debtor, invoices=tuple(invoices), creditor_reference=form.get("creditor_reference"), notes=form.get("notes"))


def form_values(claim: ClaimInput) -> dict[str, Any]:
    """What the form shows again after a refusal or from the review page's "edit"."""
    values: dict[str, Any] = {f"debtor_{f}": getattr(claim.debtor, f) for f in DEBTOR_FIELDS}
    values["invoices"] = [{f: getattr(i, f) for f in INVOICE_FIELDS} for i in claim.invoices] or [{"currency": "EUR"}]
    values["creditor_reference"] = claim.creditor_reference
    values["notes"] = claim.notes
    return values


def _dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _text(value: Any) -> str:
    """JSON strings and numbers as text; anything else (lists, objects) as empty, which the rules refuse."""
    if isinstance(value, bool) or value is None or isinstance(value, (list, dict)):
        return ""
    return str(value)


def claim_from_json(data: dict[str, Any]) -> ClaimInput:
    debtor = _dict(data.get("debtor"))
    address = _dict(debtor.get("address"))
    return ClaimInput(
        debtor=DebtorInput(
            kind=_text(debtor.get("kind")), name=_text(debtor.get("name")), tax_id=_text(debtor.get("tax_id")),
            email=_text(debtor.get("email")), phone=_text(debtor.get("phone")),
            address_line1=_text(address.get("line1")), city=_text(address.get("city")),
            postal_code=_text(address.get("postal_code")), country=_text(address.get("country")) or "ES",
            language=_text(debtor.get("language")) or "es",
        ),
        invoices=tuple(
            InvoiceInput(number=_text(i.get("number")), issue_date=_text(i.get("issue_date")), due_date=_text(i.get("due_date")),
                         amount=i.get("amount") if isinstance(i.get("amount"), (str, int, float)) and not isinstance(i.get("amount"), bool) else "",
                         currency=_text(i.get("currency")) or "EUR")
            for i in (data.get("invoices") if isinstance(data.get("invoices"), list) else []) if isinstance(i, dict)
        ),
        creditor_reference=_text(data.get("creditor_reference")),
        notes=_text(data.get("notes")),
    )


def amount_field(raw: Any, field: str = "amount") -> Decimal:
    try:
        amount = parse_amount(raw)
        check_positive_amount(amount)
    except AmountError as exc:
        why = exc.args[0] if exc.args else ""
        raise FormErrors({field: {
            "too large": _("The amount is too large: check it (at most %(max)s).") % {"max": i18n.format_money(MAX_AMOUNT - CENT)},
            "not positive": _("Use an amount greater than zero."),
            "more than two decimals": _("Use at most two decimals (cents)."),
            "ambiguous": _("Write the decimals after a comma or a point, e.g. 1234,56: '1.234' could be either."),
        }.get(why, _("Enter the amount as a number, e.g. 1234.56."))}) from None
    return amount


def date_field(raw: Any, field: str) -> date:
    try:
        value = parse_date(raw)
    except NoSuchDate:
        raise FormErrors({field: _("%(text)s does not exist in the calendar: check the day and the month.") % {
            "text": str(raw).strip()[:20]}}) from None
    except ValueError:
        raise FormErrors({field: _("Enter the date as YYYY-MM-DD.")}) from None
    if value < date(2000, 1, 1):
        raise FormErrors({field: _("Enter a date from the year 2000 on: check the year.")})
    if value.year > clock.today().year + 10:  # (not today.replace(year=...): no 29 February ten years on)
        raise FormErrors({field: _("Enter a date within the next ten years.")})
    return value


def query_day(raw: str | None, what: str) -> date | None:
    """A date in a page's or route's query string (``?start=2026-12-01``), read by the app so a bad one is refused
    in the reader's language (400), not with the framework's English; none given is None."""
    text = (raw or "").strip()
    if not text:
        return None
    try:
        return parse_date(text)
    except NoSuchDate:
        raise ClientException(detail=_("%(what)s: %(text)s does not exist in the calendar: check the day and the month.") % {
            "what": what, "text": text[:20]}) from None
    except ValueError:
        raise ClientException(detail=_("%(what)s: write the date as YYYY-MM-DD, for example 2026-12-31.") % {"what": what}) from None


async def case_action(request: Request, case_id: int, action, done: str) -> Response:
    """A quick action from the case page: do it, then back to the case with what happened (or what to
    fix) as a message. A case the caller may not see stays a 403/404."""
    try:
        await action()
    except (PlanError, FormErrors) as exc:
        return refuse(request, [str(m) for m in exc.errors.values()], f"/cases/{case_id}")
    except HTTPException as exc:
        if exc.status_code in {403, 404}:
            raise
        return refuse(request, [str(exc.detail)], f"/cases/{case_id}")
    notify(request, done)
    return redirect(f"/cases/{case_id}", request)


def requested_org(user: CurrentUser, raw: str | int | None) -> int | None:
    """Creditors act for their organisation; admins name one (checked to exist when used)."""
    if user.role == Role.creditor:
        return user.organisation_id
    return parse_id(raw)
