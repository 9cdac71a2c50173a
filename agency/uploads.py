"""Receiving files without holding them in memory.

Request bodies are read as a stream: each file goes chunk by chunk to a temporary file on disk
while its SHA-256 and size are computed, and the upload is stopped with 413 as soon as a file
passes the limit. Multipart bodies are parsed by python-multipart's streaming parser (the one
Starlette uses); a raw body (the browser's per-file XHR upload) is taken as one file."""
from __future__ import annotations

import hashlib
import re
import tempfile
from dataclasses import dataclass, field
from typing import BinaryIO

from litestar import Request
from litestar.exceptions import ClientException, HTTPException
from python_multipart.multipart import MultipartParser, parse_options_header

from agency.auth import CSRF_COOKIE, check_streamed_csrf, csrf_pending
from agency.http_utils import sanitise_filename
from agency.i18n import gettext as _

MAX_FIELDS_BYTES = 1024 * 1024  # text fields of one form, all together
MAX_FILES = 20
_ENCODED_CONTROL = re.compile(r"%(?:[01][0-9A-Fa-f]|7[Ff])")


class TooLarge(HTTPException):
    status_code = 413


@dataclass
class ReceivedFile:
    field: str
    filename: str  # sanitised
    declared_type: str
    file: BinaryIO
    size: int = 0
    sha256: str = ""
    blank: bool = False  # the empty file input of a form sent without a file

    @property
    def skippable(self) -> bool:
        return self.blank and self.size == 0

    def close(self) -> None:
        self.file.close()


@dataclass
class ReceivedForm:
    fields: dict[str, list[str]] = field(default_factory=dict)
    files: list[ReceivedFile] = field(default_factory=list)

    def get(self, name: str, default: str = "") -> str:
        values = self.fields.get(name)
        return values[0] if values else default

    def getall(self, name: str) -> list[str]:
        return self.fields.get(name, [])

    def close(self) -> None:
        for f in self.files:
            f.close()


def _too_large(max_bytes: int) -> TooLarge:
    return TooLarge(detail=_("The file is larger than %(mb)s MB.") % {"mb": max_bytes // (1024 * 1024)})


async def receive_raw(request: Request, filename: str, max_bytes: int) -> ReceivedFile:
    """The request body is the file."""
    out = tempfile.TemporaryFile()
    digest, size = hashlib.sha256(), 0
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > max_bytes:
                raise _too_large(max_bytes)
            digest.update(chunk)
            out.write(chunk)
    except BaseException:
        out.close()
        raise
    out.seek(0)
    return ReceivedFile("file", sanitise_filename(filename), request.headers.get("content-type", ""), out, size, digest.hexdigest())


async def receive_multipart(request: Request, max_file_bytes: int) -> ReceivedForm:
    content_type, params = parse_options_header(request.headers.get("content-type", ""))
    boundary = params.get(b"boundary")
    if content_type != b"multipart/form-data" or not boundary:
        raise ClientException(detail=_("Send the form as multipart/form-data."))
    form = ReceivedForm()
    state: dict = {"headers": {}, "name": b"", "value": b"", "current": None, "text": None, "digest": None, "fields_bytes": 0}

    def on_part_begin() -> None:
        state["headers"] = {}

    def on_header_field(data: bytes, start: int, end: int) -> None:
        state["name"] += data[start:end]

    def on_header_value(data: bytes, start: int, end: int) -> None:
        state["value"] += data[start:end]

    def on_header_end() -> None:
        state["headers"][state["name"].decode("latin-1").lower()] = state["value"]
        state["name"], state["value"] = b"", b""

    def on_headers_finished() -> None:
        _, options = parse_options_header(state["headers"].get("content-disposition", b""))
        name = options.get(b"name", b"").decode("utf-8", "replace")
        if b"filename" in options:
            if len(form.files) >= MAX_FILES:
                raise ClientException(detail=_("Send at most %(n)s files at once.") % {"n": MAX_FILES})
            raw_name = options[b"filename"].decode("utf-8", "replace")
            # Browsers percent-encode quotes and control characters in multipart names (HTML spec): undo
            # those, so sanitising sees them; any other "%" is the user's own.
            raw_name = _ENCODED_CONTROL.sub("", raw_name).replace("%22", '"')
            declared = state["headers"].get("content-type", b"").decode("latin-1")
            received = ReceivedFile(name, sanitise_filename(raw_name), declared, tempfile.TemporaryFile(), blank=not raw_name.strip())
            form.files.append(received)
            state["current"], state["text"], state["digest"] = received, None, hashlib.sha256()
        else:
            state["current"], state["text"] = None, (name, bytearray())

    def on_part_data(data: bytes, start: int, end: int) -> None:
        chunk = data[start:end]
        if state["current"] is not None:
            received: ReceivedFile = state["current"]
            received.size += len(chunk)
            if received.size > max_file_bytes:
                raise _too_large(max_file_bytes)
            state["digest"].update(chunk)
            received.file.write(chunk)
        else:
            state["fields_bytes"] += len(chunk)
            if state["fields_bytes"] > MAX_FIELDS_BYTES:
                raise ClientException(detail=_("The form's text fields are too long."))
            state["text"][1].extend(chunk)

    def on_part_end() -> None:
        if state["current"] is not None:
            received: ReceivedFile = state["current"]
            received.sha256 = state["digest"].hexdigest()
            received.file.seek(0)
            state["current"] = None
        elif state["text"] is not None:
            name, value = state["text"]
            if b"\x00" in value or "\x00" in name:
                raise ClientException(detail=_("The field %(name)s contains a NUL character (U+0000): remove it and send it again.")
                                      % {"name": sanitise_filename(name, "?")})
            form.fields.setdefault(name, []).append(bytes(value).decode("utf-8", "replace"))
            state["text"] = None

    parser = MultipartParser(
        boundary,
        {
            "on_part_begin": on_part_begin, "on_header_field": on_header_field, "on_header_value": on_header_value,
            "on_header_end": on_header_end, "on_headers_finished": on_headers_finished, "on_part_data": on_part_data,
            "on_part_end": on_part_end,
        },
    )
    try:
        async for chunk in request.stream():
            parser.write(chunk)
        parser.finalize()
    except HTTPException:
        form.close()
        raise
    except Exception as exc:  # a malformed body is the client's fault, not a 500
        form.close()
        raise ClientException(detail=_("The upload could not be read: %(error)s") % {"error": type(exc).__name__}) from None
    if csrf_pending(request.scope):
        try:
            check_streamed_csrf(request.scope, request.cookies.get(CSRF_COOKIE), form.get("_csrf_token"))
        except HTTPException:
            form.close()
            raise
    return form
