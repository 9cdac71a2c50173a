"""The e-invoice reader (cases/imports/einvoice.py) on files written here to the Facturae 3.2, 3.2.1 and 3.2.2 and UBL 2.1
schemas, each first checked against the schema itself (tests/data/einvoices/xsd); and each refusal, saying what to fix."""
from __future__ import annotations

import io
import zipfile
from datetime import date
from decimal import Decimal

import pytest
from lxml import etree

from agency import i18n
from cases.claims.filetypes import XML, sniff
from cases.imports.einvoice import (
    MAX_ZIP_ENTRIES,
    EInvoiceRefused,
    is_einvoice_upload,
    plan_einvoices,
    read_einvoice,
    read_upload,
    sniff_format,
)
from tests.einvoices import PEPPOL, Buyer, Inv, facturae, past, schema, ubl, zipped

TODAY = date.today()


@pytest.fixture(autouse=True)
def english():
    """The refusals are read in English here (another test may leave the language Spanish)."""
    previous = i18n.get_language()
    i18n.set_language("en")
    yield
    i18n.set_language(previous)


def valid(kind: str, data: bytes) -> bytes:
    xsd = schema(kind)
    assert xsd.validate(etree.fromstring(data)), [str(e) for e in xsd.error_log]
    return data


def refused(data: bytes) -> str:
    with pytest.raises(EInvoiceRefused) as caught:
        read_einvoice(data)
    return str(caught.value.args[0])


def test_facturae_322_batch_of_two_invoices():
    data = valid("3.2.2", facturae("3.2.2", [Inv("0001", Decimal("1000.00"), series="2026A"),
                                             Inv("0002", Decimal("250.50"), series="2026A", due=past(45))]))
    doc = read_einvoice(data)
    assert doc.format == "Facturae 3.2.2" and doc.seller_tax_id == "ESA58818501" and doc.seller_name == "Suministros Levante S.A."
    b = doc.buyer
    assert (b.kind, b.tax_id, b.name, b.address_line1, b.city, b.postal_code, b.country) == (
        "company", "B46123451", "Talleres Norte S.L.", "Calle del Sol 3", "Bilbao", "48001", "ES")
    assert [(i.number, i.issue_date, i.due_date, i.total, i.currency) for i in doc.invoices] == [
        ("2026A-0001", past(90), past(60), Decimal("1210.00"), "EUR"),
        ("2026A-0002", past(90), past(45), Decimal("303.11"), "EUR"),  # 250.50 + 21 % (52.605, rounded half up)
    ]
    assert all(isinstance(i.total, Decimal) for i in doc.invoices)


def test_facturae_321_with_tax_withheld_and_a_person_as_buyer():
    buyer = Buyer(tax_id="ES12345678Z", name="Ana García", person_type="F")
    doc = read_einvoice(valid("3.2.1", facturae("3.2.1", [Inv("7", Decimal("80.00"), withheld=Decimal("12.00"))], buyer)))
    assert doc.format == "Facturae 3.2.1"
    assert (doc.buyer.kind, doc.buyer.tax_id, doc.buyer.name) == ("person", "12345678Z", "Ana García")  # the ES prefix dropped
    assert doc.invoices[0].total == Decimal("84.80") and doc.invoices[0].invoice_total == Decimal("84.80")


def test_facturae_32():
    doc = read_einvoice(valid("3.2", facturae("3.2", [Inv("C-1", Decimal("100.00"))])))
    assert doc.format == "Facturae 3.2" and doc.invoices[0].number == "C-1" and doc.invoices[0].total == Decimal("121.00")


