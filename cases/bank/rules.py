"""What a bank line says of a case (pure): the case references written in its concepts.

A case's reference is ``EXP-<year>-<number>``, the number zero-padded to six digits (``EXP-2026-000123``, made by
``cases.claims.service.next_references``). Debtors type it, and banks mangle it on the way: lower case, the dashes
dropped or turned into spaces, dots or slashes (``exp 2026 000123``, ``EXP2026000123``, ``Exp.2026/123``). Each is
read back as the reference the agency wrote."""
from __future__ import annotations

import re

# EXP, the year, the number. Without a separator between year and number the number must have its six digits (else
# "EXP2026123" could be any split); with one, a debtor who dropped the leading zeros is still read. The number is
# one run of digits, never glued to a following digit.
_SEP = r"[\s\-_./:]*"
_REFERENCE = re.compile(
    rf"EXP{_SEP}(?P<year>20\d\d)(?:(?P<number>\d{{6,11}})|[\s\-_./:]+(?P<short>\d{{1,11}}))(?!\d)",
    re.IGNORECASE,
)


def canonical(year: str, number: str) -> str:
    return f"EXP-{year}-{int(number):06d}"


def references_in(text: str) -> list[str]:
    """The case references in ``text``, canonical (``EXP-2026-000123``), each once, in the order they appear."""
    found: list[str] = []
    for match in _REFERENCE.finditer(text or ""):
        reference = canonical(match["year"], match["number"] or match["short"])
        if int(match["number"] or match["short"]) and reference not in found:
            found.append(reference)
    return found
