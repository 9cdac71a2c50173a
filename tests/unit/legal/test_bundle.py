"""The filing bundle's pure part: the documents a petition lists, the names and numbers of the bundle's files, the
index, and the court-fee form 696's figures (worked by hand from Ley 10/2012 as LEGAL.md gives it)."""
from decimal import Decimal

import pytest

from legal.documents.rules import (
    Entry,
    Listed,
    annex_name,
    euros,
    fee_procedure,
    fee_sheet,
    fee_sheet_text,
    how_converted,
    index_text,
    listed_documents,
    petition_name,
    proof_name,
    safe_name,
)

SHA1, SHA2, SHA3 = "a" * 64, "b" * 64, "0123456789abcdef" * 4


def test_the_documents_a_petition_lists_are_read_from_its_table_with_its_numbers():
    rows = [
        ["Factura", "Emisión", "Vencimiento", "Importe"],  # the invoices' table: no fingerprint, not a document
        ["FV-2026-0102", "1 de enero de 2026", "31 de enero de 2026", "1.000,00 €"],
        ["N.º", "Documento", "Tipo", "Tamaño", "Huella SHA-256"],
        ["1", "FV-2026-0102.pdf", "factura", "10,0 KB", SHA1],
        ["2", "burofax  certificado.pdf", "correspondencia", "2,0 KB", SHA2.upper()],
        ["3", "contrato.docx", "contrato", "20,0 KB", SHA3],
    ]
    # the name as printed (spaces collapsed), the fingerprint in lower case
    assert listed_documents(rows) == [Listed(1, "FV-2026-0102.pdf", SHA1), Listed(2, "burofax certificado.pdf", SHA2),
                                      Listed(3, "contrato.docx", SHA3)]


def test_a_table_without_numbers_is_counted_in_order():
    rows = [["x.pdf", SHA1], ["y.pdf", SHA2]]
    assert [(d.number, d.name) for d in listed_documents(rows)] == [(1, "x.pdf"), (2, "y.pdf")]
    assert listed_documents([["1", "no fingerprint", "abc"]]) == []


def test_file_names_as_the_petition_numbers_them():
    assert annex_name(1, "FV-2026-0102.pdf", "factura") == "Documento 1 - Factura FV-2026-0102.pdf"
    assert annex_name(1, "Factura FV-2026-0102.pdf", "factura") == "Documento 1 - Factura FV-2026-0102.pdf"  # not "Factura Factura"
    assert annex_name(12, "foto.jpeg", "otro documento") == "Documento 12 - foto.pdf"
    assert annex_name(2, "acta.docx", "contrato") == "Documento 2 - Contrato acta.pdf"
    odd = annex_name(3, 'a/b\\c:d*e?"f<g>h|i\x00.pdf', "")
    assert odd == "Documento 3 - a b c d e f g h i.pdf"
    assert len(annex_name(4, "x" * 500 + ".pdf", "")) <= 124
    assert annex_name(5, "", "") == "Documento 5 - sin nombre.pdf"
    assert petition_name("EXP-7-peticion-de-monitorio-v2.docx", "pdf") == "Escrito - EXP-7-peticion-de-monitorio-v2.pdf"
    assert proof_name("EXP-7-requerimiento-de-pago-v1.docx") == "Intento de negociación previa - EXP-7-requerimiento-de-pago-v1.pdf"
    assert safe_name("  Año   2026 . ") == "Año 2026"


def test_what_becomes_a_pdf_and_how():
    assert how_converted("application/pdf") == "pdf"
    assert how_converted("image/jpeg") == "image" and how_converted("image/png") == "image"
    assert how_converted("application/vnd.openxmlformats-officedocument.wordprocessingml.document") == "office"
    assert how_converted("application/xml") is None and how_converted("message/rfc822") is None and how_converted("") is None


