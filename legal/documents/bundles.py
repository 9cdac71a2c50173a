"""The filing bundle of a petition: one ZIP to upload to LexNET or a court's e-filing portal. The petition as PDF and
.docx, each document the petition lists as its own PDF, named and numbered as the petition numbers it (read back
from the petition's own table: legal.documents.rules.listed_documents), the settlement attempt's letter, an index
and the data of the court-fee form 696. PDFs are kept byte for byte (the petition prints their SHA-256), images
become PDF pages (Pillow), office files are converted by LibreOffice in one run for all of them; every PDF is read
back by pypdf. A file that cannot be converted is named in the index as not included, and the caller is told.

Everything is spooled to a temporary folder and the ZIP written to a file, then kept in storage with its SHA-256,
who made it and when (a ``bundles`` row and a case event)."""
from __future__ import annotations

import asyncio
import hashlib
import io
import json
import os
import secrets
import shutil
import subprocess
import tempfile
import threading
import zipfile
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

from docx import Document as WordDocument
from litestar.exceptions import ClientException, HTTPException
from PIL import Image, ImageOps
from pypdf import PdfReader

from agency.auth import CurrentUser
from agency.db import as_date, atomic
from agency.i18n import gettext as _
from agency.roles import Role
from agency.settings import get_settings
from agency.storage import storage
from agency.tables import Organisation
from agency.tenancy import get_visible
from cases import events
from cases.tables import Case, CaseEvent, Evidence
from legal.documents.rules import (
    PETITIONS,
    Entry,
    annex_name,
    fee_procedure,
    fee_sheet,
    fee_sheet_text,
    how_converted,
    index_text,
    listed_documents,
    petition_name,
    proof_name,
)
from legal.documents.service import (
    EVIDENCE_LABELS,
    MASC_OFFERED,
    soffice,
    visible_document,
)
from legal.handoff.service import procedure_facts
from legal.rules.procedures import court_name
from legal.tables import ERASED_FILENAME, Bundle, Document, Filing

ZIP = "application/zip"
INDEX_NAME = "Índice.txt"
FEE_NAME = "Modelo 696 - datos.txt"
POWER_OF_ATTORNEY = ("no se incluye en este paquete: acompáñese copia del poder o indíquese su número en el Registro "
                     "Electrónico de Apoderamientos Judiciales (apud acta).")
# LibreOffice's import filters, by content type (it reads the format from the extension first).
OFFICE_EXTENSIONS = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "application/vnd.oasis.opendocument.text": "odt", "application/vnd.oasis.opendocument.spreadsheet": "ods",
    "application/msword": "doc", "application/vnd.ms-excel": "xls", "application/rtf": "rtf", "text/plain": "txt", "text/csv": "csv",
}
CONVERSION_TIMEOUT = 120  # seconds for LibreOffice's one run

# Bundles are heavy (LibreOffice, images): at most two built at once per process, the rest wait their turn. Each of
# the two uses its own LibreOffice profile, kept between bundles (making a fresh one costs a second or more).
building = asyncio.Semaphore(2)
profiles = (threading.Lock(), threading.Lock())


class BundleRefused(ClientException):
    """The petition cannot be bundled: not a petition, or documents it lists are missing (the detail says which)."""
    status_code = 422


@dataclass
class Part:
    """A file to put in the bundle: where its source is spooled, how it becomes a PDF, its name in the ZIP."""
    arcname: str
    title: str
    source: Path
    how: str | None  # "pdf" | "image" | "office" | None (cannot be converted)
    original: str = ""
    sha256_original: str = ""
    pdf: Path | None = None
    pages: int = 0
    reason: str = ""
    extra: list[tuple[str, Path]] = field(default_factory=list)  # files added as they are (the petition's .docx)


# --- reading the petition --------------------------------------------------------------------------------------

def table_rows(data: bytes) -> list[list[str]]:
    """Blocking: the text of every table row of a .docx (the petition's documents are listed in one)."""
    word = WordDocument(io.BytesIO(data))
    return [[cell.text for cell in row.cells] for table in word.tables for row in table.rows]


# --- converting (blocking: run in a thread) ----------------------------------------------------------------------

