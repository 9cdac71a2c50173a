#!/usr/bin/env python3
"""Build the shipped Word templates for generated legal documents (rendered with docxtpl).

    python legal/documents/templates/build.py            # rewrites every legal/documents/templates/<key>.docx

Why a script and not hand-made files: docxtpl only understands a Jinja tag that sits inside ONE Word
run, and Word splits runs as it pleases when a file is edited by hand. Here every paragraph is written
run by run (a plain run, a bold run, a tag...), and ``check_runs`` refuses a file where a tag crosses a
run boundary. Tables repeat rows with ``{%tr for ... %}`` / ``{%tr endfor %}`` rows, optional paragraphs
use ``{%p if ... %}`` / ``{%p endif %}`` paragraphs (docxtpl removes those control rows/paragraphs).

The output is deterministic (fixed core properties and zip timestamps), so the .docx files can be
committed and a rebuild shows no diff unless the texts changed. See README.md for the variables.
"""
from __future__ import annotations

import datetime as dt
import io
import re
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

HERE = Path(__file__).resolve().parent

FONT = "Arial"  # sober sans; LibreOffice substitutes the metric-compatible Liberation Sans
MONO = "Courier New"
BODY_PT = 11
TEXT_WIDTH_CM = 16.0  # A4 (21 cm) minus 2.5 cm margins on each side
GREY = RGBColor(0x59, 0x59, 0x59)
FIXED_TIME = dt.datetime(2025, 1, 1, 0, 0, 0, tzinfo=dt.timezone.utc)
ZIP_TIME = (1980, 1, 1, 0, 0, 0)

LEFT, CENTER, RIGHT, JUSTIFY = (WD_ALIGN_PARAGRAPH.LEFT, WD_ALIGN_PARAGRAPH.CENTER,
                                WD_ALIGN_PARAGRAPH.RIGHT, WD_ALIGN_PARAGRAPH.JUSTIFY)

# The context contract (README.md): the only top-level names a template may use.
CONTEXT_KEYS = {
    "today", "data_date", "place", "agency", "creditor", "debtor", "case", "invoices", "amounts",
    "evidence", "procedure", "court", "lawyer", "offer", "plan", "bureau", "mediation", "statement",
    "payment_days", "masc", "signatory", "privacy", "fr", "pt", "interest_breakdown", "portal", "opposition",
    "injonction", "enforcement", "costs_claim", "insolvency",
}
# Values that may be None: only the templates listed may use them.
NULLABLE_USERS = {"plan": {"debt_acknowledgement", "mediation_agreement"},
                  "mediation": {"mediation_request", "mediation_agreement"}, "opposition": {"ordinario_claim"},
                  "injonction": {"injonction_de_payer_request"}, "enforcement": {"enforcement_request"},
                  "insolvency": {"insolvency_claim"}}

TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}")


# --- low-level XML helpers -----------------------------------------------------------------------------

def set_fonts(rpr, name: str) -> None:
    """Point every script slot of an rPr at ``name`` (removing theme fonts, which would win)."""
    rfonts = rpr.get_or_add_rFonts()
    for attr in list(rfonts.attrib):
        del rfonts.attrib[attr]
    for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        rfonts.set(qn(attr), name)


def bottom_border(paragraph, color: str = "808080") -> None:
    ppr = paragraph._p.get_or_add_pPr()
    bdr = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("w:val", "single"), ("w:sz", "6"), ("w:space", "4"), ("w:color", color)):
        bottom.set(qn(key), value)
    bdr.append(bottom)
    ppr.insert_element_before(
        bdr, "w:shd", "w:tabs", "w:suppressAutoHyphens", "w:kinsoku", "w:wordWrap", "w:overflowPunct",
        "w:topLinePunct", "w:autoSpaceDE", "w:autoSpaceDN", "w:bidi", "w:adjustRightInd", "w:snapToGrid",
        "w:spacing", "w:ind", "w:contextualSpacing", "w:mirrorIndents", "w:suppressOverlap", "w:jc",
        "w:textDirection", "w:textAlignment", "w:textboxTightWrap", "w:outlineLvl", "w:divId",
        "w:cnfStyle", "w:rPr", "w:sectPr", "w:pPrChange")


def shade(cell, fill: str) -> None:
    tcpr = cell._tc.get_or_add_tcPr()
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill)
    tcpr.insert_element_before(shd, "w:noWrap", "w:tcMar", "w:textDirection", "w:tcFitText", "w:vAlign",
                               "w:hideMark")


def row_flags(row, header: bool = False) -> None:
    """Rows never split across pages; header rows repeat on every page."""
    trpr = row._tr.get_or_add_trPr()
    trpr.append(OxmlElement("w:cantSplit"))
    if header:
        trpr.append(OxmlElement("w:tblHeader"))


def no_borders(table) -> None:
    tblpr = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
        el = OxmlElement(f"w:{side}")
        el.set(qn("w:val"), "nil")
        borders.append(el)
    tblpr.insert_element_before(borders, "w:shd", "w:tblLayout", "w:tblCellMar", "w:tblLook", "w:tblCaption",
                                "w:tblDescription", "w:tblPrChange")


def set_widths(table, widths_cm) -> None:
    table.autofit = False
    tblw = table._tbl.tblPr.find(qn("w:tblW"))
    tblw.set(qn("w:type"), "dxa")
    tblw.set(qn("w:w"), str(int(Cm(sum(widths_cm)).twips)))
    grid = table._tbl.tblGrid
    for col, width in zip(grid.findall(qn("w:gridCol")), widths_cm):
        col.set(qn("w:w"), str(int(Cm(width).twips)))
    for row in table.rows:
        for cell, width in zip(row.cells, widths_cm):
            cell.width = Cm(width)


def add_field(paragraph, instruction: str, size: float) -> None:
    """A Word field (PAGE, NUMPAGES) as begin / instruction / separate / placeholder / end runs."""
    def run_with(child):
        run = paragraph.add_run()
        run.font.size = Pt(size)
        run.font.color.rgb = GREY
        run._r.append(child)
    begin = OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    run_with(begin)
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = f" {instruction} "
    run_with(instr)
    sep = OxmlElement("w:fldChar")
    sep.set(qn("w:fldCharType"), "separate")
    run_with(sep)
    placeholder = paragraph.add_run("1")
    placeholder.font.size = Pt(size)
    placeholder.font.color.rgb = GREY
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    run_with(end)


def add_runs(paragraph, text: str, *, bold: bool = False, italic: bool = False, size: float | None = None,
             color: RGBColor | None = None, font: str | None = None) -> None:
    """``**...**`` toggles bold. Each segment becomes ONE run, so a Jinja tag written inside a segment
    always stays inside one run (check_runs verifies it)."""
    for index, segment in enumerate(text.split("**")):
        if not segment:
            continue
        run = paragraph.add_run(segment)
        run.bold = bold or bool(index % 2) or None
        if italic:
            run.italic = True
        if size:
            run.font.size = Pt(size)
        if color is not None:
            run.font.color.rgb = color
        if font:
            set_fonts(run._r.get_or_add_rPr(), font)


# --- the document builder -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Col:
    header: str
    value: str
    width: float  # cm
    align: str = "left"
    mono: bool = False


ALIGN = {"left": LEFT, "right": RIGHT, "center": CENTER}


class Builder:
    def __init__(self, key: str, title: str, subject: str, *, court: bool = False, lang: str = "es-ES"):
        self.key = key
        self.lang = lang  # the document's language (Word's proofing language)
        self.doc = Document()
        self._package(title, subject)
        self._styles()
        self._page(court)

    # setup ---------------------------------------------------------------------------------------------
    def _package(self, title: str, subject: str) -> None:
        doc = self.doc
        # Drop the python-docx sample thumbnail and the legacy stylesWithEffects part of its default template.
        pkg_rels = doc.part.package.rels
        for rid, rel in list(pkg_rels.items()):
            if rel.reltype.endswith("/thumbnail"):
                pkg_rels.pop(rid)
        for rid, rel in list(doc.part.rels.items()):
            if rel.reltype.endswith("/stylesWithEffects"):
                doc.part.rels.pop(rid)
        props = doc.core_properties
        props.title = title
        props.subject = subject
        props.author = "Agency"
        props.last_modified_by = "Agency"
        props.comments = "Plantilla docxtpl generada por legal/documents/templates/build.py (véase legal/documents/templates/README.md)."
        props.keywords = self.key
        props.category = "Plantilla de documento legal"
        props.language = self.lang
        props.created = FIXED_TIME
        props.modified = FIXED_TIME
        props.revision = 1
        settings = doc.settings.element
        for lang in settings.findall(qn("w:themeFontLang")):
            lang.set(qn("w:val"), self.lang)

    def _styles(self) -> None:
        styles = self.doc.styles
        defaults = styles.element.find(qn("w:docDefaults"))
        rpr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
        set_fonts(rpr, FONT)
        lang = rpr.find(qn("w:lang"))
        lang.set(qn("w:val"), self.lang)

        normal = styles["Normal"]
        set_fonts(normal.element.get_or_add_rPr(), FONT)
        normal.font.size = Pt(BODY_PT)
        pf = normal.paragraph_format
        pf.alignment = JUSTIFY
        pf.space_before = Pt(0)
        pf.space_after = Pt(6)
        pf.line_spacing = 1.15
        pf.widow_control = True

        for name, size, align, before, after in (("Heading 1", 13, CENTER, 6, 4), ("Heading 2", 11, LEFT, 12, 6)):
            st = styles[name]
            set_fonts(st.element.get_or_add_rPr(), FONT)
            st.font.size = Pt(size)
            st.font.bold = True
            st.font.italic = False
            st.font.color.rgb = RGBColor(0, 0, 0)
            st.paragraph_format.alignment = align
            st.paragraph_format.space_before = Pt(before)
            st.paragraph_format.space_after = Pt(after)
            st.paragraph_format.keep_with_next = True

        def add(name, size=None, align=None, after=0, line=1.0, color=None, italic=False):
            st = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
            st.base_style = normal
            st.quick_style = True
            if size:
                st.font.size = Pt(size)
            if color is not None:
                st.font.color.rgb = color
            if italic:
                st.font.italic = True
            st.paragraph_format.space_after = Pt(after)
            st.paragraph_format.line_spacing = line
            if align is not None:
                st.paragraph_format.alignment = align
            return st

        add("Dirección", align=LEFT)                          # address blocks, one line each
        add("Tabla", size=9, align=LEFT)                      # table cells
        add("Nota", size=9, after=4, line=1.1)                # small print
        add("Subtítulo legal", size=9.5, align=CENTER, after=10, italic=True)
        add("Etiqueta de plantilla", size=8, align=LEFT, color=RGBColor(0x80, 0x80, 0x80))  # {%p %} control lines
        add("Firma", align=LEFT, after=0)

    def _page(self, court: bool) -> None:
        section = self.doc.sections[0]
        section.page_width, section.page_height = Cm(21.0), Cm(29.7)
        section.left_margin = section.right_margin = Cm(2.5)
        section.top_margin = Cm(2.5) if court else Cm(3.5)
        section.bottom_margin = Cm(2.2)
        section.header_distance = Cm(1.2)
        section.footer_distance = Cm(1.0)

        header = section.header
        first = header.paragraphs[0]
        if court:
            first.alignment = RIGHT
            add_runs(first, "{{ agency.name }} · Ref. {{ case.reference }}", size=8, color=GREY)
        else:
            first.alignment = LEFT
            first.paragraph_format.space_after = Pt(0)
            add_runs(first, "{{ agency.name }}", bold=True, size=12)
            line = header.add_paragraph()
            line.alignment = LEFT
            line.paragraph_format.space_after = Pt(0)
            add_runs(line, "{{ agency.address }} · {{ agency.postal_code }} {{ agency.city }}", size=8.5, color=GREY)
            line = header.add_paragraph()
            line.alignment = LEFT
            line.paragraph_format.space_after = Pt(0)
            add_runs(line, "NIF {{ agency.tax_id }} · Tel. {{ agency.phone }} · {{ agency.email }}"
                           "{% if agency.website %} · {{ agency.website }}{% endif %}", size=8.5, color=GREY)
            bottom_border(line)

        footer = section.footer.paragraphs[0]
        footer.alignment = CENTER
        add_runs(footer, "Ref. {{ case.reference }} · Página ", size=8, color=GREY)
        add_field(footer, "PAGE", 8)
        add_runs(footer, " de ", size=8, color=GREY)
        add_field(footer, "NUMPAGES", 8)

    # content -------------------------------------------------------------------------------------------
    def p(self, text: str = "", *, style: str | None = None, align=None, bold=False, italic=False, size=None,
          before=None, after=None, keep=False, indent=None, container=None):
        container = container if container is not None else self.doc
        paragraph = container.add_paragraph(style=style)
        add_runs(paragraph, text, bold=bold, italic=italic, size=size)
        pf = paragraph.paragraph_format
        if align is not None:
            pf.alignment = align
        if before is not None:
            pf.space_before = Pt(before)
        if after is not None:
            pf.space_after = Pt(after)
        if keep:
            pf.keep_with_next = True
        if indent is not None:
            pf.left_indent = Cm(indent)
        return paragraph

    def title(self, text: str, subtitle: str | None = None) -> None:
        self.p(text, style="Heading 1", after=4 if subtitle else 12)
        if subtitle:
            self.p(subtitle, style="Subtítulo legal")

    def h(self, text: str, align=None) -> None:
        self.p(text, style="Heading 2", align=align)

    def ctl(self, tag: str) -> None:
        """A docxtpl control paragraph ({%p ... %}): removed entirely when the document is rendered."""
        self.p(tag, style="Etiqueta de plantilla")

    def lines(self, rows, *, after_last=10, indent=None) -> None:
        for index, row in enumerate(rows):
            last = index == len(rows) - 1
            if row.startswith("{%p"):
                self.ctl(row)
            else:
                self.p(row, style="Dirección", after=after_last if last else 0, indent=indent)

    def table(self, columns: list[Col], loop: str, *, totals: list[list[str]] | None = None) -> None:
        """Header row, a ``{%tr for loop %}`` row, the repeated row, ``{%tr endfor %}``, optional total rows."""
        total_rows = totals or []
        table = self.doc.add_table(rows=4 + len(total_rows), cols=len(columns))
        table.style = self.doc.styles["Table Grid"]
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        head, opener, body, closer = table.rows[:4]
        row_flags(head, header=True)
        for cell, col in zip(head.cells, columns):
            self._cell(cell, col.header, bold=True, align=ALIGN[col.align])
            shade(cell, "D9D9D9")
            cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
        self._cell(opener.cells[0], "{%tr for " + loop + " %}", style="Etiqueta de plantilla")
        row_flags(body)
        for cell, col in zip(body.cells, columns):
            self._cell(cell, col.value, align=ALIGN[col.align], font=MONO if col.mono else None,
                       size=7 if col.mono else None)
        self._cell(closer.cells[0], "{%tr endfor %}", style="Etiqueta de plantilla")
        for row, values in zip(table.rows[4:], total_rows):
            row_flags(row)
            for cell, col, value in zip(row.cells, columns, values):
                self._cell(cell, value, align=ALIGN[col.align])
        set_widths(table, [col.width for col in columns])
        self._after_table()

    def kv_table(self, rows: list[tuple[str, ...]], header=("Concepto", "Importe"), widths=(11.0, 5.0)) -> None:
        """A two-column grid table with a header row; ``**`` marks bold text as in paragraphs. A row given as
        (label, value, condition) is printed only when the condition holds ({%tr if %} / {%tr endif %} rows)."""
        lines: list[tuple[str, ...]] = []
        for row in rows:
            if len(row) == 3:
                lines += [("{%tr if " + row[2] + " %}",), row[:2], ("{%tr endif %}",)]
            else:
                lines.append(row)
        table = self.doc.add_table(rows=1 + len(lines), cols=2)
        table.style = self.doc.styles["Table Grid"]
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        head = table.rows[0]
        row_flags(head, header=True)
        for cell, text, align in zip(head.cells, header, (LEFT, RIGHT)):
            self._cell(cell, text, bold=True, align=align)
            shade(cell, "D9D9D9")
        for row, line in zip(table.rows[1:], lines):
            if len(line) == 1:  # a control row: the tag alone in its first cell
                self._cell(row.cells[0], line[0], style="Etiqueta de plantilla")
                continue
            label, value = line
            row_flags(row)
            self._cell(row.cells[0], label)
            self._cell(row.cells[1], value, align=RIGHT)
        set_widths(table, widths)
        self._after_table()

    def _cell(self, cell, text, *, bold=False, align=LEFT, style="Tabla", font=None, size=None) -> None:
        paragraph = cell.paragraphs[0]
        paragraph.style = self.doc.styles[style]
        paragraph.alignment = align
        add_runs(paragraph, text, bold=bold, font=font, size=size)

    def _after_table(self) -> None:
        self.p("", style="Nota", after=2)

    def signature_table(self, blocks: list[list[str]]) -> None:
        """Borderless side-by-side signature blocks: a bold role, room to sign, then name lines."""
        table = self.doc.add_table(rows=1, cols=len(blocks))
        no_borders(table)
        for cell, lines in zip(table.rows[0].cells, blocks):
            self._cell(cell, lines[0], bold=True, style="Firma")
            cell.paragraphs[0].paragraph_format.keep_with_next = True
            spacer = cell.add_paragraph(style="Firma")
            spacer.paragraph_format.space_before = Pt(48)
            spacer.paragraph_format.keep_with_next = True
            for line in lines[1:]:
                para = cell.add_paragraph(style="Firma")
                add_runs(para, line)
        row_flags(table.rows[0])
        set_widths(table, [TEXT_WIDTH_CM / len(blocks)] * len(blocks))

    def save(self) -> Path:
        check_runs(self.doc, self.key)
        buffer = io.BytesIO()
        self.doc.save(buffer)
        path = HERE / f"{self.key}.docx"
        path.write_bytes(stable_zip(buffer.getvalue()))
        return path


