"""Creditor statements and remittances, read from the ledger (cases.billing.fees.creditor_figures): what
the agency collected for a creditor per case in a period, its fees, what it has paid over and what
it still owes; remittances that pay it, and the SEPA credit-transfer file (pain.001) for a batch."""
from __future__ import annotations

import hashlib
import io
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from xml.sax.saxutils import escape

from litestar.exceptions import ClientException, HTTPException, NotFoundException
from schwifty import IBAN
from schwifty.exceptions import SchwiftyException

from agency import clock
from agency.auth import CurrentUser
from agency.db import as_date, atomic, fetch_records, is_sqlite, snapshot, utcnow
from agency.i18n import format_cents, format_day
from agency.i18n import gettext as _
from agency.roles import Role
from agency.settings import get_settings
from agency.tables import Organisation
from agency.tenancy import get_visible
from cases.billing.balances import agency_costs_paid
from cases.billing.fees import creditor_figures
from cases.billing.service import CONTRACT_VERSION
from cases.events import CaseEvent, event_row
from cases.money import from_cents
from cases.reports import totals
from cases.stages.rules import STAGE_LABELS
from cases.tables import LedgerEntry, Remittance, RemittanceExport

FIGURES = ("collected", "paid_to_creditor", "fees", "expenses", "remitted", "net_to_creditor")


@dataclass
class StatementLine:
    case_id: int
    reference: str
    debtor: str
    stage: str
    cents: dict[str, int]


@dataclass
class Statement:
    organisation: dict
    start: date
    end: date
    lines: list[StatementLine] = field(default_factory=list)
    owed_cents: int = 0  # what the agency owes the creditor at the end of the period, all periods together

    @property
    def totals(self) -> dict[str, int]:
        return {k: sum(line.cents[k] for line in self.lines) for k in FIGURES}


async def organisation_for(user: CurrentUser, requested: int | None) -> int:
    """The organisation whose statement is asked for, through the tenancy scope: a creditor's own by
    default, another one is a 404; staff must choose."""

    if requested is None:
        if user.role != Role.creditor:
            raise ClientException(detail=_("Choose the creditor organisation."))
        requested = user.organisation_id
    row = await get_visible(Organisation.select(Organisation.id).where(Organisation.id == (requested or 0)), user, Organisation.id)
    return row["id"]


def check_period(start: date, end: date, today: date) -> None:
    if start > end:
        raise ClientException(detail=_("The period starts after it ends."))
    if end > today:
        raise ClientException(detail=_("The period cannot end in the future."))
    if (end - start).days > 3660:
        raise ClientException(detail=_("A statement covers at most ten years."))


async def statement(organisation_id: int, start: date, end: date) -> Statement:
    """The whole statement at once (the page and the Word document); the JSON API and the XLSX read it chunk by chunk
    (``statement_run``)."""
    run = await statement_run(organisation_id, start, end)
    result = Statement(organisation=run.organisation, start=start, end=end)
    async for lines in run.chunks():
        result.lines += lines
    result.owed_cents = run.owed_cents
    return result


CASES_AT_A_TIME = 2000
STATEMENT_SQL = ('SELECT id, "case", kind, amount_cents, booked_on, method, reverses, remittance FROM ledger_entries WHERE booked_on <= {} '
                 "AND kind IN ('payment', 'reversal', 'fee', 'expense', 'cost', 'remittance') AND \"case\" IN")
CASES_SQL = "SELECT c.id, c.reference, c.stage, d.name AS debtor FROM collection_cases c JOIN debtors d ON d.id = c.debtor WHERE c.id IN"


