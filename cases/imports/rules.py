"""Bulk import of unpaid invoices (pure): read a CSV or XLSX, check every row with the intake
rules, group invoices of the same debtor into one claim. Nothing here writes anything.

Columns (Spanish or English headers, any order; * = required):
  tipo_deudor / debtor_kind            empresa|persona, company|person (default: empresa)
  nombre_deudor / debtor_name *        nif_deudor / debtor_tax_id (required for companies)
  email_deudor / debtor_email          telefono_deudor / debtor_phone
  direccion_deudor / debtor_address *  ciudad_deudor / debtor_city *   cp_deudor / debtor_postal_code *
  pais_deudor / debtor_country         ES, FR or PT (default ES)
  numero_factura / invoice_number *    fecha_emision / issue_date *    fecha_vencimiento / due_date *
  importe / amount *                   moneda / currency (default EUR)
  referencia / creditor_reference      notas / notes
One row per invoice; the debtor's columns repeat. Rows with the same debtor (same tax id, or
same name and postal code when there is none) become one case."""
from __future__ import annotations

import codecs
import csv
import io
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from operator import itemgetter
from typing import BinaryIO

from agency.i18n import lazy_gettext as _l
from cases.claims.rules import DebtorInput, InvoiceInput, ValidInvoice, clean_debtor, clean_invoice

MAX_ROWS = 200_000

COLUMNS: dict[str, tuple[str, str]] = {  # canonical: (spanish, english)
    "debtor_kind": ("tipo_deudor", "debtor_kind"),
    "debtor_name": ("nombre_deudor", "debtor_name"),
    "debtor_tax_id": ("nif_deudor", "debtor_tax_id"),
    "debtor_email": ("email_deudor", "debtor_email"),
    "debtor_phone": ("telefono_deudor", "debtor_phone"),
    "debtor_address": ("direccion_deudor", "debtor_address"),
    "debtor_city": ("ciudad_deudor", "debtor_city"),
    "debtor_postal_code": ("cp_deudor", "debtor_postal_code"),
    "debtor_country": ("pais_deudor", "debtor_country"),
    "invoice_number": ("numero_factura", "invoice_number"),
    "issue_date": ("fecha_emision", "issue_date"),
    "due_date": ("fecha_vencimiento", "due_date"),
    "amount": ("importe", "amount"),
    "currency": ("moneda", "currency"),
    "creditor_reference": ("referencia", "creditor_reference"),
    "notes": ("notas", "notes"),
}
REQUIRED = ("debtor_name", "debtor_address", "debtor_city", "debtor_postal_code", "invoice_number", "issue_date", "due_date", "amount")
EXAMPLE = {
    "debtor_kind": "empresa", "debtor_name": "Talleres Norte S.L.", "debtor_tax_id": "B48123459", "debtor_email": "pagos@talleresnorte.es",
    "debtor_phone": "+34 944 000 000", "debtor_address": "Calle del Sol 3", "debtor_city": "Bilbao", "debtor_postal_code": "48001",
    "debtor_country": "ES", "invoice_number": "F-2026-0107", "issue_date": "15/01/2026", "due_date": "14/02/2026", "amount": "1210,00",
    "currency": "EUR", "creditor_reference": "CLI-0042", "notes": "",
}
_KINDS = {"empresa": "company", "company": "company", "autonomo": "company", "persona": "person", "person": "person", "particular": "person"}
_FIELD_TO_COLUMN = {
    "debtor.kind": "debtor_kind", "debtor.name": "debtor_name", "debtor.tax_id": "debtor_tax_id", "debtor.email": "debtor_email",
    "debtor.phone": "debtor_phone", "debtor.address_line1": "debtor_address", "debtor.city": "debtor_city",
    "debtor.postal_code": "debtor_postal_code", "debtor.country": "debtor_country", "row.number": "invoice_number",
    "row.issue_date": "issue_date", "row.due_date": "due_date", "row.amount": "amount", "row.currency": "currency",
}


class ImportRefused(ValueError):
    """The file as a whole cannot be read (not a row problem)."""


@dataclass(frozen=True)
class RowError:
    row: int  # as the person sees it in the spreadsheet: the header is row 1
    column: str
    message: str


