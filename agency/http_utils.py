"""Small HTTP helpers shared by controllers (pure)."""
from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote


def sanitise_filename(name: str, fallback: str = "file") -> str:
    """A name safe to show and to send back: no path, no control characters, at most 150 characters."""
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in unicodedata.normalize("NFC", name) if unicodedata.category(ch)[0] != "C")
    name = re.sub(r"\s+", " ", name).strip(" .")
    if len(name) > 150:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: 150 - len(ext) - 1] + dot + ext) if dot and len(ext) <= 10 else name[:150]
    return name or fallback


def content_disposition(filename: str) -> str:
    """``attachment`` with an ASCII fallback and the UTF-8 name (RFC 6266 / 5987)."""
    name = sanitise_filename(filename)
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode() or "file"
    ascii_name = ascii_name.replace('"', "").replace(";", "")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"


def client_ip(scope) -> str:
    client = scope.get("client")
    return client[0] if client else "unknown"


MAX_ID = 2**31 - 1  # ids are PostgreSQL integers


def parse_id(raw: object) -> int | None:
    """A positive id from a form or query field, or None (ASCII digits only: '²'.isdigit() is True)."""
    text = str(raw or "").strip()
    if not (text.isascii() and text.isdigit()):
        return None
    value = int(text)
    return value if 0 < value <= MAX_ID else None
