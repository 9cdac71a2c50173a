"""E-invoices in (pure): Facturae 3.2, 3.2.1 and 3.2.2 and UBL 2.1 invoices (Peppol BIS Billing 3.0 is UBL 2.1 with
a ``CustomizationID``), one XML file or a ZIP of them, read into plain values and then into the same import plan as a
CSV or XLSX file (``plan_einvoices``), so the review step and the commit are the import's.

What is read:
- Facturae (``Facturae/Parties``, ``Facturae/Invoices/Invoice``): the seller's ``TaxIdentification``; the buyer's
  ``TaxIdentification`` (``PersonTypeCode`` J a company, F a person; ``TaxIdentificationNumber``), its ``LegalEntity/
  CorporateName`` or ``Individual`` name and surnames, and its ``AddressInSpain`` (``Address``, ``PostCode``, ``Town``)
  or ``OverseasAddress`` (``PostCodeAndTown``, ``CountryCode`` in ISO 3166 alpha-3); each invoice's ``InvoiceSeriesCode``
  and ``InvoiceNumber``, ``InvoiceIssueData/IssueDate`` and ``InvoiceCurrencyCode``, ``InvoiceTotals`` and the last
  ``PaymentDetails/Installment/InstallmentDueDate`` (the whole invoice is due once its last instalment is). A Facturae
  file is one seller and one buyer with one invoice or a batch (``Modality`` L) of several: all are read. What is
  claimed is ``TotalExecutableAmount`` (what is owed once payments on account and amounts withheld as a guarantee are
  taken off).
- UBL (``Invoice``): ``AccountingSupplierParty`` and ``AccountingCustomerParty`` (tax id from ``PartyTaxScheme/
  CompanyID``, else ``PartyLegalEntity/CompanyID``, else ``PartyIdentification/ID``; name from ``PartyLegalEntity/
  RegistrationName`` or ``PartyName/Name``; ``PostalAddress``), ``ID``, ``IssueDate``, the due date (``DueDate``, else
  ``PaymentMeans/PaymentDueDate``, else ``PaymentTerms/PaymentDueDate``), ``DocumentCurrencyCode`` and
  ``LegalMonetaryTotal/PayableAmount``, which is claimed.

Refused whole, saying what to fix (``EInvoiceRefused``): XML that is not well-formed; any DOCTYPE or entity declaration
(nothing an XML refers to is ever fetched or expanded: lxml with entities, DTDs and the network off); a root that is
none of these formats; a buyer without a tax id, or with one that is not valid for its country; another currency than
the euro; totals that do not add up to the cent (Facturae: TotalGrossAmountBeforeTaxes + TotalTaxOutputs -
TotalTaxesWithheld = InvoiceTotal, TotalOutstandingAmount - amounts withheld = TotalExecutableAmount, and the batch's
totals the sum of its invoices'; UBL: TaxExclusiveAmount + TaxTotal/TaxAmount = TaxInclusiveAmount and PayableAmount =
TaxInclusiveAmount - PrepaidAmount + PayableRoundingAmount). A ZIP is read in memory, capped in entries and in
uncompressed size (a ZIP bomb is refused without being inflated past the cap); a ZIP inside it is refused.

What makes an invoice unclaimable rather than unreadable (not yet due, no due date, a debtor outside Spain, France and
Portugal) is an error of the preview, as a CSV row's would be."""
from __future__ import annotations

import hashlib
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from lxml import etree

from agency.http_utils import sanitise_filename
from agency.i18n import lazy_gettext as _l
from agency.identifiers import COUNTRIES, InvalidIdentifier, normalise_tax_id
from cases.claims.rules import DebtorInput, InvoiceInput, clean_debtor, clean_invoice
from cases.imports.rules import ClaimGroup, ImportPlan, RowError