@dataclass(frozen=True)
class Unreadable:
    """A row the CSV reader could not take: the field (counted from 0) that stopped it, and why."""
    column: int
    message: str


@dataclass
class ClaimGroup:
    key: tuple
    debtor: DebtorInput
    invoices: list[ValidInvoice] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)
    creditor_reference: str = ""
    notes: str = ""

    @property
    def total(self) -> Decimal:
        return sum((i.amount for i in self.invoices), Decimal("0"))


@dataclass
class ImportPlan:
    groups: list[ClaimGroup]
    errors: list[RowError]
    row_count: int
    columns: list[str]

    @property
    def ok(self) -> bool:
        return not self.errors and self.row_count > 0

    @property
    def total(self) -> Decimal:
        return sum((g.total for g in self.groups), Decimal("0"))

    @property
    def invoice_count(self) -> int:
        return sum(len(g.invoices) for g in self.groups)


def _norm_header(text: str) -> str:
    text = unicodedata.normalize("NFKD", str(text or "")).encode("ascii", "ignore").decode().strip().lower()
    return "_".join(text.replace("-", " ").replace(".", " ").split())


_ALIASES = {alias: canonical for canonical, names in COLUMNS.items() for alias in (*names, canonical)}
_ALIASES.update({"nif": "debtor_tax_id", "cif": "debtor_tax_id", "codigo_postal_deudor": "debtor_postal_code", "factura": "invoice_number"})


def _decode_csv(data: bytes) -> str:
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8):].decode("utf-8")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="strict") if _cp1252_ok(data) else data.decode("latin-1")


def _cp1252_ok(data: bytes) -> bool:
    try:
        data.decode("cp1252")
        return True
    except UnicodeDecodeError:
        return False


def read_table(fileobj: BinaryIO, filename: str) -> tuple[list[str], Iterator[tuple[int, list | Unreadable]], bool]:
    """Headers, then (spreadsheet row number, cells) for each non-empty row, and whether every cell is text (a CSV's are; a
    spreadsheet's may be numbers and dates)."""
    name = filename.lower()
    fileobj.seek(0)
    head = fileobj.read(4)
    fileobj.seek(0)
    if head.startswith(b"PK\x03\x04") or name.endswith(".xlsx"):
        return (*_read_xlsx(fileobj), False)
    data = fileobj.read()
    if b"\x00" in data[:4096] or data.startswith((b"%PDF", b"\x89PNG", b"\xff\xd8", b"\xd0\xcf\x11\xe0", b"MZ", b"{\\rtf")):
        raise ImportRefused(_l("This file is neither a CSV nor an XLSX spreadsheet."))
    text = _decode_csv(data)
    sample = text[:8192]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=";,\t|")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ";" if sample.count(";") > sample.count(",") else ","
    lines = _Lines(text)
    reader = csv.reader(lines, delimiter=delimiter)
    try:
        headers = next(reader)
    except StopIteration:
        raise ImportRefused(_l("The file is empty.")) from None
    except csv.Error:
        raise ImportRefused(_l("The header row could not be read: check the file's separators and quotes.")) from None

    def body():
        n = 1
        while True:
            n += 1
            lines.record.clear()
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error:  # the one the reader raises on a cell longer than csv.field_size_limit() (128 KB)
                yield n, Unreadable(_long_field(lines.record, delimiter, csv.field_size_limit()),
                                    str(_l("This cell is longer than %(n)s characters, which no value of an invoice is: check "
                                           "the file's separators and quotes.", n=csv.field_size_limit())))
                continue
            if "".join(row).strip():  # (blank when every cell is: one join, not a strip per cell)
                yield n, row

    return headers, body(), True


class _Lines:
    """The text's lines as the CSV reader takes them, keeping those of the row being read: when the reader refuses
    a row, they say which cell it was."""

    def __init__(self, text: str):
        self._lines = iter(io.StringIO(text))
        self.record: list[str] = []

    def __iter__(self):
        return self

    def __next__(self) -> str:
        line = next(self._lines)
        self.record.append(line)
        return line