@pytest.mark.parametrize("due_in", ["DueDate", "PaymentMeans", "PaymentTerms"])
def test_ubl_21_peppol_invoice_with_its_due_date_where_it_is(due_in):
    data = valid("ubl", ubl(Inv("U-1", Decimal("500.00"), due=past(33)), due_in=due_in, prepaid=Decimal("100.00")))
    doc = read_einvoice(data)
    assert doc.format == "UBL 2.1" and doc.customization == PEPPOL and doc.seller_tax_id == "ESA58818501"
    assert (doc.buyer.kind, doc.buyer.tax_id, doc.buyer.name, doc.buyer.city) == ("company", "B46123451", "Talleres Norte S.L.", "Bilbao")
    (invoice,) = doc.invoices
    assert (invoice.number, invoice.issue_date, invoice.due_date) == ("U-1", past(90), past(33))
    assert invoice.total == Decimal("505.00") and invoice.invoice_total == Decimal("605.00")  # payable = 605 - 100 prepaid


def test_ubl_buyer_kind_from_the_shape_of_the_tax_id():
    doc = read_einvoice(valid("ubl", ubl(buyer_vat="ES12345678Z", buyer_name="Ana García")))
    assert (doc.buyer.kind, doc.buyer.tax_id) == ("person", "12345678Z")


def test_not_well_formed():
    assert "not well-formed" in refused(b"<fe:Facturae xmlns:fe='http://www.facturae.es/Facturae/2009/v3.2/Facturae'><FileHeader>")


def test_not_xml_or_not_an_accepted_format_names_the_formats():
    assert "Facturae 3.2, 3.2.1, 3.2.2, UBL 2.1" in refused(b"numero;importe\n1;2\n")
    message = refused(b"<?xml version='1.0'?><Order xmlns='urn:oasis:names:specification:ubl:schema:xsd:Order-2'/>")
    assert "Order" in message and "Facturae 3.2, 3.2.1, 3.2.2, UBL 2.1" in message
    assert "credit note" in refused(b"<CreditNote xmlns='urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2'/>")


def test_entities_and_doctypes_are_refused_and_nothing_is_fetched():
    xxe = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "http://127.0.0.1:1/x">]><x>&e;</x>'
    assert "DOCTYPE" in refused(xxe)
    laughs = b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><l>&b;</l>'
    assert "DOCTYPE" in refused(laughs)


def test_no_buyer_tax_id():
    assert "no tax id" in refused(ubl(buyer_vat=""))
    assert "no tax id" in refused(facturae(buyer=Buyer(tax_id="")))


def test_a_buyer_tax_id_that_is_not_valid_says_so():
    message = refused(facturae(buyer=Buyer(tax_id="B46123452")))
    assert "B46123452" in message and "not a valid Spanish NIF" in message


def test_facturae_totals_that_do_not_add_up_to_the_cent():
    message = refused(facturae(invoices=[Inv("T-1", Decimal("100.00"), total_shift=Decimal("0.01"))]))
    assert "T-1" in message and "does not add up" in message and "121.01" in message


def test_facturae_batch_totals_must_be_the_sum_of_its_invoices():
    data = facturae(invoices=[Inv("1", Decimal("10.00")), Inv("2", Decimal("10.00"))])
    data = data.replace(b"<TotalInvoicesAmount><TotalAmount>24.20<", b"<TotalInvoicesAmount><TotalAmount>24.30<")
    assert "TotalInvoicesAmount" in refused(data)


def test_ubl_totals_that_do_not_add_up():
    assert "TaxInclusiveAmount" in refused(ubl(Inv("U-2", Decimal("500.00"), total_shift=Decimal("1.00"))))
    data = ubl(Inv("U-3", Decimal("500.00")))
    data = data.replace(b'<cbc:PayableAmount currencyID="EUR">605.00<', b'<cbc:PayableAmount currencyID="EUR">600.00<')
    assert "PayableAmount" in refused(data)


def test_another_currency_than_the_euro_is_refused():
    assert "USD" in refused(ubl(Inv("D-1", Decimal("10.00"), currency="USD")))
    assert "GBP" in refused(facturae(invoices=[Inv("G-1", Decimal("10.00"), currency="GBP")]))