FACTURAE = {
    "http://www.facturae.es/Facturae/2009/v3.2/Facturae": "Facturae 3.2",
    "http://www.facturae.es/Facturae/2014/v3.2.1/Facturae": "Facturae 3.2.1",
    "http://www.facturae.gob.es/formato/Versiones/Facturaev3_2_2.xml": "Facturae 3.2.2",
}
UBL_INVOICE = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
UBL = {
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
}
ACCEPTED = "Facturae 3.2, 3.2.1, 3.2.2, UBL 2.1 / Peppol BIS Billing 3.0"
EURO = "EUR"
CENT = Decimal("0.01")

MAX_XML_BYTES = 10 * 1024 * 1024  # one e-invoice (a signed Facturae batch is well under this)
MAX_ZIP_ENTRIES = 500
MAX_ZIP_BYTES = 60 * 1024 * 1024  # what a ZIP may inflate to, all entries together

_DECLARATION = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_AMOUNT = re.compile(r"^-?\d{1,15}(\.\d{1,8})?$")
_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})")
_PROLOG = re.compile(rb"\A(?:\s+|<\?.*?\?>|<!--.*?-->)*", re.DOTALL)  # whitespace, the declaration, PIs and comments
_ROOT = re.compile(rb"<(?:([A-Za-z_][\w.-]*):)?([A-Za-z_][\w.-]*)([^>]*)>")
_XMLNS = re.compile(rb"""xmlns(?::([A-Za-z_][\w.-]*))?\s*=\s*["']([^"']*)["']""")
# ISO 3166-1 alpha-3 (Facturae's CountryCode) to alpha-2, for the countries a debtor can be in and their neighbours.
_ALPHA3 = {"ESP": "ES", "FRA": "FR", "PRT": "PT", "AND": "AD", "DEU": "DE", "ITA": "IT", "BEL": "BE", "NLD": "NL",
           "LUX": "LU", "IRL": "IE", "GBR": "GB", "CHE": "CH", "AUT": "AT", "MAR": "MA"}


class EInvoiceRefused(ValueError):
    """The file (or a ZIP's entry) cannot be read as an e-invoice: ``args[0]`` says why and what to fix."""


@dataclass(frozen=True)
class Party:
    kind: str  # company | person
    tax_id: str
    name: str
    address_line1: str = ""
    city: str = ""
    postal_code: str = ""
    country: str = "ES"


@dataclass(frozen=True)
class EInvoice:
    number: str
    issue_date: date
    due_date: date | None
    currency: str
    total: Decimal  # what is claimed: Facturae's TotalExecutableAmount, UBL's PayableAmount
    invoice_total: Decimal  # Facturae's InvoiceTotal, UBL's TaxInclusiveAmount (or PayableAmount without it)


@dataclass(frozen=True)
class EInvoiceDocument:
    format: str  # one of FACTURAE's values, or "UBL 2.1"
    seller_tax_id: str
    seller_name: str
    buyer: Party
    invoices: tuple[EInvoice, ...]
    customization: str = ""  # UBL's CustomizationID (Peppol BIS names itself here)


@dataclass(frozen=True)
class SourceFile:
    name: str  # as the person knows it: "f.xml", or "lote.zip: f.xml" for a ZIP's entry
    filename: str  # the file's own name, kept as the evidence's
    data: bytes
    sha256: str


@dataclass
class EInvoicePlan(ImportPlan):
    """An import plan with the files it came from: each kept as evidence of the claim its invoices fill."""

    sources: list[tuple[SourceFile, tuple]] = field(default_factory=list)  # (file, the key of its claim group)


# --- telling an e-invoice upload from a spreadsheet ---------------------------------------------------------------

def root_namespace(head: bytes) -> tuple[str, str] | None:
    """The root element's (namespace, local name) read from the first bytes, without parsing: for sniffing only."""
    text = head[3:] if head.startswith(b"\xef\xbb\xbf") else head
    match = _ROOT.match(text, _PROLOG.match(text).end())  # the first element after the prolog, or nothing (a DOCTYPE)
    if match is None:
        return None
    prefix, local, attributes = match.group(1), match.group(2), match.group(3)
    for declared_prefix, uri in _XMLNS.findall(attributes):
        if (declared_prefix or None) == prefix:
            return uri.decode("utf-8", "replace"), local.decode("utf-8", "replace")
    return "", local.decode("utf-8", "replace")