# --- checks and deterministic output ---------------------------------------------------------------------

def _parts(doc):
    yield "body", doc.element.body
    for section in doc.sections:
        yield "header", section.header._element
        yield "footer", section.footer._element


def check_runs(doc, key: str) -> None:
    """Every tag inside one run; {%p %} / {%tr %} alone in their paragraph / row."""
    for where, element in _parts(doc):
        for run in element.iter(qn("w:r")):
            text = "".join(t.text or "" for t in run.iter(qn("w:t")))
            rest = TAG.sub("", text)
            if any(mark in rest for mark in ("{{", "}}", "{%", "%}")):
                raise SystemExit(f"{key}: a tag crosses a run boundary in the {where}: {text!r}")
        for para in element.iter(qn("w:p")):
            text = "".join(t.text or "" for t in para.iter(qn("w:t")))
            if ("{%p " in text or "{%tr " in text) and TAG.fullmatch(text.strip()) is None:
                raise SystemExit(f"{key}: a control tag must be alone in its paragraph: {text!r}")
        for row in element.iter(qn("w:tr")):
            text = "".join(t.text or "" for t in row.iter(qn("w:t")))
            if "{%tr " in text and TAG.fullmatch(text.strip()) is None:
                raise SystemExit(f"{key}: a {{%tr %}} tag must be alone in its row: {text!r}")


