"""Intake rules, money parsing and file sniffing: pure, with the boundaries on both sides."""
import io
import zipfile
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cases.claims.filetypes import DOCX, EML, ODT, PDF, PNG, TXT, XLSX, sniff
from cases.claims.rules import ClaimErrors, ClaimInput, DebtorInput, InvoiceInput, validate_claim
from cases.money import AmountError, from_cents, parse_amount, to_cents

TODAY = date(2026, 11, 23)
DEBTOR = DebtorInput(kind="company", name="Talleres Norte S.L.", tax_id="B46123451", address_line1="C/ Sol 3", city="Bilbao",
                     postal_code="48001", country="ES", email="pagos@norte.test")


def claim(*invoices, debtor=DEBTOR):
    return ClaimInput(debtor=debtor, invoices=tuple(invoices))


def inv(number="F-1", issue="2026-09-01", due="2026-10-01", amount="1210.00"):
    return InvoiceInput(number=number, issue_date=issue, due_date=due, amount=amount)


def errors_of(c, known=None):
    with pytest.raises(ClaimErrors) as exc:
        validate_claim(c, TODAY, known)
    return {k: str(v) for k, v in exc.value.errors.items()}


class TestAmounts:
    @pytest.mark.parametrize("raw,expected", [
        ("1234.56", "1234.56"), ("1234,56", "1234.56"), ("1.234,56", "1234.56"), ("1,234.56", "1234.56"),
        ("1.234.567", "1234567"), ("12,5", "12.5"), ("€ 99", "99"), (Decimal("7.10"), "7.10"), (1500, "1500"), (12.3, "12.3"),
    ])
    def test_parse(self, raw, expected):
        assert parse_amount(raw) == Decimal(expected)

    @pytest.mark.parametrize("raw", ["", "abc", "12a", "1..2", "NaN", "Infinity", "1.234", "10,001"])
    def test_refused(self, raw):
        with pytest.raises(AmountError):
            parse_amount(raw)

    @given(whole=st.integers(0, 10**12 - 1), frac=st.sampled_from(["", ".5", ".05", ".50", ".99"]), pad=st.sampled_from(["", "0", "00"]))
    def test_the_plain_shape_reads_as_the_general_path_does(self, whole, frac, pad):
        # "1234.56" takes a fast path; a leading space sends the same text through the general one, which strips it
        text = f"{pad}{whole}{frac}"
        assert parse_amount(text) == parse_amount(" " + text) == Decimal(text)
        assert str(parse_amount(text)) == str(parse_amount(" " + text))

    def test_cents_are_exact(self):
        assert to_cents(Decimal("0.10")) + to_cents(Decimal("0.20")) == 30
        assert from_cents(123456) == Decimal("1234.56")
        with pytest.raises(AmountError):
            to_cents(Decimal("0.001"))