def _long_field(lines: list[str], delimiter: str, limit: int) -> int:
    """Which field of a row's raw text (counted from 0) is the first longer than ``limit`` (the reader's rules:
    ``"`` quotes, doubled inside quotes)."""
    field_number, size, quoted = 0, 0, False
    raw = "".join(lines)
    i = 0
    while i < len(raw):
        ch = raw[i]
        if quoted:
            if ch == '"' and raw[i + 1:i + 2] == '"':
                i += 1
                size += 1
            elif ch == '"':
                quoted = False
            else:
                size += 1
        elif ch == '"':
            quoted = True
        elif ch == delimiter:
            field_number, size = field_number + 1, 0
        elif ch not in "\r\n":
            size += 1
        if size > limit:
            break
        i += 1
    return field_number


def _read_xlsx(fileobj: BinaryIO) -> tuple[list[str], Iterator[tuple[int, list]]]:
    from openpyxl import load_workbook  # lazy: XLSX only when an XLSX file is read or written

    try:
        wb = load_workbook(fileobj, read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - any unreadable workbook is the same answer
        raise ImportRefused(_l("This spreadsheet could not be read: save it again as .xlsx or .csv.")) from None
    ws = wb.worksheets[0]
    rows = ws.iter_rows(values_only=True)
    try:
        headers = [str(c) if c is not None else "" for c in next(rows)]
    except StopIteration:
        raise ImportRefused(_l("The file is empty.")) from None

    def body():
        for n, row in enumerate(rows, start=2):
            cells = ["" if c is None else c for c in row]
            if any(str(c).strip() for c in cells):
                yield n, cells
        wb.close()

    return headers, body()


def _nul_column(cells: list) -> int | None:
    """The first cell holding a NUL character, or None."""
    return next((i for i, c in enumerate(cells) if isinstance(c, str) and "\x00" in c), None)


def _cell(value) -> str:
    return value.strip() if isinstance(value, str) else ("" if value is None else str(value))


def _column_name(headers: list[str], index: int) -> str:
    name = headers[index].replace("\x00", "").strip() if index < len(headers) else ""
    return name or str(_l("column %(n)s", n=index + 1))


# The fields a row is read for, in the order plan_import unpacks them.
_ROW_FIELDS = ("debtor_kind", "debtor_name", "debtor_tax_id", "debtor_email", "debtor_phone", "debtor_address", "debtor_city",
               "debtor_postal_code", "debtor_country", "amount", "invoice_number", "issue_date", "due_date", "currency", "creditor_reference", "notes")


def plan_import(fileobj: BinaryIO, filename: str, today: date) -> ImportPlan:
    headers, rows, textual = read_table(fileobj, filename)
    index: dict[str, int] = {}
    unknown = []
    for i, header in enumerate(headers):
        canonical = _ALIASES.get(_norm_header(header))
        if canonical and canonical not in index:
            index[canonical] = i
        elif header.strip():
            unknown.append(header)
    missing = [c for c in REQUIRED if c not in index]
    if missing:
        names = ", ".join(f"{COLUMNS[c][0]} / {COLUMNS[c][1]}" for c in missing)
        raise ImportRefused(_l("Required columns are missing: %(names)s. Download the template to see them all.", names=names))

    errors: list[RowError] = []
    groups: dict[tuple, ClaimGroup] = {}
    seen_invoices: dict[tuple, int] = {}
    debtors_seen: dict[tuple, tuple[DebtorInput, dict, tuple]] = {}  # the debtor's cells as written -> (debtor, errors, key)
    kinds_seen: dict[str, str] = {}  # (a debtor kind as written -> as normalised: a handful of values over all rows)
    # Where each field is, read in one pass per row by one itemgetter (a function call per cell was a third of reading a
    # row); a field without its column reads the "" put after the row's last cell.
    positions = [index.get(col) for col in _ROW_FIELDS]
    width_needed = max(p for p in positions if p is not None) + 1
    fields_of = itemgetter(*[-1 if p is None else p for p in positions])
    count = 0
    for row_number, cells in rows:
        count += 1
        if count > MAX_ROWS:
            raise ImportRefused(_l("At most %(n)s rows per file: split it in several files.", n=MAX_ROWS))
        if isinstance(cells, Unreadable):
            errors.append(RowError(row_number, _column_name(headers, cells.column), cells.message))
            continue
        nul = None if textual and "\x00" not in "".join(cells) else _nul_column(cells)
        if nul is not None:  # PostgreSQL stores no NUL character: a row error here, not a failed import later
            errors.append(RowError(row_number, _column_name(headers, nul), str(_l("This cell contains a NUL character (U+0000): remove it."))))
            continue
        if len(cells) < width_needed:
            cells = [*cells, *[""] * (width_needed - len(cells))]
        cells.append("")
        (kind_cell, name, tax_id, email, phone, address, city, postal_code, country, raw_amount, number, issue_date, due_date, currency,
         creditor_reference, notes) = fields_of(cells)
        row_errors: dict[str, object] = {}
        # A debtor's columns repeat on each of its rows: each distinct debtor (as written) is read and checked once.
        written = (kind_cell, name, tax_id, email, phone, address, city, postal_code, country)
        if not textual:  # (a spreadsheet's 1 and 1.0 are equal keys but read as "1" and "1.0")
            written = tuple(map(repr, written))
        cached = debtors_seen.get(written)
        if cached is None:
            kind_written = _cell(kind_cell) or "empresa"
            if (kind_raw := kinds_seen.get(kind_written)) is None:
                kind_raw = kinds_seen[kind_written] = _norm_header(kind_written)
            raw_debtor = DebtorInput(
                kind=_KINDS.get(kind_raw, kind_raw), name=_cell(name), tax_id=_cell(tax_id), email=_cell(email), phone=_cell(phone),
                address_line1=_cell(address), city=_cell(city), postal_code=_cell(postal_code), country=_cell(country) or "ES",
            )
            debtor_errors: dict[str, object] = {}
            debtor = clean_debtor(raw_debtor, debtor_errors)
            key = ("tax", debtor.tax_id) if debtor.tax_id else ("name", debtor.name.lower(), debtor.postal_code)
            cached = debtors_seen[written] = (debtor, debtor_errors, key)
        debtor, debtor_errors, key = cached
        if debtor_errors:
            row_errors.update(debtor_errors)
        invoice = clean_invoice(
            InvoiceInput(number=_cell(number), issue_date=issue_date, due_date=due_date,
                         amount=raw_amount if not isinstance(raw_amount, str) else raw_amount.strip(), currency=_cell(currency) or "EUR"),
            today, "row", row_errors,
        )
        if invoice is not None and not row_errors:
            dup_key = (key, invoice.number.upper())
            if dup_key in seen_invoices:
                row_errors["row.number"] = _l("This invoice is already on row %(row)s for the same debtor.", row=seen_invoices[dup_key])
            else:
                seen_invoices[dup_key] = row_number
        if row_errors:
            for field_key, message in row_errors.items():
                column = _FIELD_TO_COLUMN.get(field_key, field_key)
                errors.append(RowError(row_number, headers[index[column]] if column in index else column, str(message)))
            continue
        group = groups.get(key)
        if group is None:
            group = groups[key] = ClaimGroup(key=key, debtor=debtor, creditor_reference=_cell(creditor_reference)[:100],
                                             notes=_cell(notes)[:5000])
        group.invoices.append(invoice)
        group.rows.append(row_number)
    if count == 0:
        raise ImportRefused(_l("The file has a header but no rows."))
    return ImportPlan(list(groups.values()), errors, count, headers)


def add_duplicate_errors(plan: ImportPlan, open_invoices: dict[tuple, str]) -> None:
    """``open_invoices``: (debtor key, invoice number upper-cased) -> reference of an open case."""
    number_header = next((h for h in plan.columns if _ALIASES.get(_norm_header(h)) == "invoice_number"), "invoice_number")
    for group in plan.groups:
        for invoice, row in zip(group.invoices, group.rows):
            ref = open_invoices.get((group.key, invoice.number.upper()))
            if ref:
                plan.errors.append(RowError(row, number_header, str(_l("This invoice is already being claimed in case %(ref)s.", ref=ref))))
    plan.errors.sort(key=lambda e: e.row)


def template_rows(language: str) -> tuple[list[str], list[str]]:
    """The header (in the reader's language) and one example row, for the downloadable template."""
    headers = [names[0] if language == "es" else names[1] for names in COLUMNS.values()]
    return headers, [EXAMPLE[c] for c in COLUMNS]
