"""The filing bundle's pure part: which documents a petition lists (read back from its own table, so the bundle
numbers them exactly as the petition does), the file names a court's e-filing portal receives, the index, and the
data of the Spanish court-fee form 696 (Ley 10/2012): fixed and variable parts, the online discount and the
deduction of an earlier monitorio's fee. Plain values in, plain values out."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from legal.rules.jurisdictions import (
    ES_COURT_FEE_FIXED,
    ES_COURT_FEE_ONLINE_DISCOUNT,
    ES_VERBAL_MAX,
)
from legal.rules.procedures import spanish_court_fee

# The petitions a bundle is made for, and the procedure each is filed in (the verbal claim's fee is the
# ordinario's above ES_VERBAL_MAX: LEC 249.2 and 250.2).
PETITIONS = {"monitorio_petition": "monitorio", "verbal_claim": "verbal", "european_order_for_payment": "european_order_for_payment"}
PROCEDURE_LABELS = {"monitorio": "Proceso monitorio", "verbal": "Juicio verbal", "ordinario": "Juicio ordinario",
                    "european_order_for_payment": "Proceso monitorio europeo"}
SHA256 = re.compile(r"^[0-9a-f]{64}$")
CENT = Decimal("0.01")
MAX_NAME = 120  # characters of a file name inside the bundle (portals refuse long names)

# What a file becomes in the bundle, by its (sniffed) content type: kept as it is, drawn as a PDF page, or
# converted by LibreOffice. Anything else (an e-invoice's XML, an e-mail file) is named in the index, not included.
PDF_TYPES = frozenset({"application/pdf"})
IMAGE_TYPES = frozenset({"image/jpeg", "image/png", "image/tiff"})
OFFICE_TYPES = frozenset({
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.oasis.opendocument.text", "application/vnd.oasis.opendocument.spreadsheet",
    "application/msword", "application/vnd.ms-excel", "application/rtf", "text/plain", "text/csv",
})


def how_converted(content_type: str) -> str | None:
    """"pdf" (kept byte for byte: the petition prints its SHA-256), "image", "office", or None (not convertible)."""
    kind = (content_type or "").split(";")[0].strip().lower()
    if kind in PDF_TYPES:
        return "pdf"
    if kind in IMAGE_TYPES:
        return "image"
    if kind in OFFICE_TYPES:
        return "office"
    return None


@dataclass(frozen=True)
class Listed:
    """A document as the petition lists it: its number, the name printed and its SHA-256."""
    number: int
    name: str
    sha256: str


def listed_documents(rows: list[list[str]]) -> list[Listed]:
    """The documents a petition lists, from the text of its tables' rows: a row that lists one has a SHA-256 cell
    (the evidence table: N.º, Documento, Tipo, Tamaño, Huella). The number is the row's first cell when it is one
    (what the petition prints), else the count so far; the name is the cell after the number."""
    found: list[Listed] = []
    for row in rows:
        cells = [" ".join(str(c).split()) for c in row]
        sha = next((c.lower() for c in cells if SHA256.match(c.lower())), None)
        if sha is None:
            continue
        first = cells[0] if cells else ""
        number = int(first) if first.isdigit() else len(found) + 1
        names = [c for c in cells[1:] if c and c.lower() != sha] if first.isdigit() else [c for c in cells if c and c.lower() != sha]
        found.append(Listed(number, names[0] if names else "", sha))
    return found


def safe_name(text: str) -> str:
    """A file name every system and portal accepts: no path separators, reserved or control characters, spaces
    collapsed, at most MAX_NAME characters (accents kept: LexNET takes them)."""
    text = unicodedata.normalize("NFC", str(text or ""))
    text = "".join(" " if (unicodedata.category(ch).startswith("C") or ch in '\\/:*?"<>|') else ch for ch in text)
    text = " ".join(text.split()).strip(" .")
    return text[:MAX_NAME].rstrip(" .")


def stem(filename: str) -> str:
    """The name without its extension ("Factura FV-2026-0102.pdf" -> "Factura FV-2026-0102")."""
    name = str(filename or "")
    head, dot, tail = name.rpartition(".")
    return head if dot and head and 1 <= len(tail) <= 5 and tail.isalnum() else name


def annex_name(number: int, name: str, kind_label: str = "") -> str:
    """The bundle's file of the petition's document ``number``: "Documento 1 - Factura FV-2026-0102.pdf". The kind
    is put first when the file's own name does not say it ("FV-0102.pdf", an invoice: "Factura FV-0102")."""
    title = stem(name)
    label = (kind_label or "").strip()
    if label and label != "otro documento" and not title.casefold().startswith(label.casefold()):
        title = f"{label[0].upper()}{label[1:]} {title}"
    title = safe_name(title) or "sin nombre"
    return safe_name(f"Documento {number} - {title}") + ".pdf"