def test_a_zip_of_e_invoices_names_each_entry():
    data = zipped({"a.xml": facturae(), "dir/b\x07.xml": ubl(), "__MACOSX/._a.xml": b"junk"})
    read = read_upload(data, "lote.zip")
    assert [s.name for s, _ in read] == ["lote.zip: a.xml", "lote.zip: dir/b.xml"] and read[1][0].filename == "b.xml"
    with pytest.raises(EInvoiceRefused, match="lote.zip: b.xml: .*does not add up"):
        read_upload(zipped({"a.xml": facturae(), "b.xml": facturae(invoices=[Inv("1", Decimal("1"), total_shift=Decimal("1"))])}),
                    "lote.zip")


def test_a_zip_bomb_a_nested_zip_and_too_many_entries_are_refused():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for n in range(7):  # seven entries of 9.5 MB each: each under the entry cap, together over the ZIP's
            zf.writestr(f"f{n}.xml", b"<" + b" " * (9_500_000))
    with pytest.raises(EInvoiceRefused, match="bomba.zip: f6.xml: the ZIP inflates to more than"):
        read_upload(buf.getvalue(), "bomba.zip")
    with pytest.raises(EInvoiceRefused, match="a ZIP inside the ZIP"):
        read_upload(zipped({"x.zip": zipped({"a.xml": facturae()})}), "f.zip")
    with pytest.raises(EInvoiceRefused, match="a ZIP inside the ZIP"):  # whatever its name says
        read_upload(zipped({"x.xml": zipped({"a.xml": facturae()})}), "f.zip")
    with pytest.raises(EInvoiceRefused, match=f"at most {MAX_ZIP_ENTRIES} files"):
        read_upload(zipped({f"{n}.xml": b"<x/>" for n in range(MAX_ZIP_ENTRIES + 1)}), "f.zip")


def test_the_plan_groups_invoices_by_debtor_and_lists_what_cannot_be_claimed():
    person = Buyer(tax_id="12345678Z", name="Ana García", person_type="F")
    read = read_upload(zipped({
        "a.xml": facturae(invoices=[Inv("1", Decimal("100.00")), Inv("2", Decimal("100.00"), due=past(-5))]),
        "b.xml": ubl(Inv("U-1", Decimal("10.00"))),
        "c.xml": facturae("3.2", [Inv("P-1", Decimal("1.00"), due=None)], person),
    }), "f.zip")
    plan = plan_einvoices(read, TODAY)
    assert plan.row_count == 4 and not plan.ok
    assert [(g.key, [i.number for i in g.invoices], g.rows) for g in plan.groups] == [(("tax", "B46123451"), ["1", "U-1"], [1, 3])]
    assert [(e.row, e.column) for e in plan.errors] == [(2, "f.zip: a.xml · 2"), (4, "f.zip: c.xml · P-1")]
    assert "already due" in plan.errors[0].message and "no due date" in plan.errors[1].message
    assert [(s.name, key) for s, key in plan.sources] == [("f.zip: a.xml", ("tax", "B46123451")), ("f.zip: b.xml", ("tax", "B46123451"))]


def test_uploads_are_told_from_spreadsheets_and_evidence_sniffing_keeps_only_e_invoices():
    assert is_einvoice_upload(facturae()[:4096], "f.xml") and is_einvoice_upload(zipped({"a.xml": b"<x/>"})[:4096], "f.zip")
    assert not is_einvoice_upload(b"nombre;importe\n", "f.csv") and not is_einvoice_upload(b"PK\x03\x04", "f.xlsx")
    assert sniff_format(facturae("3.2.1")[:2048]) == "Facturae 3.2.1" and sniff_format(b"<svg xmlns='x'/>") is None
    assert sniff(io.BytesIO(facturae()), "factura.xml").content_type == XML
    assert sniff(io.BytesIO(ubl()), "factura.xml").content_type == XML
    assert not sniff(io.BytesIO(b"<?xml version='1.0'?><html><script>x</script></html>"), "f.xml").ok
    commented = b"<?xml version='1.0'?><!-- a > b --><!-- <Invoice xmlns='urn:oasis:names:specification:ubl:schema:xsd:Invoice-2'> -->"
    assert sniff_format(commented + b"<html/>") is None  # a root named in a comment is not the root
    assert sniff_format(commented + ubl().split(b"?>", 1)[1]) == "UBL 2.1"