class TestClaimRules:
    def test_a_good_claim(self):
        valid = validate_claim(claim(inv("F-1"), inv("F-2", amount="1.000,50")), TODAY)
        assert valid.total == Decimal("2210.50")
        assert valid.debtor.tax_id == "B46123451"

    def test_due_date_must_be_in_the_past(self):
        assert "invoices.0.due_date" in errors_of(claim(inv(due="2026-11-23")))  # today is not yet overdue
        validate_claim(claim(inv(due="2026-11-22")), TODAY)  # yesterday is

    @pytest.mark.parametrize("amount", ["0", "-5", "0.00", "abc", "10.001"])
    def test_bad_amounts(self, amount):
        assert "invoices.0.amount" in errors_of(claim(inv(amount=amount)))

    def test_two_decimals_is_the_limit(self):
        validate_claim(claim(inv(amount="10.01")), TODAY)

    def test_issue_date_not_after_due_date(self):
        assert "invoices.0.issue_date" in errors_of(claim(inv(issue="2026-10-02", due="2026-10-01")))
        validate_claim(claim(inv(issue="2026-10-01", due="2026-10-01")), TODAY)

    def test_spanish_dates_are_read(self):
        valid = validate_claim(claim(inv(issue="01/09/2026", due="01/10/2026")), TODAY)
        assert valid.invoices[0].due_date == date(2026, 10, 1)

    def test_invoice_number_unique_within_the_claim(self):
        assert "invoices.1.number" in errors_of(claim(inv("F-1"), inv("f-1")))

    def test_duplicate_of_an_open_case_names_the_case(self):
        with pytest.raises(ClaimErrors) as exc:
            validate_claim(claim(inv("F-9")), TODAY, {"F-9": "EXP-2026-000042"})
        assert exc.value.duplicates == {"invoices.0.number": "EXP-2026-000042"}
        assert "EXP-2026-000042" in str(exc.value.errors["invoices.0.number"])

    def test_no_invoices(self):
        assert "invoices" in errors_of(claim())

    def test_debtor_needs_name_and_address(self):
        errors = errors_of(claim(inv(), debtor=DebtorInput(kind="company", tax_id="B46123451")))
        assert {"debtor.name", "debtor.address_line1", "debtor.city", "debtor.postal_code"} <= errors.keys()

    def test_invalid_tax_id(self):
        bad = DebtorInput(**{**DEBTOR.__dict__, "tax_id": "B46123452"})
        assert "debtor.tax_id" in errors_of(claim(inv(), debtor=bad))

    def test_company_needs_a_tax_id_but_a_person_may_lack_one(self):
        no_id = {**DEBTOR.__dict__, "tax_id": ""}
        assert "debtor.tax_id" in errors_of(claim(inv(), debtor=DebtorInput(**no_id)))
        validate_claim(claim(inv(), debtor=DebtorInput(**{**no_id, "kind": "person"})), TODAY)

    def test_french_and_portuguese_debtors(self):
        fr = DebtorInput(**{**DEBTOR.__dict__, "country": "FR", "tax_id": "732829320"})
        pt = DebtorInput(**{**DEBTOR.__dict__, "country": "PT", "tax_id": "501442600"})
        validate_claim(claim(inv(), debtor=fr), TODAY)
        validate_claim(claim(inv(), debtor=pt), TODAY)

    def test_bad_email_and_phone(self):
        bad = DebtorInput(**{**DEBTOR.__dict__, "email": "no-at-sign", "phone": "call me"})
        assert {"debtor.email", "debtor.phone"} <= errors_of(claim(inv(), debtor=bad)).keys()


def _zip(entries: dict[str, bytes], first_stored: str | None = None) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        if first_stored:
            zf.writestr(zipfile.ZipInfo("mimetype"), first_stored, compress_type=zipfile.ZIP_STORED)
        for name, data in entries.items():
            zf.writestr(name, data)
    return buf.getvalue()


class TestSniffing:
    @pytest.mark.parametrize("data,name,expected", [
        (b"%PDF-1.7\n...", "factura.pdf", PDF),
        (b"\x89PNG\r\n\x1a\n" + b"\0" * 20, "foto.png", PNG),
        (_zip({"[Content_Types].xml": b"<x/>", "word/document.xml": b"<w/>"}), "contrato.docx", DOCX),
        (_zip({"[Content_Types].xml": b"<x/>", "xl/workbook.xml": b"<w/>"}), "facturas.xlsx", XLSX),
        (_zip({"content.xml": b"<x/>"}, first_stored="application/vnd.oasis.opendocument.text"), "carta.odt", ODT),
        (b"From: a@b.es\r\nTo: c@d.es\r\nSubject: Pago\r\n\r\nHola", "correo.eml", EML),
        ("Hola, adjunto la factura. Año 2026.".encode("latin-1"), "nota.txt", TXT),
        (b"numero;importe\nF-1;10,00\n", "lista.csv", "text/csv"),
        (b"%PDF-1.4 no extension", "documento", PDF),
    ])
    def test_accepted(self, data, name, expected):
        verdict = sniff(io.BytesIO(data), name)
        assert verdict.ok and verdict.content_type == expected

    @pytest.mark.parametrize("data,name", [
        (b"MZ\x90\x00" + b"\0" * 100, "factura.pdf"),            # an .exe renamed .pdf
        (b"\x7fELF\x02\x01", "programa"),
        (b"#!/bin/sh\nrm -rf /", "script.txt"),
        (b"<!DOCTYPE html><html><body>hola</body></html>", "pagina.html"),
        (b"<html><script>alert(1)</script></html>", "factura.txt"),
        (b'<svg xmlns="http://www.w3.org/2000/svg"><script/></svg>', "logo.svg"),
        (b"", "vacio.pdf"),
        (b"%PDF-1.4", "factura.docx"),                            # content contradicts the extension
        (_zip({"a.txt": b"x"}), "archivo.zip"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "viejo.doc"),
        (b"%PDF-1.4", "factura.exe"),
    ])
    def test_refused(self, data, name):
        verdict = sniff(io.BytesIO(data), name)
        assert not verdict.ok and str(verdict.reason)