def petition_name(filename: str, extension: str) -> str:
    """The petition itself: "Escrito - EXP-1-peticion-monitorio-v2.pdf"."""
    return safe_name(f"Escrito - {stem(filename)}") + f".{extension}"


def proof_name(filename: str) -> str:
    """The settlement attempt's letter sent to the debtor (LO 1/2025 art. 5): its delivery certificate is among the
    numbered documents, as the petition says."""
    return safe_name(f"Intento de negociación previa - {stem(filename)}") + ".pdf"


# --- the index ---------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Entry:
    """A line of the index: the file in the bundle (empty when not included) and what it is."""
    filename: str
    title: str
    original: str = ""
    sha256_original: str = ""
    sha256_pdf: str = ""
    pages: int = 0
    included: bool = True
    reason: str = ""


def index_text(reference: str, petition: str, made_on: str, made_by: str, entries: list[Entry], power_of_attorney: str) -> str:
    """The bundle's index, in Spanish (it goes with the filing): every file in order, its pages and fingerprints, the
    documents not included and why, and where the power of attorney is."""
    lines = [f"ÍNDICE DE DOCUMENTOS - Expediente {reference}", f"Escrito: {petition}", f"Preparado el {made_on} por {made_by}.", ""]
    included = [e for e in entries if e.included]
    left = [e for e in entries if not e.included]
    for n, e in enumerate(included, 1):
        pages = f"{e.pages} página" + ("" if e.pages == 1 else "s")
        lines.append(f"{n}. {e.filename} ({pages})")
        lines.append(f"   {e.title}")
        if e.original:
            lines.append(f"   Original: {e.original}" + (f", SHA-256 {e.sha256_original}" if e.sha256_original else ""))
        if e.sha256_pdf and e.sha256_pdf != e.sha256_original:
            lines.append(f"   PDF del paquete: SHA-256 {e.sha256_pdf}")
    lines.append("")
    lines.append(f"Poder de representación: {power_of_attorney}")
    if left:
        lines += ["", "NO INCLUIDOS (aportar por separado):"]
        for e in left:
            lines.append(f"- {e.title}" + (f" ({e.original})" if e.original else "") + f": {e.reason}")
    lines += ["", "Modelo 696: véase «Modelo 696 - datos.txt»."]
    return "\n".join(lines) + "\n"


# --- court-fee form 696 ------------------------------------------------------------------------------------------

def _cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def fee_procedure(template: str, amount: Decimal) -> str:
    """The procedure whose fee the petition pays: the template's, the verbal claim above ES_VERBAL_MAX an ordinario."""
    procedure = PETITIONS[template]
    if procedure == "verbal" and amount > ES_VERBAL_MAX:
        return "ordinario"
    return procedure


@dataclass(frozen=True)
class FeeSheet:
    """The figures of form 696 (self-assessment of the court fee, Ley 10/2012)."""
    applicable: bool  # a Spanish court (a European order filed abroad pays no Spanish fee)
    procedure: str
    amount: Decimal  # the claim: the fee's base
    exempt: bool
    why_exempt: str
    fixed: Decimal  # the fixed part before the discount (art. 7.1)
    variable: Decimal  # 0.5 % up to 1 million, 0.25 % above, capped (art. 7.2)
    online_percent: Decimal
    online_on_whole: bool  # the discount on the whole fee, else on the fixed part (unconfirmed: a setting)
    online_discount: Decimal
    earlier_monitorio: Decimal  # the fee of the monitorio this ordinario follows (deducted)
    deduction: Decimal
    total: Decimal


