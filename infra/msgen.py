"""The English catalog is the source language: like gettext's `msgen`, give every entry without a translation
its own msgid as its English text, so that a complete English catalog is a fact a test can check
(tests/unit/agency/test_catalogs.py) and an entry nobody filled shows up there rather than in a page.
Run by `make messages` after the catalogs are updated; entries already translated are left as they are."""
from __future__ import annotations

import sys

from babel.messages.pofile import read_po, write_po

PATH = "agency/locale/en/LC_MESSAGES/messages.po"


def main(path: str = PATH) -> int:
    with open(path, "rb") as f:
        catalog = read_po(f, locale="en")
    filled = 0
    for message in catalog:
        if not message.id:
            continue
        if isinstance(message.id, tuple):
            if not all(message.string):
                message.string = tuple(s or message.id[min(i, 1)] for i, s in enumerate(message.string or ("", "")))
                filled += 1
        elif not message.string:
            message.string = message.id
            filled += 1
        message.flags.discard("fuzzy")
    with open(path, "wb") as f:
        write_po(f, catalog, sort_output=True)
    print(f"English catalog: {filled} entries given their source text")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