def test_the_index_lists_every_file_and_what_was_left_out():
    entries = [Entry("Escrito - X.pdf", "Escrito", "X.docx", SHA1, SHA2, 3),
               Entry("Documento 1 - Factura F1.pdf", "Documento n.º 1: F1.pdf", "F1.pdf", SHA3, SHA3, 1),
               Entry("", "Documento n.º 2: roto.docx", "roto.docx", SHA2, "", 0, False, "no se ha podido convertir a PDF")]
    text = index_text("EXP-7", "X.docx", "07/12/2026", "Lucía Abogada", entries, "se aporta copia")
    lines = text.splitlines()
    assert lines[0] == "ÍNDICE DE DOCUMENTOS - Expediente EXP-7"
    assert "1. Escrito - X.pdf (3 páginas)" in lines and "2. Documento 1 - Factura F1.pdf (1 página)" in lines
    assert f"   PDF del paquete: SHA-256 {SHA2}" in lines  # converted: both fingerprints
    assert text.count(SHA3) == 1  # a PDF kept as it is: one fingerprint
    assert "Poder de representación: se aporta copia" in lines
    assert lines[lines.index("NO INCLUIDOS (aportar por separado):") + 1] == (
        "- Documento n.º 2: roto.docx (roto.docx): no se ha podido convertir a PDF")
    assert "Preparado el 07/12/2026 por Lucía Abogada." in lines


# --- form 696 ---------------------------------------------------------------------------------------------------

def test_monitorio_fee_online_on_the_fixed_part():
    # fixed 100.00 less 10 % online = 90.00; variable 0.5 % of 12,345.67 = 61.72835 -> 61.73; total 151.73
    s = fee_sheet("monitorio", Decimal("12345.67"), True)
    assert (s.applicable, s.exempt) == (True, False)
    assert (s.fixed, s.variable, s.online_discount, s.deduction, s.total) == (
        Decimal("100.00"), Decimal("61.73"), Decimal("10.00"), Decimal("0.00"), Decimal("151.73"))


def test_online_discount_on_the_whole_fee_when_so_read():
    # 10 % of (100.00 + 61.73) = 16.173 -> 16.17; 161.73 - 16.17 = 145.56
    s = fee_sheet("monitorio", Decimal("12345.67"), True, online_on_whole=True)
    assert (s.online_discount, s.total) == (Decimal("16.17"), Decimal("145.56"))
    assert fee_sheet("monitorio", Decimal("12345.67"), True, online=False).total == Decimal("161.73")


def test_the_ordinario_after_a_monitorio_deducts_its_fee():
    # ordinario on 20,000: 300 - 30 + 100 = 370.00; the monitorio on the same amount: 100 - 10 + 100 = 190.00; 370 - 190 = 180.00
    monitorio = fee_sheet("monitorio", Decimal("20000"), True).total
    assert monitorio == Decimal("190.00")
    s = fee_sheet("ordinario", Decimal("20000"), True, earlier_monitorio_fee=monitorio)
    assert (s.fixed, s.variable, s.online_discount, s.earlier_monitorio, s.deduction, s.total) == (
        Decimal("300.00"), Decimal("100.00"), Decimal("30.00"), Decimal("190.00"), Decimal("190.00"), Decimal("180.00"))
    # never below zero, and only an ordinario deducts
    assert fee_sheet("ordinario", Decimal("20000"), True, earlier_monitorio_fee=Decimal("10000")).total == Decimal("0.00")
    assert fee_sheet("verbal", Decimal("10000"), True, earlier_monitorio_fee=Decimal("100")).deduction == Decimal("0.00")


def test_the_variable_part_is_capped():
    # 1,000,000 x 0.5 % = 5,000 + 2,000,000 x 0.25 % = 5,000 -> 10,000 (the cap); 5 million would be 15,000, capped
    assert fee_sheet("ordinario", Decimal("3000000"), True).variable == Decimal("10000.00")
    s = fee_sheet("ordinario", Decimal("5000000"), True)
    assert (s.variable, s.total) == (Decimal("10000.00"), Decimal("10270.00"))


@pytest.mark.parametrize(("procedure", "amount", "legal_person", "why"), [
    ("monitorio", "2000.00", True, "2.000"), ("verbal", "1500", True, "2.000"), ("monitorio", "50000", False, "persona física")])