def sniff_format(head: bytes) -> str | None:
    """Which e-invoice format the first bytes of an XML file name, or None."""
    found = root_namespace(head)
    if found is None:
        return None
    namespace, local = found
    if local == "Facturae" and namespace in FACTURAE:
        return FACTURAE[namespace]
    if local == "Invoice" and namespace == UBL_INVOICE:
        return "UBL 2.1"
    return None


def looks_like_xml(head: bytes) -> bool:
    return head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"<"


def is_einvoice_upload(head: bytes, filename: str) -> bool:
    """An XML file, or a ZIP that is not an office document (an XLSX is a ZIP too)."""
    name = filename.lower()
    if name.endswith((".xlsx", ".csv")):
        return False
    if name.endswith((".xml", ".zip")) or looks_like_xml(head):
        return True
    return head.startswith(b"PK\x03\x04") and b"[Content_Types].xml" not in head


# --- unpacking --------------------------------------------------------------------------------------------------

def _source(name: str, filename: str, data: bytes) -> SourceFile:
    return SourceFile(name, filename, data, hashlib.sha256(data).hexdigest())


def unpack(data: bytes, filename: str) -> list[SourceFile]:
    """The XML files of an upload: the file itself, or each entry of a ZIP (read in memory, capped)."""
    if not data.startswith(b"PK\x03\x04"):
        if len(data) > MAX_XML_BYTES:
            raise EInvoiceRefused(_l("%(name)s: an e-invoice is at most %(mb)s MB.", name=filename, mb=MAX_XML_BYTES // 2**20))
        return [_source(filename, filename, data)]
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = [e for e in archive.infolist() if not e.is_dir() and not _junk(e.filename)]
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise EInvoiceRefused(_l("%(name)s: this ZIP file cannot be read.", name=filename)) from None
    if len(entries) > MAX_ZIP_ENTRIES:
        raise EInvoiceRefused(_l("%(name)s: at most %(n)s files per ZIP.", name=filename, n=MAX_ZIP_ENTRIES))
    if not entries:
        raise EInvoiceRefused(_l("%(name)s: the ZIP file holds no e-invoice.", name=filename))
    sources, inflated = [], 0
    for entry in entries:
        label = f"{filename}: {_printable(entry.filename)}"
        if entry.filename.lower().endswith(".zip"):
            raise EInvoiceRefused(_l("%(name)s: a ZIP inside the ZIP is not read; put the XML files in one ZIP.", name=label))
        if entry.flag_bits & 0x1:
            raise EInvoiceRefused(_l("%(name)s: this entry is encrypted; send the ZIP without a password.", name=label))
        allowed = min(MAX_XML_BYTES, MAX_ZIP_BYTES - inflated)
        try:  # read at most one byte past what is allowed: the sizes a ZIP declares are not trusted
            with archive.open(entry) as fh:
                content = fh.read(allowed + 1)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError, RuntimeError):
            # what zipfile raises for an entry it cannot inflate: a damaged one (BadZipFile, OSError, EOFError, ValueError),
            # a compression method the standard library lacks, Deflate64 for one, or an entry under a password: each is
            # refused as unreadable, naming the entry
            raise EInvoiceRefused(_l("%(name)s: this entry cannot be read.", name=label)) from None
        if len(content) > allowed:
            raise EInvoiceRefused(_l("%(name)s: the ZIP inflates to more than the %(mb)s MB allowed (each e-invoice at most "
                                     "%(each)s MB); send fewer files per ZIP.", name=label, mb=MAX_ZIP_BYTES // 2**20,
                                     each=MAX_XML_BYTES // 2**20))
        inflated += len(content)
        if content.startswith(b"PK\x03\x04"):
            raise EInvoiceRefused(_l("%(name)s: a ZIP inside the ZIP is not read; put the XML files in one ZIP.", name=label))
        sources.append(_source(label, sanitise_filename(entry.filename, "factura.xml"), content))
    return sources


def _printable(name: str) -> str:
    """A ZIP entry's name as shown in a message (its folders kept), without control characters (a NUL among them)."""
    return "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")[:300]


def _junk(name: str) -> bool:
    """What archivers add beside the files (macOS resource forks, Windows thumbnails)."""
    base = name.rsplit("/", 1)[-1]
    return name.startswith("__MACOSX/") or base.startswith("._") or base in (".DS_Store", "Thumbs.db", "desktop.ini")


def read_upload(data: bytes, filename: str) -> list[tuple[SourceFile, EInvoiceDocument]]:
    """Every e-invoice of an upload, or ``EInvoiceRefused`` naming the file (and the ZIP's entry) and the reason."""
    read = []
    for source in unpack(data, filename):
        try:
            read.append((source, read_einvoice(source.data)))
        except EInvoiceRefused as refused:
            raise EInvoiceRefused(f"{source.name}: {refused.args[0]}") from None
    return read


# --- reading one file --------------------------------------------------------------------------------------------

def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
                           huge_tree=False, remove_comments=True, remove_pis=True)


def read_einvoice(data: bytes) -> EInvoiceDocument:
    if not data or not data.strip():
        raise EInvoiceRefused(_l("The file is empty."))
    if not looks_like_xml(data[:64]):
        raise EInvoiceRefused(_l("This is not an XML file. E-invoices accepted: %(formats)s.", formats=ACCEPTED))
    if _DECLARATION.search(data):
        raise EInvoiceRefused(_l("The XML declares a DOCTYPE or entities, which no e-invoice has: refused."))
    try:
        root = etree.fromstring(data, parser=_parser())
    except etree.XMLSyntaxError as error:
        raise EInvoiceRefused(_l("The XML is not well-formed: %(error)s", error=error.msg or str(error))) from None
    tree = root.getroottree()
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        raise EInvoiceRefused(_l("The XML declares a DOCTYPE or entities, which no e-invoice has: refused."))
    name = etree.QName(root)
    if name.localname == "Facturae" and name.namespace in FACTURAE:
        return _facturae(root, FACTURAE[name.namespace])
    if name.localname == "Invoice" and name.namespace == UBL_INVOICE:
        return _ubl(root)
    if name.localname == "CreditNote" and (name.namespace or "").startswith("urn:oasis:names:specification:ubl:schema:xsd:"):
        raise EInvoiceRefused(_l("This is a UBL credit note, not an invoice: nothing to claim."))
    raise EInvoiceRefused(_l("This XML is not an e-invoice in a format the agency reads (its root is “%(root)s”). "
                             "Accepted: %(formats)s.", root=name.localname, formats=ACCEPTED))


def _text(element, path: str, namespaces: dict | None = None) -> str:
    if element is None:
        return ""
    found = element.find(path, namespaces)
    return " ".join((found.text or "").split()) if found is not None else ""


def _amount(text: str, what: str) -> Decimal:
    if not _AMOUNT.match(text or ""):
        raise EInvoiceRefused(_l("%(field)s is not an amount: “%(value)s”.", field=what, value=text or ""))
    return Decimal(text)


def _date(text: str, what: str, required: bool = True) -> date | None:
    match = _DATE.match(text or "")
    if match:
        try:
            return date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            pass
    if not text and not required:
        return None
    raise EInvoiceRefused(_l("%(field)s is not a date: “%(value)s”.", field=what, value=text or ""))


def _cents(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def _euro(code: str, where: str) -> None:
    if code.upper() != EURO:
        raise EInvoiceRefused(_l("%(where)s is in “%(code)s”: only invoices in euros (EUR) are claimed.", where=where,
                                 code=code or "?"))


def _kind_from_tax_id(country: str, tax_id: str) -> str:
    """A person or a company, from the shape of a tax id (where the file does not say)."""
    first = tax_id[:1].upper()
    if country == "ES":
        return "person" if first.isdigit() or first in "XYZKLM" else "company"
    if country == "PT":
        return "person" if first in "123" else "company"
    return "company"


def _buyer_tax_id(country: str, raw: str) -> str:
    raw = raw.strip()
    if not raw:
        raise EInvoiceRefused(_l("The buyer has no tax id, and a debtor is identified by theirs (NIF in Spain and Portugal, "
                                 "SIREN in France): issue the e-invoice again with the buyer's tax id."))
    if country not in COUNTRIES:
        return raw[2:] if raw[:2].upper() == country else raw  # the preview says the country is not one we claim in
    try:
        return normalise_tax_id(country, raw)
    except InvalidIdentifier as exc:
        raise EInvoiceRefused(_l("The buyer's tax id “%(value)s” is not valid: %(reason)s", value=raw, reason=exc.args[0])) from None


def _split_post_code(text: str) -> tuple[str, str]:
    """Facturae's OverseasAddress/PostCodeAndTown: "75008 Paris", "1000-001 Lisboa"."""
    parts = text.split(None, 1)
    if len(parts) == 2 and any(ch.isdigit() for ch in parts[0]):
        return parts[0], parts[1]
    return "", text


# --- Facturae ----------------------------------------------------------------------------------------------------

def _facturae_party(element, role: str) -> tuple[str, str, str, tuple[str, str, str, str]]:
    """(person type code, tax id, name, (address, city, postal code, country)) of a SellerParty or BuyerParty."""
    if element is None:
        raise EInvoiceRefused(_l("The file has no %(role)s (Parties/%(role)s).", role=role))
    person_type = _text(element, "TaxIdentification/PersonTypeCode")
    tax_id = _text(element, "TaxIdentification/TaxIdentificationNumber")
    holder = element.find("LegalEntity")
    if holder is not None:
        name = _text(holder, "CorporateName")
    else:
        holder = element.find("Individual")
        name = " ".join(filter(None, (_text(holder, "Name"), _text(holder, "FirstSurname"), _text(holder, "SecondSurname"))))
    address = ("", "", "", "ES")
    if holder is not None and holder.find("AddressInSpain") is not None:
        spain = holder.find("AddressInSpain")
        address = (_text(spain, "Address"), _text(spain, "Town"), _text(spain, "PostCode"), "ES")
    elif holder is not None and holder.find("OverseasAddress") is not None:
        abroad = holder.find("OverseasAddress")
        code = _text(abroad, "CountryCode").upper()
        postal_code, town = _split_post_code(_text(abroad, "PostCodeAndTown"))
        address = (_text(abroad, "Address"), town, postal_code, _ALPHA3.get(code, code))
    return person_type, tax_id, name, address


def _facturae(root, version: str) -> EInvoiceDocument:
    parties = root.find("Parties")
    _, seller_tax_id, seller_name, _ = _facturae_party(parties.find("SellerParty") if parties is not None else None, "SellerParty")
    person_type, raw_tax_id, name, (line1, city, postal_code, country) = _facturae_party(
        parties.find("BuyerParty") if parties is not None else None, "BuyerParty")
    tax_id = _buyer_tax_id(country, raw_tax_id)
    kind = {"J": "company", "F": "person"}.get(person_type) or _kind_from_tax_id(country, tax_id)
    buyer = Party(kind, tax_id, name, line1, city, postal_code, country)
    batch = root.find("FileHeader/Batch")
    if batch is not None:
        _euro(_text(batch, "InvoiceCurrencyCode"), str(_l("The batch (FileHeader/Batch/InvoiceCurrencyCode)")))
    invoices = [_facturae_invoice(element) for element in root.findall("Invoices/Invoice")]
    if not invoices:
        raise EInvoiceRefused(_l("The file holds no invoice (Invoices/Invoice)."))
    if batch is not None:
        count = _text(batch, "InvoicesCount")
        if count and count != str(len(invoices)):
            raise EInvoiceRefused(_l("The batch says it holds %(count)s invoices (FileHeader/Batch/InvoicesCount); the file has "
                                     "%(n)s.", count=count, n=len(invoices)))
        for path, total in (("TotalInvoicesAmount", sum((i.invoice_total for i in invoices), Decimal(0))),
                            ("TotalExecutableAmount", sum((i.total for i in invoices), Decimal(0)))):
            text = _text(batch, f"{path}/TotalAmount")
            if text and _cents(_amount(text, f"FileHeader/Batch/{path}")) != _cents(total):
                raise EInvoiceRefused(_l("The batch's %(field)s (%(batch)s) is not the sum of its invoices' (%(sum)s): issue the "
                                         "file again with the right totals.", field=path, batch=text, sum=_cents(total)))
    return EInvoiceDocument(version, seller_tax_id, seller_name, buyer, tuple(invoices))


def _facturae_invoice(element) -> EInvoice:
    series = _text(element, "InvoiceHeader/InvoiceSeriesCode")
    raw_number = _text(element, "InvoiceHeader/InvoiceNumber")
    if not raw_number:
        raise EInvoiceRefused(_l("An invoice has no number (InvoiceHeader/InvoiceNumber)."))
    if series and not raw_number.startswith(series):
        number = f"{series}{raw_number}" if series[-1] in "-/_. " else f"{series}-{raw_number}"
    else:
        number = raw_number
    where = str(_l("Invoice %(number)s", number=number))
    currency = _text(element, "InvoiceIssueData/InvoiceCurrencyCode")
    _euro(currency, where)
    issue_date = _date(_text(element, "InvoiceIssueData/IssueDate"), f"{where}: IssueDate")
    totals = element.find("InvoiceTotals")
    if totals is None:
        raise EInvoiceRefused(_l("%(where)s has no totals (InvoiceTotals).", where=where))

    def amount(path: str, required: bool = True) -> Decimal:
        text = _text(totals, path)
        if not text and not required:
            return Decimal(0)
        return _amount(text, f"{where}: InvoiceTotals/{path}")

    before_taxes, tax_outputs = amount("TotalGrossAmountBeforeTaxes"), amount("TotalTaxOutputs")
    withheld, invoice_total = amount("TotalTaxesWithheld"), amount("InvoiceTotal")
    if _cents(before_taxes + tax_outputs - withheld) != _cents(invoice_total):
        raise EInvoiceRefused(_l("%(where)s does not add up: TotalGrossAmountBeforeTaxes (%(base)s) + TotalTaxOutputs (%(taxes)s) - "
                                 "TotalTaxesWithheld (%(withheld)s) is %(sum)s, but InvoiceTotal is %(total)s. Issue the invoice "
                                 "again with the right totals.", where=where, base=before_taxes, taxes=tax_outputs, withheld=withheld,
                                 sum=_cents(before_taxes + tax_outputs - withheld), total=invoice_total))
    outstanding, executable = amount("TotalOutstandingAmount"), amount("TotalExecutableAmount")
    guarantees = sum((_amount(_text(a, "WithholdingAmount"), f"{where}: AmountsWithheld/WithholdingAmount")
                      for a in totals.findall("AmountsWithheld")), Decimal(0))
    if _cents(outstanding - guarantees) != _cents(executable):
        raise EInvoiceRefused(_l("%(where)s does not add up: TotalOutstandingAmount (%(outstanding)s) - AmountsWithheld (%(withheld)s) "
                                 "is not TotalExecutableAmount (%(executable)s).", where=where, outstanding=outstanding,
                                 withheld=guarantees, executable=executable))
    due_dates = [_date(_text(i, "InstallmentDueDate"), f"{where}: InstallmentDueDate")
                 for i in element.findall("PaymentDetails/Installment")]
    return EInvoice(number, issue_date, max(due_dates) if due_dates else None, EURO, _cents(executable), _cents(invoice_total))


# --- UBL ---------------------------------------------------------------------------------------------------------

def _ubl_party(party, role: str) -> tuple[str, str, tuple[str, str, str, str]]:
    if party is None:
        raise EInvoiceRefused(_l("The invoice has no %(role)s.", role=role))
    tax_id = (_text(party, "cac:PartyTaxScheme/cbc:CompanyID", UBL) or _text(party, "cac:PartyLegalEntity/cbc:CompanyID", UBL)
              or _text(party, "cac:PartyIdentification/cbc:ID", UBL))
    name = _text(party, "cac:PartyLegalEntity/cbc:RegistrationName", UBL) or _text(party, "cac:PartyName/cbc:Name", UBL)
    address = party.find("cac:PostalAddress", UBL)
    line1 = " ".join(filter(None, (_text(address, "cbc:StreetName", UBL), _text(address, "cbc:BuildingNumber", UBL),
                                   _text(address, "cbc:AdditionalStreetName", UBL))))
    country = _text(address, "cac:Country/cbc:IdentificationCode", UBL).upper() or "ES"
    return tax_id, name, (line1, _text(address, "cbc:CityName", UBL), _text(address, "cbc:PostalZone", UBL), country)


def _ubl(root) -> EInvoiceDocument:
    seller_tax_id, seller_name, _ = _ubl_party(root.find("cac:AccountingSupplierParty/cac:Party", UBL), "AccountingSupplierParty")
    raw_tax_id, name, (line1, city, postal_code, country) = _ubl_party(root.find("cac:AccountingCustomerParty/cac:Party", UBL),
                                                                      "AccountingCustomerParty")
    tax_id = _buyer_tax_id(country, raw_tax_id)
    buyer = Party(_kind_from_tax_id(country, tax_id), tax_id, name, line1, city, postal_code, country)
    number = _text(root, "cbc:ID", UBL)
    if not number:
        raise EInvoiceRefused(_l("The invoice has no number (cbc:ID)."))
    where = str(_l("Invoice %(number)s", number=number))
    currency = _text(root, "cbc:DocumentCurrencyCode", UBL)
    _euro(currency, where)
    issue_date = _date(_text(root, "cbc:IssueDate", UBL), f"{where}: IssueDate")
    due = (_text(root, "cbc:DueDate", UBL) or _text(root, "cac:PaymentMeans/cbc:PaymentDueDate", UBL)
           or _text(root, "cac:PaymentTerms/cbc:PaymentDueDate", UBL))
    due_date = _date(due, f"{where}: DueDate", required=False)
    totals = root.find("cac:LegalMonetaryTotal", UBL)
    if totals is None:
        raise EInvoiceRefused(_l("%(where)s has no totals (cac:LegalMonetaryTotal).", where=where))

    def amount(element, path: str, label: str) -> Decimal | None:
        found = element.find(path, UBL)
        if found is None:
            return None
        _euro(found.get("currencyID", ""), f"{where}: {label}")
        return _amount((found.text or "").strip(), f"{where}: {label}")

    payable = amount(totals, "cbc:PayableAmount", "PayableAmount")
    if payable is None:
        raise EInvoiceRefused(_l("%(where)s has no amount to pay (LegalMonetaryTotal/PayableAmount).", where=where))
    exclusive = amount(totals, "cbc:TaxExclusiveAmount", "TaxExclusiveAmount")
    inclusive = amount(totals, "cbc:TaxInclusiveAmount", "TaxInclusiveAmount")
    prepaid = amount(totals, "cbc:PrepaidAmount", "PrepaidAmount") or Decimal(0)
    rounding = amount(totals, "cbc:PayableRoundingAmount", "PayableRoundingAmount") or Decimal(0)
    taxes = [t for t in root.findall("cac:TaxTotal/cbc:TaxAmount", UBL) if t.get("currencyID", "").upper() == currency.upper()]
    tax = sum((_amount((t.text or "").strip(), f"{where}: TaxTotal/TaxAmount") for t in taxes), Decimal(0))
    if exclusive is not None and inclusive is not None and _cents(exclusive + tax) != _cents(inclusive):
        raise EInvoiceRefused(_l("%(where)s does not add up: TaxExclusiveAmount (%(exclusive)s) + TaxTotal/TaxAmount (%(tax)s) is not "
                                 "TaxInclusiveAmount (%(inclusive)s). Issue the invoice again with the right totals.", where=where,
                                 exclusive=exclusive, tax=tax, inclusive=inclusive))
    if inclusive is not None and _cents(inclusive - prepaid + rounding) != _cents(payable):
        raise EInvoiceRefused(_l("%(where)s does not add up: TaxInclusiveAmount (%(inclusive)s) - PrepaidAmount (%(prepaid)s) + "
                                 "PayableRoundingAmount (%(rounding)s) is not PayableAmount (%(payable)s).", where=where,
                                 inclusive=inclusive, prepaid=prepaid, rounding=rounding, payable=payable))
    invoice = EInvoice(number, issue_date, due_date, EURO, _cents(payable), _cents(inclusive if inclusive is not None else payable))
    return EInvoiceDocument("UBL 2.1", seller_tax_id, seller_name, buyer, (invoice,), _text(root, "cbc:CustomizationID", UBL))


# --- into an import plan -----------------------------------------------------------------------------------------

def plan_einvoices(read: list[tuple[SourceFile, EInvoiceDocument]], today: date) -> EInvoicePlan:
    """One preview row per invoice (numbered in the upload's order), grouped into one claim per debtor as the CSV
    import groups them; the intake rules say what cannot be claimed. Each file goes with its buyer's claim."""
    errors: list[RowError] = []
    groups: dict[tuple, ClaimGroup] = {}
    seen: dict[tuple, int] = {}
    sources: list[tuple[SourceFile, tuple]] = []
    row = 0
    for source, document in read:
        b = document.buyer
        debtor_errors: dict[str, object] = {}
        debtor = clean_debtor(DebtorInput(kind=b.kind, name=b.name, tax_id=b.tax_id, address_line1=b.address_line1, city=b.city,
                                          postal_code=b.postal_code, country=b.country), debtor_errors)
        key = ("tax", debtor.tax_id) if debtor.tax_id else ("name", debtor.name.lower(), debtor.postal_code)
        for e in document.invoices:
            row += 1
            row_errors = dict(debtor_errors)
            invoice = None
            if e.due_date is None:
                row_errors["due_date"] = _l("The e-invoice gives no due date (Facturae PaymentDetails/Installment/InstallmentDueDate, "
                                            "UBL DueDate or PaymentMeans/PaymentDueDate): it cannot be claimed from this file.")
            else:
                invoice = clean_invoice(InvoiceInput(number=e.number, issue_date=e.issue_date, due_date=e.due_date, amount=e.total,
                                                     currency=e.currency), today, "invoice", row_errors)
            if invoice is not None and not row_errors:
                duplicate = (key, invoice.number.upper())
                if duplicate in seen:
                    row_errors["invoice.number"] = _l("This invoice is already on row %(row)s for the same debtor.", row=seen[duplicate])
                else:
                    seen[duplicate] = row
            if row_errors:
                column = f"{source.name} · {e.number}"
                errors.extend(RowError(row, column, str(message)) for message in row_errors.values())
                continue
            group = groups.get(key)
            if group is None:
                group = groups[key] = ClaimGroup(key=key, debtor=debtor)
            group.invoices.append(invoice)
            group.rows.append(row)
        sources.append((source, key))
    kept = [(source, key) for source, key in sources if key in groups]
    return EInvoicePlan(list(groups.values()), errors, row, [], sources=kept)