def stable_zip(data: bytes) -> bytes:
    """Same bytes on every run: fixed entry timestamps and permissions, original entry order."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            entry.create_system = 3
            target.writestr(entry, source.read(info.filename))
    return out.getvalue()


def check_variables(path: Path) -> set[str]:
    """The names the template uses, checked against the contract (docxtpl's own analysis)."""
    try:
        from docxtpl import DocxTemplate
    except ImportError:  # the check is a convenience; building needs python-docx only
        return set()
    used = DocxTemplate(str(path)).get_undeclared_template_variables()
    unknown = used - CONTEXT_KEYS
    if unknown:
        raise SystemExit(f"{path.name}: variables outside the contract: {sorted(unknown)}")
    for name, users in NULLABLE_USERS.items():
        if name in used and path.stem not in users:
            raise SystemExit(f"{path.name}: must not use {name!r} (it may be None)")
    return used


# --- shared blocks -------------------------------------------------------------------------------------------

SALUTATION = ('{% if debtor.kind == "company" %}Muy señores nuestros:'
              '{% else %}Distinguido/a señor/a:{% endif %}')

DEBTOR_ID = "{% if debtor.tax_id %}, con NIF {{ debtor.tax_id }}{% endif %}"
DEBTOR_DOMICILE = ("con domicilio en {{ debtor.address }}, {{ debtor.postal_code }} {{ debtor.city }}"
                   " ({{ debtor.country_name }})")
CREDITOR_FULL = ("{{ creditor.name }}, con NIF {{ creditor.tax_id }} y domicilio en {{ creditor.address }}, "
                 "{{ creditor.postal_code }} {{ creditor.city }} ({{ creditor.country_name }})")
AGENCY_FULL = ("{{ agency.name }}, con NIF {{ agency.tax_id }} y domicilio en {{ agency.address }}, "
               "{{ agency.postal_code }} {{ agency.city }}")
NOTIFY_EMAIL = "{% if lawyer.email %}{{ lawyer.email }}{% else %}{{ agency.email }}{% endif %}"
LAWYER_ID = "{{ lawyer.name }}, abogado/a{% if lawyer.bar_number %} con número de colegiación {{ lawyer.bar_number }}{% endif %}"

LOPD = "Ley Orgánica 3/2018, de 5 de diciembre, de Protección de Datos Personales y garantía de los derechos digitales"
LO_2025 = "Ley Orgánica 1/2025, de 2 de enero, de medidas en materia de eficiencia del Servicio Público de Justicia"
LEY_MEDIACION = "Ley 5/2012, de 6 de julio, de mediación en asuntos civiles y mercantiles"


def debtor_address(b: Builder) -> None:
    """The addressee's block of a letter: the debtor's name, tax id (when known) and address."""
    b.lines([
        "**{{ debtor.name }}**",
        "{%p if debtor.tax_id %}",
        "NIF: {{ debtor.tax_id }}",
        "{%p endif %}",
        "{{ debtor.address }}",
        "{{ debtor.postal_code }} {{ debtor.city }}",
        "{{ debtor.country_name }}",
    ], after_last=14)


def recipient_block(b: Builder, subject: str) -> None:
    """Addressee (the debtor), place and date, references, subject."""
    debtor_address(b)
    b.p("{{ place }}, {{ today }}", align=RIGHT, after=12)
    references(b)
    b.p("**Asunto: " + subject + "**", align=LEFT, after=12)


def references(b: Builder) -> None:
    b.lines([
        "**Nuestra referencia:** {{ case.reference }}",
        "{%p if case.creditor_reference %}",
        "**Referencia del acreedor:** {{ case.creditor_reference }}",
        "{%p endif %}",
        "**Acreedor:** {{ creditor.name }}",
    ], after_last=12)


def invoices_table(b: Builder) -> None:
    b.table([
        Col("Factura", "{{ i.number }}", 2.8),
        Col("Fecha de emisión", "{{ i.issue_date }}", 3.0),
        Col("Vencimiento", "{{ i.due_date }}", 3.0),
        Col("Días de retraso", "{{ i.days_late }}", 1.9, "center"),
        Col("Importe", "{{ i.amount }}", 2.65, "right"),
        Col("Pendiente", "{{ i.outstanding }}", 2.65, "right"),
    ], "i in invoices")


def amounts_table(b: Builder) -> None:
    b.kv_table([
        ("Principal", "{{ amounts.principal }}"),
        ("Intereses de demora", "{{ amounts.interest }}"),
        ("Indemnización por costes de cobro", "{{ amounts.compensation }}"),
        ("Gastos", "{{ amounts.costs }}"),
        ("A deducir: pagos a cuenta recibidos", "{{ amounts.paid }}"),
        ("**Total pendiente de pago**", "**{{ amounts.outstanding }}**"),
    ])


def masc_paragraph(b: Builder, ordinal: str) -> None:
    """The settlement attempt (LO 1/2025, art. 5: a requirement to be admitted; courts ask it of the monitorio too):
    what was offered, by which channel, sent and received on which days, the certificate among the documents, and
    the answer or the silence."""
    b.ctl("{%p if masc.on_record %}")
    b.p("**" + ordinal + ". Intento previo de solución extrajudicial.** Con carácter previo a este escrito, mi "
        "representada dirigió al deudor {{ masc.offered }}, por {{ masc.channel }}, enviado el {{ masc.sent_on }}"
        "{% if masc.delivered_on %} y recibido por el deudor el {{ masc.delivered_on }}{% if masc.certificate %}, según "
        "acredita el certificado de entrega que se acompaña como {{ masc.certificate }}{% endif %}{% endif %}. "
        "{{ masc.answer }}{% if masc.complied %} Se ha cumplido así el intento de negociación previa que exige la " + LO_2025
        + ".{% endif %}")
    b.ctl("{%p else %}")
    b.p("**" + ordinal + ". Intento previo de solución extrajudicial.** No consta en el expediente el intento de "
        "negociación previa que exige la " + LO_2025 + ".")
    b.ctl("{%p endif %}")


def privacy_block(b: Builder) -> None:
    """GDPR art. 14 (LEGAL.md "Data protection in letters"): letters to individuals say who holds their data, why,
    from where, for whom, how long, and their rights."""
    b.ctl('{%p if debtor.kind == "person" %}')
    b.p("**Información sobre protección de datos** (artículo 14 del Reglamento (UE) 2016/679). Responsable: "
        "{{ privacy.controller }} Encargado: {{ privacy.processor }} Finalidad: {{ privacy.purpose }} Base jurídica: "
        "{{ privacy.legal_basis }} Origen de los datos: {{ privacy.source }} Destinatarios: {{ privacy.recipients }} "
        "Conservación: {{ privacy.retention }} Derechos: {{ privacy.rights }} Contacto: {{ privacy.contact }}.",
        style="Nota", before=8)
    b.ctl("{%p endif %}")


def court_amounts_table(b: Builder) -> None:
    """What a court is asked for: one figure everywhere (the procedure chooser, the thresholds, the court fee and
    the writ), principal, interest and compensation still owed; the agency's own costs (burofax...) are not part
    of the debt claimed (LEGAL.md "Courts")."""
    b.kv_table([
        ("Principal de las facturas", "{{ amounts.principal }}"),
        ("A deducir: pagos imputados al principal", "{{ amounts.principal_paid }}"),
        ("Principal pendiente", "{{ amounts.principal_outstanding }}"),
        ("Intereses de demora e indemnización pendientes", "{{ amounts.accessories_outstanding }}"),
        ("**Cantidad reclamada**", "**{{ amounts.claimed }}**"),
    ])


IMPUTATION = ("los pagos a cuenta se imputan a las facturas que designe el deudor (artículo 1172 del Código Civil) y, en su "
              "defecto, a intereses, indemnización y principal, primero la factura más onerosa para el deudor y a prorrata "
              "entre las de igual gravamen (artículos 1173 y 1174 del Código Civil); los gastos, después del principal")


def amounts_notes(b: Builder, *, imputation: bool = True) -> None:
    b.p("{{ amounts.interest_basis }} Importes calculados a {{ data_date }}.", style="Nota")
    if imputation:
        b.p(IMPUTATION[0].upper() + IMPUTATION[1:] + ".", style="Nota", after=8)


def interest_breakdown_table(b: Builder) -> None:
    """The per-invoice breakdown (LEGAL.md "How to compute"): each slice's days, rate, base and amount."""
    b.ctl("{%p if interest_breakdown %}")
    b.p("Desglose de los intereses por factura (días naturales sobre 365; cada tramo se muestra redondeado y el total "
        "de cada factura se redondea una sola vez):", keep=True)
    b.table([
        Col("Factura", "{{ s.invoice }}", 2.8),
        Col("Desde", "{{ s.first }}", 3.0),
        Col("Hasta", "{{ s.last }}", 3.0),
        Col("Días", "{{ s.days }}", 1.3, "center"),
        Col("Tipo", "{{ s.rate }}", 1.6, "right"),
        Col("Base", "{{ s.base }}", 2.3, "right"),
        Col("Intereses", "{{ s.amount }}", 2.0, "right"),
    ], "s in interest_breakdown")
    b.ctl("{%p endif %}")


def evidence_table(b: Builder) -> None:
    b.table([
        Col("N.º", "{{ loop.index }}", 1.0, "center"),
        Col("Documento", "{{ e.name }}", 4.6),
        Col("Tipo", "{{ e.kind_label }}", 2.6),
        Col("Tamaño", "{{ e.size }}", 1.6, "right"),
        Col("Huella SHA-256", "{{ e.sha256 }}", 6.2, mono=True),
    ], "e in evidence")


def instalments_table(b: Builder) -> None:
    b.table([
        Col("Plazo", "{{ c.number }}", 2.0, "center"),
        Col("Vencimiento", "{{ c.due_on }}", 8.0),
        Col("Importe", "{{ c.amount }}", 6.0, "right"),
    ], "c in plan.instalments", totals=[["**Total**", "", "**{{ plan.total }}**"]])


def payment_details(b: Builder, amount: str = "{{ amounts.outstanding }}") -> None:
    b.lines([
        "**Beneficiario:** {{ agency.name }}",
        "**IBAN:** {{ agency.iban }}",
        "**Concepto:** {{ case.reference }} (indíquese siempre esta referencia)",
        "**Importe:** " + amount,
    ], indent=1.0, after_last=10)


PAY_ONLINE = {
    "es": "**Consulte su deuda, pague con tarjeta o Bizum o elija un plan de pagos en línea:** {{ portal.url }} (o escanee este "
          "código). Se le pedirá que confirme su identidad.",
    "fr": "**Consultez votre dette, payez par carte ou choisissez un échéancier en ligne :** {{ portal.url }} (ou scannez ce "
          "code). Il vous sera demandé de confirmer votre identité.",
    "pt": "**Consulte a sua dívida, pague com cartão ou escolha um plano de pagamento online:** {{ portal.url }} (ou leia este "
          "código). Ser-lhe-á pedido que confirme a sua identidade.",
}


def pay_online(b: Builder, lang: str = "es") -> None:
    """The debtor's page: its link (a new one for each document) and its QR code, when the document is made with one."""
    b.ctl("{%p if portal.url %}")
    b.p(PAY_ONLINE[lang], keep=True, align=LEFT)  # (a long link would stretch a justified line)
    b.p("{{ portal.qr }}", indent=1.0, after=10)
    b.ctl("{%p endif %}")


def agency_signature(b: Builder, closing: str = "Atentamente,") -> None:
    b.p(closing, keep=True, before=6)
    b.p("", keep=True, after=30)
    b.lines(["**{{ agency.name }}**", "Por cuenta de {{ creditor.name }}"], after_last=12)


def data_protection(b: Builder) -> None:
    b.p("**Protección de datos.** {{ creditor.name }} es responsable del tratamiento de los datos personales "
        "relativos a esta deuda, y {{ agency.name }} los trata como encargada del tratamiento con la única "
        "finalidad de gestionar su cobro, sobre la base del interés legítimo del acreedor en cobrar lo que se le "
        "debe. Pueden ejercerse los derechos de acceso, rectificación, supresión, oposición, limitación del "
        "tratamiento y portabilidad dirigiéndose a {{ agency.email }}, así como presentar una reclamación ante la "
        "Agencia Española de Protección de Datos (www.aepd.es).", style="Nota", before=6)


def court_heading(b: Builder) -> None:
    b.p("**AL {{ court.name|upper }} QUE POR TURNO DE REPARTO CORRESPONDA**", align=LEFT, after=18)


def court_appearance(b: Builder, verb: str) -> None:
    """Who files: through a procurador when the procedure requires one, otherwise the lawyer with a power."""
    b.ctl("{%p if procedure.procurador_required %}")
    b.p("D./D.ª ______________________________, Procurador/a de los Tribunales, en nombre y representación de "
        + CREDITOR_FULL + ", según acredito mediante copia del poder que acompaño, bajo la dirección letrada de "
        + LAWYER_ID + ", y con domicilio a efectos de notificaciones en el correo electrónico " + NOTIFY_EMAIL
        + ", ante el Tribunal comparezco y, como mejor proceda en Derecho, **DIGO:**")
    b.ctl("{%p else %}")
    b.p(LAWYER_ID + ", en nombre y representación de " + CREDITOR_FULL + ", según acredito mediante copia del "
        "poder que acompaño, y con domicilio a efectos de notificaciones en " + "{{ agency.address }}, "
        "{{ agency.postal_code }} {{ agency.city }}, correo electrónico " + NOTIFY_EMAIL
        + ", ante el Tribunal comparezco y, como mejor proceda en Derecho, **DIGO:**")
    b.ctl("{%p endif %}")
    b.p(verb)


def court_signature(b: Builder) -> None:
    b.p("Es justicia que pido en {{ place }}, a {{ today }}.", keep=True, before=6, after=6)
    b.ctl("{%p if procedure.procurador_required %}")
    b.signature_table([
        ["Letrado/a", "Fdo.: {{ lawyer.name }}",
         "{% if lawyer.bar_number %}Colegiación n.º {{ lawyer.bar_number }}{% endif %}"],
        ["Procurador/a", "Fdo.: ______________________________"],
    ])
    b.ctl("{%p else %}")
    b.signature_table([
        ["Por {{ creditor.name }}", "Fdo.: {{ lawyer.name }}",
         "{% if lawyer.bar_number %}Colegiación n.º {{ lawyer.bar_number }}{% endif %}"],
    ])
    b.ctl("{%p endif %}")


def parties_for_contract(b: Builder) -> None:
    b.p("De una parte, **{{ creditor.name }}**, con NIF {{ creditor.tax_id }} y domicilio en {{ creditor.address }}, "
        "{{ creditor.postal_code }} {{ creditor.city }} ({{ creditor.country_name }}), en adelante «el Acreedor», "
        "representada en este acto por " + AGENCY_FULL + ", en virtud del mandato de gestión de cobro que le ha "
        "sido conferido.")
    b.p("De otra parte, **{{ debtor.name }}**" + DEBTOR_ID + ", " + DEBTOR_DOMICILE + ", en adelante «el Deudor»"
        '{% if debtor.kind == "company" %}, representada en este acto por '
        "{% if signatory.name %}D./D.ª {{ signatory.name }}{% else %}D./D.ª ____________________________{% endif %}, "
        "con documento de identidad {% if signatory.id_document %}{{ signatory.id_document }}{% else %}______________{% endif %}, "
        "en su calidad de {% if signatory.capacity %}{{ signatory.capacity }}{% else %}______________________{% endif %}, con "
        "facultades suficientes para este acto"
        "{% else %}, con documento de identidad {% if signatory.id_document %}{{ signatory.id_document }}{% else %}______________{% endif %}, "
        "que actúa en su propio nombre y derecho{% endif %}.")


# --- the templates -----------------------------------------------------------------------------------------

def payment_demand() -> Builder:
    b = Builder("payment_demand", "Requerimiento de pago", "Requerimiento fehaciente de pago y propuesta de acuerdo")
    recipient_block(b, "Requerimiento fehaciente de pago y propuesta de acuerdo extrajudicial")
    b.p(SALUTATION, align=LEFT)
    b.p("{{ agency.name }}, en nombre y por cuenta de {{ creditor.name }} (NIF {{ creditor.tax_id }}), que le ha "
        "encomendado la gestión de cobro del crédito que se detalla, se dirige a {{ debtor.name }} para requerirle "
        "formalmente el pago de las cantidades vencidas, líquidas y exigibles que adeuda, derivadas de las "
        "siguientes facturas, que a {{ data_date }} permanecen total o parcialmente impagadas:", keep=True)
    invoices_table(b)
    b.p("El importe total reclamado se desglosa como sigue:", keep=True)
    amounts_table(b)
    amounts_notes(b)
    interest_breakdown_table(b)

    b.h("Requerimiento de pago")
    b.p("En consecuencia, por medio del presente escrito se **REQUIERE** a {{ debtor.name }} para que, en el plazo "
        "máximo de **{{ payment_days }} días naturales** desde su recepción, abone la cantidad de "
        "**{{ amounts.outstanding }}** mediante transferencia bancaria a la siguiente cuenta:", keep=True)
    payment_details(b)
    pay_online(b)
    b.p("Si el pago ya se hubiera efectuado, se ruega remitir el justificante a {{ agency.email }}; en tal caso, "
        "este requerimiento quedará sin efecto en cuanto a la cantidad abonada.")

    b.h("Propuesta de acuerdo extrajudicial")
    b.p("Con el fin de evitar los costes y las molestias de un procedimiento judicial, {{ creditor.name }} ofrece dar "
        "por totalmente saldada la deuda mediante el pago único de **{{ offer.amount }}**, lo que supone una "
        "reducción del {{ offer.discount_percent }}\u00a0% sobre el total adeudado, siempre que dicho importe se "
        "reciba en la cuenta indicada, con el mismo concepto, a más tardar el **{{ offer.deadline }}**. Transcurrida "
        "esa fecha sin haberse recibido el pago, la propuesta quedará sin efecto y se reclamará la totalidad de la "
        "deuda.")
    b.p("El presente requerimiento, junto con la propuesta anterior, constituye el intento de negociación previa, como "
        "medio adecuado de solución de controversias, exigido por la " + LO_2025 + ", como requisito para acudir a "
        "la vía judicial. La falta de respuesta en el plazo de treinta días naturales desde su recepción se "
        "considerará rechazo de la propuesta.")

    b.h("Advertencias legales")
    b.ctl("{%p if bureau.files %}")
    b.p("**Ficheros de solvencia.** Se advierte expresamente de que, de no atenderse el pago en el plazo indicado, "
        "los datos relativos a esta deuda podrán ser comunicados a los sistemas comunes de información crediticia "
        "**{{ bureau.files }}**, en las condiciones previstas en el artículo 20 de la " + LOPD + ".")
    b.ctl("{%p endif %}")
    b.p("**Acciones judiciales.** Transcurrido el plazo concedido sin que se haya satisfecho la deuda ni alcanzado un "
        "acuerdo, el acreedor podrá ejercitar sin más aviso las acciones judiciales que le asisten para el cobro del "
        "principal, los intereses, la indemnización por costes de cobro y las costas que se causen.")
    b.p("**Interrupción de la prescripción.** Este requerimiento extrajudicial interrumpe la prescripción de las "
        "acciones del acreedor, de conformidad con el artículo 1973 del Código Civil.")
    b.p("Quedamos a su disposición en el teléfono {{ agency.phone }} y en la dirección {{ agency.email }} para "
        "cualquier aclaración o propuesta de pago, indicando siempre la referencia {{ case.reference }}.")
    agency_signature(b)
    data_protection(b)
    privacy_block(b)
    return b


def reminder_letter() -> Builder:
    b = Builder("reminder_letter", "Recordatorio de pago", "Recordatorio de facturas pendientes de pago")
    recipient_block(b, "Recordatorio de facturas pendientes de pago")
    b.p(SALUTATION, align=LEFT)
    b.p("Nos dirigimos a {{ debtor.name }} en nombre de nuestro cliente {{ creditor.name }} para recordar que, "
        "según la información de que disponemos, las facturas que se relacionan a continuación figuran pendientes de pago a "
        "{{ data_date }}:", keep=True)
    invoices_table(b)
    b.p("El importe total pendiente, incluidos, en su caso, los intereses y la indemnización por costes de cobro que "
        "corresponden legalmente, asciende a **{{ amounts.outstanding }}**.")
    b.p("Es posible que se trate de un simple descuido o que el pago se haya cruzado con esta comunicación; si es "
        "así, rogamos que se haga caso omiso de este recordatorio y que se acepten nuestras disculpas.")
    b.p("En caso contrario, agradeceremos que el pago se realice en los próximos **{{ payment_days }} días** mediante "
        "transferencia a la siguiente cuenta:", keep=True)
    payment_details(b)
    pay_online(b)
    b.p("Si existiera alguna incidencia con estas facturas, por ejemplo una discrepancia sobre su importe o sobre la "
        "entrega, o si se necesitara un plazo adicional, rogamos que se nos comunique cuanto antes en el teléfono "
        "{{ agency.phone }} o en {{ agency.email }}: estaremos encantados de buscar una solución.")
    agency_signature(b, "Con nuestro agradecimiento anticipado, reciba un cordial saludo.")
    data_protection(b)
    privacy_block(b)
    return b


def debt_acknowledgement() -> Builder:
    b = Builder("debt_acknowledgement", "Reconocimiento de deuda y plan de pagos",
                "Reconocimiento de deuda con acuerdo de pago aplazado")
    references(b)
    b.title("RECONOCIMIENTO DE DEUDA Y ACUERDO DE PAGO APLAZADO")
    b.p("En {{ place }}, a {{ today }}.", align=RIGHT, after=12)
    b.h("REUNIDOS", align=CENTER)
    parties_for_contract(b)
    b.p("Ambas partes se reconocen mutuamente la capacidad legal necesaria para otorgar el presente documento y, a tal "
        "efecto,")
    b.h("EXPONEN", align=CENTER)
    b.p("**I.** Que el Acreedor emitió a cargo del Deudor las facturas que se relacionan a continuación, que a "
        "{{ data_date }} no han sido satisfechas en su totalidad:", keep=True)
    invoices_table(b)
    b.p("**II.** Que, a dicha fecha, el importe total adeudado asciende a **{{ amounts.outstanding }}**, con el "
        "siguiente desglose:", keep=True)
    amounts_table(b)
    amounts_notes(b)
    b.p("**III.** Que el Deudor ha manifestado su voluntad de pagar la deuda y ambas partes desean establecer un "
        "calendario de pagos, por lo que suscriben el presente documento, que se regirá por las siguientes")
    b.h("CLÁUSULAS", align=CENTER)
    b.ctl('{%p if debtor.kind == "company" %}')
    b.p("**PRIMERA. Reconocimiento de deuda.** El Deudor reconoce expresamente adeudar al Acreedor la cantidad de "
        "**{{ amounts.outstanding }}**, que acepta como cierta, vencida, líquida y exigible.")
    b.ctl("{%p else %}")
    # With a consumer, no waiver of defences or claims (an unfair term: TRLGDCU art. 86).
    b.p("**PRIMERA. Reconocimiento de deuda.** El Deudor reconoce adeudar al Acreedor la cantidad de "
        "**{{ amounts.outstanding }}** por las facturas relacionadas. Este reconocimiento no supone renuncia a los derechos "
        "que la ley reconoce al Deudor como consumidor.")
    b.ctl("{%p endif %}")
    b.p("**SEGUNDA. Plan de pagos.** El Deudor se obliga a pagar la cantidad de **{{ plan.total }}** en "
        "{{ plan.count }} plazos de periodicidad {{ plan.frequency_label }}, en las fechas y por los importes "
        "siguientes:", keep=True)
    instalments_table(b)
    b.p("**TERCERA. Forma de pago.** Cada plazo se abonará, a más tardar en su fecha de vencimiento, mediante "
        "transferencia a la cuenta {{ agency.iban }}, de la que es titular {{ agency.name }}, indicando como concepto "
        "la referencia {{ case.reference }}.{% if plan.costs_first %} El Deudor acepta que sus pagos se imputen en primer "
        "lugar a los gastos de cobro y, después, como dispone la ley.{% endif %} En cuanto a la imputación, "
        + IMPUTATION + "{% if plan.costs_first %}, salvo lo aceptado en esta cláusula{% endif %}.")
    b.p("**CUARTA. Vencimiento anticipado.** El impago total o parcial de cualquiera de los plazos en su fecha de "
        "vencimiento facultará al Acreedor para dar por vencida la totalidad de la deuda y exigir de inmediato, sin "
        "necesidad de requerimiento previo, el importe pendiente en ese momento, con deducción de las cantidades ya "
        "pagadas, más los intereses de demora que se devenguen desde el impago, así como para ejercitar las acciones "
        "judiciales oportunas, sirviendo el presente documento como prueba de la deuda.")
    b.p("**QUINTA. Efectos.** Mientras el Deudor cumpla puntualmente el plan de pagos, el Acreedor se abstendrá de "
        "ejercitar acciones judiciales para el cobro de la deuda reconocida. El presente acuerdo no tiene carácter "
        "novatorio: la obligación original subsiste en sus propios términos, con la única modificación de la forma y "
        "los plazos de pago. Cumplido íntegramente el plan, el Acreedor dará por saldada la deuda.")
    b.ctl("{%p if plan.interest_runs %}")
    b.p("**SEXTA. Intereses.** Los intereses siguen devengándose sobre el principal pendiente mientras se cumple el plan, "
        "y se liquidarán con el último plazo.")
    b.ctl("{%p else %}")
    b.p("**SEXTA. Intereses.** El importe reconocido queda fijado a la fecha de este documento: mientras el Deudor cumpla "
        "el plan no se devengarán nuevos intereses. Desde el primer plazo impagado, se devengarán de nuevo sobre lo que "
        "quede pendiente.")
    b.ctl("{%p endif %}")
    b.p("**SÉPTIMA. Interrupción de la prescripción y eficacia.** El presente reconocimiento de deuda interrumpe la "
        "prescripción de las acciones del Acreedor (artículo 1973 del Código Civil). Como documento privado no es título "
        "ejecutivo (artículo 517 de la Ley de Enjuiciamiento Civil): lo será si las partes lo elevan a escritura pública "
        "ante notario.")
    b.p("**OCTAVA. Protección de datos.** Los datos personales de los firmantes se tratarán con la única finalidad de "
        "gestionar el presente acuerdo y el cobro de la deuda. Pueden ejercerse los derechos de acceso, "
        "rectificación, supresión, oposición, limitación y portabilidad dirigiéndose a {{ agency.email }}.")
    b.p("Y, en prueba de conformidad, las partes firman el presente documento por duplicado y a un solo efecto, en el "
        "lugar y la fecha indicados en el encabezamiento.", keep=True)
    b.signature_table([
        ["EL ACREEDOR", "p.p. {{ agency.name }}", "Por cuenta de {{ creditor.name }}", "Fdo.: ________________________"],
        ["EL DEUDOR", "{{ debtor.name }}", "Fdo.: {% if signatory.name %}{{ signatory.name }}{% else %}________________________{% endif %}"],
    ])
    return b


def settlement_offer() -> Builder:
    b = Builder("settlement_offer", "Propuesta de acuerdo extrajudicial",
                "Propuesta de acuerdo extrajudicial (Ley Orgánica 1/2025)")
    recipient_block(b, "Propuesta de acuerdo extrajudicial")
    b.title("PROPUESTA DE ACUERDO EXTRAJUDICIAL",
            "Medio adecuado de solución de controversias (" + LO_2025 + ")")
    b.p(SALUTATION, align=LEFT)
    b.p("En nombre y por cuenta de {{ creditor.name }}, {{ agency.name }} formula a {{ debtor.name }} la siguiente "
        "propuesta de acuerdo, con el fin de resolver sin necesidad de acudir a los tribunales la controversia "
        "relativa al impago de las facturas que se detallan.")
    b.h("1. Objeto de la controversia")
    b.p("Facturas emitidas por {{ creditor.name }} y pendientes de pago a {{ data_date }}:", keep=True)
    invoices_table(b)
    b.p("Importe total adeudado:", keep=True)
    amounts_table(b)
    amounts_notes(b, imputation=False)
    b.h("2. Propuesta")
    b.p("{{ creditor.name }} aceptará como pago total y definitivo de la deuda la cantidad de **{{ offer.amount }}**, lo "
        "que representa una quita del **{{ offer.discount_percent }}\u00a0%** sobre el importe total adeudado de "
        "{{ amounts.outstanding }}.")
    b.p("El pago deberá recibirse en una sola vez, a más tardar el **{{ offer.deadline }}** (plazo de {{ offer.days }} "
        "días naturales), mediante transferencia a la siguiente cuenta:", keep=True)
    payment_details(b, "{{ offer.amount }}")
    pay_online(b)
    b.p("Recibido el pago dentro de plazo, el acreedor dará por saldada y finiquitada la deuda, renunciará a la "
        "diferencia, a los intereses y gastos devengados y a cualquier acción judicial por estas facturas, y lo "
        "confirmará por escrito.")
    b.h("3. Aceptación, plazo y efectos")
    b.p("La propuesta puede aceptarse por escrito dirigido a {{ agency.email }} o, directamente, mediante el pago de la "
        "cantidad ofrecida dentro del plazo indicado.")
    b.p("De conformidad con la Ley Orgánica 1/2025, **la falta de respuesta en el plazo de treinta (30) días naturales "
        "desde la recepción de esta propuesta se considerará rechazo**. En tal caso quedará acreditado el intento de "
        "negociación previa exigido como requisito de procedibilidad, y el acreedor podrá ejercitar las acciones "
        "judiciales oportunas por la totalidad de la deuda.")
    b.p("La presente propuesta se formula con fines exclusivamente transaccionales, sin reconocimiento de hechos ni "
        "renuncia de derechos para el caso de que no sea aceptada. Su contenido es confidencial y no podrá hacerse "
        "valer en un eventual procedimiento judicial, salvo para acreditar que se ha intentado la negociación previa. "
        "Esta comunicación interrumpe la prescripción de las acciones del acreedor (artículo 1973 del Código Civil).")
    b.p("Quedamos a su disposición en el teléfono {{ agency.phone }} para cualquier aclaración.")
    agency_signature(b)
    data_protection(b)
    privacy_block(b)
    return b


def mediation_request() -> Builder:
    b = Builder("mediation_request", "Solicitud de mediación", "Solicitud de inicio de mediación (Ley 5/2012)")
    b.lines(["A la atención de:", "**{{ mediation.mediator }}**"], after_last=14)
    b.p("{{ place }}, {{ mediation.requested_on }}", align=RIGHT, after=12)
    references(b)
    b.title("SOLICITUD DE INICIO DE MEDIACIÓN", "Artículo 16 de la " + LEY_MEDIACION)
    b.h("1. Parte solicitante")
    b.p("**" + CREDITOR_FULL + "**, representada por " + AGENCY_FULL + ", que señala como medios de comunicación el "
        "teléfono {{ agency.phone }} y el correo electrónico {{ agency.email }}.")
    b.h("2. Otra parte")
    b.p("**{{ debtor.name }}**" + DEBTOR_ID + ", " + DEBTOR_DOMICILE
        + "{% if debtor.email %}, correo electrónico {{ debtor.email }}{% endif %}"
          "{% if debtor.phone %}, teléfono {{ debtor.phone }}{% endif %}.")
    b.h("3. Objeto de la controversia")
    b.p("La controversia se refiere al impago de las siguientes facturas emitidas por {{ creditor.name }} a cargo de "
        "{{ debtor.name }}:", keep=True)
    invoices_table(b)
    b.p("A {{ data_date }}, el importe total reclamado asciende a **{{ amounts.outstanding }}**, con el siguiente "
        "desglose:", keep=True)
    amounts_table(b)
    amounts_notes(b, imputation=False)
    b.p("La solicitante ha reclamado el pago de forma extrajudicial sin que hasta la fecha se haya satisfecho la deuda "
        "ni alcanzado un acuerdo.")
    b.h("4. Solicitud")
    b.p("Por todo ello, la parte solicitante **SOLICITA** que se tenga por presentada esta solicitud, se acepte la "
        "mediación y se convoque a ambas partes a la sesión informativa prevista en el artículo 17 de la Ley 5/2012, "
        "con el fin de alcanzar un acuerdo sobre el pago de la deuda.")
    b.p("La solicitante manifiesta su disposición a participar de buena fe en el procedimiento y a estudiar las "
        "propuestas de pago aplazado o fraccionado que pueda formular la otra parte.")
    b.p("Se hace constar que, de conformidad con el artículo 4 de la Ley 5/2012, la presente solicitud suspende la "
        "prescripción y la caducidad de las acciones desde la fecha en que conste su recepción por el mediador o su "
        "depósito ante la institución de mediación, y que la mediación constituye un medio adecuado de solución de "
        "controversias a los efectos de la " + LO_2025 + ".")
    b.p("Se acompaña copia de las facturas relacionadas.")
    b.signature_table([["Por la parte solicitante", "p.p. {{ agency.name }}", "Por cuenta de {{ creditor.name }}",
                        "Fdo.: ________________________"]])
    return b


def mediation_agreement() -> Builder:
    b = Builder("mediation_agreement", "Acuerdo de mediación", "Acta de acuerdo de mediación (Ley 5/2012)")
    references(b)
    b.title("ACUERDO DE MEDIACIÓN", "Artículo 23 de la " + LEY_MEDIACION)
    b.p("En {{ place }}, a {{ today }}, ante **{{ mediation.mediator }}**, en su condición de mediador/a, comparecen:")
    b.h("REUNIDOS", align=CENTER)
    parties_for_contract(b)
    b.h("ANTECEDENTES", align=CENTER)
    b.p("**I.** El procedimiento de mediación se inició a solicitud de {{ creditor.name }} de fecha "
        "{{ mediation.requested_on }} y se ha desarrollado conforme a la Ley 5/2012, con las siguientes sesiones:",
        keep=True)
    b.table([
        Col("Sesión", "{{ loop.index }}", 1.6, "center"),
        Col("Fecha", "{{ s.on }}", 3.6),
        Col("Mediador/a", "{{ s.mediator }}", 4.0),
        Col("Desarrollo", "{{ s.notes }}", 6.8),
    ], "s in mediation.sessions")
    b.p("**II.** La controversia se refiere al pago de las siguientes facturas emitidas por {{ creditor.name }} a "
        "cargo de {{ debtor.name }}:", keep=True)
    invoices_table(b)
    b.p("El importe pendiente a {{ data_date }} asciende a **{{ amounts.outstanding }}**. "
        "{{ amounts.interest_basis }}")
    b.p("**III.** Resultado de la mediación: **{{ mediation.outcome_label }}**.")
    b.h("ACUERDOS", align=CENTER)
    b.ctl("{%p if mediation.agreement %}")
    b.p("{{ mediation.agreement }}")
    b.ctl("{%p endif %}")
    b.ctl("{%p if plan %}")
    b.p("**Calendario de pagos.** El Deudor abonará la cantidad de **{{ plan.total }}** en {{ plan.count }} plazos de "
        "periodicidad {{ plan.frequency_label }}, mediante transferencia a la cuenta {{ agency.iban }}, de la que es "
        "titular {{ agency.name }}, indicando como concepto {{ case.reference }}, en las fechas y por los importes "
        "siguientes:", keep=True)
    instalments_table(b)
    b.p("El impago total o parcial de cualquiera de los plazos en su fecha de vencimiento facultará al Acreedor para "
        "dar por vencida y exigir de inmediato la totalidad de la cantidad pendiente en ese momento.")
    b.ctl("{%p endif %}")
    b.h("EFECTOS", align=CENTER)
    b.p("Las partes declaran que han alcanzado este acuerdo de forma libre y voluntaria, que conocen y comprenden su "
        "contenido y que lo aceptan como vinculante y obligatorio (artículo 23.3 de la Ley 5/2012). Contra lo "
        "convenido solo podrá ejercitarse la acción de nulidad por las causas que invalidan los contratos.")
    b.p("El/la mediador/a ha informado a las partes del carácter vinculante del acuerdo y de que pueden elevarlo a "
        "escritura pública ante notario, a fin de configurarlo como título ejecutivo (artículo 25 de la Ley 5/2012 y "
        "artículo 517.2.2.º de la Ley de Enjuiciamiento Civil).")
    b.p("Y, en prueba de conformidad, firman el presente acuerdo las partes y el/la mediador/a, en tres ejemplares, "
        "en el lugar y la fecha indicados en el encabezamiento.", keep=True)
    b.signature_table([
        ["EL ACREEDOR", "p.p. {{ agency.name }}", "Fdo.: ______________"],
        ["EL DEUDOR", "{{ debtor.name }}", "Fdo.: ______________"],
        ["EL/LA MEDIADOR/A", "{{ mediation.mediator }}", "Fdo.: ______________"],
    ])
    return b


def bureau_notice() -> Builder:
    b = Builder("bureau_notice", "Notificación previa de inclusión en ficheros de solvencia",
                "Notificación previa de inclusión en sistemas comunes de información crediticia")
    recipient_block(b, "Notificación previa de inclusión en sistemas comunes de información crediticia")
    b.p(SALUTATION, align=LEFT)
    b.p("En cumplimiento del artículo 20 de la " + LOPD + ", se informa a {{ debtor.name }} de que, a "
        "{{ data_date }}, mantiene con {{ creditor.name }} una deuda cierta, vencida y exigible, no satisfecha pese a "
        "haber sido requerida de pago, por un importe total de **{{ amounts.outstanding }}**, derivada de las "
        "siguientes facturas:", keep=True)
    invoices_table(b)
    amounts_table(b)
    amounts_notes(b, imputation=False)
    b.h("Comunicación a sistemas de información crediticia")
    bureau_intro = ("Si en el plazo de **{{ bureau.wait_days }} días naturales** desde la recepción de esta "
                    "notificación no se ha pagado la deuda, ni se ha alcanzado un acuerdo de pago, ni se ha acreditado "
                    "su improcedencia, {{ creditor.name }} podrá comunicar los datos identificativos de "
                    "{{ debtor.name }} y los relativos a la deuda (importe, fechas de vencimiento y acreedor) a ")
    b.ctl("{%p if bureau.files %}")
    b.p(bureau_intro + "los siguientes sistemas comunes de información crediticia: **{{ bureau.files }}**.")
    b.ctl("{%p else %}")
    b.p(bureau_intro + "los sistemas comunes de información crediticia en los que participe, que se le indicarán "
        "por escrito antes de cualquier comunicación.")
    b.ctl("{%p endif %}")
    b.p("Los datos solo podrán mantenerse en dichos sistemas mientras persista el impago, con un máximo de cinco "
        "años desde la fecha de vencimiento de la obligación, y se darán de baja en cuanto la deuda sea satisfecha. "
        "No se comunicará una deuda que sea objeto de reclamación administrativa o judicial, o de un procedimiento "
        "alternativo de resolución de conflictos vinculante entre las partes. La inclusión, si llegara a producirse, "
        "será notificada además por la entidad titular del sistema.")
    b.h("Cómo evitar la inclusión")
    b.p("Para evitar la comunicación basta con abonar la deuda, dentro del plazo indicado, mediante transferencia a la "
        "siguiente cuenta:", keep=True)
    payment_details(b)
    pay_online(b)
    b.p("Si el pago ya se hubiera efectuado, o si se considera que la deuda no existe o no es exigible, se ruega "
        "comunicarlo de inmediato a {{ agency.email }} o al teléfono {{ agency.phone }}, aportando la documentación "
        "correspondiente, para revisar el expediente antes de realizar comunicación alguna. También pueden "
        "proponerse fórmulas de pago aplazado.")
    b.h("Derechos de las personas afectadas")
    b.p("Los derechos de acceso, rectificación, supresión, limitación del tratamiento y oposición (artículos 15 a 22 "
        "del Reglamento (UE) 2016/679) pueden ejercerse ante {{ creditor.name }}, a través de {{ agency.name }} "
        "({{ agency.email }}; {{ agency.address }}, {{ agency.postal_code }} {{ agency.city }}), así como ante las "
        "entidades titulares de los sistemas de información crediticia citados. Asimismo, puede presentarse una "
        "reclamación ante la Agencia Española de Protección de Datos (www.aepd.es).")
    agency_signature(b)
    privacy_block(b)
    return b


def monitorio_petition() -> Builder:
    b = Builder("monitorio_petition", "Petición inicial de procedimiento monitorio",
                "Petición inicial de procedimiento monitorio (arts. 812 a 814 LEC)", court=True)
    court_heading(b)
    court_appearance(b, "Que, por medio del presente escrito y de conformidad con los artículos 812 y siguientes de "
                        "la Ley de Enjuiciamiento Civil, formulo **PETICIÓN INICIAL DE PROCEDIMIENTO MONITORIO** contra "
                        "**{{ debtor.name }}**" + DEBTOR_ID + ", " + DEBTOR_DOMICILE
                        + "{% if debtor.email %}, correo electrónico {{ debtor.email }}{% endif %}"
                          "{% if debtor.phone %}, teléfono {{ debtor.phone }}{% endif %}"
                          ", en reclamación de la cantidad de **{{ amounts.claimed }}**, con base en los "
                          "siguientes")
    b.h("HECHOS", align=CENTER)
    b.p("**PRIMERO. Origen de la deuda.** Mi representada mantuvo con el deudor una relación comercial en cuyo marco "
        "emitió a su cargo las siguientes facturas, correspondientes a los suministros y servicios prestados, que "
        "el deudor recibió sin formular reparo alguno y que, llegado su vencimiento, no ha pagado:", keep=True)
    invoices_table(b)
    b.p("**SEGUNDO. Cuantía de la deuda.** La deuda es dineraria, vencida, exigible y de cantidad determinada, y "
        "asciende a **{{ amounts.claimed }}**, con el siguiente desglose:", keep=True)
    court_amounts_table(b)
    amounts_notes(b)
    interest_breakdown_table(b)
    masc_paragraph(b, "TERCERO")
    b.p("**CUARTO. Documentos.** La deuda se acredita con los documentos que se acompañan, cuya huella digital "
        "SHA-256 se indica para garantizar la integridad de las copias electrónicas aportadas:", keep=True)
    evidence_table(b)
    b.h("FUNDAMENTOS DE DERECHO", align=CENTER)
    b.p("**I. Competencia.** Corresponde al Tribunal de Instancia, Sección Civil, del partido judicial del domicilio "
        "del deudor, de conformidad con el artículo 813 de la Ley de Enjuiciamiento Civil y la Ley Orgánica 1/2025, de "
        "2 de enero.")
    b.p("**II. Procedimiento.** El procedimiento monitorio, regulado en los artículos 812 a 818 de la Ley de "
        "Enjuiciamiento Civil, es el adecuado para reclamar esta deuda, por ser dineraria, vencida, exigible y de "
        "cantidad determinada, y estar acreditada mediante facturas y los demás documentos que se acompañan "
        "(artículo 812.1.2.º de la Ley de Enjuiciamiento Civil), cualquiera que sea su importe.")
    b.p("**III. Legitimación.** Mi representada está legitimada activamente como titular del crédito, y el deudor lo "
        "está pasivamente como obligado a su pago (artículo 10 de la Ley de Enjuiciamiento Civil).", before=6)
    b.p("**IV. Postulación.** De conformidad con los artículos 23.2.1.º y 31.2.1.º de la Ley de Enjuiciamiento "
        "Civil, no es preceptiva la intervención de abogado ni de procurador para presentar la petición inicial del "
        "procedimiento monitorio.")
    b.ctl("{%p if procedure.lawyer_if_opposed %}")
    b.p("Se hace constar que, por exceder la cuantía reclamada de 2.000 euros, si el deudor formulara oposición, o "
        "para instar la ejecución, será preceptiva la intervención de abogado y procurador.")
    b.ctl("{%p endif %}")
    b.p("**V. Tasa judicial.** A los efectos de la Ley 10/2012, de 20 de noviembre, se hace constar que la tasa "
        "aplicable a esta petición es: **{{ procedure.court_fee }}**. Cuando proceda su pago, se acompaña el "
        "justificante de autoliquidación (modelo 696). Están exentas las personas físicas y los procedimientos "
        "monitorios de cuantía no superior a 2.000 euros.")
    b.p("**VI. Fondo.** Son de aplicación los artículos 1088, 1091, 1100, 1101 y 1108 del Código Civil, sobre el "
        "cumplimiento de las obligaciones y la indemnización por mora, y, tratándose de operaciones comerciales, la "
        "Ley 3/2004, de 29 de diciembre, por la que se establecen medidas de lucha contra la morosidad en las "
        "operaciones comerciales.")
    b.p("En su virtud,", keep=True)
    b.p("**SUPLICO AL TRIBUNAL:** Que, teniendo por presentado este escrito con los documentos que lo acompañan, se "
        "sirva admitirlo, tenga por formulada petición inicial de procedimiento monitorio contra {{ debtor.name }} "
        "por la cantidad de **{{ amounts.claimed }}** y, en su virtud, requiera al deudor para que, en el plazo "
        "de veinte días, pague a mi representada dicha cantidad, acreditándolo ante el Tribunal, o comparezca y "
        "alegue de forma fundada y motivada, en escrito de oposición, las razones por las que, a su entender, no "
        "debe en todo o en parte la cantidad reclamada, con el apercibimiento de que, si no paga ni formula "
        "oposición, se dictará decreto dando por terminado el procedimiento monitorio y podrá despacharse ejecución "
        "contra él por la cantidad adeudada, más los intereses y costas que procedan (artículos 815 y 816 de la Ley "
        "de Enjuiciamiento Civil).")
    court_signature(b)
    b.h("DOCUMENTOS QUE SE ACOMPAÑAN")
    b.p("Poder de representación; los documentos n.º 1 y siguientes relacionados en el hecho cuarto; en su caso, "
        "justificante de la tasa judicial (modelo 696).", style="Nota")
    return b


def verbal_claim() -> Builder:
    b = Builder("verbal_claim", "Demanda de juicio verbal",
                "Demanda de juicio verbal en reclamación de cantidad (arts. 437 y ss. LEC)", court=True)
    court_heading(b)
    court_appearance(b, "Que, por medio del presente escrito, interpongo **DEMANDA DE JUICIO VERBAL** en reclamación "
                        "de cantidad contra **{{ debtor.name }}**" + DEBTOR_ID + ", " + DEBTOR_DOMICILE
                        + "{% if debtor.email %}, correo electrónico {{ debtor.email }}{% endif %}"
                          ", por importe de **{{ amounts.claimed }}**, con base en los siguientes")
    b.h("HECHOS", align=CENTER)
    b.p("**PRIMERO. Relación comercial.** Mi representada mantuvo con la parte demandada una relación comercial en "
        "cuyo marco emitió a su cargo las siguientes facturas, correspondientes a los suministros y servicios "
        "prestados, que la demandada recibió sin formular reparo alguno (documentos que se acompañan):", keep=True)
    invoices_table(b)
    b.p("**SEGUNDO. Vencimiento e impago.** Llegadas las respectivas fechas de vencimiento, la demandada no ha "
        "pagado las facturas, pese a las reclamaciones que se le han dirigido.")
    b.p("**TERCERO. Cantidad reclamada.** La cantidad adeudada asciende a **{{ amounts.claimed }}**, con el "
        "siguiente desglose:", keep=True)
    court_amounts_table(b)
    amounts_notes(b)
    interest_breakdown_table(b)
    masc_paragraph(b, "CUARTO")
    b.p("**QUINTO. Documentos.** Se acompañan los siguientes documentos, con su huella digital SHA-256 para garantizar "
        "la integridad de las copias electrónicas aportadas:", keep=True)
    evidence_table(b)
    b.h("FUNDAMENTOS DE DERECHO", align=CENTER)
    b.p("**I. Jurisdicción y competencia.** Corresponde el conocimiento de esta demanda al Tribunal de Instancia, "
        "Sección Civil (artículo 45 de la Ley de Enjuiciamiento Civil y Ley Orgánica 1/2025, de 2 de enero), del "
        "partido judicial del domicilio de la demandada (artículos 50 y 51 de la Ley de Enjuiciamiento Civil).")
    b.p("**II. Procedimiento.** La demanda se tramita por los cauces del juicio verbal, por razón de la cuantía, que "
        "no excede de 15.000 euros (artículo 250.2 de la Ley de Enjuiciamiento Civil), conforme a los artículos 437 y "
        "siguientes de dicha Ley.", keep=True)
    b.p("**III. Cuantía.** La cuantía del procedimiento es de {{ amounts.claimed }} (artículo 251 de la Ley de "
        "Enjuiciamiento Civil).", before=6)
    b.p("**IV. Capacidad, legitimación y postulación.** Las partes tienen capacidad para ser parte y procesal "
        "(artículos 6 y 7 de la Ley de Enjuiciamiento Civil). Mi representada está legitimada activamente como "
        "titular del crédito y la demandada pasivamente como obligada a su pago (artículo 10).")
    b.ctl("{%p if procedure.lawyer_required %}")
    b.p("Por exceder la cuantía de 2.000 euros, mi representada comparece asistida de abogado y representada por "
        "procurador (artículos 23 y 31 de la Ley de Enjuiciamiento Civil).")
    b.ctl("{%p else %}")
    b.p("Por no exceder la cuantía de 2.000 euros, no es preceptiva la intervención de abogado ni de procurador "
        "(artículos 23.2.1.º y 31.2.1.º de la Ley de Enjuiciamiento Civil).")
    b.ctl("{%p endif %}")
    b.p("**V. Tasa judicial.** A los efectos de la Ley 10/2012, de 20 de noviembre, se hace constar que la tasa "
        "aplicable a esta demanda es: **{{ procedure.court_fee }}**. Cuando proceda su pago, se acompaña el "
        "justificante de autoliquidación (modelo 696).")
    b.p("**VI. Fondo.** Los contratos obligan al cumplimiento de lo expresamente pactado (artículos 1091, 1254 y 1258 "
        "del Código Civil), y quien incurre en mora en el cumplimiento de una obligación dineraria debe indemnizar "
        "los daños y perjuicios causados, consistentes en el pago de los intereses (artículos 1100, 1101 y 1108 del "
        "Código Civil). Tratándose de operaciones comerciales, es de aplicación la Ley 3/2004, de 29 de diciembre.")
    b.p("**VII. Intereses.** {{ amounts.interest_basis }} Desde la fecha de la sentencia, se devengarán los intereses "
        "procesales previstos en el artículo 576 de la Ley de Enjuiciamiento Civil.")
    b.p("**VIII. Costas.** Procede la condena en costas de la demandada, conforme al artículo 394 de la Ley de "
        "Enjuiciamiento Civil.")
    b.p("**IX. Requisito de procedibilidad.** Se ha cumplido el intento previo de negociación exigido por la "
        "Ley Orgánica 1/2025, como se acredita con la documentación que se acompaña.")
    b.p("En su virtud,", keep=True)
    b.p("**SUPLICO AL TRIBUNAL:** Que, teniendo por presentado este escrito con los documentos y copias que lo "
        "acompañan, se sirva admitirlo, tenga por interpuesta demanda de juicio verbal en reclamación de cantidad "
        "contra {{ debtor.name }} y, previos los trámites legales oportunos, dicte sentencia por la que condene a la "
        "demandada a pagar a mi representada la cantidad de **{{ amounts.claimed }}**, más los intereses de "
        "demora que se devenguen desde la fecha de cálculo hasta su completo pago, los intereses procesales y las "
        "costas del procedimiento.")
    court_signature(b)
    return b


def ordinario_claim() -> Builder:
    b = Builder("ordinario_claim", "Demanda de juicio ordinario tras oposición al monitorio",
                "Demanda de juicio ordinario tras la oposición al proceso monitorio (arts. 818.2 y 399 y ss. LEC)", court=True)
    court_heading(b)
    court_appearance(b, "Que, por medio del presente escrito, y dentro del plazo de un mes desde el traslado del escrito de "
                        "oposición formulado en el proceso monitorio n.º **{{ opposition.number }}** de "
                        "{{ opposition.court }}, notificado el {{ opposition.notified_on }} (artículo 818.2 de la Ley de "
                        "Enjuiciamiento Civil), interpongo **DEMANDA DE JUICIO ORDINARIO** en reclamación de cantidad contra "
                        "**{{ debtor.name }}**" + DEBTOR_ID + ", " + DEBTOR_DOMICILE
                        + "{% if debtor.email %}, correo electrónico {{ debtor.email }}{% endif %}"
                          ", por importe de **{{ amounts.claimed }}**, con base en los siguientes")
    b.h("HECHOS", align=CENTER)
    b.p("**PRIMERO. Relación comercial.** Mi representada mantuvo con la parte demandada una relación comercial en "
        "cuyo marco emitió a su cargo las siguientes facturas, correspondientes a los suministros y servicios "
        "prestados, que la demandada recibió sin formular reparo alguno (documentos que se acompañan):", keep=True)
    invoices_table(b)
    b.p("**SEGUNDO. Vencimiento e impago.** Llegadas las respectivas fechas de vencimiento, la demandada no ha "
        "pagado las facturas, pese a las reclamaciones que se le han dirigido.")
    b.p("**TERCERO. Proceso monitorio previo y oposición.** Mi representada reclamó esta deuda en el proceso monitorio "
        "n.º {{ opposition.number }} de {{ opposition.court }}. Requerida de pago, la demandada formuló oposición, de "
        "la que se dio traslado a esta parte el {{ opposition.notified_on }}. Por exceder la cuantía de 15.000 euros, "
        "procede interponer la presente demanda de juicio ordinario (artículo 818.2 de la Ley de Enjuiciamiento "
        "Civil).")
    b.p("**CUARTO. Cantidad reclamada.** La cantidad adeudada asciende a **{{ amounts.claimed }}**, con el "
        "siguiente desglose:", keep=True)
    court_amounts_table(b)
    amounts_notes(b)
    interest_breakdown_table(b)
    masc_paragraph(b, "QUINTO")
    b.p("**SEXTO. Documentos.** Se acompañan los siguientes documentos, con su huella digital SHA-256 para garantizar "
        "la integridad de las copias electrónicas aportadas:", keep=True)
    evidence_table(b)
    b.h("FUNDAMENTOS DE DERECHO", align=CENTER)
    b.p("**I. Jurisdicción y competencia.** Corresponde el conocimiento de esta demanda al mismo Tribunal que conoció "
        "del proceso monitorio (artículo 818.2 de la Ley de Enjuiciamiento Civil).")
    b.p("**II. Procedimiento.** La demanda se tramita por los cauces del juicio ordinario, por razón de la cuantía, que "
        "excede de 15.000 euros (artículos 249.2 y 818.2 de la Ley de Enjuiciamiento Civil), conforme a los "
        "artículos 399 y siguientes de dicha Ley.", keep=True)
    b.p("**III. Cuantía.** La cuantía del procedimiento es de {{ amounts.claimed }} (artículo 251 de la Ley de "
        "Enjuiciamiento Civil).", before=6)
    b.p("**IV. Capacidad, legitimación y postulación.** Las partes tienen capacidad para ser parte y procesal "
        "(artículos 6 y 7 de la Ley de Enjuiciamiento Civil). Mi representada está legitimada activamente como "
        "titular del crédito y la demandada pasivamente como obligada a su pago (artículo 10). Mi representada "
        "comparece asistida de abogado y representada por procurador (artículos 23 y 31 de la Ley de "
        "Enjuiciamiento Civil).")
    b.p("**V. Tasa judicial.** A los efectos de la Ley 10/2012, de 20 de noviembre, la tasa del juicio ordinario es "
        "{{ opposition.court_fee }}, de la que se descuenta la abonada en el proceso monitorio, "
        "{{ opposition.monitorio_fee }}: resta por abonar **{{ opposition.court_fee_to_pay }}**. Cuando proceda su "
        "pago, se acompaña el justificante de autoliquidación (modelo 696).")
    b.p("**VI. Fondo.** Los contratos obligan al cumplimiento de lo expresamente pactado (artículos 1091, 1254 y 1258 "
        "del Código Civil), y quien incurre en mora en el cumplimiento de una obligación dineraria debe indemnizar "
        "los daños y perjuicios causados, consistentes en el pago de los intereses (artículos 1100, 1101 y 1108 del "
        "Código Civil). Tratándose de operaciones comerciales, es de aplicación la Ley 3/2004, de 29 de diciembre.")
    b.p("**VII. Intereses.** {{ amounts.interest_basis }} Desde la fecha de la sentencia, se devengarán los intereses "
        "procesales previstos en el artículo 576 de la Ley de Enjuiciamiento Civil.")
    b.p("**VIII. Costas.** Procede la condena en costas de la demandada, conforme al artículo 394 de la Ley de "
        "Enjuiciamiento Civil.")
    b.p("En su virtud,", keep=True)
    b.p("**SUPLICO AL TRIBUNAL:** Que, teniendo por presentado este escrito con los documentos y copias que lo "
        "acompañan, se sirva admitirlo, tenga por interpuesta demanda de juicio ordinario en reclamación de cantidad "
        "contra {{ debtor.name }} y, previos los trámites legales oportunos, dicte sentencia por la que condene a la "
        "demandada a pagar a mi representada la cantidad de **{{ amounts.claimed }}**, más los intereses de "
        "demora que se devenguen desde la fecha de cálculo hasta su completo pago, los intereses procesales y las "
        "costas del procedimiento.")
    court_signature(b)
    return b


def european_order_for_payment() -> Builder:
    b = Builder("european_order_for_payment", "Solicitud de requerimiento europeo de pago",
                "Solicitud de requerimiento europeo de pago (Reglamento (CE) n.º 1896/2006, formulario A)", court=True)
    b.title("SOLICITUD DE REQUERIMIENTO EUROPEO DE PAGO",
            "Contenido del formulario A del anexo I del Reglamento (CE) n.º 1896/2006 del Parlamento Europeo y del "
            "Consejo, de 12 de diciembre de 2006, por el que se establece un proceso monitorio europeo, modificado por "
            "el Reglamento (UE) 2015/2421")
    b.p("La petición se presenta en el formulario A normalizado (artículo 7.1 del Reglamento); el presente documento "
        "recoge, por apartados, los datos con que se cumplimenta y se acompaña como anexo.", style="Nota", after=8)

    b.h("1. Órgano jurisdiccional")
    b.p("{{ court.name }}.")

    b.h("2. Partes y representantes")
    b.p("**Demandante:** " + CREDITOR_FULL + ".")
    b.p("**Representante del demandante:** " + LAWYER_ID + "; dirección: {{ agency.address }}, "
        "{{ agency.postal_code }} {{ agency.city }}; correo electrónico: " + NOTIFY_EMAIL + "; teléfono: "
        "{{ agency.phone }}.")
    b.p("**Demandado:** {{ debtor.name }}" + "{% if debtor.tax_id %}, número de identificación fiscal "
        "{{ debtor.tax_id }}{% endif %}, " + DEBTOR_DOMICILE
        + "{% if debtor.email %}; correo electrónico: {{ debtor.email }}{% endif %}"
          "{% if debtor.phone %}; teléfono: {{ debtor.phone }}{% endif %}.")

    b.h("3. Fundamento de la competencia")
    b.p("La competencia se determina conforme al Reglamento (UE) n.º 1215/2012 (artículo 6.1 del Reglamento (CE) "
        "n.º 1896/2006): "
        "domicilio del demandado, {{ debtor.city }} ({{ debtor.country_name }}), en el Estado miembro del órgano "
        "jurisdiccional (artículo 4.1 del Reglamento (UE) n.º 1215/2012).")

    b.h("4. Carácter transfronterizo del asunto")
    b.p("Domicilio del demandante: {{ creditor.country_name }}. Domicilio del demandado: {{ debtor.country_name }}. "
        "Estado miembro del órgano jurisdiccional: {{ debtor.country_name }}. Al menos una de las partes tiene su domicilio en un Estado "
        "miembro distinto del del órgano jurisdiccional (artículo 3 del Reglamento (CE) n.º 1896/2006).")

    b.h("5. Datos bancarios")
    b.p("Cuenta del demandante: titular {{ creditor.name }}{% if creditor.iban %}; IBAN {{ creditor.iban }}"
        "{% endif %}.")
    b.p("Tasa judicial: {{ procedure.court_fee }}. Se abonará por el medio que admita el órgano jurisdiccional.")

    b.h("6. Principal")
    b.p("Moneda: euro (EUR). Principal reclamado: **{{ amounts.principal_outstanding }}**, correspondiente a las siguientes "
        "facturas:", keep=True)
    invoices_table(b)

    b.h("7. Intereses")
    b.p("Intereses de demora e indemnización pendientes: **{{ amounts.accessories_outstanding }}** (intereses devengados hasta "
        "{{ data_date }}: {{ amounts.interest }}, de los que se descuentan los pagos imputados a ellos). {{ amounts.interest_basis }}")

    b.h("8. Penalización contractual")
    b.p("No se reclama.")

    b.h("9. Costas y otros gastos")
    b.p("Indemnización por costes de cobro (artículo 6 de la Directiva 2011/7/UE y Ley 3/2004, de 29 de diciembre): "
        "{{ amounts.compensation }}. Los gastos previos al proceso no se reclaman. Las costas del procedimiento se "
        "reclamarán en la cuantía que resulte.")
    b.p("Resumen de la cantidad reclamada:", keep=True)
    court_amounts_table(b)

    b.h("10. Causa de pedir y medios de prueba")
    b.p("La deuda procede del suministro de bienes y la prestación de servicios facturados por el demandante al "
        "demandado, que no los ha pagado a su vencimiento pese a haber sido requerido para ello. Se dispone de los "
        "siguientes medios de prueba documental, cuya huella digital SHA-256 se indica:", keep=True)
    evidence_table(b)

    b.h("11. Declaraciones adicionales")
    b.p("Para el caso de que el demandado presente escrito de oposición, el demandante solicita que el proceso "
        "continúe ante los órganos jurisdiccionales competentes del Estado miembro de origen conforme a las normas "
        "del proceso civil que corresponda (artículo 17 del Reglamento (CE) n.º 1896/2006).")

    b.h("12. Declaración y firma")
    b.p("Declaro que la información suministrada es, a mi leal saber y entender, verdadera, y reconozco que cualquier "
        "declaración falsa deliberada podría acarrear las sanciones oportunas con arreglo al Derecho del Estado "
        "miembro de origen (artículo 7.3 del Reglamento (CE) n.º 1896/2006).")
    b.p("En {{ place }}, a {{ today }}.", keep=True, before=6)
    b.signature_table([
        ["Por el demandante, {{ creditor.name }}", "Fdo.: {{ lawyer.name }}",
         "{% if lawyer.bar_number %}Colegiación n.º {{ lawyer.bar_number }}{% endif %}"],
    ])
    return b


def creditor_statement() -> Builder:
    b = Builder("creditor_statement", "Estado de cuenta para el acreedor", "Estado de cuenta del expediente")
    b.lines([
        "**{{ creditor.name }}**",
        "NIF: {{ creditor.tax_id }}",
        "{{ creditor.address }}",
        "{{ creditor.postal_code }} {{ creditor.city }}",
        "{{ creditor.country_name }}",
    ], after_last=14)
    b.p("{{ place }}, {{ today }}", align=RIGHT, after=12)
    b.title("ESTADO DE CUENTA DEL EXPEDIENTE {{ case.reference }}",
            "Período del {{ statement.period_from }} al {{ statement.period_to }}")
    b.lines([
        "**Expediente:** {{ case.reference }}",
        "{%p if case.creditor_reference %}",
        "**Su referencia:** {{ case.creditor_reference }}",
        "{%p endif %}",
        "**Deudor:** {{ debtor.name }} ({{ debtor.kind_label }})" + "{% if debtor.tax_id %}, NIF {{ debtor.tax_id }}{% endif %}",
        "**Situación del expediente:** {{ case.stage_label }}",
    ], after_last=10)
    b.h("Liquidación del período")
    b.kv_table([
        ("Importe cobrado al deudor en el período", "{{ statement.collected }}"),
        ("Honorarios de gestión", "{{ statement.fees }}"),
        ("Gastos repercutidos", "{{ statement.expenses }}"),
        ("**Importe neto a favor del acreedor**", "**{{ statement.net }}**"),
    ])
    b.p("El importe neto se abonará mediante transferencia a la cuenta de {{ creditor.name }}"
        "{% if creditor.iban %} con IBAN {{ creditor.iban }}{% endif %}.")
    b.h("Situación de la deuda a {{ data_date }}")
    amounts_table(b)
    amounts_notes(b)
    b.h("Detalle de las facturas")
    invoices_table(b)
    b.p("Para cualquier consulta sobre este estado de cuenta, quedamos a su disposición en el teléfono "
        "{{ agency.phone }} y en {{ agency.email }}.")
    b.p("Atentamente,", keep=True, before=6)
    b.p("", keep=True, after=30)
    b.lines(["**{{ agency.name }}**"])
    return b


def insolvency_claim() -> Builder:
    """The communication of the claim to the administración concursal (TRLC art. 255-257, RDLeg 1/2020): who the creditor is
    and where to write to them, the debtor and the concurso, the claim per invoice and by the class asked for (principal and
    the 40 EUR compensation ordinary, interest to the declaration subordinated: art. 281.1.3º; legal.rules.insolvency), and
    the documents that support it. Sent within the month from the day after the BOE publication (art. 255.1)."""
    b = Builder("insolvency_claim", "Comunicación de crédito a la administración concursal", "Comunicación de crédito (art. 255 TRLC)")
    b.lines([
        "**A la administración concursal de {{ debtor.name }}**",
        "{%p if insolvency.administrator %}",
        "{{ insolvency.administrator }}",
        "{%p endif %}",
        "Concurso: {{ insolvency.court }}",
    ], after_last=14)
    b.p("{{ place }}, {{ today }}", align=RIGHT, after=12)
    b.title("COMUNICACIÓN DE CRÉDITO", "Artículos 255 a 257 del texto refundido de la Ley Concursal (Real Decreto Legislativo 1/2020)")
    b.p(CREDITOR_FULL + " (en adelante, el acreedor), representada a estos efectos por " + AGENCY_FULL
        + ", comunica a la administración concursal la existencia del crédito que se detalla contra **{{ debtor.name }}**"
        + DEBTOR_ID + ", declarada en concurso por {{ insolvency.court }}"
        + "{% if insolvency.declared_on %} mediante auto de {{ insolvency.declared_on }}{% endif %}, declaración publicada en el "
        "Boletín Oficial del Estado el {{ insolvency.published_on }}. La comunicación se presenta dentro del plazo de un mes a "
        "contar desde el día siguiente a esa publicación (artículo 255.1 del texto refundido), que vence el "
        "**{{ insolvency.claim_deadline }}**.")
    b.h("1. Acreedor y domicilio para comunicaciones")
    b.lines([
        "**Acreedor:** {{ creditor.name }}, NIF {{ creditor.tax_id }}",
        "**Domicilio:** {{ creditor.address }}, {{ creditor.postal_code }} {{ creditor.city }} ({{ creditor.country_name }})",
        "**Comunicaciones (artículo 256):** {{ agency.name }}, {{ agency.address }}, {{ agency.postal_code }} {{ agency.city }}; "
        "correo electrónico {{ agency.email }}; teléfono {{ agency.phone }}",
        "**Referencia:** {{ case.reference }}{% if case.creditor_reference %} (del acreedor: {{ case.creditor_reference }}){% endif %}",
    ], after_last=10)
    b.h("2. Concepto, cuantía y fechas del crédito")
    b.p("El crédito nace de las facturas siguientes, vencidas y no pagadas. Importes a {{ insolvency.cutoff }}, "
        "{% if insolvency.cutoff_is_declaration %}fecha del auto de declaración de concurso, desde la que se suspende el devengo de "
        "intereses (artículo 152){% else %}fecha de publicación de la declaración en el BOE, al no constar a esta parte la fecha del "
        "auto (la administración concursal ajustará los intereses a la fecha de la declaración, artículo 152){% endif %}:", keep=True)
    b.table([
        Col("Factura", "{{ l.invoice }}", 2.6),
        Col("Vencimiento", "{{ l.due_date }}", 3.0),
        Col("Principal", "{{ l.principal }}", 2.6, "right"),
        Col("Intereses", "{{ l.interest }}", 2.6, "right"),
        Col("Indemnización", "{{ l.compensation }}", 2.6, "right"),
        Col("Total", "{{ l.total }}", 2.6, "right"),
    ], "l in insolvency.lines", totals=[["**Total**", "", "**{{ insolvency.principal }}**", "**{{ insolvency.interest }}**",
                                          "**{{ insolvency.compensation }}**", "**{{ insolvency.total }}**"]])
    b.h("3. Clasificación que se solicita")
    b.kv_table([
        ("Principal de las facturas: crédito **ordinario** ({{ insolvency.sources.principal }})", "{{ insolvency.principal }}"),
        ("Indemnización por costes de cobro, 40 € por factura: crédito **ordinario** ({{ insolvency.sources.compensation }})",
         "{{ insolvency.compensation }}"),
        ("Intereses de demora hasta {{ insolvency.cutoff }}: crédito **subordinado** ({{ insolvency.sources.interest }})",
         "{{ insolvency.interest }}"),
        ("**Total crédito ordinario**", "**{{ insolvency.ordinary }}**"),
        ("**Total crédito subordinado**", "**{{ insolvency.subordinated }}**"),
        ("**Total comunicado**", "**{{ insolvency.total }}**"),
    ], widths=(12.0, 4.0))
    b.p("El crédito no está garantizado con garantía real ni personal constituida a favor del acreedor que a esta parte conste, "
        "ni es crédito contra la masa. {{ amounts.interest_basis }}", style="Nota", after=8)
    b.h("4. Documentos que se acompañan")
    b.p("Se acompañan copias de las facturas y de los documentos que acreditan el crédito, y el poder o la autorización "
        "con que actúa {{ agency.name }} en nombre del acreedor:", keep=True)
    evidence_table(b)
    b.p("Por lo expuesto, se solicita a la administración concursal que tenga por comunicado en tiempo y forma el crédito "
        "descrito y lo incluya en la lista de acreedores con la clasificación indicada.", before=6)
    b.p("En {{ place }}, a {{ today }}.", keep=True, before=6)
    b.p("", keep=True, after=30)
    b.lines(["**{{ agency.name }}**", "En nombre y representación de {{ creditor.name }}"], after_last=12)
    return b


def lettre_recouvrement_amiable() -> Builder:
    """France: the first letter of an amicable-recovery agency, in French, with the mentions of CPCE R124-4 (a fine of
    up to 1,500 EUR without them, R124-7): the agency's name and address and that it does amicable recovery; the
    creditor's name and address; the basis of the debt and its amount split into principal, interest and other sums;
    the request to pay and how; and the third and fourth paragraphs of L111-8 reproduced. Values in French formats
    (the ``fr`` block of the context)."""
    b = Builder("lettre_recouvrement_amiable", "Lettre de recouvrement amiable",
                "Demande de paiement par une société de recouvrement amiable (CPCE art. R124-4)")
    b.lines([
        "**{{ debtor.name }}**",
        "{{ debtor.address }}",
        "{{ debtor.postal_code }} {{ debtor.city }}",
        "{{ debtor.country_name }}",
    ], after_last=14)
    b.p("{{ agency.city }}, le {{ fr.today }}", align=RIGHT, after=12)
    b.lines(["**Notre référence :** {{ case.reference }}", "**Objet :** recouvrement amiable de créance"], after_last=12)
    b.p('{% if debtor.kind == "company" %}Madame, Monsieur,{% else %}Madame, Monsieur,{% endif %}', align=LEFT)
    b.p("**{{ agency.name }}**, {{ agency.address }}, {{ agency.postal_code }} {{ agency.city }}, société exerçant "
        "l'activité de recouvrement amiable de créances pour le compte d'autrui, intervient pour le compte de "
        "**{{ creditor.name }}**, {{ creditor.address }}, {{ creditor.postal_code }} {{ creditor.city }} "
        "({{ creditor.country_name }}), votre créancier.")
    b.p("Cette créance a pour fondement les factures suivantes, demeurées impayées à ce jour :", keep=True)
    b.table([
        Col("Facture", "{{ i.number }}", 3.6),
        Col("Date", "{{ i.issue_date }}", 3.2),
        Col("Échéance", "{{ i.due_date }}", 3.2),
        Col("Montant dû", "{{ i.outstanding }}", 3.6, "right"),
    ], "i in fr.invoices")
    b.kv_table([
        ("Principal", "{{ fr.principal }}"),
        ("Intérêts", "{{ fr.interest }}"),
        ("Autres sommes (indemnité forfaitaire pour frais de recouvrement, art. D441-5 du Code de commerce)", "{{ fr.other }}"),
        ("A déduire : paiements reçus", "{{ fr.paid }}"),
        ("**Total dû**", "**{{ fr.outstanding }}**"),
    ], header=("Détail", "Montant"))
    b.p("Nous vous demandons de bien vouloir régler la somme de **{{ fr.outstanding }}** dans un délai de "
        "{{ payment_days }} jours par virement sur le compte suivant, en indiquant la référence {{ case.reference }} :",
        keep=True)
    b.lines(["**Bénéficiaire :** {{ agency.name }}", "**IBAN :** {{ agency.iban }}", "**Référence :** {{ case.reference }}"],
            indent=1.0, after_last=10)
    pay_online(b, "fr")
    b.p("Pour toute question ou pour convenir d'un échéancier, vous pouvez nous joindre au {{ agency.phone }} ou à "
        "l'adresse {{ agency.email }}.")
    b.p("**Article L111-8 du Code des procédures civiles d'exécution (alinéas 3 et 4) :** « Les frais de recouvrement "
        "entrepris sans titre exécutoire restent à la charge du créancier, sauf s'ils concernent un acte dont "
        "l'accomplissement est prescrit par la loi au créancier. Toute stipulation contraire est réputée non écrite, sauf "
        "disposition législative contraire. Cependant, le créancier qui justifie du caractère nécessaire des démarches "
        "entreprises pour recouvrer sa créance peut demander au juge de l'exécution de laisser tout ou partie des frais "
        "ainsi exposés à la charge du débiteur de mauvaise foi. »", style="Nota", before=8)
    b.p("Veuillez agréer, Madame, Monsieur, l'expression de nos salutations distinguées.", keep=True, before=6)
    b.p("", keep=True, after=30)
    b.lines(["**{{ agency.name }}**", "Pour le compte de {{ creditor.name }}"], after_last=12)
    b.ctl('{%p if debtor.kind == "person" %}')
    b.p("**Protection des données** (article 14 du RGPD). Responsable du traitement : {{ creditor.name }}, votre créancier ; "
        "{{ agency.name }} traite vos données en qualité de sous-traitant (article 28), pour le seul recouvrement de cette "
        "créance, sur le fondement de l'intérêt légitime du créancier (article 6.1.f). Les données proviennent du "
        "créancier ; elles peuvent être communiquées aux avocats, huissiers et juridictions en cas de procédure, et sont "
        "conservées pendant le recouvrement puis pendant les délais de prescription. Vous disposez des droits d'accès, "
        "de rectification, d'effacement, d'opposition, de limitation et de portabilité, auprès de {{ agency.email }}, et "
        "du droit d'introduire une réclamation auprès de la CNIL.", style="Nota", before=8)
    b.ctl("{%p endif %}")
    return b


def carta_cobranca_amigavel() -> Builder:
    """Portugal: the amicable-recovery letter, in European Portuguese, written and signed by the agency's lawyer with
    their professional number (negotiating the collection of a debt is reserved to lawyers and solicitadores, Lei
    49/2004). It identifies the agency, the lawyer and the creditor; lists the invoices; splits the amount into
    capital, late interest (commercial, DL 62/2013, for a business; civil, for a consumer), the 40 EUR compensation
    per invoice (DL 62/2013 art. 7, businesses only) and any costs; asks for payment within ``payment_days`` to the
    agency's IBAN; says the debtor may contest the debt and whom to ask; and, to an individual, gives the GDPR art. 14
    information in Portuguese. Values in Portuguese formats (the ``pt`` block of the context)."""
    b = Builder("carta_cobranca_amigavel", "Carta de cobrança amigável",
                "Interpelação para pagamento subscrita por advogado (Lei n.º 49/2004)", lang="pt-PT")
    debtor_address(b)
    b.p("{{ agency.city }}, {{ pt.today }}", align=RIGHT, after=12)
    b.lines([
        "**A nossa referência:** {{ case.reference }}",
        "{%p if case.creditor_reference %}",
        "**Referência do credor:** {{ case.creditor_reference }}",
        "{%p endif %}",
        "**Credor:** {{ creditor.name }}",
    ], after_last=12)
    b.p("**Assunto: Cobrança amigável de dívida — interpelação para pagamento**", align=LEFT, after=12)
    b.p('{% if debtor.kind == "company" %}Exmos. Senhores,{% else %}Exmo.(a) Senhor(a),{% endif %}', align=LEFT)
    b.p("**{{ lawyer.name }}**, advogado(a) com a cédula profissional n.º **{{ lawyer.bar_number }}**, ao serviço de "
        "**{{ agency.name }}** (NIF {{ agency.tax_id }}), com sede em {{ agency.address }}, {{ agency.postal_code }} "
        "{{ agency.city }}, sociedade que presta serviços de gestão e cobrança amigável de créditos por conta de terceiros, "
        "dirige-se a V. Ex.ª em nome e por conta de **{{ creditor.name }}** (NIF {{ creditor.tax_id }}), com sede em "
        "{{ creditor.address }}, {{ creditor.postal_code }} {{ creditor.city }} ({{ creditor.country_name }}), seu credor, "
        "que nos confiou a cobrança do crédito abaixo identificado.")
    b.p("Nos termos da Lei n.º 49/2004, de 24 de agosto, a negociação tendente à cobrança de créditos é ato próprio de "
        "advogados e solicitadores: esta carta é subscrita pelo advogado responsável pelo seu processo, com quem poderá "
        "tratar de todos os assuntos a ele relativos.")
    b.p("O crédito resulta das seguintes faturas, vencidas e não pagas, no todo ou em parte, à presente data:", keep=True)
    b.table([
        Col("Fatura", "{{ i.number }}", 3.6),
        Col("Data", "{{ i.issue_date }}", 3.9),
        Col("Vencimento", "{{ i.due_date }}", 3.9),
        Col("Valor em dívida", "{{ i.outstanding }}", 3.6, "right"),
    ], "i in pt.invoices")
    b.p("O montante em dívida decompõe-se da seguinte forma:", keep=True)
    b.kv_table([
        ("Capital", "{{ pt.principal }}"),
        ("Juros de mora", "{{ pt.interest }}"),
        ("Indemnização pelos custos de cobrança (artigo 7.º do Decreto-Lei n.º 62/2013)", "{{ pt.compensation }}", "pt.compensation"),
        ("Outras despesas", "{{ pt.costs }}", "pt.costs"),
        ("A deduzir: pagamentos recebidos", "{{ pt.paid }}"),
        ("**Total em dívida**", "**{{ pt.outstanding }}**"),
    ], header=("Descrição", "Montante"))
    b.p("{{ pt.interest_basis }} Montantes calculados a {{ pt.today }}; os juros de mora continuam a vencer-se até ao "
        "efetivo pagamento.", style="Nota", after=8)
    b.p("Solicitamos a V. Ex.ª que proceda ao pagamento de **{{ pt.outstanding }}** no prazo de {{ payment_days }} dias a "
        "contar da receção desta carta, por transferência bancária para a conta seguinte, indicando sempre a referência "
        "{{ case.reference }}:", keep=True)
    b.lines(["**Beneficiário:** {{ agency.name }}", "**IBAN:** {{ agency.iban }}", "**Referência:** {{ case.reference }}",
             "**Montante:** {{ pt.outstanding }}"], indent=1.0, after_last=10)
    pay_online(b, "pt")
    b.p("Se não lhe for possível pagar a totalidade de uma só vez, contacte-nos dentro do mesmo prazo para acordarmos um "
        "plano de pagamento.")
    b.p("**Se não reconhecer esta dívida**, no todo ou em parte, ou se já a tiver pago, pode contestá-la, indicando as "
        "razões e juntando os documentos de que disponha, junto do advogado signatário, {{ lawyer.name }}, por correio "
        "eletrónico para {% if lawyer.email %}{{ lawyer.email }}{% else %}{{ agency.email }}{% endif %}, por telefone para "
        "o {{ agency.phone }} ou por carta para a morada acima indicada, com a referência {{ case.reference }}. A sua "
        "contestação será analisada e terá resposta.")
    b.p("Na falta de pagamento ou de resposta no prazo indicado, o credor poderá recorrer aos meios judiciais para a "
        "cobrança do seu crédito.")
    b.p("Com os melhores cumprimentos,", keep=True, before=6)
    b.p("", keep=True, after=30)
    b.lines(["**{{ lawyer.name }}**", "Advogado(a), cédula profissional n.º {{ lawyer.bar_number }}",
             "{{ agency.name }}, por conta de {{ creditor.name }}"], after_last=12)
    b.ctl('{%p if debtor.kind == "person" %}')
    b.p("**Proteção de dados pessoais** (artigo 14.º do Regulamento (UE) 2016/679, RGPD). **Responsável pelo tratamento:** "
        "{{ creditor.name }} (NIF {{ creditor.tax_id }}), {{ creditor.address }}, {{ creditor.postal_code }} {{ creditor.city }}, "
        "o seu credor. **Subcontratante:** {{ agency.name }} (NIF {{ agency.tax_id }}), que trata os seus dados por conta do "
        "credor, ao abrigo de um contrato nos termos do artigo 28.º do RGPD. **Finalidade e fundamento:** a cobrança desta "
        "dívida (contactá-lo(a), acordar o pagamento e, se necessário, reclamá-la judicialmente), com base no interesse "
        "legítimo do credor em cobrar o que lhe é devido (artigo 6.º, n.º 1, alínea f), do RGPD) e na execução do contrato "
        "de que a dívida resulta (alínea b) do mesmo número). **Dados e sua origem:** os seus dados de identificação e de "
        "contacto e os dados da dívida (faturas, montantes e datas), que nos foram comunicados pelo credor. "
        "**Destinatários:** o credor e, se for necessário recorrer a juízo, advogados, solicitadores, agentes de execução, "
        "o Balcão Nacional de Injunções e os tribunais. **Prazo de conservação:** enquanto durar a cobrança e, depois, "
        "apenas durante os prazos de prescrição dos direitos a ela relativos. **Direitos:** pode exercer os direitos de "
        "acesso, retificação, apagamento, limitação do tratamento, oposição e portabilidade dirigindo-se a "
        "{{ agency.email }} ou por carta para a morada acima indicada, e apresentar reclamação à Comissão Nacional de "
        "Proteção de Dados (CNPD, www.cnpd.pt).", style="Nota", before=8)
    b.ctl("{%p endif %}")
    return b


def injonction_de_payer_request() -> Builder:
    """France, in French: the request for an injonction de payer (CPC 1405-1407) with the data of the Cerfa form the
    creditor files (n° 12946*02 at the tribunal de commerce, n° 12948*06 at the tribunal judiciaire), in the form's
    order: the court, the applicant, the debtor, the sums (principal, interest, the 40 EUR per invoice between
    professionals, no amicable-recovery cost: CPCE L111-8), the basis of the claim, the documents, the request and
    the signature. The ``injonction`` block of the context (legal.injunctions.rules.injonction_request, French formats)."""
    b = Builder("injonction_de_payer_request", "Requête en injonction de payer",
                "Requête en injonction de payer (CPC art. 1405 à 1407) : données du formulaire Cerfa", court=True, lang="fr-FR")
    b.p("**À Madame, Monsieur le Président du {{ injonction.court }}**", align=LEFT, after=12)
    b.title("{{ injonction.title }}", "Données du formulaire Cerfa n° {{ injonction.form }} (articles 1405 à 1407 du Code de procédure civile)")
    b.h("1. Le demandeur (créancier)")
    b.lines(["**{{ injonction.creditor.name }}**, {{ injonction.creditor.kind }}",
             "Identifiant : {{ injonction.creditor.identifier }}",
             "Siège : {{ injonction.creditor.address }}, {{ injonction.creditor.postal_code }} {{ injonction.creditor.city }} "
             "({{ injonction.creditor.country }})"])
    b.h("2. Le débiteur")
    b.lines(["**{{ injonction.debtor.name }}**, {{ injonction.debtor.kind }}",
             "{% if injonction.debtor.identifier %}Identifiant : {{ injonction.debtor.identifier }}{% endif %}",
             "Adresse : {{ injonction.debtor.address }}, {{ injonction.debtor.postal_code }} {{ injonction.debtor.city }} "
             "({{ injonction.debtor.country }})"])
    b.h("3. La somme réclamée")
    b.kv_table([
        ("Principal restant dû", "{{ injonction.principal }}"),
        ("Intérêts échus", "{{ injonction.interest }}"),
        ("Indemnité forfaitaire pour frais de recouvrement (article D441-5 du Code de commerce)", "{{ injonction.compensation }}"),
        ("Frais", "{{ injonction.costs }}"),
        ("**Total réclamé**", "**{{ injonction.total }}**"),
    ], header=("Détail", "Montant"))
    b.p("{{ injonction.interest_basis }}")
    b.p("{{ injonction.costs_note }}", style="Nota")
    b.h("4. Le fondement de la créance")
    b.p("{{ injonction.cause }}", keep=True)
    b.table([
        Col("Facture", "{{ i.number }}", 3.6),
        Col("Date", "{{ i.issue_date }}", 3.2),
        Col("Échéance", "{{ i.due_date }}", 3.2),
        Col("Principal restant dû", "{{ i.outstanding }}", 4.0, "right"),
    ], "i in injonction.invoices")
    b.h("5. Les pièces justificatives")
    b.table([
        Col("N°", "{{ loop.index }}", 1.0, "center"),
        Col("Pièce", "{{ d }}", 13.0),
    ], "d in injonction.documents")
    b.h("6. La demande")
    b.p("Le demandeur prie le juge de rendre une ordonnance enjoignant au débiteur de lui payer la somme de "
        "**{{ injonction.total }}**, dont {{ injonction.principal }} en principal, outre les intérêts postérieurs jusqu'au "
        "paiement, et les dépens.")
    b.p("Fait à {{ injonction.creditor.city }}, le {{ fr.today }}", align=RIGHT, before=12, after=30, keep=True)
    b.lines(["**{{ injonction.creditor.name }}**", "Signature du représentant légal"], after_last=12)
    b.p("Document préparé par {{ agency.name }} pour le créancier, qui signe et dépose la requête (au greffe ou, pour le "
        "tribunal de commerce, en ligne). Report des données sur le formulaire officiel à vérifier : l'ordre des rubriques "
        "suit l'article 1407 du Code de procédure civile et la description publique du formulaire.", style="Nota", before=8)


def enforcement_appearance(b: Builder) -> None:
    """Who asks for enforcement: above 2,000 EUR through a procurador with a lawyer (LEC 539.1), else the lawyer."""
    b.ctl("{%p if enforcement.representation_required %}")
    b.p("D./D.ª ______________________________, Procurador/a de los Tribunales, en nombre y representación de "
        + CREDITOR_FULL + ", según acredito mediante copia del poder que acompaño, bajo la dirección letrada de "
        + LAWYER_ID + ", y con domicilio a efectos de notificaciones en el correo electrónico " + NOTIFY_EMAIL
        + ", ante el Tribunal comparezco y, como mejor proceda en Derecho, **DIGO:**")
    b.ctl("{%p else %}")
    b.p(LAWYER_ID + ", en nombre y representación de " + CREDITOR_FULL + ", según acredito mediante copia del "
        "poder que acompaño, y con domicilio a efectos de notificaciones en {{ agency.address }}, {{ agency.postal_code }} "
        "{{ agency.city }}, correo electrónico " + NOTIFY_EMAIL + ", ante el Tribunal comparezco y, como mejor proceda en "
        "Derecho, **DIGO:**")
    b.ctl("{%p endif %}")


def enforcement_request() -> Builder:
    """The enforcement request on a decree or judgment (LEC 549; a monitorio's decree: LEC 816): the title, the sums
    (LEC 575, 576), the assets designated, the search for more (LEC 590), the person."""
    b = Builder("enforcement_request", "Demanda de ejecución", "Demanda de ejecución de título judicial (arts. 549 y 575 LEC)", court=True)
    b.p("**AL {{ enforcement.court|upper }}**", align=LEFT, after=18)
    enforcement_appearance(b)
    b.p("Que, por medio del presente escrito y de conformidad con los artículos 517, 538, 545 y 549 de la Ley de "
        "Enjuiciamiento Civil, formulo **DEMANDA DE EJECUCIÓN** contra **{{ debtor.name }}**" + DEBTOR_ID + ", "
        + DEBTOR_DOMICILE + ", por la cantidad de **{{ enforcement.claimed }}** de principal e intereses, más "
        "**{{ enforcement.provisional }}** que provisionalmente se calculan para los intereses que se devenguen durante la "
        "ejecución y sus costas, con base en los siguientes")
    b.h("HECHOS", align=CENTER)
    b.p("**PRIMERO. Título ejecutivo.** La ejecución se funda en {{ enforcement.title }}, que condena a "
        "{{ debtor.name }} al pago a mi representada de las cantidades adeudadas y lleva aparejada ejecución (artículo 517.2 "
        "de la Ley de Enjuiciamiento Civil y, tratándose del decreto que pone fin al procedimiento monitorio, su artículo "
        "816). Basta para la demanda ejecutiva identificar la resolución cuya ejecución se pretende (artículo 549.2).")
    b.p("**SEGUNDO. Cantidad por la que se pide el despacho.** A {{ data_date }} el ejecutado adeuda, sin que conste pago "
        "posterior, las siguientes cantidades (artículos 549.1.2.º, 575 y 576 de la Ley de Enjuiciamiento Civil):", keep=True)
    b.kv_table([
        ("Principal pendiente", "{{ enforcement.principal }}"),
        ("Intereses de demora e indemnización devengados hasta el título, pendientes", "{{ enforcement.accrued }}"),
        ("Intereses del artículo 576 de la Ley de Enjuiciamiento Civil hasta la fecha", "{{ enforcement.judgment_interest }}"),
        ("**Cantidad reclamada**", "**{{ enforcement.claimed }}**"),
        ("Intereses durante la ejecución y costas, provisionalmente (30 %, artículo 575.1)", "{{ enforcement.provisional }}"),
        ("**Total por el que se solicita el despacho de ejecución**", "**{{ enforcement.total }}**"),
    ])
    b.p("{{ enforcement.basis }} Importes calculados a {{ data_date }}.", style="Nota")
    b.p(IMPUTATION[0].upper() + IMPUTATION[1:] + "; desde el título, los intereses del artículo 576 antes que lo demás.", style="Nota", after=8)
    b.ctl("{%p if enforcement.assets %}")
    b.p("**TERCERO. Bienes del ejecutado.** Se designan como bienes del ejecutado susceptibles de embargo, de los que esta "
        "parte tiene conocimiento (artículo 549.1.3.º de la Ley de Enjuiciamiento Civil), los siguientes, sin perjuicio del "
        "orden del artículo 592 y de que se amplíe el embargo a otros si no bastaran:", keep=True)
    b.table([
        Col("N.º", "{{ loop.index }}", 1.0, "center"),
        Col("Bien", "{{ a.kind_label }}", 3.6),
        Col("Descripción", "{{ a.description }}", 5.4),
        Col("Identificación", "{{ a.identifier }}", 3.8, mono=True),
        Col("Conocido el", "{{ a.found_on }}", 2.2),
    ], "a in enforcement.assets")
    b.ctl("{%p else %}")
    b.p("**TERCERO. Bienes del ejecutado.** Esta parte no conoce bienes concretos del ejecutado que designar (artículo "
        "549.1.3.º de la Ley de Enjuiciamiento Civil).")
    b.ctl("{%p endif %}")
    b.p("**CUARTO. Averiguación patrimonial.** Se solicita que se requiera al ejecutado para que manifieste bienes "
        "suficientes para cubrir la cuantía de la ejecución (artículo 589) y que el Tribunal acuerde la investigación de su "
        "patrimonio a través del Punto Neutro Judicial y de las entidades y registros públicos (artículo 590).")
    b.p("**QUINTO. Persona frente a la que se pide el despacho.** {{ debtor.name }}" + DEBTOR_ID + ", " + DEBTOR_DOMICILE
        + " (artículo 549.1.5.º de la Ley de Enjuiciamiento Civil).")
    b.h("FUNDAMENTOS DE DERECHO", align=CENTER)
    b.p("**I. Competencia.** Es competente el Tribunal que dictó la resolución en primera instancia (artículo 545.1 de la "
        "Ley de Enjuiciamiento Civil).")
    b.ctl("{%p if enforcement.representation_required %}")
    b.p("**II. Postulación.** Por exceder de 2.000 euros la cuantía, se actúa con procurador y abogado (artículo 539.1 de "
        "la Ley de Enjuiciamiento Civil).")
    b.ctl("{%p else %}")
    b.p("**II. Postulación.** Por no exceder de 2.000 euros la cuantía, no es preceptiva la intervención de procurador ni "
        "de abogado (artículo 539.1 de la Ley de Enjuiciamiento Civil).")
    b.ctl("{%p endif %}")
    b.p("**III. Intereses.** Desde que fue dictado, el título devenga a favor del acreedor el interés legal del dinero "
        "incrementado en dos puntos (artículo 576.1 de la Ley de Enjuiciamiento Civil), que sustituye desde entonces a los "
        "intereses de demora.")
    b.p("**IV. Costas y tasa.** Las costas de la ejecución son a cargo del ejecutado (artículo 539.2). La ejecución de "
        "títulos judiciales no está sujeta a la tasa judicial (artículo 2 de la Ley 10/2012, de 20 de noviembre).")
    b.p("En su virtud,", keep=True)
    b.p("**SUPLICO AL TRIBUNAL:** Que, teniendo por presentado este escrito, se sirva admitirlo, dicte auto despachando "
        "ejecución contra {{ debtor.name }} por la cantidad de **{{ enforcement.claimed }}** de principal e intereses, más "
        "**{{ enforcement.provisional }}** que provisionalmente se calculan para intereses y costas de la ejecución, y decreto "
        "acordando el embargo de los bienes designados y la averiguación de otros, hasta cubrir dichas cantidades.")
    b.p("Es justicia que pido en {{ place }}, a {{ today }}.", keep=True, before=6, after=6)
    b.ctl("{%p if enforcement.representation_required %}")
    b.signature_table([
        ["Letrado/a", "Fdo.: {{ lawyer.name }}", "{% if lawyer.bar_number %}Colegiación n.º {{ lawyer.bar_number }}{% endif %}"],
        ["Procurador/a", "Fdo.: ______________________________"],
    ])
    b.ctl("{%p else %}")
    b.signature_table([
        ["Por {{ creditor.name }}", "Fdo.: {{ lawyer.name }}", "{% if lawyer.bar_number %}Colegiación n.º {{ lawyer.bar_number }}{% endif %}"],
    ])
    b.ctl("{%p endif %}")
    return b


def costs_claim() -> Builder:
    """The costs claim (tasación de costas, LEC 241 to 246): the lawyer's and procurador's fees and the court fees booked
    on the case, each with its day, their totals, and the LEC 394.3 cap on the lawyer's fees."""
    b = Builder("costs_claim", "Solicitud de tasación de costas", "Solicitud de tasación de costas (arts. 241 a 246 LEC)", court=True)
    b.p("**AL {% if costs_claim.court %}{{ costs_claim.court|upper }}{% else %}{{ court.name|upper }}{% endif %}**", align=LEFT, after=18)
    court_appearance(b, "Que, habiéndose impuesto las costas al deudor, **{{ debtor.name }}**"
                        "{% if costs_claim.title %}, en {{ costs_claim.title }}{% endif %}, y de conformidad con los "
                        "artículos 241 y siguientes de la Ley de Enjuiciamiento Civil, solicito que se practique la "
                        "**TASACIÓN DE COSTAS**, para lo cual presento la minuta detallada de los honorarios y derechos de esta "
                        "parte y de los gastos que ha satisfecho:")
    b.table([
        Col("Concepto", "{{ c.label }}", 4.6),
        Col("Fecha", "{{ c.on }}", 3.4),
        Col("Detalle", "{{ c.description }}", 5.0),
        Col("Importe", "{{ c.amount }}", 3.0, "right"),
    ], "c in costs_claim.lines", totals=[["**Total**", "", "", "**{{ costs_claim.total }}**"]])
    b.p("Por conceptos:", keep=True)
    b.table([
        Col("Concepto", "{{ k.label }}", 11.0),
        Col("Importe", "{{ k.amount }}", 5.0, "right"),
    ], "k in costs_claim.by_kind", totals=[["**Total de las costas**", "**{{ costs_claim.total }}**"]])
    b.p("Los honorarios de letrado que debe pagar el condenado en costas no exceden de la tercera parte de la cuantía del "
        "proceso ({{ costs_claim.proceedings }}), esto es, {{ costs_claim.lawyer_cap }} (artículo 394.3 de la Ley de "
        "Enjuiciamiento Civil){% if costs_claim.lawyer_over_cap %}, límite que la minuta de letrado supera y al que se "
        "reducirá su cobro frente al condenado{% endif %}. Las tasas judiciales satisfechas forman parte de las costas "
        "(artículo 241.1.7.º).", style="Nota", after=8)
    b.p("En su virtud,", keep=True)
    b.p("**SUPLICO AL TRIBUNAL:** Que tenga por presentada la minuta y, previos los trámites de los artículos 243 a 246 de "
        "la Ley de Enjuiciamiento Civil, practique la tasación de las costas por la cantidad de **{{ costs_claim.total }}** "
        "y, aprobada, requiera a {{ debtor.name }} para que la pague.")
    court_signature(b)
    return b


TEMPLATES = (payment_demand, reminder_letter, debt_acknowledgement, settlement_offer, mediation_request,
             mediation_agreement, bureau_notice, monitorio_petition, verbal_claim, ordinario_claim, european_order_for_payment,
             creditor_statement, lettre_recouvrement_amiable, carta_cobranca_amigavel, injonction_de_payer_request,
             enforcement_request, costs_claim, insolvency_claim)


def main() -> int:
    for make in TEMPLATES:
        builder = make()
        path = builder.save()
        used = check_variables(path)
        print(f"{path.relative_to(HERE.parents[2])}: {', '.join(sorted(used)) or '(variables not checked)'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
