"""What an uploaded file really is, decided from its content (pure).

An allowlist, not a blocklist: PDF, PNG, JPEG, TIFF, DOCX, XLSX, ODT, ODS, EML, MSG, TXT and CSV, and XML only
when it is an e-invoice (Facturae or UBL, recognised by its root element: cases.imports.einvoice). Everything else is
refused, and so is a file whose content contradicts its extension (an ``.exe``
renamed ``.pdf``). Written here rather than taken from a library because the rule is ours: a
generic detector says what a file is; this says whether the agency keeps it, and why not."""
from __future__ import annotations

import zipfile
from dataclasses import dataclass
from typing import BinaryIO

from agency.i18n import lazy_gettext as _l
from cases.imports.einvoice import sniff_format

HEAD_BYTES = 8192

PDF, PNG, JPEG, TIFF = "application/pdf", "image/png", "image/jpeg", "image/tiff"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ODT, ODS = "application/vnd.oasis.opendocument.text", "application/vnd.oasis.opendocument.spreadsheet"
EML, MSG, TXT, CSV = "message/rfc822", "application/vnd.ms-outlook", "text/plain", "text/csv"
XML = "application/xml"  # e-invoices only

EXTENSIONS = {
    PDF: {"pdf"}, PNG: {"png"}, JPEG: {"jpg", "jpeg"}, TIFF: {"tif", "tiff"}, DOCX: {"docx"}, XLSX: {"xlsx"},
    ODT: {"odt"}, ODS: {"ods"}, EML: {"eml"}, MSG: {"msg"}, TXT: {"txt", "text", "log"}, CSV: {"csv"},
    XML: {"xml"},
}
_ALL_EXTENSIONS = set().union(*EXTENSIONS.values())


@dataclass(frozen=True)
class Verdict:
    content_type: str | None
    reason: object = None  # why it is refused (translated when shown)

    @property
    def ok(self) -> bool:
        return self.content_type is not None


def _refuse(reason) -> Verdict:
    return Verdict(None, reason)


_EXECUTABLE_MAGIC = (b"MZ", b"\x7fELF", b"\xcf\xfa\xed\xfe", b"\xce\xfa\xed\xfe", b"\xca\xfe\xba\xbe", b"#!")
_MARKUP = (b"<html", b"<!doctype", b"<script", b"<svg", b"<?xml", b"<body", b"<head", b"<iframe")
_EMAIL_HEADERS = (b"received:", b"from:", b"to:", b"subject:", b"date:", b"message-id:", b"mime-version:", b"return-path:", b"delivered-to:")


def _zip_kind(fileobj: BinaryIO, head: bytes) -> str | None:
    # OpenDocument: the first entry is an uncompressed "mimetype" naming the format.
    if head[30:38] == b"mimetype":
        rest = head[38:120]
        if rest.startswith(ODT.encode()):
            return ODT
        if rest.startswith(ODS.encode()):
            return ODS
    try:
        fileobj.seek(0)
        with zipfile.ZipFile(fileobj) as zf:
            names = set(zf.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    finally:
        fileobj.seek(0)
    if "[Content_Types].xml" in names:
        if any(n.startswith("word/") for n in names):
            return DOCX
        if any(n.startswith("xl/") for n in names):
            return XLSX
    return None


def _text_kind(head: bytes, extension: str) -> str | None:
    if b"\x00" in head:
        return None
    sample = head.lstrip(b"\xef\xbb\xbf").lstrip()
    lowered = sample.lower()
    if any(marker in lowered[:2048] for marker in _MARKUP):
        return "markup"
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(sample) - 4:  # not just a character cut at the end of the sample
            try:
                sample.decode("cp1252")
            except UnicodeDecodeError:
                return None
    first_lines = lowered.splitlines()[:12]
    if sum(1 for line in first_lines if line.startswith(_EMAIL_HEADERS)) >= 2:
        return EML
    if extension == "csv":
        return CSV
    return TXT


def sniff(fileobj: BinaryIO, filename: str) -> Verdict:
    """Decide from the first bytes (and the zip directory for office files). ``fileobj`` must be seekable."""
    fileobj.seek(0)
    head = fileobj.read(HEAD_BYTES)
    fileobj.seek(0)
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if not head:
        return _refuse(_l("The file is empty."))
    if head.startswith(_EXECUTABLE_MAGIC):
        return _refuse(_l("Programs and scripts are not accepted."))
    if head.startswith(b"%PDF-"):
        kind = PDF
    elif head.startswith(b"\x89PNG\r\n\x1a\n"):
        kind = PNG
    elif head.startswith(b"\xff\xd8\xff"):
        kind = JPEG
    elif head.startswith((b"II*\x00", b"MM\x00*")):
        kind = TIFF
    elif head.startswith(b"PK\x03\x04"):
        kind = _zip_kind(fileobj, head)
        if kind is None:
            return _refuse(_l("This archive is not a Word, Excel or OpenDocument file."))
    elif head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        if extension != "msg":
            return _refuse(_l("Old Office formats are not accepted: save the file as PDF, DOCX or XLSX."))
        kind = MSG
    else:
        kind = _text_kind(head, extension)
        if kind == "markup" and sniff_format(head) is not None:
            kind = XML
        elif kind == "markup":
            return _refuse(_l("Web pages, SVG images and XML files other than e-invoices (Facturae, UBL) are not accepted: "
                              "send a PDF instead."))
        if kind is None:
            return _refuse(_l("This type of file is not accepted. Send PDF, images, office documents, emails, TXT or CSV."))
    if extension and extension in _ALL_EXTENSIONS and extension not in EXTENSIONS[kind]:
        if not (kind == TXT and extension == "csv") and not (kind == CSV and extension == "txt"):
            return _refuse(_l("The content of this file does not match its extension (.%(ext)s).", ext=extension))
    if extension and extension not in _ALL_EXTENSIONS:
        return _refuse(_l("Files ending in .%(ext)s are not accepted.", ext=extension))
    return Verdict(kind)
