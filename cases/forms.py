"""Reading claims from the page's form and from the API's JSON into the pure rule's inputs."""
from __future__ import annotations

from typing import Any

from agency.uploads import ReceivedForm
from cases.intake import ClaimInput, DebtorInput, InvoiceInput

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