def image_to_pdf(source: Path, target: Path) -> None:
    """An image as PDF pages, one per frame, upright as the camera took it. A plain JPEG (colour or grey, nothing to
    rotate: a phone's photo, a scan) goes into the PDF as it is, not decoded and compressed again (jpeg_pdf)."""
    with Image.open(source) as img:
        if img.format == "JPEG" and img.mode in ("RGB", "L") and img.getexif().get(0x0112, 1) == 1:
            jpeg_pdf(source, img.size, img.mode, img.info.get("dpi"), target)
            return
        frames = []
        for index in range(getattr(img, "n_frames", 1)):
            img.seek(index)
            frame = ImageOps.exif_transpose(img)
            frames.append(frame.convert("RGB") if frame.mode != "RGB" else frame.copy())
        frames[0].save(target, "PDF", resolution=150.0, save_all=len(frames) > 1, append_images=frames[1:])


def jpeg_pdf(source: Path, size: tuple[int, int], mode: str, dpi, target: Path) -> None:
    """A one-page PDF holding the JPEG's own bytes as a DCTDecode image (ISO 32000-1, 8.9.5 and 7.4.8), the page the
    image's size at its resolution (150 dpi when it names none)."""
    width, height = size
    resolution = float(dpi[0]) if dpi and dpi[0] and float(dpi[0]) >= 30 else 150.0
    pw, ph = width * 72 / resolution, height * 72 / resolution
    colour = "/DeviceRGB" if mode == "RGB" else "/DeviceGray"
    content = f"q {pw:.2f} 0 0 {ph:.2f} 0 0 cm /Im0 Do Q".encode()
    length = source.stat().st_size
    head = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {pw:.2f} {ph:.2f}] /Resources << /XObject << /Im0 5 0 R >> >> "
        "/Contents 4 0 R >>".encode(),
        f"<< /Length {len(content)} >>\nstream\n".encode() + content + b"\nendstream",
    ]
    with target.open("wb") as out:
        out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
        offsets = []
        for number, body in enumerate(head, 1):
            offsets.append(out.tell())
            out.write(f"{number} 0 obj\n".encode() + body + b"\nendobj\n")
        offsets.append(out.tell())
        out.write(f"5 0 obj\n<< /Type /XObject /Subtype /Image /Width {width} /Height {height} /ColorSpace {colour} "
                  f"/BitsPerComponent 8 /Filter /DCTDecode /Length {length} >>\nstream\n".encode())
        with source.open("rb") as jpeg:
            shutil.copyfileobj(jpeg, out, 1 << 20)
        out.write(b"\nendstream\nendobj\n")
        xref = out.tell()
        out.write(f"xref\n0 {len(offsets) + 1}\n0000000000 65535 f \n".encode())
        out.write("".join(f"{o:010d} 00000 n \n" for o in offsets).encode())
        out.write(f"trailer\n<< /Size {len(offsets) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode())


def start_office(binary: str, work: Path, parts: list[Part]) -> tuple[subprocess.Popen | None, int | None]:
    """LibreOffice converts every office file in one run (starting it costs seconds), in the background while the
    images are drawn; each of the two bundles built at once has its own profile folder, kept between bundles."""
    if not parts or not binary:
        return None, None
    out = work / "converted"
    out.mkdir(exist_ok=True)
    slot = next((n for n, lock in enumerate(profiles) if lock.acquire(blocking=False)), None)
    if slot is None:  # (only when called beside the two bundles the semaphore lets in)
        profiles[0].acquire()
        slot = 0
    profile = Path(tempfile.gettempdir()) / f"agency-bundle-soffice-{os.getpid()}-{slot}"
    try:
        return subprocess.Popen([binary, f"-env:UserInstallation=file://{profile}", "--headless", "--norestore", "--convert-to", "pdf",
                                 "--outdir", str(out), *[str(p.source) for p in parts]],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL), slot
    except OSError:
        profiles[slot].release()
        return None, None


def finish_office(process: subprocess.Popen | None, slot: int | None, work: Path, parts: list[Part]) -> None:
    """Wait for LibreOffice (killed after CONVERSION_TIMEOUT); a file it could not read simply has no PDF."""
    if process is not None:
        try:
            process.wait(timeout=CONVERSION_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        finally:
            profiles[slot].release()
    for p in parts:
        made = work / "converted" / (p.source.stem + ".pdf")
        if made.exists() and made.stat().st_size:
            p.pdf = made


def pdf_pages(path: Path) -> int:
    """The pages pypdf reads in a PDF (0: not a PDF it can read)."""
    try:
        return len(PdfReader(path).pages)
    except Exception:  # noqa: BLE001 - pypdf raises many kinds for a damaged file
        return 0


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def checked(p: Part) -> None:
    """A part's PDF, read back by pypdf: its pages, or the reason it is left out."""
    if p.pdf is None:
        p.reason = p.reason or "no se ha podido convertir a PDF (archivo dañado o protegido)"
        return
    p.pages = pdf_pages(p.pdf)
    if not p.pages:
        p.pdf = None
        p.reason = "no es un PDF legible"


def make_pdfs(work: Path, parts: list[Part]) -> None:
    """Blocking: each part becomes a checked PDF, or gets the reason it could not."""
    binary = soffice()
    office = [p for p in parts if p.how == "office"]
    if office and binary is None:
        for p in office:
            p.reason = "el servidor no tiene LibreOffice para convertirlo a PDF"
    process, slot = start_office(binary or "", work, office)
    try:
        for n, p in enumerate(parts):
            if p.how is None:
                p.reason = p.reason or "este tipo de archivo no se puede convertir a PDF"
            elif p.how == "pdf":
                p.pdf = p.source
                checked(p)
            elif p.how == "image":
                target = work / f"image-{n}.pdf"
                try:
                    image_to_pdf(p.source, target)
                    p.pdf = target
                except Exception:  # noqa: BLE001 - Pillow raises many kinds for a damaged image
                    p.reason = "la imagen está dañada o no se puede leer"
                checked(p)
    finally:
        finish_office(process, slot, work, office)
    for p in office:
        checked(p)


def write_zip(target: Path, parts: list[Part], index: str, sheet: str) -> None:
    """Blocking: the ZIP, file by file from disk (never the PDFs all in memory). PDFs and .docx files are compressed
    already: stored as they are (deflating 30 MB of them again would take seconds and save almost nothing)."""
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(INDEX_NAME, index.encode())
        for p in parts:
            if p.pdf is not None:
                zf.write(p.pdf, p.arcname, compress_type=zipfile.ZIP_STORED)
            for arcname, path in p.extra:
                zf.write(path, arcname, compress_type=zipfile.ZIP_STORED)
        zf.writestr(FEE_NAME, sheet.encode())


# --- the use-case -------------------------------------------------------------------------------------------------

async def spool(key: str, path: Path) -> bool:
    """Copy a stored file to ``path``; False when storage does not have it."""
    try:
        with path.open("wb") as out:
            async for chunk in storage().stream(key):
                await asyncio.to_thread(out.write, chunk)
        return True
    except Exception:  # noqa: BLE001 - local files and S3 fail in their own ways; the file is then missing
        return False


async def settlement_letter(case_id: int) -> tuple[dict | None, int | None]:
    """The letter of the settlement attempt the petition relies on: the first offer delivered, else the first sent
    (as legal.documents.service.settlement_attempt chooses it), and the evidence that is its delivery certificate."""
    rows = await CaseEvent.select(CaseEvent.kind, CaseEvent.payload).where(
        (CaseEvent.case == case_id) & CaseEvent.kind.is_in(["document_sent", "delivered"])).order_by(CaseEvent.id)
    parsed = [(r["kind"], json.loads(r["payload"] or "{}") if isinstance(r["payload"], str) else (r["payload"] or {})) for r in rows]
    sends = [p for k, p in parsed if k == "document_sent" and p.get("template") in MASC_OFFERED]
    if not sends:
        return None, None
    delivered = {tuple(p.get("of") or ()): p for k, p in parsed if k == "delivered"}
    chosen = next((s for s in sends if ("document", s.get("document"), s.get("sent_on")) in delivered), sends[0])
    certificate = (delivered.get(("document", chosen.get("document"), chosen.get("sent_on"))) or {}).get("certificate")
    letter = await Document.select(Document.id, Document.filename, Document.storage_key, Document.pdf_storage_key).where(
        (Document.id == chosen.get("document")) & (Document.case == case_id)).first()
    return letter, certificate


async def fee_figures(case_id: int, template: str, data_date: date) -> tuple[str, dict]:
    """The 696 sheet's text and figures, on the claim as the petition computed it (its data date)."""
    facts = await procedure_facts(case_id, data_date)
    case = await Case.select(Case.reference, Case.organisation).where(Case.id == case_id).first()
    org = await Organisation.select(Organisation.legal_name, Organisation.tax_id).where(Organisation.id == case["organisation"]).first()
    procedure = fee_procedure(template, facts.claim_amount)
    in_spain = facts.debtor_country.upper() == "ES"
    earlier = Decimal(0)
    if procedure == "ordinario" and await Filing.exists().where(
            (Filing.case == case_id) & (Filing.procedure == "monitorio") & Filing.filed_on.is_not_null()):
        earlier = fee_sheet("monitorio", facts.claim_amount, facts.creditor_is_legal_person, court_in_spain=in_spain,
                            online_on_whole=get_settings().court_fee_discount_on_whole).total
    sheet = fee_sheet(procedure, facts.claim_amount, facts.creditor_is_legal_person, court_in_spain=in_spain, online=facts.online,
                      online_on_whole=get_settings().court_fee_discount_on_whole, earlier_monitorio_fee=earlier)
    court = court_name(PETITIONS[template], facts.debtor_country, facts.debtor_city, facts.debtor_kind)
    text = fee_sheet_text(sheet, org["legal_name"], org["tax_id"], court, case["reference"])
    figures = {"applicable": sheet.applicable, "procedure": sheet.procedure, "amount": sheet.amount, "exempt": sheet.exempt,
               "fixed": sheet.fixed, "variable": sheet.variable, "online_discount": sheet.online_discount,
               "deduction": sheet.deduction, "total": sheet.total}
    return text, figures


async def build_bundle(user: CurrentUser, document_id: int, today: date, case_id: int | None = None) -> dict:
    """Make the petition's bundle, keep it, and say what it holds and what it could not include. 422 when the
    document is not a petition or the documents it lists are not all on the case (each named)."""
    doc = await visible_document(user, document_id)
    await check_filer(user, doc["case"])
    if case_id is not None and doc["case"] != case_id:
        raise BundleRefused(detail=_("This document belongs to another case."))
    if doc["template"] not in PETITIONS:
        raise BundleRefused(detail=_("Only a court petition (monitorio petition, verbal claim, European order for payment) has a filing "
                                     "bundle; generate one first."))
    async with building:
        with tempfile.TemporaryDirectory(prefix="bundle-") as tmp:
            return await assemble(user, doc, today, Path(tmp))


async def assemble(user: CurrentUser, doc: dict, today: date, work: Path) -> dict:
    case_id = doc["case"]
    (work / "in").mkdir()
    petition_docx = work / "in" / "petition.docx"
    if not await spool(doc["storage_key"], petition_docx):
        raise HTTPException(status_code=503, detail=_("The petition's file could not be read from storage just now; try again."))
    listed = listed_documents(await asyncio.to_thread(table_rows, petition_docx.read_bytes()))
    if not listed:
        raise BundleRefused(detail=_("The petition lists no documents: add the evidence to the case and generate the petition again."))
    evidence = await Evidence.select(Evidence.id, Evidence.original_name, Evidence.kind, Evidence.sha256, Evidence.storage_key,
                                     Evidence.content_type).where(Evidence.case == case_id).order_by(Evidence.id)
    by_sha: dict[str, list[dict]] = {}
    for e in evidence:
        by_sha.setdefault(e["sha256"], []).append(e)
    letter, certificate = await settlement_letter(case_id)
    parts: list[Part] = []
    missing: list[str] = []
    for item in listed:
        candidates = by_sha.get(item.sha256) or []
        row = candidates.pop(0) if candidates else None
        label = _("document %(number)s (%(name)s)") % {"number": item.number, "name": item.name or item.sha256[:12]}
        if row is None:
            missing.append(label)
            continue
        how = how_converted(row["content_type"])
        ext = OFFICE_EXTENSIONS.get((row["content_type"] or "").split(";")[0].strip(), "bin") if how == "office" else "src"
        source = work / "in" / f"evidence-{item.number}-{row['id']}.{ext}"
        if not await spool(row["storage_key"], source):
            missing.append(label)
            continue
        title = f"Documento n.º {item.number}: {item.name or row['original_name']}" + (
            " (certificado de entrega del intento de negociación previa)" if row["id"] == certificate else "")
        parts.append(Part(annex_name(item.number, row["original_name"] or item.name, EVIDENCE_LABELS.get(row["kind"], "")), title, source,
                          how, row["original_name"], row["sha256"]))
    if missing:
        raise BundleRefused(detail=_("The petition lists documents the case does not have: %(missing)s. Upload the same files again to "
                                     "the case's evidence, or generate the petition again from the evidence the case has.")
                            % {"missing": ", ".join(missing)}, extra={"missing": missing})
    # the petition: its PDF copy when one was made, else LibreOffice converts it with the others
    head = Part(petition_name(doc["filename"], "pdf"), "Escrito", petition_docx, "office", doc["filename"], doc["sha256"],
                extra=[(petition_name(doc["filename"], "docx"), petition_docx)])
    if doc["pdf_storage_key"]:
        cached = work / "in" / "petition-copy.pdf"
        if await spool(doc["pdf_storage_key"], cached):
            head.source, head.how = cached, "pdf"
    front = [head]
    if letter is not None and letter["filename"] != ERASED_FILENAME:
        source = work / "in" / f"letter-{letter['id']}.docx"
        how = "office"
        if letter["pdf_storage_key"] and await spool(letter["pdf_storage_key"], work / "in" / f"letter-{letter['id']}.pdf"):
            source, how = work / "in" / f"letter-{letter['id']}.pdf", "pdf"
        elif not await spool(letter["storage_key"], source):
            how = None
        front.append(Part(proof_name(letter["filename"]), "Intento de negociación previa: carta enviada al deudor", source, how,
                          letter["filename"]))
    everything = front + parts
    await asyncio.to_thread(make_pdfs, work, everything)
    if head.pdf is None:  # the petition itself: without its PDF there is no bundle
        raise HTTPException(status_code=503, detail=_("LibreOffice could not make the petition's PDF just now; try again, or download the "
                                                      "Word file."))
    fee_text, figures = await fee_figures(case_id, doc["template"], as_date(doc["data_date"]))
    entries = [Entry(p.arcname if p.pdf else "", p.title, p.original, p.sha256_original,
                     await asyncio.to_thread(file_sha256, p.pdf) if p.pdf else "", p.pages, p.pdf is not None, p.reason) for p in everything]
    index = index_text(doc["reference"], doc["filename"], today.strftime("%d/%m/%Y"), user.name or user.email, entries, POWER_OF_ATTORNEY)
    target = work / "bundle.zip"
    await asyncio.to_thread(write_zip, target, everything, index, fee_text)
    sha, size = await asyncio.to_thread(file_sha256, target), target.stat().st_size
    omitted = [{"title": p.title, "original": p.original, "reason": p.reason} for p in everything if p.pdf is None]
    pdfs = sum(1 for p in everything if p.pdf is not None)
    filename = f"{doc['reference']}-presentacion-{doc['filename'].removesuffix('.docx').rsplit('-', 1)[-1]}.zip"
    key = f"bundles/{case_id}/{secrets.token_hex(16)}.zip"
    with target.open("rb") as fh:
        await storage().put_file(key, fh, ZIP)
    copy = None
    if head.how == "office":  # the petition's PDF copy, kept as legal.documents.service.pdf_of keeps it: the next bundle is quicker
        copy = doc["storage_key"].removesuffix(".docx") + ".pdf"
        with head.pdf.open("rb") as fh:
            await storage().put_file(copy, fh, "application/pdf")
    try:
        async with atomic():
            if copy:
                await Document.update({Document.pdf_storage_key: copy}).where(Document.id == doc["id"])
            row = (await Bundle.insert(Bundle(case=case_id, document=doc["id"], storage_key=key, filename=filename, sha256=sha, size=size,
                                              pdfs=pdfs, omitted=json.dumps(omitted, ensure_ascii=False), created_by=user.id))
                   .returning(Bundle.id))[0]
            await events.record(case_id, "bundle", user, _("Filing bundle made of %(name)s: %(pdfs)s PDFs, SHA-256 %(sha)s.") % {
                "name": doc["filename"], "pdfs": pdfs, "sha": sha[:12]} + (
                " " + _("Not included: %(names)s.") % {"names": ", ".join(o["original"] or o["title"] for o in omitted)} if omitted else ""),
                {"bundle": row["id"], "document": doc["id"], "sha256": sha, "size": size, "pdfs": pdfs, "omitted": omitted},
                visible_to_creditor=False)
    except BaseException:
        await storage().delete(key)
        raise
    return {"id": row["id"], "document": doc["id"], "case": case_id, "filename": filename, "sha256": sha, "size": size, "pdfs": pdfs,
            "omitted": omitted, "court_fee": figures, "storage_key": key}


async def check_filer(user: CurrentUser, case_id: int) -> None:
    """Who files: an admin, or the case's own lawyer (as legal.court.service's filings); another lawyer is a 403."""
    if user.role == Role.lawyer:
        case = await Case.select(Case.lawyer).where(Case.id == case_id).first()
        if case is None or case["lawyer"] != user.id:
            raise HTTPException(status_code=403, detail=_("This case is assigned to another lawyer."))


async def visible_bundle(user: CurrentUser, bundle_id: int) -> dict:
    """A kept bundle, for the case's lawyer or an admin."""
    row = await get_visible(Bundle.select(*Bundle.all_columns()).where(Bundle.id == bundle_id), user, Bundle.case.organisation)
    await check_filer(user, row["case"])
    if row["filename"] == ERASED_FILENAME:
        raise HTTPException(status_code=410, detail=_("This document was deleted with the debtor's data."))
    return row