@dataclass
class StatementRun:
    """A statement read a few thousand cases at a time, in the order of their references: ``chunks()`` yields each
    chunk's lines as they are worked out (memory bounded by a chunk, not by the creditor's cases); the totals and what
    the agency owes the creditor are complete once the last chunk has been read."""
    organisation: dict
    start: date
    end: date
    totals: dict[str, int] = field(default_factory=lambda: dict.fromkeys(FIGURES, 0))
    owed_cents: int = 0
    lines: int = 0

    async def chunks(self) -> AsyncIterator[list[StatementLine]]:
        """Every read of the statement in one snapshot (agency.db.snapshot): a payment booked while it is read, between two
        chunks, is in none of them or in all (its case's line, the totals and what is owed), never half in."""
        async with snapshot():
            async for lines in self._chunks():
                yield lines

    async def _chunks(self) -> AsyncIterator[list[StatementLine]]:
        before_start = self.start - timedelta(days=1)
        organisation_id = self.organisation["id"]
        case_ids = [r["id"] for r in await fetch_records('SELECT id FROM collection_cases WHERE organisation = {} ORDER BY reference',
                                                         organisation_id)]
        paid_on = await remittances_paid(organisation_id)
        for n in range(0, len(case_ids), CASES_AT_A_TIME):
            ids = case_ids[n:n + CASES_AT_A_TIME]
            # (the driver's rows as they come, by fixed SQL: Piccolo's handling of each row cost more than the database did)
            entries = await fetch_records(f"{STATEMENT_SQL} ({', '.join('{}' for _ in ids)})", self.end, *ids)
            by_case: dict[int, list[dict]] = {}
            for e in entries:
                e = {**e, "booked_on": as_date(e["booked_on"])}
                if e["kind"] == "remittance":
                    # a remittance is money sent only once it is marked paid, and on the day it was paid
                    day = paid_on.get(e["remittance"])
                    if day is None or day > self.end:
                        continue
                    e = {**e, "booked_on": day}
                by_case.setdefault(e["case"], []).append(e)
            if not by_case:
                continue
            # the agency's own costs come back to it as each debtor's ledger applied the payments (only cases with such costs)
            recovered = await agency_costs_paid(with_agency_costs(by_case), [self.end, before_start])
            self.owed_cents += sum(creditor_figures(rows, recovered.get((cid, self.end), 0))["net_to_creditor"] for cid, rows in by_case.items())
            active = [cid for cid in ids if any(e["booked_on"] >= self.start for e in by_case.get(cid, ()))]
            if not active:
                continue
            cases = {c["id"]: c for c in await fetch_records(f"{CASES_SQL} ({', '.join('{}' for _ in active)})", *active)}
            lines = []
            for cid in active:
                # The period's figures are the case's to its end less the case's before its start: a reversal in the
                # period of an earlier payment counts negative here, and a cost is charged in the period it was recovered.
                upto = creditor_figures(by_case[cid], recovered.get((cid, self.end), 0))
                before = creditor_figures([e for e in by_case[cid] if e["booked_on"] < self.start], recovered.get((cid, before_start), 0))
                figures = {k: upto[k] - before[k] for k in upto}
                for k in FIGURES:
                    self.totals[k] += figures[k]
                c = cases[cid]
                lines.append(StatementLine(cid, c["reference"], c["debtor"], c["stage"], figures))
            self.lines += len(lines)
            yield lines


async def statement_run(organisation_id: int, start: date, end: date) -> StatementRun:
    org = await Organisation.select(Organisation.id, Organisation.legal_name, Organisation.tax_id, Organisation.iban,
                                    Organisation.country).where(Organisation.id == organisation_id).first()
    if org is None:
        raise NotFoundException(detail=_("That organisation does not exist."))
    return StatementRun(organisation=org, start=start, end=end)


async def remittances_paid(organisation_id: int) -> dict[int, date]:
    """The day each of the creditor's remittances marked paid was paid; a pending one is not in it."""
    rows = await Remittance.select(Remittance.id, Remittance.paid_at).where(
        (Remittance.organisation == organisation_id) & (Remittance.status == "paid") & Remittance.paid_at.is_not_null())
    return {r["id"]: clock.day_of(r["paid_at"]) for r in rows}


def with_agency_costs(by_case: dict[int, list[dict]]) -> list[int]:
    """The cases whose ledger has costs the agency advanced (the only ones whose payments can pay the agency back)."""
    return [cid for cid, rows in by_case.items() if any(e["kind"] == "cost" and str(e["method"] or "").startswith("agency:") for e in rows)]


# --- downloads --------------------------------------------------------------------------------------

def _labels() -> dict[str, str]:
    return {"collected": _("Collected by the agency"), "paid_to_creditor": _("Paid to you directly"), "fees": _("Agency fees"),
            "expenses": _("Expenses charged to you"), "remitted": _("Remitted to you"), "net_to_creditor": _("Net for you")}


