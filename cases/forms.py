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


def claim_from_json(data: dict[str, Any]) -> ClaimInput:
    debtor = data.get("debtor") or {}
    address = debtor.get("address") or {}
    return ClaimInput(
        debtor=DebtorInput(
            kind=str(debtor.get("kind") or ""), name=str(debtor.get("name") or ""), tax_id=str(debtor.get("tax_id") or ""),
            email=str(debtor.get("email") or ""), phone=str(debtor.get("phone") or ""),
            address_line1=str(address.get("line1") or ""), city=str(address.get("city") or ""),
            postal_code=str(address.get("postal_code") or ""), country=str(address.get("country") or "ES"),
            language=str(debtor.get("language") or "es"),
        ),
        invoices=tuple(
            InvoiceInput(number=str(i.get("number") or ""), issue_date=i.get("issue_date") or "", due_date=i.get("due_date") or "",
                         amount=i.get("amount") if i.get("amount") is not None else "", currency=str(i.get("currency") or "EUR"))
            for i in (data.get("invoices") or []) if isinstance(i, dict)
        ),
        creditor_reference=str(data.get("creditor_reference") or ""),
        notes=str(data.get("notes") or ""),
    )
