"""E-invoices written for the tests, to the Facturae 3.2 / 3.2.1 / 3.2.2 and UBL 2.1 schemas (tests/data/einvoices/xsd, each
file checked against them by tests/unit/cases/test_einvoices.py), and a ZIP of them."""
from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from xml.sax.saxutils import escape

from lxml import etree

XSD = Path(__file__).parent / "data" / "einvoices" / "xsd"
FACTURAE_NS = {
    "3.2": "http://www.facturae.es/Facturae/2009/v3.2/Facturae",
    "3.2.1": "http://www.facturae.es/Facturae/2014/v3.2.1/Facturae",
    "3.2.2": "http://www.facturae.gob.es/formato/Versiones/Facturaev3_2_2.xml",
}
FACTURAE_XSD = {"3.2": "Facturaev3_2.xsd", "3.2.1": "Facturaev3_2_1.xsd", "3.2.2": "Facturaev3_2_2.xsd"}
PEPPOL = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"


def past(days: int) -> date:
    return date.today() - timedelta(days=days)


def _money(value: Decimal) -> str:
    return str(Decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def _six(value: Decimal) -> str:  # a line's amounts: six decimals in Facturae 3.2 (DoubleSixDecimalType), up to eight later
    return str(Decimal(value).quantize(Decimal("0.000001")))


@dataclass
class Inv:
    number: str
    base: Decimal
    series: str = ""
    rate: Decimal = Decimal("21")
    withheld: Decimal = Decimal("0")  # IRPF withheld (Facturae TaxesWithheld)
    issued: date = field(default_factory=lambda: past(90))
    due: date | None = field(default_factory=lambda: past(60))
    currency: str = "EUR"
    total_shift: Decimal = Decimal("0")  # added to InvoiceTotal only: totals that do not add up

    @property
    def tax(self) -> Decimal:
        return (self.base * self.rate / 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)

    @property
    def total(self) -> Decimal:
        return self.base + self.tax - self.withheld + self.total_shift


@dataclass
class Buyer:
    tax_id: str = "B46123451"
    name: str = "Talleres Norte S.L."
    person_type: str = "J"
    address: str = "Calle del Sol 3"
    postcode: str = "48001"
    town: str = "Bilbao"
    province: str = "Bizkaia"


def facturae(version: str = "3.2.2", invoices: list[Inv] | None = None, buyer: Buyer | None = None,
             seller_tax_id: str = "ESA58818501") -> bytes:
    invoices = invoices or [Inv("F-1", Decimal("1000.00"))]
    buyer = buyer or Buyer()
    total = sum((i.total for i in invoices), Decimal(0))
    if buyer.person_type == "F":
        first, _, surname = buyer.name.partition(" ")
        holder = (f"<Individual><Name>{escape(first)}</Name><FirstSurname>{escape(surname or first)}</FirstSurname>"
                  f"{_spain(buyer)}</Individual>")
    else:
        holder = f"<LegalEntity><CorporateName>{escape(buyer.name)}</CorporateName>{_spain(buyer)}</LegalEntity>"
    tax_id = f"<TaxIdentificationNumber>{escape(buyer.tax_id)}</TaxIdentificationNumber>" if buyer.tax_id else (
        "<TaxIdentificationNumber>   </TaxIdentificationNumber>")
    body = "".join(_facturae_invoice(i) for i in invoices)
    xml = f"""<?xml version="1.0" encoding="UTF-8"?>
<fe:Facturae xmlns:fe="{FACTURAE_NS[version]}" xmlns:ds="http://www.w3.org/2000/09/xmldsig#">
  <FileHeader>
    <SchemaVersion>{version}</SchemaVersion>
    <Modality>{"L" if len(invoices) > 1 else "I"}</Modality>
    <InvoiceIssuerType>EM</InvoiceIssuerType>
    <Batch>
      <BatchIdentifier>{seller_tax_id}{invoices[0].number}</BatchIdentifier>
      <InvoicesCount>{len(invoices)}</InvoicesCount>
      <TotalInvoicesAmount><TotalAmount>{_money(total)}</TotalAmount></TotalInvoicesAmount>
      <TotalOutstandingAmount><TotalAmount>{_money(total)}</TotalAmount></TotalOutstandingAmount>
      <TotalExecutableAmount><TotalAmount>{_money(total)}</TotalAmount></TotalExecutableAmount>
      <InvoiceCurrencyCode>{invoices[0].currency}</InvoiceCurrencyCode>
    </Batch>
  </FileHeader>
  <Parties>
    <SellerParty>
      <TaxIdentification><PersonTypeCode>J</PersonTypeCode><ResidenceTypeCode>R</ResidenceTypeCode>
        <TaxIdentificationNumber>{seller_tax_id}</TaxIdentificationNumber></TaxIdentification>
      <LegalEntity><CorporateName>Suministros Levante S.A.</CorporateName>
        <AddressInSpain><Address>Avenida del Puerto 12</Address><PostCode>46023</PostCode><Town>Valencia</Town>
          <Province>Valencia</Province><CountryCode>ESP</CountryCode></AddressInSpain></LegalEntity>
    </SellerParty>
    <BuyerParty>
      <TaxIdentification><PersonTypeCode>{buyer.person_type}</PersonTypeCode><ResidenceTypeCode>R</ResidenceTypeCode>
        {tax_id}</TaxIdentification>
      {holder}
    </BuyerParty>
  </Parties>
  <Invoices>{body}
  </Invoices>
</fe:Facturae>
"""
    return xml.encode("utf-8")


def _spain(buyer: Buyer) -> str:
    return (f"<AddressInSpain><Address>{escape(buyer.address)}</Address><PostCode>{buyer.postcode}</PostCode>"
            f"<Town>{escape(buyer.town)}</Town><Province>{escape(buyer.province)}</Province>"
            "<CountryCode>ESP</CountryCode></AddressInSpain>")


def _facturae_invoice(i: Inv) -> str:
    series = f"<InvoiceSeriesCode>{escape(i.series)}</InvoiceSeriesCode>" if i.series else ""
    withheld = (f"<TaxesWithheld><Tax><TaxTypeCode>04</TaxTypeCode><TaxRate>15.00</TaxRate><TaxableBase><TotalAmount>{_money(i.base)}"
                f"</TotalAmount></TaxableBase><TaxAmount><TotalAmount>{_money(i.withheld)}</TotalAmount></TaxAmount></Tax></TaxesWithheld>"
                if i.withheld else "")
    payment = (f"<PaymentDetails><Installment><InstallmentDueDate>{i.due.isoformat()}</InstallmentDueDate>"
               f"<InstallmentAmount>{_money(i.total)}</InstallmentAmount><PaymentMeans>04</PaymentMeans></Installment></PaymentDetails>"
               if i.due else "")
    tax = (f"<Tax><TaxTypeCode>01</TaxTypeCode><TaxRate>{_money(i.rate)}</TaxRate><TaxableBase><TotalAmount>{_money(i.base)}</TotalAmount>"
           f"</TaxableBase><TaxAmount><TotalAmount>{_money(i.tax)}</TotalAmount></TaxAmount></Tax>")
    return f"""
    <Invoice>
      <InvoiceHeader><InvoiceNumber>{escape(i.number)}</InvoiceNumber>{series}<InvoiceDocumentType>FC</InvoiceDocumentType>
        <InvoiceClass>OO</InvoiceClass></InvoiceHeader>
      <InvoiceIssueData><IssueDate>{i.issued.isoformat()}</IssueDate><InvoiceCurrencyCode>{i.currency}</InvoiceCurrencyCode>
        <TaxCurrencyCode>{i.currency}</TaxCurrencyCode><LanguageName>es</LanguageName></InvoiceIssueData>
      <TaxesOutputs>{tax}</TaxesOutputs>{withheld}
      <InvoiceTotals>
        <TotalGrossAmount>{_money(i.base)}</TotalGrossAmount>
        <TotalGrossAmountBeforeTaxes>{_money(i.base)}</TotalGrossAmountBeforeTaxes>
        <TotalTaxOutputs>{_money(i.tax)}</TotalTaxOutputs>
        <TotalTaxesWithheld>{_money(i.withheld)}</TotalTaxesWithheld>
        <InvoiceTotal>{_money(i.total)}</InvoiceTotal>
        <TotalOutstandingAmount>{_money(i.total)}</TotalOutstandingAmount>
        <TotalExecutableAmount>{_money(i.total)}</TotalExecutableAmount>
      </InvoiceTotals>
      <Items><InvoiceLine><ItemDescription>Servicios de mantenimiento</ItemDescription><Quantity>1.0</Quantity>
        <UnitPriceWithoutTax>{_six(i.base)}</UnitPriceWithoutTax><TotalCost>{_six(i.base)}</TotalCost>
        <GrossAmount>{_six(i.base)}</GrossAmount><TaxesOutputs>{tax}</TaxesOutputs></InvoiceLine></Items>{payment}
    </Invoice>"""


def ubl(invoice: Inv | None = None, buyer_vat: str = "ESB46123451", buyer_name: str = "Talleres Norte S.L.", country: str = "ES",
        customization: str = PEPPOL, due_in: str = "DueDate", prepaid: Decimal = Decimal("0")) -> bytes:
    """A UBL 2.1 invoice (Peppol BIS Billing 3.0 when ``customization`` says so); the due date in ``due_in``:
    ``DueDate``, ``PaymentMeans`` or ``PaymentTerms``."""
    i = invoice or Inv("U-1", Decimal("500.00"))
    c = i.currency
    due = i.due.isoformat() if i.due else ""
    buyer_tax = (f"<cac:PartyTaxScheme><cbc:CompanyID>{escape(buyer_vat)}</cbc:CompanyID><cac:TaxScheme><cbc:ID>VAT</cbc:ID>"
                 f"</cac:TaxScheme></cac:PartyTaxScheme>") if buyer_vat else ""
    means = (f"<cac:PaymentMeans><cbc:PaymentMeansCode>30</cbc:PaymentMeansCode>"
             f"{f'<cbc:PaymentDueDate>{due}</cbc:PaymentDueDate>' if due and due_in == 'PaymentMeans' else ''}"
             f"<cac:PayeeFinancialAccount><cbc:ID>ES9121000418450200051332</cbc:ID></cac:PayeeFinancialAccount></cac:PaymentMeans>")
    terms = (f"<cac:PaymentTerms><cbc:Note>30 días</cbc:Note><cbc:PaymentDueDate>{due}</cbc:PaymentDueDate></cac:PaymentTerms>"
             if due and due_in == "PaymentTerms" else "")
    prepaid_xml = f'<cbc:PrepaidAmount currencyID="{c}">{_money(prepaid)}</cbc:PrepaidAmount>' if prepaid else ""
    xml = f"""<?xml version="1.0" encoding="UTF-8"?>
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
         xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
         xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
  <cbc:CustomizationID>{customization}</cbc:CustomizationID>
  <cbc:ProfileID>urn:fdc:peppol.eu:2017:poacc:billing:01:1.0</cbc:ProfileID>
  <cbc:ID>{escape(i.number)}</cbc:ID>
  <cbc:IssueDate>{i.issued.isoformat()}</cbc:IssueDate>
  {f'<cbc:DueDate>{due}</cbc:DueDate>' if due and due_in == 'DueDate' else ''}
  <cbc:InvoiceTypeCode>380</cbc:InvoiceTypeCode>
  <cbc:DocumentCurrencyCode>{c}</cbc:DocumentCurrencyCode>
  <cac:AccountingSupplierParty><cac:Party>
    <cac:PostalAddress><cbc:StreetName>Avenida del Puerto 12</cbc:StreetName><cbc:CityName>Valencia</cbc:CityName>
      <cbc:PostalZone>46023</cbc:PostalZone>
      <cac:Country><cbc:IdentificationCode>ES</cbc:IdentificationCode></cac:Country></cac:PostalAddress>
    <cac:PartyTaxScheme><cbc:CompanyID>ESA58818501</cbc:CompanyID><cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:PartyTaxScheme>
    <cac:PartyLegalEntity><cbc:RegistrationName>Suministros Levante S.A.</cbc:RegistrationName></cac:PartyLegalEntity>
  </cac:Party></cac:AccountingSupplierParty>
  <cac:AccountingCustomerParty><cac:Party>
    <cac:PostalAddress><cbc:StreetName>Calle del Sol 3</cbc:StreetName><cbc:CityName>Bilbao</cbc:CityName>
      <cbc:PostalZone>48001</cbc:PostalZone>
      <cac:Country><cbc:IdentificationCode>{country}</cbc:IdentificationCode></cac:Country></cac:PostalAddress>
    {buyer_tax}
    <cac:PartyLegalEntity><cbc:RegistrationName>{escape(buyer_name)}</cbc:RegistrationName></cac:PartyLegalEntity>
  </cac:Party></cac:AccountingCustomerParty>
  {means}{terms}
  <cac:TaxTotal><cbc:TaxAmount currencyID="{c}">{_money(i.tax)}</cbc:TaxAmount>
    <cac:TaxSubtotal><cbc:TaxableAmount currencyID="{c}">{_money(i.base)}</cbc:TaxableAmount>
      <cbc:TaxAmount currencyID="{c}">{_money(i.tax)}</cbc:TaxAmount>
      <cac:TaxCategory><cbc:ID>S</cbc:ID><cbc:Percent>{_money(i.rate)}</cbc:Percent><cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme>
      </cac:TaxCategory></cac:TaxSubtotal></cac:TaxTotal>
  <cac:LegalMonetaryTotal>
    <cbc:LineExtensionAmount currencyID="{c}">{_money(i.base)}</cbc:LineExtensionAmount>
    <cbc:TaxExclusiveAmount currencyID="{c}">{_money(i.base)}</cbc:TaxExclusiveAmount>
    <cbc:TaxInclusiveAmount currencyID="{c}">{_money(i.base + i.tax + i.total_shift)}</cbc:TaxInclusiveAmount>
    {prepaid_xml}
    <cbc:PayableAmount currencyID="{c}">{_money(i.base + i.tax + i.total_shift - prepaid)}</cbc:PayableAmount>
  </cac:LegalMonetaryTotal>
  <cac:InvoiceLine><cbc:ID>1</cbc:ID><cbc:InvoicedQuantity unitCode="C62">1</cbc:InvoicedQuantity>
    <cbc:LineExtensionAmount currencyID="{c}">{_money(i.base)}</cbc:LineExtensionAmount>
    <cac:Item><cbc:Name>Servicios de mantenimiento</cbc:Name><cac:ClassifiedTaxCategory><cbc:ID>S</cbc:ID>
      <cbc:Percent>{_money(i.rate)}</cbc:Percent><cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:ClassifiedTaxCategory></cac:Item>
    <cac:Price><cbc:PriceAmount currencyID="{c}">{_money(i.base)}</cbc:PriceAmount></cac:Price>
  </cac:InvoiceLine>
</Invoice>
"""
    return xml.encode("utf-8")


def zipped(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return buf.getvalue()


class _LocalSignatureSchema(etree.Resolver):
    """Facturae's schemas import the W3C signature schema from w3.org: the copy under tests/data is read instead."""

    def resolve(self, url, pubid, context):
        if url.endswith("xmldsig-core-schema.xsd"):
            return self.resolve_filename(str(XSD / "facturae" / "xmldsig-core-schema.xsd"), context)
        return None


def schema(kind: str) -> etree.XMLSchema:
    """``kind``: a Facturae version ("3.2", "3.2.1", "3.2.2") or "ubl"."""
    parser = etree.XMLParser(no_network=True, load_dtd=True)  # the signature schema's own DTD declares its entities
    parser.resolvers.add(_LocalSignatureSchema())
    path = XSD / "ubl-2.1" / "maindoc" / "UBL-Invoice-2.1.xsd" if kind == "ubl" else XSD / "facturae" / FACTURAE_XSD[kind]
    return etree.XMLSchema(etree.parse(str(path), parser))