def allocation_rule() -> str:
    """The order payments are applied in (cases.billing.ledger), as the statement prints it (the same sentence as
    templates/cases/billing/_allocation_rule.html)."""
    return _("Payments go first to the invoices the debtor names (Código Civil art. 1172); otherwise to interest, then compensation, then principal, the invoice most onerous to the debtor first and pro rata among equals (arts. 1173 and 1174); costs come last unless the debtor agreed to pay them first.")


def _cell_text(text: str) -> str:
    """A name typed by someone else never becomes a spreadsheet formula."""
    return "'" + text if text[:1] in {"=", "+", "-", "@"} else text


XLSX_PARTS = {
    "[Content_Types].xml": '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>',
    "_rels/.rels": '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>',
    "xl/_rels/workbook.xml.rels": '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>'
    '</Relationships>',
    # styles: 0 plain, 1 an amount (#,##0.00, built-in format 4), 2 bold
    "xl/styles.xml": '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font><font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="4" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>',
}
_NOT_XML = dict.fromkeys([c for c in range(32) if c not in (9, 10, 13)])


def _xml_text(value: str) -> str:
    return escape(str(value).translate(_NOT_XML))


class _Out:
    """What the ZIP writer writes, taken away chunk by chunk (a stream it cannot seek: the entries get data descriptors)."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []

    def write(self, data: bytes) -> int:
        self.parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        out = b"".join(self.parts)
        self.parts = []
        return out


async def statement_xlsx(run: StatementRun, access_note) -> AsyncIterator[bytes]:
    """The statement as a spreadsheet, sent as it is read: the workbook's few fixed parts, then its one sheet written row
    by row into the ZIP as each chunk of cases is worked out (SpreadsheetML written here: openpyxl, even write-only, took
    about 0.7 ms a case, over a minute for 100,000 cases, and gives nothing before the end). Names typed by others never
    become formulas (``_cell_text``); amounts are numbers, formatted #,##0.00. ``access_note(lines)`` is told how many
    lines went out."""
    import zipfile  # lazy: only the spreadsheet is zipped here

    labels = _labels()
    out = _Out()
    book = zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=5)
    title = _xml_text(_("Statement")[:31].translate(str.maketrans("", "", "[]:*?/\\")))
    for name, text in XLSX_PARTS.items():
        book.writestr(name, text)
    book.writestr("xl/workbook.xml", '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                  '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
                  'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
                  f'<sheets><sheet name="{title}" sheetId="1" r:id="rId1"/></sheets></workbook>')
    yield out.take()
    row_number = 0

    def row(cells: list, bold: bool = False) -> str:
        nonlocal row_number
        row_number += 1
        xml = [f'<row r="{row_number}">']
        style = ' s="2"' if bold else ""
        for col, value in zip("ABCDEFGHIJKL", cells):
            ref = f"{col}{row_number}"
            if value is None or value == "":
                continue
            if isinstance(value, int) and not isinstance(value, bool):  # cents
                xml.append(f'<c r="{ref}" s="{2 if bold else 1}"><v>{"-" if value < 0 else ""}{abs(value) // 100}.{abs(value) % 100:02d}</v></c>')
            else:
                xml.append(f'<c r="{ref}" t="inlineStr"{style}><is><t xml:space="preserve">{_xml_text(value)}</t></is></c>')
        xml.append("</row>")
        return "".join(xml)

    with book.open("xl/worksheets/sheet1.xml", "w") as sheet:  # (under 2 GiB: no ZIP64 fields, which some readers refuse)
        widths = "".join(f'<col min="{n}" max="{n}" width="{w}" customWidth="1"/>' for n, w in enumerate((18, 32, 14, 16, 16, 14, 14, 14, 14), 1))
        sheet.write(('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                     '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                     f"<cols>{widths}</cols><sheetData>").encode())
        sheet.write("".join([
            row([_("Statement"), _cell_text(run.organisation["legal_name"]), run.organisation["tax_id"]]),
            row([_("Period"), run.start.isoformat(), run.end.isoformat()]),
            row([]),
            row([_("Case"), _("Debtor"), _("Stage"), *[labels[k] for k in FIGURES]], bold=True),
        ]).encode())
        async for lines in run.chunks():
            sheet.write("".join(row([_cell_text(line.reference), _cell_text(line.debtor), stage_name(line.stage),
                                     *[line.cents[k] for k in FIGURES]]) for line in lines).encode())
            yield out.take()
        sheet.write("".join([
            row([_("Total"), "", "", *[run.totals[k] for k in FIGURES]], bold=True),
            row([]),
            row([_("Owed to you at the end of the period"), "", "", *[""] * (len(FIGURES) - 1), run.owed_cents]),
            row([allocation_rule()]),
        ]).encode())
        sheet.write(b"</sheetData></worksheet>")
    book.close()
    yield out.take()
    access_note(run.lines)


async def statement_json(run: StatementRun, access_note) -> AsyncIterator[bytes]:
    """The statement as JSON, sent as it is read: the head, each chunk's lines, then the totals and what is owed (known
    only once the last line is); ``access_note(lines)`` is told how many lines went out."""
    import json  # lazy: only the streamed statement writes JSON by hand

    money = lambda cents: str(from_cents(cents))  # noqa: E731
    head = {"organisation": {"id": run.organisation["id"], "legal_name": run.organisation["legal_name"]},
            "start": run.start.isoformat(), "end": run.end.isoformat()}
    yield (json.dumps(head, ensure_ascii=False)[:-1] + ', "lines": [').encode()
    first = True
    async for lines in run.chunks():
        text = ", ".join(json.dumps({"case_id": line.case_id, "reference": line.reference, "debtor": line.debtor, "stage": line.stage,
                                     **{k: money(line.cents[k]) for k in FIGURES}}, ensure_ascii=False) for line in lines)
        yield (text if first else ", " + text).encode()
        first = False
    tail = {"totals": {k: money(v) for k, v in run.totals.items()}, "owed_to_creditor": money(run.owed_cents),
            "allocation_order": ["costs", "interest", "compensation", "principal"]}
    yield ("], " + json.dumps(tail, ensure_ascii=False)[1:]).encode()
    access_note(run.lines)


def stage_name(stage: str) -> str:
    """The stage as the reader's language names it (cases.stages.rules), never its code."""
    return str(STAGE_LABELS.get(stage, stage))