def test_exemptions(procedure, amount, legal_person, why):
    s = fee_sheet(procedure, Decimal(amount), legal_person)
    assert s.exempt and s.total == Decimal("0.00") and why in s.why_exempt


def test_no_spanish_fee_abroad_and_the_verbal_claim_above_15000_pays_as_an_ordinario():
    assert not fee_sheet("european_order_for_payment", Decimal("9000"), True, court_in_spain=False).applicable
    assert fee_sheet("european_order_for_payment", Decimal("9000"), True).total == Decimal("135.00")  # 90 + 45
    assert fee_procedure("verbal_claim", Decimal("15000.00")) == "verbal"
    assert fee_procedure("verbal_claim", Decimal("15000.01")) == "ordinario"
    assert fee_procedure("monitorio_petition", Decimal("900000")) == "monitorio"


def test_the_sheet_a_lawyer_fills_the_form_in_from():
    s = fee_sheet("ordinario", Decimal("20000"), True, earlier_monitorio_fee=Decimal("190"))
    text = fee_sheet_text(s, "Suministros Levante S.L.", "B12345678", "Tribunal de Instancia de Bilbao, Sección Civil", "EXP-7")
    for line in ("Sujeto pasivo: Suministros Levante S.L. (NIF B12345678)", "Órgano judicial: Tribunal de Instancia de Bilbao, Sección Civil",
                 "Procedimiento: Juicio ordinario", "Base imponible (cuantía): 20.000,00 €", "Cuota fija (art. 7.1): 300,00 €",
                 "Cuota variable (art. 7.2): 100,00 €", "Total a ingresar: 180,00 €"):
        assert line in text.splitlines(), line
    assert "Bonificación por presentación telemática (10 % sobre la cuota fija): -30,00 €" in text
    assert "Deducción de la tasa del monitorio previo: -190,00 €" in text
    exempt = fee_sheet_text(fee_sheet("monitorio", Decimal("900"), True), "X", "", "", "EXP-8")
    assert "Exenta" in exempt and "Total a ingresar: 0,00 €" in exempt and "Cuota fija" not in exempt
    assert euros(Decimal("1234.5")) == "1.234,50 €" and euros(Decimal("1234567")) == "1.234.567,00 €" and euros(Decimal("0")) == "0,00 €"


# --- images as PDF pages (legal.documents.bundles, blocking helpers) ----------------------------------------------

def test_images_become_pdf_pages(tmp_path):
    import io

    from PIL import Image
    from pypdf import PdfReader

    from legal.documents.bundles import image_to_pdf

    photo = tmp_path / "photo.jpg"
    Image.new("RGB", (300, 150), (200, 10, 10)).save(photo, "JPEG", dpi=(300, 300))
    image_to_pdf(photo, tmp_path / "photo.pdf")
    page = PdfReader(tmp_path / "photo.pdf").pages[0]
    assert [float(v) for v in page.mediabox] == [0, 0, 72.0, 36.0]  # 300 x 150 pixels at 300 dpi: 1 x 0.5 inch
    assert photo.read_bytes() in (tmp_path / "photo.pdf").read_bytes()  # the JPEG's own bytes, not compressed again
    # a photo taken sideways (EXIF orientation 6) is turned upright; a PNG with transparency is drawn on white
    exif = Image.Exif()
    exif[0x0112] = 6
    Image.new("RGB", (300, 150), "blue").save(tmp_path / "side.jpg", "JPEG", exif=exif.tobytes())
    image_to_pdf(tmp_path / "side.jpg", tmp_path / "side.pdf")
    assert list(PdfReader(tmp_path / "side.pdf").pages[0].images)[0].image.size == (150, 300)
    out = io.BytesIO()
    Image.new("RGBA", (40, 20), (0, 0, 0, 0)).save(out, "PNG")
    (tmp_path / "a.png").write_bytes(out.getvalue())
    image_to_pdf(tmp_path / "a.png", tmp_path / "a.pdf")
    assert len(PdfReader(tmp_path / "a.pdf").pages) == 1
