"""What a search term is (a reference, a tax id, an email, a phone, an invoice number, a name) and how what it
finds is ranked. Pure: the service asks the database for each reading of the term and ranks the rows here."""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import phonenumbers

from agency.identifiers import COUNTRIES, InvalidIdentifier, normalise_tax_id

MIN_LENGTH = 2
MAX_LENGTH = 100
LIMIT = 20

REFERENCE = re.compile(r"[A-Z]{2,5}-\d{4}-\d{6,}")  # a case reference whole, as cases.queries reads it
_REFERENCE_PART = re.compile(r"(?:[A-Z]{2,5}-?)?\d{2,}(?:-\d*)?|[A-Z]{2,5}-\d[\d-]*")  # "2026-000123", "000123", "EXP-2026"
# a part that names where the year starts: the letters' end and a dash ("XP-2026", "EXP-2026-0001"), or the year whole
# and a dash ("2026-0001"); letters hold no dash and the year is four digits, so every reference holding such a part
# has it there, and what follows the letters starts with the rest
_ANCHORED_PART = re.compile(r"[A-Z]{1,5}-(\d[\d-]*)|(\d{4}-\d*)")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_PHONE = re.compile(r"\+?[\d\s().-]{6,}")
_TAX_ID = re.compile(r"[A-Z0-9]{8,20}")
_INVOICE = re.compile(r"\S{1,64}")
# the phone as the index keeps it (migration cases 2026-12-07T10:20): what people type between digits taken out
PHONE_SEPARATORS = (" ", "-", ".", "(", ")", "/")

EXACT, PREFIX, CONTAINS = 0, 1, 2  # how well a row matched: the rank, best first


@dataclass(frozen=True)
class Term:
    """Every reading of what was typed; the service looks each one up (empty: not this kind)."""
    text: str
    reference: str = ""  # a whole reference (EXP-2026-000123), upper case
    reference_part: str = ""  # part of one ("2026-0001"), upper case, without LIKE's wildcards
    tax_ids: tuple[str, ...] = ()
    email: str = ""
    phones: tuple[str, ...] = ()  # the forms a number may be kept in, separators taken out
    invoice: str = ""
    name: str = ""  # as debtors.search_name holds names (cases.queries.search_key)


def problem(q: str | None) -> str | None:
    """Why ``q`` cannot be searched, or None."""
    text = (q or "").strip()
    if len(text) < MIN_LENGTH:
        return "short"
    if len(text) > MAX_LENGTH:
        return "long"
    return None


def phone_key(raw: str) -> str:
    """A phone as the index keeps it: the digits and a leading +, as typed otherwise."""
    for sep in PHONE_SEPARATORS:
        raw = raw.replace(sep, "")
    return raw


def phone_forms(text: str, country: str = "ES") -> tuple[str, ...]:
    """The forms a phone number may have been kept in ("+34600123456", "600123456", "0034600123456"), or () when
    ``text`` is no possible number. Parsed as cases.contacts.rules.normalise_phone parses (Spain unless a + says)."""
    if not _PHONE.fullmatch(text) or sum(ch.isdigit() for ch in text) < 6:
        return ()
    try:
        number = phonenumbers.parse(text, country)
    except phonenumbers.NumberParseException:
        return ()
    if not phonenumbers.is_possible_number(number):
        return ()
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    national = phone_key(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL))
    return tuple(dict.fromkeys([e164, national, "00" + e164[1:], phone_key(text)]))


def tax_id_forms(text: str) -> tuple[str, ...]:
    """The tax id in its canonical form for each country it is valid in (any spacing, dots, dashes or case)."""
    compact = re.sub(r"[\s.\-/]", "", text).upper()
    if not _TAX_ID.fullmatch(compact) or not any(ch.isdigit() for ch in compact):
        return ()
    forms = [compact]
    for country in COUNTRIES:
        try:
            forms.append(normalise_tax_id(country, compact))
        except InvalidIdentifier:
            continue
    return tuple(dict.fromkeys(forms))


def reference_rest(part: str) -> str:
    """What a reference after its letters ("2026-000123" of "EXP-2026-000123") starts with when it holds ``part``, for a
    part anchored at the year ("2026-0001", "EXP-2026", "XP-2026-00"); "" for a part that may be anywhere ("000123")."""
    match = _ANCHORED_PART.fullmatch(part)
    return (match.group(1) or match.group(2)) if match else ""


def classify(q: str, fold: Callable[[str], str]) -> Term:
    """Every reading of ``q`` (already checked by ``problem``). A term may be read several ways ("B48123459" a tax
    id and an invoice number): each is looked up by its own index, and the ranking puts exact matches first.
    ``fold`` turns a name into what debtors.search_name holds (cases.queries.search_key: accents, case, punctuation)."""
    text = " ".join(q.split())
    upper = text.upper()
    if _EMAIL.fullmatch(text):
        return Term(text=text, email=text.lower(), invoice=text if _INVOICE.fullmatch(text) else "")
    reference = upper if REFERENCE.fullmatch(upper) else ""
    if reference:  # a whole reference is nothing else (but an invoice may have been numbered so): no name to read through
        return Term(text=text, reference=reference, invoice=text)
    part = "" if reference else upper.replace("%", "").replace("_", "") if _REFERENCE_PART.fullmatch(upper) else ""
    phones = phone_forms(text)
    # A name has a word of two letters or more: "S-500000", "b 0050 0000" or "F-2025/17" are identifiers, and reading
    # them as names would ask the trigram index for every name with a word starting "s", "b" or "f" (seconds at a million).
    name = fold(text) if any(len(w) > 1 and w.isalpha() for w in re.split(r"[\W\d_]+", text)) else ""
    return Term(text=text, reference=reference, reference_part=part, tax_ids=tax_id_forms(text), phones=phones,
                invoice=text if _INVOICE.fullmatch(text) else "", name=name)


@dataclass(frozen=True)
class Hit:
    kind: str  # case, debtor or invoice
    case_id: int
    reference: str
    title: str
    rank: int  # EXACT, PREFIX or CONTAINS


def name_rank(search_name: str, name: str) -> int:
    """A name that starts with what was typed before one that holds it elsewhere."""
    return PREFIX if search_name.startswith(name) else CONTAINS


def ranked(hits: list[Hit], limit: int = LIMIT) -> list[Hit]:
    """Best first (exact, then a name's start, then a name in part), each case once (where it matched best), then by
    title and reference; at most ``limit``."""
    best: dict[int, Hit] = {}
    for hit in hits:
        kept = best.get(hit.case_id)
        if kept is None or hit.rank < kept.rank:
            best[hit.case_id] = hit
    return sorted(best.values(), key=lambda h: (h.rank, h.title.casefold(), h.reference))[:limit]