def statement_docx(s: Statement) -> bytes:
    """The statement as a Word document (python-docx, which docxtpl builds on): A4 landscape (nine columns fit
    without splitting words), stage names in the reader's language, amounts right-aligned."""
    from docx import Document  # lazy: python-docx only when a document is read back
    from docx.enum.section import WD_ORIENT  # lazy: python-docx only when written
    from docx.enum.table import WD_TABLE_ALIGNMENT  # lazy: python-docx only when written
    from docx.enum.text import WD_ALIGN_PARAGRAPH  # lazy: python-docx only when written
    from docx.shared import Cm, Pt  # lazy: python-docx only when written

    doc = Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Cm(29.7), Cm(21.0)  # A4, landscape
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(1.5))
    doc.styles["Normal"].font.size = Pt(9)
    doc.add_heading(_("Statement"), level=1)
    doc.add_paragraph(f"{s.organisation['legal_name']} · {s.organisation['tax_id']}")
    doc.add_paragraph(_("Period: %(start)s to %(end)s") % {"start": format_day(s.start), "end": format_day(s.end)})
    labels = _labels()
    table = doc.add_table(rows=1, cols=3 + len(FIGURES))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    widths = [Cm(3.4), Cm(5.4), Cm(2.6), *[Cm(2.1)] * len(FIGURES)]  # 26.6 cm of the 26.7 between the margins

    def fill(cells, values: list[str], bold: bool = False) -> None:
        for i, (cell, text) in enumerate(zip(cells, values)):
            cell.width = widths[i]
            paragraph = cell.paragraphs[0]
            run = paragraph.add_run(text)
            run.bold = bold
            if i >= 3:
                paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT

    fill(table.rows[0].cells, [_("Case"), _("Debtor"), _("Stage"), *[labels[k] for k in FIGURES]], bold=True)
    for line in s.lines:
        fill(table.add_row().cells, [line.reference, line.debtor, stage_name(line.stage)] + [format_cents(line.cents[k]) for k in FIGURES])
    fill(table.add_row().cells, [_("Total"), "", ""] + [format_cents(s.totals[k]) for k in FIGURES], bold=True)
    doc.add_paragraph(_("Owed to you at the end of the period: %(amount)s") % {"amount": format_cents(s.owed_cents)})
    doc.add_paragraph(allocation_rule())
    doc.add_paragraph(_("Service contract version %(version)s.") % {"version": CONTRACT_VERSION})
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


