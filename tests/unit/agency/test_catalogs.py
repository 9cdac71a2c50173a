"""Every text in the reader's language (issue 23): the catalogs hold every string the sources mark, Spanish and
English are complete, and everything a debtor reads is in French and Portuguese too.

The strings are read from the sources as `make messages` reads them (babel.cfg), so a string added without
running it, or left untranslated, fails here rather than showing its English to a Spanish reader."""
from __future__ import annotations

import warnings
from functools import lru_cache
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[3]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}
# What the debtor's door shows them (its staff and creditor pages live beside it) and the notice every letter and
# page to an individual carries.
DEBTOR_SOURCES = ("cases/portal/rules.py", "legal/rules/privacy.py", "cases/payments/redsys.py")
STAFF_PAGES_OF_THE_PORTAL = ("templates/cases/portal/plan_rules.html", "templates/cases/portal/_staff_link.html")


@lru_cache(maxsize=1)
def marked() -> dict[str, set[str]]:
    """msgid -> the files that mark it."""
    with open(ROOT / "babel.cfg") as f:
        method_map, options_map = parse_mapping_cfg(f)
    found: dict[str, set[str]] = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # babel warns of f-strings passed as arguments; the msgids are literal
        for filename, _line, message, _comments, _context in extract_from_dir(str(ROOT), method_map, options_map, keywords=KEYWORDS):
            found.setdefault(message if isinstance(message, str) else message[0], set()).add(filename)
    return found


@lru_cache(maxsize=4)
def catalog(lang: str):
    with open(ROOT / "agency" / "locale" / lang / "LC_MESSAGES" / "messages.po", "rb") as f:
        return read_po(f, locale=lang)


def translated(message) -> bool:
    if message is None or message.fuzzy:
        return False
    return all(message.string) if isinstance(message.id, tuple) else bool(message.string)


def test_the_sources_mark_strings_to_translate():
    assert len(marked()) > 1000


def test_every_catalog_holds_every_marked_string():
    for lang in ("es", "en", "fr", "pt"):
        ids = {m.id if isinstance(m.id, str) else m.id[0] for m in catalog(lang) if m.id}
        missing = sorted(set(marked()) - ids)
        assert not missing, f"{lang}: {len(missing)} strings not in the catalog (run `make messages`): {missing[:5]}"


def test_spanish_and_english_are_complete():
    for lang in ("es", "en"):
        cat = catalog(lang)
        missing = sorted(key for key in marked() if not translated(cat.get(key)))
        assert not missing, f"{lang}: {len(missing)} strings without a translation: {missing[:5]}"


def test_what_a_debtor_reads_is_in_french_and_portuguese():
    debtor = {key for key, files in marked().items()
              if any((f.startswith("templates/cases/portal/") and f not in STAFF_PAGES_OF_THE_PORTAL) or f in DEBTOR_SOURCES
                     for f in files)}
    assert len(debtor) > 50  # the portal's pages are found
    for lang in ("fr", "pt"):
        cat = catalog(lang)
        missing = sorted(key for key in debtor if not translated(cat.get(key)))
        assert not missing, f"{lang}: {len(missing)} strings a debtor reads without a translation: {missing[:5]}"