def fee_sheet(procedure: str, amount: Decimal, payer_is_legal_person: bool, *, court_in_spain: bool = True, online: bool = True,
              online_on_whole: bool = False, earlier_monitorio_fee: Decimal = Decimal(0)) -> FeeSheet:
    """Form 696's figures for ``procedure`` on ``amount``: the fixed and variable parts (as spanish_court_fee computes
    them), the online discount (ES_COURT_FEE_ONLINE_DISCOUNT per cent of the fixed part, or of the whole fee with
    ``online_on_whole``), and, for an ordinario that follows an opposed monitorio, the monitorio's fee deducted
    (never below zero)."""
    zero = Decimal("0.00")
    amount = _cents(Decimal(amount))
    if not court_in_spain or procedure not in ES_COURT_FEE_FIXED:
        return FeeSheet(False, procedure, amount, True, "No se presenta ante un tribunal español: no hay tasa del modelo 696.",
                        zero, zero, zero, online_on_whole, zero, zero, zero, zero)
    base = spanish_court_fee(procedure, amount, payer_is_legal_person, online=False)
    percent = ES_COURT_FEE_ONLINE_DISCOUNT if online else zero
    if base.exempt:
        why = ("Exenta: el sujeto pasivo es persona física (art. 4.2 Ley 10/2012)." if not payer_is_legal_person else
               "Exenta: monitorio o verbal de cuantía no superior a 2.000 euros (art. 4.1 Ley 10/2012).")
        return FeeSheet(True, procedure, amount, True, why, zero, zero, percent, online_on_whole, zero, zero, zero, zero)
    discount = _cents((base.fixed + base.variable if online_on_whole else base.fixed) * percent / 100)
    due = base.fixed + base.variable - discount
    earlier = _cents(Decimal(earlier_monitorio_fee)) if procedure == "ordinario" else zero
    deduction = min(earlier, due)
    return FeeSheet(True, procedure, amount, False, "", base.fixed, base.variable, percent, online_on_whole, discount, earlier,
                    deduction, due - deduction)


def euros(value: Decimal) -> str:
    """1234.5 -> "1.234,50 €" (as the form is filled in)."""
    whole, _, cents = f"{_cents(Decimal(value)):.2f}".partition(".")
    sign = "-" if whole.startswith("-") else ""
    digits = whole.lstrip("-")
    groups = []
    while len(digits) > 3:
        groups.insert(0, digits[-3:])
        digits = digits[:-3]
    groups.insert(0, digits)
    return f"{sign}{'.'.join(groups)},{cents} €"


def fee_sheet_text(sheet: FeeSheet, payer: str, payer_tax_id: str, court: str, reference: str) -> str:
    """The sheet a lawyer fills form 696 in from, in Spanish."""
    lines = ["DATOS PARA EL MODELO 696 (autoliquidación de la tasa judicial, Ley 10/2012)", f"Expediente: {reference}", "",
             f"Sujeto pasivo: {payer} (NIF {payer_tax_id or 'sin NIF'})", f"Órgano judicial: {court or 'por determinar'}",
             f"Procedimiento: {PROCEDURE_LABELS.get(sheet.procedure, sheet.procedure)}", f"Base imponible (cuantía): {euros(sheet.amount)}"]
    if not sheet.applicable or sheet.exempt:
        lines += ["", sheet.why_exempt, f"Total a ingresar: {euros(Decimal(0))}"]
        return "\n".join(lines) + "\n"
    lines += [f"Cuota fija (art. 7.1): {euros(sheet.fixed)}", f"Cuota variable (art. 7.2): {euros(sheet.variable)}"]
    if sheet.online_discount:
        part = "la cuota total" if sheet.online_on_whole else "la cuota fija"
        lines.append(f"Bonificación por presentación telemática ({sheet.online_percent.normalize():f} % sobre {part}): -{euros(sheet.online_discount)}")
    if sheet.deduction:
        lines.append(f"Deducción de la tasa del monitorio previo: -{euros(sheet.deduction)} (tasa del monitorio calculada sobre la misma "
                     "cuantía: compruébese con su justificante)")
    lines += [f"Total a ingresar: {euros(sheet.total)}", "",
              "Cataluña añade su propia tasa, no incluida. Adjúntese el justificante del pago al escrito."]
    return "\n".join(lines) + "\n"