# --- remittances --------------------------------------------------------------------------------------

async def create_remittance(user: CurrentUser, organisation_id: int, period_end: date, today: date) -> int:
    """Pay the creditor what the agency owes them on every case up to ``period_end``: a remittance
    and a ledger entry per case, in one transaction. Refused when nothing is owed or the IBAN is bad."""

    if period_end > today:
        raise ClientException(detail=_("A remittance cannot cover days still to come."))
    org = await Organisation.select(Organisation.iban, Organisation.legal_name).where(Organisation.id == organisation_id).first()
    if org is None:
        raise NotFoundException(detail=_("That organisation does not exist."))
    try:
        iban = IBAN(org["iban"]).compact
    except SchwiftyException:
        raise ClientException(detail=_("The organisation's IBAN is not valid: correct it on its page first.")) from None
    async with atomic():
        # One remittance at a time per creditor: the row lock on PostgreSQL (SQLite's writing transaction
        # already runs alone), then every remittance ever made counts, whatever its day or period.
        if not is_sqlite():
            await Organisation.raw("SELECT id FROM organisations WHERE id = {} FOR UPDATE", organisation_id)
        last = await Remittance.select(Remittance.period_end).where(Remittance.organisation == organisation_id).order_by(
            Remittance.period_end, ascending=False).first()
        if last and period_end < last["period_end"]:
            raise ClientException(detail=_("A remittance up to %(day)s was already made: cover that day or a later one.") % {
                "day": last["period_end"].isoformat()})
        entries = await LedgerEntry.select(
            LedgerEntry.id, LedgerEntry.case, LedgerEntry.kind, LedgerEntry.amount_cents, LedgerEntry.booked_on, LedgerEntry.method,
            LedgerEntry.reverses,
        ).where((LedgerEntry.case.organisation == organisation_id)
                & (((LedgerEntry.booked_on <= period_end) & LedgerEntry.kind.is_in(["payment", "reversal", "fee", "expense", "cost"]))
                   | (LedgerEntry.kind == "remittance")))
        by_case: dict[int, list[dict]] = {}
        for e in entries:
            by_case.setdefault(e["case"], []).append(e)
        recovered = await agency_costs_paid(with_agency_costs(by_case), [period_end])
        owed = {cid: creditor_figures(rows, recovered.get((cid, period_end), 0))["net_to_creditor"] for cid, rows in by_case.items()}
        owed = {cid: cents for cid, cents in owed.items() if cents != 0}
        total = sum(owed.values())
        if total <= 0:
            raise ClientException(detail=_("Nothing is owed to this creditor up to that day."))
        rid = (await Remittance.insert(Remittance(organisation=organisation_id, period_end=period_end, amount_cents=total, iban=iban,
                                                  created_by=user.id)).returning(Remittance.id))[0]["id"]
        await LedgerEntry.insert(*[LedgerEntry(case=cid, kind="remittance", amount_cents=cents, booked_on=today, remittance=rid,
                                               reference=f"REM-{rid}", idempotency_key=f"remittance:{rid}:{cid}", created_by=user.id)
                                   for cid, cents in owed.items()])
        await totals.ledger_added([(cid, "remittance", "", today, cents) for cid, cents in owed.items()])

        await CaseEvent.insert(*[event_row(cid, "remittance", user, f"REM-{rid}", {"remittance": rid, "amount": str(from_cents(cents))})
                                 for cid, cents in owed.items()])
    return rid


