"""Intake rules (pure): what a claim must be before it becomes a case.

Every refusal names the field and says what to fix. The same rules serve the claim form, the
JSON API and the bulk import, so a claim refused in one is refused in all."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from agency.i18n import lazy_gettext as _l
from agency.identifiers import COUNTRIES, InvalidIdentifier, normalise_tax_id
from cases.money import AmountError, check_positive_amount, parse_amount

DEBTOR_KINDS = ("company", "person")
ERASED_EVIDENCE = "erased"  # the kind of an evidence row whose file was deleted with its debtor's data (cases.privacy)
CURRENCIES = ("EUR",)
MAX_INVOICES = 500
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^\+?[0-9 ()./-]{6,20}$")


@dataclass(frozen=True)
class DebtorInput:
    kind: str = "company"
    name: str = ""
    tax_id: str = ""
    email: str = ""
    phone: str = ""
    address_line1: str = ""
    city: str = ""
    postal_code: str = ""
    country: str = "ES"
    language: str = "es"


@dataclass(frozen=True)
class InvoiceInput:
    number: str = ""
    issue_date: object = ""
    due_date: object = ""
    amount: object = ""
    currency: str = "EUR"


@dataclass(frozen=True)
class ClaimInput:
    debtor: DebtorInput
    invoices: tuple[InvoiceInput, ...]
    creditor_reference: str = ""
    notes: str = ""


@dataclass(frozen=True)
class ValidInvoice:
    number: str
    issue_date: date
    due_date: date
    amount: Decimal
    currency: str


@dataclass(frozen=True)
class ValidClaim:
    debtor: DebtorInput
    invoices: tuple[ValidInvoice, ...]
    creditor_reference: str
    notes: str

    @property
    def total(self) -> Decimal:
        return sum((i.amount for i in self.invoices), Decimal("0"))


@dataclass
class ClaimErrors(Exception):
    """Field -> what to fix; ``duplicates`` maps an invoice field to the open case that already has it."""

    errors: dict[str, object]
    duplicates: dict[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        return "; ".join(f"{k}: {v}" for k, v in self.errors.items())


class NoSuchDate(ValueError):
    """A date written in a right shape that names no day of the calendar (31/02/2026): not a wrong format."""


_DATE_SHAPES = (re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})"), re.compile(r"(\d{1,2})([/.-])(\d{1,2})\2(\d{4})"))


def no_such_date(text: str) -> bool:
    """Whether ``text`` is shaped like a date (ISO or day/month/year) but the day does not exist."""
    iso, dmy = (shape.fullmatch(text) for shape in _DATE_SHAPES)
    if not (iso or dmy):
        return False
    year, month, day = (int(iso[1]), int(iso[2]), int(iso[3])) if iso else (int(dmy[4]), int(dmy[3]), int(dmy[1]))
    try:
        date(year, month, day)
    except ValueError:
        return True
    return False


def parse_date(raw: object) -> date:
    """ISO (2026-03-31) or Spanish (31/03/2026) dates; spreadsheet dates as they come. A date of the right
    shape that does not exist (31/02/2026) raises NoSuchDate, any other text ValueError."""
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    text = str(raw or "").strip()
    # Fast paths for the two usual shapes (the import reads hundreds of thousands of dates).
    if len(text) == 10:
        if text[4] == "-" and text[7] == "-":
            try:
                return date.fromisoformat(text)
            except ValueError:
                pass
        elif text[2] in "/-." and text[5] == text[2] and text[:2].isdigit() and text[3:5].isdigit() and text[6:].isdigit():
            try:
                return date(int(text[6:]), int(text[3:5]), int(text[:2]))
            except ValueError:
                raise NoSuchDate(text) from None
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise (NoSuchDate if no_such_date(text) else ValueError)(text)


def clean_debtor(d: DebtorInput, errors: dict[str, object]) -> DebtorInput:
    name = " ".join(d.name.split())
    country = (d.country or "ES").strip().upper()
    kind = (d.kind or "").strip().lower()
    tax_id = d.tax_id.strip()
    email = d.email.strip().lower()
    phone = d.phone.strip()
    if kind not in DEBTOR_KINDS:
        errors["debtor.kind"] = _l("Choose whether the debtor is a company or a person.")
    if not name:
        errors["debtor.name"] = _l("Enter the debtor's name.")
    elif len(name) > 200:
        errors["debtor.name"] = _l("The name is too long (200 characters at most).")
    if country not in COUNTRIES:
        errors["debtor.country"] = _l("The debtor's country must be Spain, France or Portugal.")
    elif tax_id:
        try:
            tax_id = normalise_tax_id(country, tax_id)
        except InvalidIdentifier as exc:
            errors["debtor.tax_id"] = exc.args[0]
    elif kind == "company":
        errors["debtor.tax_id"] = _l("Enter the company's tax id: it identifies the debtor before the courts.")
    for name_, value, label in (
        ("address_line1", d.address_line1, _l("Enter the debtor's postal address.")),
        ("city", d.city, _l("Enter the city.")),
        ("postal_code", d.postal_code, _l("Enter the postal code.")),
    ):
        if not value.strip():
            errors[f"debtor.{name_}"] = label
    if email and not _EMAIL.match(email):
        errors["debtor.email"] = _l("This email address is not valid.")
    if phone and not _PHONE.match(phone):
        errors["debtor.phone"] = _l("This phone number is not valid.")
    return DebtorInput(
        kind=kind, name=name, tax_id=tax_id, email=email, phone=phone, address_line1=" ".join(d.address_line1.split()),
        city=d.city.strip(), postal_code=d.postal_code.strip().upper(), country=country,
        language=d.language if d.language in ("es", "en", "fr", "pt") else "es",
    )


def clean_invoice(i: InvoiceInput, today: date, key: str, errors: dict[str, object]) -> ValidInvoice | None:
    number = i.number.strip()
    ok = True
    if not number:
        errors[f"{key}.number"] = _l("Enter the invoice number.")
        ok = False
    elif len(number) > 64:
        errors[f"{key}.number"] = _l("The invoice number is too long (64 characters at most).")
        ok = False
    try:
        issue = parse_date(i.issue_date)
    except NoSuchDate:
        errors[f"{key}.issue_date"] = _l("The issue date %(text)s does not exist in the calendar: check the day and the month.",
                                         text=str(i.issue_date).strip()[:20])
        issue, ok = None, False
    except ValueError:  # (empty: a form's date picker left blank, whose display is the browser's own order)
        errors[f"{key}.issue_date"] = (_l("Enter the issue date as 31/03/2026 or 2026-03-31.") if str(i.issue_date or "").strip()
                                          else _l("Enter the issue date."))
        issue, ok = None, False
    try:
        due = parse_date(i.due_date)
    except NoSuchDate:
        errors[f"{key}.due_date"] = _l("The due date %(text)s does not exist in the calendar: check the day and the month.",
                                       text=str(i.due_date).strip()[:20])
        due, ok = None, False
    except ValueError:  # (empty: a form's date picker left blank, whose display is the browser's own order)
        errors[f"{key}.due_date"] = (_l("Enter the due date as 31/03/2026 or 2026-03-31.") if str(i.due_date or "").strip()
                                          else _l("Enter the due date."))
        due, ok = None, False
    if due is not None and due >= today:
        errors[f"{key}.due_date"] = _l("Only debts already due can be claimed: the due date must be in the past.")
        ok = False
    if issue is not None and due is not None and issue > due:
        errors[f"{key}.issue_date"] = _l("The issue date cannot be after the due date.")
        ok = False
    try:
        amount = parse_amount(i.amount)
        check_positive_amount(amount)
    except AmountError as exc:
        errors[f"{key}.amount"] = {
            "not positive": _l("The amount must be greater than zero."),
            "more than two decimals": _l("Use at most two decimals."),
            "too large": _l("The amount is too large."),
        }.get(exc.args[0], _l("Enter the amount without thousands separators and with at most two decimals, e.g. 1234.56."))
        amount, ok = None, False
    currency = (i.currency or "EUR").strip().upper()
    if currency not in CURRENCIES:
        errors[f"{key}.currency"] = _l("Only euros (EUR) are handled for now.")
        ok = False
    return ValidInvoice(number, issue, due, amount, currency) if ok else None


def validate_claim(claim: ClaimInput, today: date, open_invoices: dict[str, str] | None = None) -> ValidClaim:
    """``open_invoices``: invoice number -> reference of an open case of the same creditor and debtor."""
    errors: dict[str, object] = {}
    duplicates: dict[str, str] = {}
    debtor = clean_debtor(claim.debtor, errors)
    if not claim.invoices:
        errors["invoices"] = _l("Add at least one invoice.")
    elif len(claim.invoices) > MAX_INVOICES:
        errors["invoices"] = _l("At most %(n)s invoices per claim: use the import for more.", n=MAX_INVOICES)
    valid: list[ValidInvoice] = []
    seen: dict[str, int] = {}
    for n, invoice in enumerate(claim.invoices[:MAX_INVOICES]):
        key = f"invoices.{n}"
        cleaned = clean_invoice(invoice, today, key, errors)
        number = invoice.number.strip()
        if number:
            if number.upper() in seen:
                errors[f"{key}.number"] = _l("This invoice number appears twice in the claim.")
                cleaned = None
            elif open_invoices and number in open_invoices:
                errors[f"{key}.number"] = _l("This invoice is already being claimed in case %(ref)s.", ref=open_invoices[number])
                duplicates[f"{key}.number"] = open_invoices[number]
                cleaned = None
            seen[number.upper()] = n
        if cleaned:
            valid.append(cleaned)
    notes = claim.notes.strip()
    if len(notes) > 5000:
        errors["notes"] = _l("The notes are too long (5,000 characters at most).")
    reference = claim.creditor_reference.strip()
    if len(reference) > 100:
        errors["creditor_reference"] = _l("Your reference is too long (100 characters at most).")
    if errors:
        raise ClaimErrors(errors, duplicates)
    return ValidClaim(debtor, tuple(valid), reference, notes)