async def mark_paid(user: CurrentUser, remittance_id: int, transfer_reference: str) -> None:
    reference = transfer_reference.strip()
    if not reference:
        raise ClientException(detail=_("Give the transfer's reference, as the bank shows it."))
    changed = await Remittance.update({Remittance.status: "paid", Remittance.transfer_reference: reference[:100],
                                       Remittance.paid_at: utcnow(), Remittance.paid_by: user.id}).where(
        (Remittance.id == remittance_id) & (Remittance.status == "pending")).returning(Remittance.id)
    if not changed:
        if not await Remittance.exists().where(Remittance.id == remittance_id):
            raise NotFoundException(detail=_("No such remittance."))
        raise HTTPException(status_code=409, detail=_("This remittance is already marked paid."))


async def sepa_file(user: CurrentUser, remittance_ids: list[int], execution: date, again: bool = False) -> bytes:
    """A pain.001.001.03 credit-transfer file for pending remittances, validated against the
    schema by sepaxml; the agency's account from AGENCY_PAYMENT_IBAN. Each remittance put in a file is
    recorded (RemittanceExport); one already in a file goes into another only when ``again`` says so
    (the bank refused the first): a second file sent to the bank would pay the creditor twice."""
    ids = sorted({i for i in remittance_ids if 0 < i < 2**31})
    async with atomic():  # two admins at once: the second waits for the first, then finds its file
        if ids and not is_sqlite():
            await Remittance.raw("SELECT id FROM remittances WHERE id = ANY({}) ORDER BY id FOR UPDATE", ids)
        rows = await Remittance.select(Remittance.id, Remittance.amount_cents, Remittance.iban, Remittance.status, Remittance.period_end,
                                       Remittance.organisation.legal_name.as_alias("name")).where(Remittance.id.is_in(ids or [0]))
        if not rows:
            raise ClientException(detail=_("Choose at least one remittance."))
        if any(r["status"] != "pending" for r in rows):
            raise ClientException(detail=_("Only pending remittances go into a transfer file."))
        if not again:
            earlier = sorted({e["remittance"] for e in await RemittanceExport.select(RemittanceExport.remittance).where(
                RemittanceExport.remittance.is_in(ids))})
            if earlier:
                raise ClientException(detail=_("Already in a transfer file: %(which)s. Another file sent to the bank would pay twice; "
                                               "tick “again” only if the bank refused that file.") % {
                    "which": ", ".join(f"REM-{i}" for i in earlier[:10])})
        xml = _transfer_file(rows, execution)
        digest = hashlib.sha256(xml).hexdigest()
        await RemittanceExport.insert(*[RemittanceExport(remittance=r["id"], execution_date=execution, file_sha256=digest,
                                                         exported_by=user.id) for r in rows])
    return xml


def _transfer_file(rows: list[dict], execution: date) -> bytes:
    from sepaxml import SepaTransfer  # lazy: sepaxml only when a remittance file is written

    settings = get_settings()
    transfer = SepaTransfer({"name": settings.agency_name[:70], "IBAN": settings.agency_iban, "batch": True, "currency": "EUR"},
                            clean=True)
    for r in rows:
        transfer.add_payment({"name": r["name"], "IBAN": r["iban"], "amount": int(r["amount_cents"]), "execution_date": execution,
                              "description": f"REM-{r['id']} {r['period_end'].isoformat()}",
                              "endtoend_id": f"REM-{r['id']}"})  # on the creditor's bank statement: the remittance it pays
    try:
        return transfer.export(validate=True)
    except Exception as exc:  # noqa: BLE001 - sepaxml raises plain exceptions for schema errors
        raise ClientException(detail=_("The transfer file did not pass the SEPA schema: %(error)s") % {"error": str(exc)[:200]}) from None


async def last_exports(remittance_ids: list[int]) -> dict[int, dict]:
    """The latest transfer file each of these remittances went into, with how many files in all."""
    latest: dict[int, dict] = {}
    for e in await RemittanceExport.select(RemittanceExport.remittance, RemittanceExport.exported_at, RemittanceExport.execution_date,
                                           RemittanceExport.exported_by.name.as_alias("by")).where(
            RemittanceExport.remittance.is_in(remittance_ids or [0])).order_by(RemittanceExport.id):
        latest[e["remittance"]] = {**e, "files": latest.get(e["remittance"], {}).get("files", 0) + 1}
    return latest
